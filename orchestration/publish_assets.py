"""The publish asset: write-audit-publish's last step, run only after every gate passed."""

import json

import dagster as dg
from dagster._core.storage.asset_check_execution_record import (
    AssetCheckExecutionRecordStatus as CheckStatus,
)

from orchestration.checks import GATING_CHECKS, PII_ASSET, SUITE_ASSETS
from orchestration.dbt_assets import dbt_project, socialmart_dbt
from orchestration.ingestion_assets import DUCKDB_POOL
from orchestration.partitions import daily_partitions
from orchestration.publishing import (
    PUBLISHED_SCHEMAS,
    PublishError,
    personal_columns,
    publish,
)
from orchestration.resources import SocialmartSettings

PUBLISHED_KEY = dg.AssetKey(["serving", "published_mart"])
# a planned record (a queued run's) is not a result
COMPLETED_CHECK_STATUSES = {CheckStatus.SUCCEEDED, CheckStatus.FAILED}


def failed_gates(instance: dg.DagsterInstance, run_id: str, built: set[dg.AssetKey]) -> list[str]:
    """Blocking checks that stop this publish, judged on this run's own results.

    A check on an asset this run built must have run in this run and passed. A check on
    an asset the run did not touch (a run that selects only some platforms) must not have
    failed the last time it completed: its data is still in the warehouse. Records of
    checks that are only planned (a queued or running run's) never count: the instance's
    "latest" record can be one of those, which is why this reads the run's own events.
    """
    evaluations = {}
    for record in instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=10_000
    ).records:
        data = record.event_log_entry.dagster_event.asset_check_evaluation_data
        evaluations[data.asset_check_key] = data  # in storage order: a rerun step's last wins
    problems = []
    for key in GATING_CHECKS:
        name = key.to_user_string()
        if key in evaluations:
            if not evaluations[key].passed:
                problems.append(f"{name}: failed")
        elif key.asset_key in built:
            problems.append(f"{name}: did not run in this run")
        else:
            earlier = instance.event_log_storage.get_asset_check_execution_history(
                key, limit=1, status=COMPLETED_CHECK_STATUSES
            )
            if earlier and earlier[0].status != CheckStatus.SUCCEEDED:
                problems.append(f"{name}: failed in an earlier run ({earlier[0].run_id})")
    return problems


@dg.asset(
    key=PUBLISHED_KEY,
    deps=[
        # every table it publishes, and the assets whose blocking checks it must wait for
        # (the dbt models are one step: a staging check runs after it, not before kpi)
        *(key for key in socialmart_dbt.keys if key.path[0] in PUBLISHED_SCHEMAS),
        *(key for key in SUITE_ASSETS.values() if key.path[0] != "raw"),
        PII_ASSET,
    ],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=DUCKDB_POOL,
    group_name="serving",
    kinds={"duckdb", "parquet"},
    owners=["team:data"],
    description="Copies schemas mart and kpi to data/serving/socialmart.duckdb (+ Parquet) by "
    "atomic swap, only when every blocking check of the run passed; rewrites only the tables "
    "(or business dates) that changed since the last publish.",
)
def published_mart(context: dg.AssetExecutionContext, settings: SocialmartSettings):
    built = {
        record.asset_key
        for record in context.instance.get_records_for_run(
            context.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
        ).records
        if record.asset_key
    }
    problems = failed_gates(context.instance, context.run_id, built)
    if problems:
        raise PublishError(
            "not publishing; the served mart stays as it was: " + "; ".join(problems)
        )
    paths = settings.paths()
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    withheld = personal_columns(manifest)
    result = publish(
        paths.warehouse,
        paths.serving_db,
        paths.serving_parquet,
        context.run_id,
        withheld,
        memory_limit=settings.environ().get("SOCIALMART_DUCKDB_MEMORY_LIMIT", "4GB"),
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "tables": result.tables,
            "withheld_personal_columns": {t: sorted(c) for t, c in withheld.items() if c},
            # what this publish rewrote, and what it kept of the one before (SPEC R-S1)
            "rewritten": result.rewritten,
            "reused": result.reused,
            "parquet_linked": result.parquet_linked,
            "full_publish_reason": result.full_reason or "",
        }
    )
