"""The one assembly point: gathers every asset, check, job, schedule and resource."""

from __future__ import annotations

import dagster as dg

from orchestration.alert_assets import alert_notifications
from orchestration.checks import no_clear_pii_in_warehouse, suite_checks
from orchestration.dbt_assets import DbtCli, dbt_executable, dbt_project, socialmart_dbt
from orchestration.docs_assets import dbt_docs
from orchestration.ingestion_assets import account_registry, erasure_requests, platform_assets
from orchestration.operations import (
    freshness_checks,
    freshness_sensor,
    refresh_token_expiry,
    run_failure_alert,
)
from orchestration.partitions import daily_partitions
from orchestration.publish_assets import published_mart
from orchestration.report_assets import reports
from orchestration.resources import SocialmartSettings, Warehouse
from orchestration.schedules import DAILY_JOB, late_schedules
from orchestration.sensors import inbox_sensors

daily_pipeline = dg.define_asset_job(
    DAILY_JOB,
    # freshness checks run on their own sensor: they judge the clock, not a run's data
    selection=dg.AssetSelection.all() - dg.AssetSelection.checks(*freshness_checks),
    partitions_def=daily_partitions,
    description="Ingest every platform, build dbt, run the gates, publish: one business day "
    "(or a range, as one run).",
)

# 03:00 Asia/Shanghai: yesterday's partition, once most platforms have closed the day (the
# later ones run again when ready: orchestration/schedules.py). On by default: a data team
# leaves the daemon running and expects the morning's run.
daily_schedule = dg.build_schedule_from_partitioned_job(
    daily_pipeline,
    hour_of_day=3,
    minute_of_hour=0,
    name="daily_pipeline_schedule",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

# configured at launch (its fields have defaults): the warehouse's nested settings are then
# the top-level "settings", so a run's config of the home reaches both
settings = SocialmartSettings.configure_at_launch()
defs = dg.Definitions(
    assets=[
        *platform_assets,
        account_registry,
        erasure_requests,
        socialmart_dbt,
        published_mart,
        alert_notifications,
        reports,
        dbt_docs,
    ],
    asset_checks=[*suite_checks, no_clear_pii_in_warehouse, *freshness_checks],
    jobs=[daily_pipeline],
    schedules=[daily_schedule, *late_schedules],
    sensors=[*inbox_sensors, run_failure_alert, freshness_sensor, refresh_token_expiry],
    resources={
        "settings": settings,
        "warehouse": Warehouse(settings=settings),
        "dbt": DbtCli(project_dir=dbt_project, dbt_executable=dbt_executable()),
    },
    executor=dg.in_process_executor,
)
