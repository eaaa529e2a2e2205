"""The look-back: a daily run fetches again the recent days its platform revises
(``lookback_days``), so a revised number arrives without a backfill; a backfill fetches
exactly its range."""

from __future__ import annotations

import json
from datetime import date, timedelta

import dagster as dg
import duckdb
import pytest

from devtools.simulator.harness import RunningSimulator
from ingestion.platforms.douyin import DouyinSource
from orchestration.ingestion_assets import platform_assets, raw_key
from orchestration.partitions import BACKFILL_TAG
from orchestration.resources import SocialmartSettings, Warehouse
from tests.helpers import DAY

DOUYIN = next(a for a in platform_assets if raw_key("douyin", "fans_daily") in a.keys)


def daily_run(sim: RunningSimulator, day: date, tags: dict[str, str] | None = None):
    """The Douyin step of the run of partition ``day`` (as the schedule starts it)."""
    settings = SocialmartSettings(home=str(sim.paths.home))
    result = dg.materialize(
        [DOUYIN],
        partition_key=day.isoformat(),
        tags=tags,
        resources={"settings": settings, "warehouse": Warehouse(settings=settings)},
    )
    materialized = result.asset_materializations_for_node(DOUYIN.op.name)
    video_daily = next(m for m in materialized if m.asset_key == raw_key("douyin", "video_daily"))
    return video_daily.metadata["rows_by_day"].data


def plays_of(sim: RunningSimulator, day: date) -> dict[str, int]:
    """Each video's plays of ``day`` in raw, as its latest load has them."""
    return {
        item: int(json.loads(r)["play"])
        for item, r in query(
            sim,
            "select record ->> 'item_id', max_by(record::varchar, _ingested_at) "
            "from raw.douyin__video_daily where business_date = ? group by 1",
            [day],
        )
    }


def published_after(sim: RunningSimulator, day: date) -> set[str]:
    """The videos published after ``day`` (Shanghai), from raw's video list."""
    return {
        item
        for (item,) in query(
            sim,
            "select distinct record ->> 'item_id' from raw.douyin__videos where "
            "cast(to_timestamp(cast(record ->> 'create_time' as bigint)) at time zone "
            "'Asia/Shanghai' as date) > ?",
            [day],
        )
    }


def query(sim: RunningSimulator, sql: str, params: list) -> list[tuple]:
    con = duckdb.connect(str(sim.paths.warehouse), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


@pytest.fixture
def on_simulator(simulator: RunningSimulator, sim_env, monkeypatch) -> RunningSimulator:
    for name, value in sim_env.items():
        monkeypatch.setenv(name, value)
    return simulator


def test_a_revised_day_arrives_with_the_next_daily_run(on_simulator: RunningSimulator):
    sim = on_simulator
    rows_by_day = daily_run(sim, DAY)
    assert DouyinSource.lookback_days == 2
    # the daily run of DAY fetched DAY and the two days before it
    assert sorted(rows_by_day) == [(DAY - timedelta(days=n)).isoformat() for n in (2, 1, 0)]
    before = plays_of(sim, DAY)
    assert before and rows_by_day[DAY.isoformat()] == len(before)

    # the platform revises DAY after serving it: +1000 plays on each video's DAY
    sim.set_faults({"douyin": {"revised_plays": {DAY.isoformat(): 1000}}})
    sim.set_today(DAY + timedelta(days=2))
    daily_run(sim, DAY + timedelta(days=1))

    # Douyin reports item data only for videos of the last 30 days (A.4): one that aged
    # out keeps the number loaded before
    served = published_after(sim, DAY + timedelta(days=1) - timedelta(days=30))
    assert served and plays_of(sim, DAY) == {
        item: plays + 1000 if item in served else plays for item, plays in before.items()
    }


def test_a_backfill_fetches_exactly_its_range(on_simulator: RunningSimulator):
    loaded = daily_run(on_simulator, DAY, tags={BACKFILL_TAG: "b1"})
    assert sorted(loaded) == [DAY.isoformat()]
