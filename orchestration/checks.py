"""Blocking asset checks: the Great Expectations suites and the warehouse-wide scan for
phone numbers and emails in clear. A failure of any of them stops publishing."""

import dagster as dg

from expectations import pii
from expectations.runner import Suite, validate
from orchestration.ingestion_assets import DUCKDB_POOL
from orchestration.partitions import window_from_tags
from orchestration.resources import SocialmartSettings

# suite name → the asset it validates
SUITE_ASSETS = {
    "staging__douyin_video_daily": dg.AssetKey(["staging", "stg_douyin__video_daily"]),
    "staging__xiaohongshu_note_daily": dg.AssetKey(["staging", "stg_xiaohongshu__note_daily"]),
    "kpi__account_daily": dg.AssetKey(["kpi", "kpi_account_daily"]),
}


def build_suite_check(suite_name: str, asset: dg.AssetKey) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=asset,
        name=f"gx_{suite_name}",
        blocking=True,
        pool=DUCKDB_POOL,
        description=f"Great Expectations suite expectations/suites/{suite_name}.yml on the "
        "run's business dates; blocks publishing when any expectation fails.",
    )
    def _check(context: dg.AssetCheckExecutionContext, settings: SocialmartSettings):
        window = window_from_tags(context.run.tags)
        start, end = window if window else (None, None)
        outcome = validate(Suite.load(suite_name), settings.paths().warehouse, start, end)
        metadata = outcome.metadata()
        metadata["window"] = f"{start}..{end}" if start else "whole table"
        return dg.AssetCheckResult(
            passed=outcome.passed,
            severity=dg.AssetCheckSeverity.ERROR,
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
    "run's window) holds no phone number or email in clear (SPEC R-X1).",
)
def no_clear_pii_in_warehouse(
    context: dg.AssetCheckExecutionContext, settings: SocialmartSettings
) -> dg.AssetCheckResult:
    window = window_from_tags(context.run.tags)
    start, end = window if window else (None, None)
    findings = pii.scan(settings.paths().warehouse, start, end)
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


suite_checks = [build_suite_check(name, key) for name, key in SUITE_ASSETS.items()]
GATING_CHECKS = [
    *(dg.AssetCheckKey(key, f"gx_{name}") for name, key in SUITE_ASSETS.items()),
    dg.AssetCheckKey(PII_ASSET, "no_clear_pii_in_warehouse"),
]
