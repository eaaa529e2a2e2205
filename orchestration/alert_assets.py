"""Posting new KPI alerts to the team's robot once the mart is published (SPEC R-K8)."""

import dagster as dg

from orchestration.partitions import daily_partitions, window_from_keys
from orchestration.publish_assets import PUBLISHED_KEY
from orchestration.resources import DUCKDB_POOL, SocialmartSettings, Warehouse
from serving.alerting import Webhook, send

SEVERITY_ORDER = "case severity when 'critical' then 1 when 'warning' then 2 else 3 end"


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
    "not sent before to the WeCom / DingTalk / Feishu robot (SOCIALMART_ALERT_WEBHOOK_URL); "
    "a backfill does not replay old alerts. Sent alert ids go to ops.alert_deliveries.",
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
        alerts = con.execute(
            f"""
            select a.alert_id, a.severity, a.message
            from served.kpi.kpi_alerts as a
            anti join ops.alert_deliveries as d using (alert_id)
            where a.business_date = ?
            order by {SEVERITY_ORDER}, a.alert_type, a.scope_key
            """,
            [day],
        ).fetchall()
        con.execute("detach served")
        if not alerts or hook is None:
            return dg.MaterializeResult(
                metadata={"new_alerts": len(alerts), "sent": 0, "channel": "not configured"}
                if hook is None
                else {"new_alerts": 0, "sent": 0, "channel": hook.kind}
            )
        counts = {s: sum(1 for a in alerts if a[1] == s) for s in ("critical", "warning", "info")}
        title = f"socialmart {day}: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        attempts = send(hook, title, [f"[{sev}] {msg}" for _, sev, msg in alerts])
        con.executemany(
            "insert into ops.alert_deliveries values (?, ?, ?, now())",
            [[alert_id, day, hook.kind] for alert_id, _, _ in alerts],
        )
    finally:
        con.close()
    return dg.MaterializeResult(
        metadata={
            "new_alerts": len(alerts),
            "sent": len(alerts),
            "channel": hook.kind,
            "attempts": attempts,
        }
    )
