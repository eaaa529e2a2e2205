"""Posting new KPI alerts to the team's robot once the mart is published
(docs/requirements.md R-K8)."""

import dagster as dg

from orchestration.partitions import daily_partitions, window_from_keys
from orchestration.publish_assets import PUBLISHED_KEY
from orchestration.resources import DUCKDB_POOL, SocialmartSettings, Warehouse
from serving.alerting import Alert, Webhook, group_alerts, send


@dg.asset(
    key=dg.AssetKey(["serving", "alert_notifications"]),
    deps=[PUBLISHED_KEY],
    partitions_def=daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=DUCKDB_POOL,
    group_name="serving",
    kinds={"python"},
    owners=["team:data"],
    description="Posts the published kpi.kpi_alerts of the run's last business date that were "
    "not sent before to the WeCom / DingTalk / Feishu robot (SOCIALMART_ALERT_WEBHOOK_URL), "
    "one message per alert type and scope, most severe group first; a backfill does not "
    "replay old alerts. Sent alert ids go to ops.alert_deliveries as each message is taken.",
)
def alert_notifications(
    context: dg.AssetExecutionContext, settings: SocialmartSettings, warehouse: Warehouse
):
    hook = Webhook.from_env(settings.environ())
    _, day = window_from_keys(context.partition_key_range.start, context.partition_key_range.end)
    paths = settings.paths()
    con = warehouse.connect()
    try:
        con.execute("create schema if not exists ops")
        con.execute(
            "create table if not exists ops.alert_deliveries (alert_id varchar primary key, "
            "business_date date, channel varchar, delivered_at timestamptz)"
        )
        con.execute(f"attach '{paths.serving_db}' as served (read_only)")
        rows = con.execute(
            """
            select a.alert_id, a.alert_type, a.scope, a.severity, a.message
            from served.kpi.kpi_alerts as a
            anti join ops.alert_deliveries as d using (alert_id)
            where a.business_date = ?
            order by a.group_key, a.group_rank, a.alert_id
            """,
            [day],
        ).fetchall()
        con.execute("detach served")
        alerts = [Alert(*row) for row in rows]
        if not alerts or hook is None:
            return dg.MaterializeResult(
                metadata={"new_alerts": len(alerts), "sent": 0, "channel": "not configured"}
                if hook is None
                else {"new_alerts": 0, "sent": 0, "channel": hook.kind}
            )
        groups = group_alerts(alerts)
        attempts = 0
        for group in groups:
            attempts += send(hook, group.title(day), group.lines())
            # recorded message by message: a later failure leaves only the unsent for next time
            con.executemany(
                "insert into ops.alert_deliveries values (?, ?, ?, now())",
                [[alert.alert_id, day, hook.kind] for alert in group.alerts],
            )
    finally:
        con.close()
    return dg.MaterializeResult(
        metadata={
            "new_alerts": len(alerts),
            "sent": len(alerts),
            "messages": len(groups),
            "channel": hook.kind,
            "attempts": attempts,
        }
    )
