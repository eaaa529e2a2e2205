"""Asset checks: the Great Expectations suites (blocking, or warnings where a suite says
so) and the warehouse-wide scan for phone numbers and emails in clear. A failure of any
blocking check stops publishing; every validation is kept in the Data Docs."""

import dagster as dg

from expectations import pii
from expectations.data_docs import DataDocs
from expectations.runner import Suite, validate
from orchestration.partitions import window_from_tags
from orchestration.resources import DUCKDB_POOL, SocialmartSettings, Warehouse

SUITES = Suite.all()
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
            **warehouse.limits(),
        )
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


# The identity bridge is where personal identifiers meet; the scan covers every table.
PII_ASSET = dg.AssetKey(["mart", "bridge_user_identity"])


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
    findings = pii.scan(warehouse.path(), start, end, **warehouse.limits())
    return dg.AssetCheckResult(
        passed=not findings,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={
            "findings": [f.describe() for f in findings],
            "masked_samples": {f"{f.table}.{f.column}": list(f.masked_samples) for f in findings},
            "window": f"{start}..{end}" if start else "whole warehouse",
        },
        description="; ".join(f.describe() for f in findings) or None,
    )


suite_checks = [build_suite_check(suite) for suite in SUITES]
GATING_CHECKS = [
    *(dg.AssetCheckKey(SUITE_ASSETS[s.name], f"gx_{s.name}") for s in SUITES if s.blocking),
    dg.AssetCheckKey(PII_ASSET, "no_clear_pii_in_warehouse"),
]
