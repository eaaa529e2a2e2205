"""One multi-asset per platform, built from the ingestion registry: raw/<platform>/<entity>."""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from ingestion import preflight
from ingestion.accounts import Account
from ingestion.erasure import apply_requests
from ingestion.errors import ConfigError, ProblemsError
from ingestion.platforms import PLATFORMS, PlatformInfo, build_source
from ingestion.privacy import hash_key
from ingestion.runner import REGISTRY, IngestResult, ingest_day, load_registry
from ingestion.settings import Paths
from orchestration.partitions import daily_partitions, days_between, run_start, window_from_keys
from orchestration.resources import DUCKDB_POOL, SocialmartSettings, Warehouse

# A platform outage of a minute or two is retried by the run itself (10 s, 20 s, 40 s, ±jitter).
# A configuration error is not: see config_errors_fail_at_once.
INGEST_RETRY = dg.RetryPolicy(
    max_retries=3, delay=10, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)


def raw_key(platform: str, entity: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", platform, entity])


def build_platform_asset(info: PlatformInfo) -> dg.AssetsDefinition:
    entities = info.entities
    specs = [
        dg.AssetSpec(
            raw_key(info.key, e),
            description=f"raw.{info.key}__{e}: {info.name} {e}, one row per received item.",
            group_name="raw",
            kinds={"duckdb", "python"},
            owners=["team:data"],
            skippable=True,
        )
        for e in entities
    ]

    @dg.multi_asset(
        name=f"ingest_{info.key}",
        specs=specs,
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        retry_policy=INGEST_RETRY,
        pool=DUCKDB_POOL,
        description=f"Fetch {info.name} ({info.delivery}) for the run's days, land, load raw.",
    )
    def _ingest(
        context: dg.AssetExecutionContext, settings: SocialmartSettings, warehouse: Warehouse
    ):
        with config_errors_fail_at_once():
            paths = settings.paths()
            environ = settings.environ()
            # The run's first step: every account, token and setting, all problems at once.
            accounts = preflight.require(paths, environ)
            results = _ingest_days(context, info, paths, environ, accounts, warehouse)
        for entity in entities:
            rows = {r.business_date.isoformat(): r.rows.get(entity) for r in results}
            yield dg.MaterializeResult(
                asset_key=raw_key(info.key, entity),
                metadata={
                    "rows_loaded": sum(v or 0 for v in rows.values()),
                    "rows_by_day": rows,
                    "skipped_days": [r.business_date.isoformat() for r in results if r.skipped],
                    # entities, accounts or items left out, each with why (quota, not ready…)
                    "skipped_items": [
                        f"{r.business_date}: {x}" for r in results for x in r.skipped_items
                    ],
                    "replayed_days": [r.business_date.isoformat() for r in results if r.replayed],
                    "quarantined": sum(r.quarantined.get(entity, 0) for r in results),
                    "quarantine_reasons": [
                        x
                        for r in results
                        for x in r.quarantine_reasons
                        if x.startswith(entity + " ")
                    ][:5],
                    "duplicates_dropped": sum(r.duplicates_dropped for r in results),
                    "rejected_files": [f for r in results for f in r.rejected_files],
                    "requests": sum(r.requests for r in results),
                    "retries": sum(r.retries for r in results),
                },
            )
        refused = [f"{r.business_date}: {x}" for r in results for x in r.refused]
        if refused:  # loaded the other accounts first; only a person can authorise these
            raise dg.Failure(
                description=f"{info.key}: {len(refused)} account-day(s) refused: "
                + "; ".join(refused),
                metadata={"refused": refused},
                allow_retries=False,
            )

    return _ingest


def _ingest_days(
    context: dg.AssetExecutionContext,
    info: PlatformInfo,
    paths: Paths,
    environ: dict[str, str],
    accounts: list[Account],
    warehouse: Warehouse,
) -> list[IngestResult]:
    key_range = context.partition_key_range
    start, end = window_from_keys(key_range.start, key_range.end)
    start = run_start(start, end, context.run.tags, info.lookback_days)
    results = []
    source = build_source(info.key, paths, environ)
    try:
        for day in days_between(start, end):
            result = ingest_day(
                source,
                day,
                accounts,
                paths,
                context.run_id,
                warehouse.connect,
                environ,
            )
            if result.skipped:
                context.log.warning(f"{info.key} {day}: nothing loaded: {result.skipped}")
            for reason in result.skipped_items:
                context.log.warning(f"{info.key} {day}: {reason}")
            results.append(result)
    finally:
        source.close()
    return results


@contextmanager
def config_errors_fail_at_once() -> Iterator[None]:
    """A configuration error (a bad accounts.csv, a missing token, a wrong setting) fails the
    step without the RetryPolicy: retrying cannot fix it, only delay the same failure."""
    try:
        yield
    except ConfigError as exc:
        problems = [str(p) for p in exc.problems] if isinstance(exc, ProblemsError) else []
        raise dg.Failure(
            description=str(exc),
            metadata={"problems": problems} if problems else None,
            allow_retries=False,
        ) from exc


platform_assets = [build_platform_asset(info) for info in PLATFORMS.values()]


@dg.asset(
    key=raw_key(*REGISTRY),
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=DUCKDB_POOL,
    group_name="raw",
    kinds={"duckdb", "python"},
    owners=["team:data"],
    description="raw.registry__accounts: the account registry (accounts.csv), loaded once per "
    "run for each of its days; dim_account keeps each account's latest load.",
)
def account_registry(
    context: dg.AssetExecutionContext, settings: SocialmartSettings, warehouse: Warehouse
):
    with config_errors_fail_at_once():
        paths = settings.paths()
        # like every ingestion step: all the run's configuration problems at once
        accounts = preflight.require(paths, settings.environ())
    key_range = context.partition_key_range
    days = days_between(*window_from_keys(key_range.start, key_range.end))
    con = warehouse.connect()
    try:
        loaded = load_registry(con, accounts, days, context.run_id)
    finally:
        con.close()
    return dg.MaterializeResult(
        metadata={"rows_loaded": sum(loaded.values()), "rows_by_day": loaded}
    )


@dg.asset(
    key=raw_key("erasure", "log"),
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=DUCKDB_POOL,
    group_name="raw",
    kinds={"duckdb", "python"},
    owners=["team:data"],
    description="Erasure requests dropped in inbox/erasure/: the person's identifiers and raw "
    "rows removed, landing blanked, future records suppressed, one audit row each "
    "(docs/requirements.md R-X3).",
)
def erasure_requests(
    context: dg.AssetExecutionContext, settings: SocialmartSettings, warehouse: Warehouse
):
    paths = settings.paths()
    con = warehouse.connect()
    try:
        outcomes = apply_requests(paths, con, hash_key(settings.environ()))
    finally:
        con.close()
    for o in outcomes:
        context.log.info(
            f"erasure {o.request_id}: {o.identifiers_erased} identifiers, "
            f"{sum(o.raw_rows_deleted.values())} raw rows, "
            f"{o.landing_files_scrubbed} landing files, {o.inbox_files_scrubbed} inbox files"
        )
    return dg.MaterializeResult(
        metadata={
            "requests": [o.request_id for o in outcomes],
            "raw_rows_deleted": sum(sum(o.raw_rows_deleted.values()) for o in outcomes),
        }
    )
