"""A platform that finishes the day after the 03:00 run gets yesterday again when it is
ready: WeChat OA's datacube after 08:00, Douyin's item data around 10:00 (their sources'
``ready_at``), each with only its own ingestion, dbt and the publish."""

from __future__ import annotations

from datetime import datetime

import dagster as dg

from ingestion.settings import SHANGHAI
from orchestration.definitions import defs


def evaluate(name: str, at: datetime) -> dg.RunRequest:
    schedule = defs.resolve_schedule_def(name)
    with dg.build_schedule_context(
        scheduled_execution_time=at, repository_def=defs.get_repository_def()
    ) as context:
        [request] = schedule.evaluate_tick(context).run_requests
    return request


def raw_platforms(request: dg.RunRequest) -> set[str]:
    keys = request.asset_selection or []
    return {key.path[1] for key in keys if key.path[0] == "raw"}


def test_late_platforms_run_yesterday_when_ready():
    crons = {s.name: s.cron_schedule for s in defs.schedules}
    assert crons == {
        "daily_pipeline_schedule": "0 3 * * *",
        "late_platforms_0830": "30 8 * * *",
        "late_platforms_1030": "30 10 * * *",
    }
    # 2026-12-02 10:30 Beijing (02:30 UTC): Douyin's 12-01 item data are ready
    douyin = evaluate("late_platforms_1030", datetime(2026, 12, 2, 10, 30, tzinfo=SHANGHAI))
    assert douyin.partition_key == "2026-12-01"
    assert raw_platforms(douyin) == {"douyin"}
    selected = {key.to_user_string() for key in douyin.asset_selection or []}
    assert "serving/published_mart" in selected
    assert {"mart/fct_content_daily", "kpi/kpi_account_daily"} <= selected
    wechat = evaluate("late_platforms_0830", datetime(2026, 12, 2, 8, 30, tzinfo=SHANGHAI))
    assert (wechat.partition_key, raw_platforms(wechat)) == ("2026-12-01", {"wechat_oa"})
