"""The publish asset: write-audit-publish's last step, run only after every gate passed."""

import json

import dagster as dg

from expectations.data_docs import DataDocs
from orchestration.checks import GATING_CHECKS, PII_ASSET, SUITE_ASSETS
from orchestration.dbt_assets import manifest_path, socialmart_dbt
from orchestration.gates import failed_gates
from orchestration.partitions import daily_partitions
from orchestration.publication import cancel_ahead, publish_run
from orchestration.resources import DUCKDB_POOL, PUBLISHED_KEY, SocialmartSettings, Warehouse
from serving import served_copy
from serving.publishing import PUBLISHED_SCHEMAS, PublishError, personal_columns


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
    "(or business dates) that changed since the last publish, in the file and in the Parquet "
    "of the tables served by business date.",
)
def published_mart(
    context: dg.AssetExecutionContext, settings: SocialmartSettings, warehouse: Warehouse
):
    built = {
        record.asset_key
        for record in context.instance.get_records_for_run(
            context.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
        ).records
        if record.asset_key
    }
    paths = settings.paths()
    # the run's checks wrote their Data Docs pages, and left the index to this one update
    DataDocs(project=paths.home, site=paths.docs / "gx").update_index()
    problems = failed_gates(context.instance, context.run_id, built, GATING_CHECKS)
    if problems:
        cancel_ahead(warehouse, context.run_id)  # prepared while the gates ran
        served_copy.discard_others(paths.serving_db)  # the copy made for this publish
        raise PublishError(
            "not publishing; the served mart stays as it was: " + "; ".join(problems)
        )
    manifest = json.loads(manifest_path().read_text(encoding="utf-8"))
    withheld = personal_columns(manifest)
    result, made_ahead = publish_run(warehouse, context.run_id, manifest, context.log)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "tables": result.tables,
            "withheld_personal_columns": {t: sorted(c) for t, c in withheld.items() if c},
            # what this publish rewrote, and what it kept of the one before
            # (docs/requirements.md R-S1)
            "rewritten": result.rewritten,
            "reused": result.reused,
            "parquet_linked": result.parquet_linked,
            "full_publish_reason": result.full_reason or "",
            "prepared_while_gates_ran": made_ahead,
            "seconds": dict(sorted(result.seconds.items(), key=lambda kv: -kv[1])),
        }
    )
