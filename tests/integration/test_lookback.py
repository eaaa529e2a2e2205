"""The look-back: a daily run fetches again the recent days its platform revises
(``lookback_days``), so a revised number arrives without a backfill; a backfill fetches
exactly its range."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from devtools.simulator import scale
from devtools.simulator.harness import RunningSimulator
from devtools.simulator.model import SCALES
from ingestion.platforms.douyin import DouyinSource
from ingestion.platforms.shop import ShopSource
from orchestration.ingestion_assets import platform_assets, raw_key
from orchestration.partitions import BACKFILL_TAG
from orchestration.resources import SocialmartSettings, Warehouse
from tests.helpers import DAY, dbt_warehouse, finish_dbt, start_dbt

DOUYIN = next(a for a in platform_assets if raw_key("douyin", "fans_daily") in a.keys)
SHOP = next(a for a in platform_assets if raw_key("shop", "orders") in a.keys)


def daily_run(sim: RunningSimulator, day: date, tags: dict[str, str] | None = None, asset=DOUYIN):
    """The step of ``asset`` (Douyin's) in the run of partition ``day`` (as the schedule
    starts it); the days its video_daily (or orders) loaded."""
    settings = SocialmartSettings(home=str(sim.paths.home))
    entity = raw_key("douyin", "video_daily") if asset is DOUYIN else raw_key("shop", "orders")
    result = dg.materialize(
        [asset],
        partition_key=day.isoformat(),
        tags=tags,
        resources={"settings": settings, "warehouse": Warehouse(settings=settings)},
    )
    materialized = result.asset_materializations_for_node(asset.op.name)
    loaded = next(m for m in materialized if m.asset_key == entity)
    return loaded.metadata["rows_by_day"].data


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


def gmv_by_day(sim: RunningSimulator, root: Path) -> dict[date, tuple[Decimal, int]]:
    """fct_orders' (GMV in yuan, orders) per day, built by dbt from the simulator's raw
    orders (the other sources from the tiny scale, which fct_orders' joins need)."""
    warehouse = dbt_warehouse(root)
    con = duckdb.connect(str(warehouse))
    try:
        spec = SCALES["tiny"]
        start, end = scale.history(spec)
        scale.generate(con, spec, start, end, history_start=start, hash_key=b"k" * 16)
        con.execute(f"attach '{sim.paths.warehouse}' as sim (read_only)")
        con.execute("create or replace table raw.shop__orders as from sim.raw.shop__orders")
    finally:
        con.close()
    args = ("--select", "+fct_orders", "--exclude", "resource_type:test resource_type:unit_test")
    finish_dbt(start_dbt("build", root, *args), root)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select business_date, sum(amount_yuan), count(*) from mart.fct_orders group by 1"
        ).fetchall()
    finally:
        con.close()
    return {day: (gmv, count) for day, gmv, count in rows}


def test_a_refund_in_the_look_back_window_changes_the_days_gmv(
    on_simulator: RunningSimulator, tmp_path: Path
):
    """An order refunded (cancelled) two days after it was paid: the next daily run fetches
    the order's day again, and the day's GMV drops by that order, counted nowhere twice."""
    sim = on_simulator
    day = DAY - timedelta(days=1)  # the tiny world's shop sells nothing on DAY
    orders = sim.world.orders_on(day)
    assert len(orders) == 2 and ShopSource.lookback_days == 2
    assert sorted(daily_run(sim, day, asset=SHOP)) == [
        (day - timedelta(days=n)).isoformat() for n in (2, 1, 0)
    ]
    refunded, kept = orders
    sim.set_faults({"shop": {"refunded_orders": [str(refunded["order_id"])]}})

    loaded = daily_run(sim, day + timedelta(days=1), asset=SHOP)

    assert loaded[day.isoformat()] == 2  # the day fetched again, both versions as served now
    # by hand: the day's two orders less the refunded one, in yuan
    assert gmv_by_day(sim, tmp_path)[day] == (Decimal(int(kept["amount_fen"])) / 100, 1)
