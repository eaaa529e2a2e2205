"""The daily report (每日数据快报) and the weekly / monthly reviews, after the publish
(docs/reports.md)."""

import dagster as dg

from orchestration.partitions import daily_partitions, window_from_keys
from orchestration.publish_assets import PUBLISHED_KEY
from orchestration.resources import SocialmartSettings
from serving.alerting import Webhook
from serving.reports import BASE_URL_SETTING, deliver, periods_for, write_report


@dg.asset(
    key=dg.AssetKey(["serving", "reports"]),
    deps=[PUBLISHED_KEY],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="serving",
    kinds={"html", "python"},
    owners=["team:data"],
    description="Renders the report of the run's last business date from the published mart "
    "to reports/<date>/report.html and .png (a Sunday adds the week's review, a month's last "
    "day the month's) and posts each to the robot of SOCIALMART_ALERT_WEBHOOK_URL. Reads "
    "only the published file; a failed delivery fails this step, never the publish.",
)
def reports(context: dg.AssetExecutionContext, settings: SocialmartSettings):
    _, day = window_from_keys(context.partition_key_range.start, context.partition_key_range.end)
    environ = settings.environ()
    hook = Webhook.from_env(environ)
    paths = settings.paths()
    # every file first: a refused message leaves the reports on disk
    written = [write_report(paths.serving_db, paths.reports, p) for p in periods_for(day)]
    if not all(files.png for files in written):
        context.log.warning("no Chromium on this machine: the reports are HTML only")
    messages = 0
    for files in written if hook else []:
        messages += deliver(hook, files, environ.get(BASE_URL_SETTING) or None)
    return dg.MaterializeResult(
        metadata={
            "business_date": day.isoformat(),
            "reports": [str(files.html.parent) for files in written],
            "png": all(files.png for files in written),
            "messages": messages,
            "channel": hook.kind if hook else "not configured",
        }
    )
