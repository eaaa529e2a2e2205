"""Ingestion against the simulator: faults lose nothing, reruns replace, replays work."""

from __future__ import annotations

import re
from datetime import time, timedelta

import duckdb
import polars as pl

from devtools.simulator.harness import RunningSimulator
from ingestion.landing import latest_file
from tests.helpers import DAY, ingest


def raw(sim: RunningSimulator, table: str) -> pl.DataFrame:
    con = duckdb.connect(str(sim.paths.warehouse), read_only=True)
    try:
        return con.sql(f"select business_date, record::varchar as record from raw.{table}").pl()
    finally:
        con.close()


def test_douyin_under_429_and_5xx_loads_exactly_the_truth(simulator, sim_env):
    simulator.set_faults({"douyin": {"rate_429": 0.15, "rate_5xx": 0.1, "retry_after": "0"}})
    sim_env["SOCIALMART_DOUYIN_CONCURRENCY"] = "1"  # one request order: the same draws each run
    sim_env["SOCIALMART_DOUYIN_BACKOFF"] = "0.01"  # retried as in production, waits shortened
    result = ingest(simulator, sim_env, "douyin", DAY, "r1")
    assert result.retries > 0, "faults were on: the client must have retried"

    world = simulator.world.truth(DAY, DAY)
    # Douyin reports item data only for videos published in the 30 days up to the day
    recent = world["contents"].filter(
        (pl.col("platform") == "douyin") & (pl.col("publish_date") > DAY - timedelta(days=30))
    )
    truth = world["content_daily"].filter(
        (pl.col("platform") == "douyin") & (pl.col("business_date") == DAY)
    )
    truth = truth.filter(pl.col("content_id").is_in(recent["content_id"].implode()))
    assert 0 < truth.height < world["contents"].filter(pl.col("platform") == "douyin").height
    loaded = raw(simulator, "douyin__video_daily").with_columns(
        pl.col("record").str.json_path_match("$.item_id").alias("content_id"),
        pl.col("record").str.json_path_match("$.play").cast(pl.Int64).alias("views"),
        pl.col("record").str.json_path_match("$.share").cast(pl.Int64).alias("shares_loaded"),
    )
    assert loaded.height == truth.height  # nothing lost, nothing twice
    assert loaded["content_id"].n_unique() == loaded.height
    joined = truth.join(loaded, on="content_id", how="left")
    assert joined["views_right"].null_count() == 0
    assert (joined["views"] == joined["views_right"]).all()
    assert (joined["shares"] == joined["shares_loaded"]).all()


def test_rerunning_a_day_replaces_it(simulator, sim_env):
    first = ingest(simulator, sim_env, "xiaohongshu", DAY, "r1")
    second = ingest(simulator, sim_env, "xiaohongshu", DAY, "r2")
    assert first.rows == second.rows and first.rows["note_daily"] > 0
    loaded = raw(simulator, "xiaohongshu__note_daily")
    assert loaded.height == first.rows["note_daily"]
    assert loaded["record"].n_unique() == loaded.height


def test_bilibili_past_day_replays_from_landing_or_is_skipped(simulator, sim_env):
    loaded = ingest(simulator, sim_env, "bilibili", DAY, "r1")
    assert loaded.rows["arc_stat"] > 0 and not loaded.replayed
    simulator.set_today(DAY + timedelta(days=3))
    again = ingest(simulator, sim_env, "bilibili", DAY, "r2")
    assert again.replayed and again.rows == loaded.rows
    assert again.landing_file == str(latest_file(simulator.paths.landing, "bilibili", DAY))
    never = ingest(simulator, sim_env, "bilibili", DAY - timedelta(days=1), "r3")
    assert never.skipped and "replayed from landing" in never.skipped
    assert never.rows == {}


def test_douyin_item_data_before_ten_is_not_ready_and_arrives_later(simulator, sim_env):
    """Item data refresh ~10:00 the next day (docs/sources/douyin_shop_kuaishou.md A.4): a
    run before then loads the rest of the day and leaves video_daily to a later run; a
    not-ready answer never clears a day already loaded."""
    morning = DAY + timedelta(days=1)
    simulator.set_today(morning, at=time(9, 0))
    early = ingest(simulator, sim_env, "douyin", DAY, "r1")
    assert "video_daily" not in early.rows and early.rows["fans_daily"] > 0
    assert any("not ready" in reason for reason in early.skipped_items)
    simulator.set_today(morning, at=time(10, 30))
    later = ingest(simulator, sim_env, "douyin", DAY, "r2")
    loaded = raw(simulator, "douyin__video_daily")
    assert later.rows["video_daily"] == loaded.height > 0
    simulator.set_today(morning, at=time(9, 0))
    again = ingest(simulator, sim_env, "douyin", DAY, "r3")
    assert "video_daily" not in again.rows
    assert raw(simulator, "douyin__video_daily").equals(loaded)


def test_douyin_quota_stops_the_run_and_a_missing_capability_skips_its_entity(simulator, sim_env):
    first = ingest(simulator, sim_env, "douyin", DAY, "r1")
    loaded = raw(simulator, "douyin__video_daily")
    assert first.rows["video_daily"] == loaded.height > 0
    simulator.set_faults({"douyin": {"douyin_codes": {"/data/external/item/share/": 2190001}}})
    (stopped,) = ingest(simulator, sim_env, "douyin", DAY, "r2").skipped_items
    assert re.search("douyin account .*quota exhausted.*next run resumes", stopped), stopped
    assert raw(simulator, "douyin__video_daily").equals(loaded)  # nothing already loaded lost
    simulator.set_faults({"douyin": {"douyin_codes": {"/item/comment/list/": 2190004}}})
    third = ingest(simulator, sim_env, "douyin", DAY, "r3")
    assert third.rows["video_daily"] == loaded.height and third.rows["comments"] == 0
    accounts = [a for a in simulator.world.accounts if a.platform == "douyin"]
    assert len(third.skipped_items) == len(accounts) > 0  # one per account, not per video
    assert all("the app lacks this capability (2190004)" in r for r in third.skipped_items)
