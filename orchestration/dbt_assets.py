"""The dbt project as Dagster assets: sources map onto raw/<platform>/<entity>."""

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from ingestion.platforms import PLATFORMS
from ingestion.settings import REPO_ROOT
from orchestration.partitions import (
    daily_partitions,
    run_start,
    window_from_keys,
    write_dbt_window,
)
from orchestration.resources import DUCKDB_POOL, Warehouse

DBT_DIR = REPO_ROOT / "dbt_project"
# the longest look-back of any platform: a daily run's dbt build starts that many days earlier
LOOKBACK_DAYS = max(info.lookback_days for info in PLATFORMS.values())
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


def manifest_path(project: DbtProject = dbt_project) -> Path:
    """The manifest, parsed once if the checkout has none yet."""
    path = project.manifest_path
    if not path.exists():
        project.prepare_if_dev()
    if not path.exists():
        DbtCliResource(project_dir=project, dbt_executable=dbt_executable()).cli(
            ["parse", "--quiet"], target_path=project.target_path
        ).wait()
    return path


def build_dbt_assets(project: DbtProject, name: str = "socialmart_dbt") -> dg.AssetsDefinition:
    """Every model, seed and test of a dbt project as one multi-asset, partitioned by day."""

    @dbt_assets(
        manifest=manifest_path(project),
        project=project,
        name=name,
        dagster_dbt_translator=LayeredTranslator(),
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=DUCKDB_POOL,
    )
    def _dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse):
        key_range = context.partition_key_range
        start, end = window_from_keys(key_range.start, key_range.end)
        # the days the run's platforms fetched again are rebuilt too
        start = run_start(start, end, context.run.tags, LOOKBACK_DAYS)
        con = warehouse.connect()
        try:
            write_dbt_window(con, (start, end))
        finally:
            con.close()
        # profiles.yml reads the warehouse file and its limits from these vars, the same
        # every run; with the window out of them and one target folder per warehouse, dbt
        # re-parses only what changed since its last run (nothing, between code changes)
        args = ["build", "--vars", json.dumps(warehouse.dbt_vars())]
        yield from dbt.cli(args, context=context, target_path=warehouse.dbt_target()).stream()

    return _dbt


socialmart_dbt = build_dbt_assets(dbt_project)
