"""The publish asset: write-audit-publish's last step, run only after every gate passed."""

import dagster as dg

from orchestration.checks import GATING_CHECKS, PII_ASSET, SUITE_ASSETS
from orchestration.ingestion_assets import DUCKDB_POOL
from orchestration.partitions import daily_partitions
from orchestration.publishing import PublishError, publish
from orchestration.resources import SocialmartSettings

PUBLISHED_KEY = dg.AssetKey(["serving", "published_mart"])


def failed_gates(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """Gating checks of this run that did not pass (or did not run)."""
    records = instance.event_log_storage.get_latest_asset_check_execution_by_key(GATING_CHECKS)
    problems = []
    for key in GATING_CHECKS:
        record = records.get(key)
        name = key.to_user_string()
        if record is None or record.run_id != run_id:
            problems.append(f"{name}: did not run in this run")
            continue
        evaluation = record.event.asset_check_evaluation if record.event else None
        if evaluation is None or not evaluation.passed:
            problems.append(f"{name}: failed")
    return problems


@dg.asset(
    key=PUBLISHED_KEY,
    deps=[
        dg.AssetKey(["kpi", "kpi_account_daily"]),
        dg.AssetKey(["mart", "fct_content_daily"]),
        dg.AssetKey(["mart", "fct_account_daily"]),
        dg.AssetKey(["mart", "dim_account"]),
        dg.AssetKey(["mart", "dim_content"]),
        *SUITE_ASSETS.values(),
        PII_ASSET,
    ],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=DUCKDB_POOL,
    group_name="serving",
    kinds={"duckdb", "parquet"},
    owners=["team:data"],
    description="Copies schemas mart and kpi to data/serving/socialmart.duckdb (+ Parquet) by "
    "atomic swap, only when every blocking check of the run passed.",
)
def published_mart(context: dg.AssetExecutionContext, settings: SocialmartSettings):
    problems = failed_gates(context.instance, context.run_id)
    if problems:
        raise PublishError(
            "not publishing; the served mart stays as it was: " + "; ".join(problems)
        )
    paths = settings.paths()
    result = publish(paths.warehouse, paths.serving_db, paths.serving_parquet, context.run_id)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "tables": result.tables,
        }
    )
