"""Schedules: the daily run at 03:00, and a run of its own for each platform that finishes
the day later (its source's ``ready_at``), so a late platform's day arrives the same morning
without a manual backfill (docs/requirements.md R-O1)."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

import dagster as dg

from ingestion.platforms import PLATFORMS
from ingestion.settings import SHANGHAI
from orchestration.partitions import TIMEZONE
from orchestration.sensors import downstream_of

# after the platform's ready time: the documented hours are approximate ("around 10:00")
READY_MARGIN = timedelta(minutes=30)

DAILY_JOB = "daily_pipeline"


def late_platforms() -> dict[time, list[str]]:
    """The platforms whose source finishes the day after the 03:00 run, by when they run."""
    by_start: dict[time, list[str]] = defaultdict(list)
    for key, info in PLATFORMS.items():
        ready = info.api.ready_at if info.api else None
        if ready is not None:
            start = (datetime.combine(date.min, ready) + READY_MARGIN).time()
            by_start[start].append(key)
    return dict(sorted(by_start.items()))


def build_late_schedule(start: time, platforms: list[str]) -> dg.ScheduleDefinition:
    """Yesterday's partition again at ``start``, for ``platforms`` and what they feed."""

    @dg.schedule(
        name=f"late_platforms_{start:%H%M}",
        job_name=DAILY_JOB,
        cron_schedule=f"{start.minute} {start.hour} * * *",
        execution_timezone=TIMEZONE,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"{start:%H:%M} Asia/Shanghai: yesterday again for {', '.join(platforms)} "
        "(ready after the 03:00 run), then dbt and the publish.",
    )
    def _schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        day = context.scheduled_execution_time.astimezone(SHANGHAI).date() - timedelta(days=1)
        keys = {key for platform in platforms for key in downstream_of(platform)}
        return dg.RunRequest(
            run_key=f"late:{'+'.join(platforms)}:{day}",
            partition_key=day.isoformat(),
            asset_selection=sorted(keys, key=lambda k: k.to_user_string()),
            tags={"socialmart/trigger": f"ready:{'+'.join(platforms)}"},
        )

    return _schedule


late_schedules = [build_late_schedule(start, keys) for start, keys in late_platforms().items()]
