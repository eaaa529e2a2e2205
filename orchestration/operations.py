"""Knowing at once when something broke: failed runs go to the team's robot, and freshness
checks say when a day's raw data or the published mart is late (docs/requirements.md R-O2)."""

from __future__ import annotations

import dagster as dg

from ingestion.errors import AccountsError
from orchestration.ingestion_assets import platform_assets
from orchestration.partitions import TIMEZONE, window_from_tags
from orchestration.publish_assets import PUBLISHED_KEY
from orchestration.resources import SocialmartSettings
from serving.alerting import AlertDeliveryError, Webhook, send
from serving.credential_alerts import notify_expiring

MAX_ERROR_CHARS = 300  # a robot message is for a phone screen; the UI has the rest

# Yesterday's raw data should be in by 05:00 and the mart published by 06:00 (Shanghai):
# the daily schedule starts at 03:00, a normal run takes minutes. Dagster 1.13 marks these
# checks superseded by FreshnessPolicy, but that policy (in preview) judges an asset's last
# update, not whether yesterday's partition exists: a backfill of an old day would count.
freshness_checks = [
    *dg.build_time_partition_freshness_checks(
        assets=[key for a in platform_assets for key in a.keys],
        deadline_cron="0 5 * * *",
        timezone=TIMEZONE,
    ),
    *dg.build_time_partition_freshness_checks(
        assets=[PUBLISHED_KEY], deadline_cron="0 6 * * *", timezone=TIMEZONE
    ),
]
freshness_sensor = dg.build_sensor_for_freshness_checks(
    freshness_checks=freshness_checks,
    minimum_interval_seconds=600,
    name="freshness_checks_sensor",
    default_status=dg.DefaultSensorStatus.RUNNING,
)


def failure_message(
    run: dg.DagsterRun, failures: list[dg.DagsterEvent], fallback: str
) -> tuple[str, list[str]]:
    """Title and lines for a failed run: which run, which days, which step, which error."""
    window = window_from_tags(run.tags)
    days = f" {window[0]}..{window[1]}" if window else ""
    title = f"socialmart run failed: {run.job_name}{days}"
    lines = [f"run {run.run_id}"]
    # steps that failed with the same error (a configuration problem fails every ingest
    # step alike) are one line naming them all
    steps_by_error: dict[str, list[str]] = {}
    for event in failures:
        error = event.step_failure_data.error if event.step_failure_data else None
        text = error.message.strip() if error else (event.message or "")
        steps_by_error.setdefault(text[:MAX_ERROR_CHARS], []).append(event.step_key or "?")
    for text, steps in steps_by_error.items():
        lines.append(f"{', '.join(f'step {s}' for s in steps)}: {text}")
    if not failures:
        lines.append(fallback[:MAX_ERROR_CHARS])
    return title, lines


@dg.run_failure_sensor(
    name="run_failure_alert",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Posts every failed run (its id, days, failed steps and errors) to the robot "
    "of SOCIALMART_ALERT_WEBHOOK_URL, the same delivery as KPI alerts.",
)
def run_failure_alert(context: dg.RunFailureSensorContext, settings: SocialmartSettings):
    hook = Webhook.from_env(settings.environ())
    if hook is None:
        return dg.SkipReason("SOCIALMART_ALERT_WEBHOOK_URL is not set: failure not posted")
    title, lines = failure_message(
        context.dagster_run, context.get_step_failure_events(), context.failure_event.message or ""
    )
    try:
        send(hook, title, lines)
    except AlertDeliveryError as exc:
        context.log.error(f"run {context.dagster_run.run_id} failed and was not posted: {exc}")
        raise
    return None


@dg.sensor(
    name="refresh_token_expiry",
    minimum_interval_seconds=86_400,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Once a day: posts the accounts whose OAuth refresh token expires within "
    "ingestion.credentials.ALERT_DAYS days to the robot (authorise them again before the "
    "schedule fails).",
)
def refresh_token_expiry(context: dg.SensorEvaluationContext, settings: SocialmartSettings):
    try:
        lines = notify_expiring(settings.paths(), settings.environ())
    except AccountsError as exc:  # the preflight of the next run names the rows to fix
        return dg.SkipReason(f"the account registry cannot be read: {exc}")
    return dg.SkipReason(f"{len(lines)} refresh token(s) expiring" if lines else "none expiring")
