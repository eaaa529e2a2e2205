"""Asset checks: the Great Expectations suites (blocking, or warnings where a suite says
so) and the warehouse-wide scan for phone numbers and emails in clear. A failure of any
blocking check stops publishing; every validation is kept in the Data Docs."""

import json

import dagster as dg

# not exported at the top level: the status a passed evaluation is stored with
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from expectations import pii
from expectations.data_docs import DataDocs
from expectations.runner import Suite, validate
from orchestration.dbt_assets import manifest_path, publishes
from orchestration.partitions import window_from_tags
from orchestration.publication import cancel_ahead
from orchestration.resources import DUCKDB_POOL, SocialmartSettings, Warehouse

SUITES = Suite.all()
# runs of this process (Dagster's in-process executor) in which a gate failed
_FAILED_RUNS: set[str] = set()
# suite name → the asset its check hangs on
SUITE_ASSETS = {suite.name: dg.AssetKey(list(suite.asset)) for suite in SUITES}


def build_suite_check(suite: Suite) -> dg.AssetChecksDefinition:
    what = "blocks publishing" if suite.blocking else "warns (does not block publishing)"

    @dg.asset_check(
        asset=SUITE_ASSETS[suite.name],
        name=f"gx_{suite.name}",
        blocking=suite.blocking,
        pool=DUCKDB_POOL,
        description=f"Great Expectations suite expectations/suites/{suite.name}.yml on the "
        f"run's business dates; {what} when any expectation fails.",
    )
    def _check(
        context: dg.AssetCheckExecutionContext, settings: SocialmartSettings, warehouse: Warehouse
    ):
        window = window_from_tags(context.run.tags)
        start, end = window if window else (None, None)
        paths = settings.paths()
        docs = DataDocs(project=paths.home, site=paths.docs / "gx")
        outcome = validate(
            Suite.load(suite.name),
            warehouse.path(),
            start,
            end,
            docs=docs,
            run_name=context.run.run_id,
            # the Data Docs index: once after the gates, by the publish step (which runs
            # after them), unless the run does not publish, or a gate failed before (the
            # publish will not run); a warning may run after the publish: it updates it
            index=not suite.blocking
            or not publishes(context.run)
            or context.run.run_id in _FAILED_RUNS,
            **warehouse.limits(),
        )
        if suite.blocking and not outcome.passed:
            _FAILED_RUNS.add(context.run.run_id)
            cancel_ahead(warehouse, context.run.run_id)
        metadata = outcome.metadata()
        metadata["window"] = f"{start}..{end}" if start else "whole table"
        metadata["data_docs"] = dg.MetadataValue.path(str(docs.site / "index.html"))
        return dg.AssetCheckResult(
            passed=outcome.passed,
            severity=dg.AssetCheckSeverity.ERROR if suite.blocking else dg.AssetCheckSeverity.WARN,
            metadata=metadata,
            description="; ".join(f.describe() for f in outcome.failures) or None,
        )

    return _check


READ_THROUGH = "read_through"


def written_stamps(manifest: dict) -> dict[str, str]:
    """``schema.table`` → the column every row a build writes carries (meta written_by)."""
    return {
        f"{node['schema']}.{node['alias']}": node["config"]["meta"]["written_by"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["config"].get("materialized") == "incremental"
        and (node["config"].get("meta") or {}).get("written_by")
    }


def last_passing_marks(instance: dg.DagsterInstance, key: dg.AssetCheckKey) -> pii.Marks | None:
    """The marks of the last scan that passed (None: none has, or it kept none)."""
    history = instance.event_log_storage.get_asset_check_execution_history(
        key, limit=1, status={AssetCheckExecutionRecordStatus.SUCCEEDED}
    )
    if not history or history[0].event is None or history[0].event.dagster_event is None:
        return None
    evaluation = history[0].event.dagster_event.event_specific_data
    value = getattr(evaluation, "metadata", {}).get(READ_THROUGH)
    return value.value if value is not None else None


# The identity bridge is where personal identifiers meet; the scan covers every table.
PII_ASSET = dg.AssetKey(["mart", "bridge_user_identity"])
PII_CHECK = dg.AssetCheckKey(PII_ASSET, "no_clear_pii_in_warehouse")


@dg.asset_check(
    asset=PII_ASSET,
    name="no_clear_pii_in_warehouse",
    blocking=True,
    pool=DUCKDB_POOL,
    description="Every text and JSON column of every warehouse table (dated tables on the "
    "run's window) holds no phone number or email in clear (docs/requirements.md R-X1).",
)
def no_clear_pii_in_warehouse(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> dg.AssetCheckResult:
    window = window_from_tags(context.run.tags)
    start, end = window if window else (None, None)
    stamps = written_stamps(json.loads(manifest_path().read_text(encoding="utf-8")))
    since = last_passing_marks(context.instance, PII_CHECK)
    # the marks are taken before the scan reads: what is written meanwhile is after them
    marks = pii.read_through(warehouse.path(), stamps, **warehouse.limits())
    findings = pii.scan(
        warehouse.path(), start, end, stamps=stamps, since=since, **warehouse.limits()
    )
    if findings:
        cancel_ahead(warehouse, context.run.run_id)
    return dg.AssetCheckResult(
        passed=not findings,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "findings": [f.describe() for f in findings],
            "masked_samples": {f"{f.table}.{f.column}": list(f.masked_samples) for f in findings},
            "window": f"{start}..{end}" if start else "whole warehouse",
            # undated tables read from these marks on by the next scan, once this one passed
            READ_THROUGH: marks,
            "read_since_last_pass": {t: m[0] for t, m in (since or {}).items() if t in marks},
        },
        description="; ".join(f.describe() for f in findings) or None,
    )


suite_checks = [build_suite_check(suite) for suite in SUITES]
GATING_CHECKS = [
    *(dg.AssetCheckKey(SUITE_ASSETS[s.name], f"gx_{s.name}") for s in SUITES if s.blocking),
    PII_CHECK,
]
