"""Great Expectations suites as blocking asset checks: a failure stops publishing."""

import dagster as dg

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


suite_checks = [build_suite_check(name, key) for name, key in SUITE_ASSETS.items()]
GATING_CHECKS = [dg.AssetCheckKey(key, f"gx_{name}") for name, key in SUITE_ASSETS.items()]
