"""The dbt project as Dagster assets: sources map onto raw/<platform>/<entity>."""

import fcntl
import hashlib
import importlib.metadata
import json
import sys
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging import version

from expectations.runner import import_in_background
from ingestion.platforms import PLATFORMS
from ingestion.settings import REPO_ROOT
from orchestration.partitions import (
    daily_partitions,
    run_start,
    window_from_keys,
    write_dbt_window,
)
from orchestration.publication import prepare_ahead
from orchestration.resources import DUCKDB_POOL, PUBLISHED_KEY, Warehouse
from serving import served_copy

DBT_DIR = REPO_ROOT / "dbt_project"
# the longest look-back of any platform: a daily run's dbt build starts that many days earlier
LOOKBACK_DAYS = max(info.lookback_days for info in PLATFORMS.values())
dbt_project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)
# The UI groups assets by layer, left to right: reference (seeds) and raw, staging,
# intermediate (the identity graph's logs included), marts, kpi, serving. A model's layer
# is its folder (models/<folder>/), not its schema: kpi_user_active_months is of the kpi
# layer, kept in the intermediate schema because the kpi schema is published whole.
LAYER_GROUPS = {
    "staging": "staging",
    "intermediate": "intermediate",
    "identity": "intermediate",
    "marts": "marts",
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
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        return LAYER_GROUPS.get(dbt_resource_props["fqn"][1], "dbt")

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return ["team:data"]


# the dbt of this environment, installed beside its interpreter
DBT_BESIDE = Path(sys.executable).parent / "dbt"


def dbt_executable() -> str:
    """The dbt beside this interpreter: DbtCliResource would otherwise search PATH."""
    return str(DBT_BESIDE) if DBT_BESIDE.exists() else "dbt"


class DbtCli(DbtCliResource):
    """dagster-dbt's dbt CLI resource, without two things it does in this process before
    each run's first command, 5-6 s before dbt starts: it opens a dbt adapter (loading the
    profile, the project and every macro), which dagster-dbt uses only to fetch row counts
    and column metadata of built models, which socialmart does not ask for (without it,
    the invocation carries no adapter, as when opening one fails); and it runs
    ``dbt --version`` to learn the version of dbt-core, which is this environment's when
    the dbt beside this interpreter runs (``dbt_executable``)."""

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        if self.dbt_executable != str(DBT_BESIDE):
            return super()._cli_version
        return version.parse(importlib.metadata.version("dbt-core"))


# What dbt parses: a change to any of these is a change to the code.
PROJECT_CODE = ("dbt_project.yml", "models", "macros", "seeds", "tests")
UNIT_TESTS_PASSED = "unit_tests_passed.sha256"
# beside the manifest: the fingerprint of the code it was parsed from
MANIFEST_CODE = "manifest_code.sha256"


def project_fingerprint(project_dir: Path = DBT_DIR) -> str:
    """A digest of the dbt code (every file dbt parses, its path and bytes)."""
    digest = hashlib.sha256()
    for name in PROJECT_CODE:
        root = project_dir / name
        for path in sorted([root] if root.is_file() else root.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(project_dir)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def manifest_path(project: DbtProject = dbt_project) -> Path:
    """The manifest of the dbt code as it is now: parsed again when the code changed since
    it was written. An older one would give Dagster the old assets, the PII scan the old
    stamps and the publish the old personal columns (a pull without `make manifest`)."""
    path = Path(project.manifest_path)
    stamp = path.with_name(MANIFEST_CODE)
    fingerprint = project_fingerprint(Path(project.project_dir))

    def current() -> bool:
        return path.exists() and stamp.exists() and stamp.read_text("utf-8") == fingerprint

    if current():
        return path
    # one parse at a time (the daemon and a run may both find it old after a pull)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_name("manifest.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not current():
            DbtCli(project_dir=project, dbt_executable=dbt_executable()).cli(
                ["parse", "--quiet"], target_path=project.target_path
            ).wait()
            stamp.write_text(fingerprint, encoding="utf-8")
    return path


def build_args(warehouse: Warehouse, fingerprint: str) -> list[str]:
    """``dbt build`` as a run on this warehouse needs it. profiles.yml reads the warehouse
    file and its limits from the vars, the same every run (the window is a table, see
    partitions.write_dbt_window), so dbt re-parses only what changed since its last run.
    The unit tests check SQL on fixed inputs, never the data: a run skips them when the
    last successful build on this warehouse ran them on the same code."""
    args = ["build", "--vars", json.dumps(warehouse.dbt_vars())]
    passed = warehouse.dbt_target() / UNIT_TESTS_PASSED
    if passed.exists() and passed.read_text(encoding="utf-8") == fingerprint:
        args += ["--exclude-resource-type", "unit_test"]
    return args


def ran_every_unit_test(run_results: Mapping[str, Any], manifest: Mapping[str, Any]) -> bool:
    """Whether a dbt command ran, and passed, every unit test of the project."""
    passed = {
        r["unique_id"]
        for r in run_results["results"]
        if r["unique_id"].startswith("unit_test.") and r["status"] == "pass"
    }
    return bool(passed) and passed == set(manifest.get("unit_tests", {}))


def publishes(run: dg.DagsterRun) -> bool:
    """Whether ``run`` goes on to publish: a run of every asset, or a selection with it.
    A run of the whole job (the schedule's, ``execute_in_process`` without a selection)
    carries an empty selection, not None."""
    return not run.asset_selection or PUBLISHED_KEY in run.asset_selection


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
        if publishes(context.run):  # the publish's copy of the served file, made meanwhile
            served_copy.stage(warehouse.settings.paths().serving_db, context.run_id)
        key_range = context.partition_key_range
        start, end = window_from_keys(key_range.start, key_range.end)
        # the days the run's platforms fetched again are rebuilt too
        start = run_start(start, end, context.run.tags, LOOKBACK_DAYS)
        con = warehouse.connect()
        try:
            write_dbt_window(con, (start, end))
        finally:
            con.close()
        fingerprint = project_fingerprint(Path(project.project_dir))
        args = build_args(warehouse, fingerprint)
        # one target folder per warehouse: dbt's saved parse is there for the next run
        invocation = dbt.cli(args, context=context, target_path=warehouse.dbt_target())
        # the run's checks come next in this process: GX loads while dbt works
        import_in_background()
        yield from invocation.stream()  # raises if dbt failed
        # A day's gates, which only read the warehouse, leave a core idle: the publish is
        # made beside them. A range's gates read every day of it: at `large`, a week's
        # gates and publish side by side took longer than one after the other, and the
        # run's peak memory passed 6 GB (7.0 GB), so a backfill publishes after its gates.
        if publishes(context.run) and key_range.start == key_range.end:
            manifest = json.loads(manifest_path(project).read_text(encoding="utf-8"))
            prepare_ahead(warehouse, context.run_id, manifest)
        run_results = invocation.get_artifact("run_results.json")
        if ran_every_unit_test(run_results, invocation.get_artifact("manifest.json")):
            (warehouse.dbt_target() / UNIT_TESTS_PASSED).write_text(fingerprint, encoding="utf-8")

    return _dbt


socialmart_dbt = build_dbt_assets(dbt_project)

if __name__ == "__main__":  # make manifest
    print(manifest_path())
