"""The dbt project as Dagster assets: sources map onto raw/<platform>/<entity>."""

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from ingestion.settings import REPO_ROOT
from orchestration.partitions import daily_partitions, dbt_vars, window_from_keys
from orchestration.resources import DUCKDB_POOL, Warehouse

DBT_DIR = REPO_ROOT / "dbt_project"
dbt_project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)
# The UI groups assets by layer, left to right: reference (seeds) and raw, staging,
# intermediate (the identity graph's logs included), marts, kpi, serving.
LAYER_GROUPS = {
    "reference": "reference",
    "staging": "staging",
    "intermediate": "intermediate",
    "identity": "intermediate",
    "mart": "marts",
    "kpi": "kpi",
}


class LayeredTranslator(DagsterDbtTranslator):
    """Keys mirror the warehouse: raw/<platform>/<entity> and <schema>/<model>."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            table = dbt_resource_props["name"]
            return dg.AssetKey(["raw", dbt_resource_props["source_name"], table])
        schema = dbt_resource_props["config"].get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        schema = dbt_resource_props.get("config", {}).get("schema")
        return LAYER_GROUPS.get(schema, "dbt")

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return ["team:data"]


def dbt_executable() -> str:
    """The dbt beside this interpreter: DbtCliResource would otherwise search PATH."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def manifest_path() -> Path:
    """The manifest, parsed once if the checkout has none yet."""
    path = dbt_project.manifest_path
    if not path.exists():
        dbt_project.prepare_if_dev()
    if not path.exists():
        DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()).cli(
            ["parse", "--quiet"], target_path=dbt_project.target_path
        ).wait()
    return path


@dbt_assets(
    manifest=manifest_path(),
    project=dbt_project,
    dagster_dbt_translator=LayeredTranslator(),
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=DUCKDB_POOL,
)
def socialmart_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse):
    key_range = context.partition_key_range
    start, end = window_from_keys(key_range.start, key_range.end)
    # profiles.yml reads the warehouse file and its limits from these vars
    args = ["build", "--vars", json.dumps({**dbt_vars(start, end), **warehouse.dbt_vars()})]
    yield from dbt.cli(args, context=context).stream()
