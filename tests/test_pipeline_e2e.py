"""The whole pipeline: simulator → Dagster → dbt → GX gates → published DuckDB file.

Three mornings are replayed (the platforms' clock moves a day each time and that day is
ingested), then one run over the range builds, validates and publishes. Published KPIs are
compared with numbers this test computes from the simulator's ground truth.
"""

from __future__ import annotations

import csv
import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from ingestion.platforms import SOCIAL_PLATFORMS as PLATFORMS
from ingestion.settings import REPO_ROOT
from ingestion.simulator.exports import TABLES
from ingestion.simulator.harness import RunningSimulator, start_simulator
from orchestration.partitions import days_between
from orchestration.runs import ingestion_keys, prepare_dagster_home, run_pipeline

pytestmark = pytest.mark.e2e
NOTE_HEADERS = TABLES["xiaohongshu"][0][1]

WARM_UP = date(2026, 11, 16)  # its snapshot lets Bilibili's first real day be a difference
START, END = date(2026, 11, 17), date(2026, 11, 18)


@dataclass
class Pipeline:
    sim: RunningSimulator
    instance: dg.DagsterInstance
    result: dg.ExecuteInProcessResult

    @property
    def serving(self) -> Path:
        return self.sim.paths.serving_db

    def published(self, sql: str) -> pl.DataFrame:
        con = duckdb.connect(str(self.serving), read_only=True)
        try:
            return con.sql(sql).pl()
        finally:
            con.close()


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("e2e") / "home"
    sim = start_simulator(
        home, today=WARM_UP + timedelta(days=1), scale="tiny", history_start=date(2026, 10, 1)
    )
    saved = os.environ.copy()
    os.environ.update(sim.environ())
    instance = dg.DagsterInstance.ephemeral()
    try:
        for day in days_between(WARM_UP, END):
            sim.set_today(day + timedelta(days=1))
            run_pipeline(instance, day, asset_selection=ingestion_keys())
        result = run_pipeline(instance, WARM_UP, END)
        yield Pipeline(sim, instance, result)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        sim.stop()


def expected_kpis(sim: RunningSimulator) -> pl.DataFrame:
    """Per account and day, from the ground truth, without the warehouse's SQL."""
    truth = sim.world.truth(WARM_UP, END)
    daily = truth["content_daily"].join(
        truth["contents"].select("content_id", "form"), on="content_id"
    )
    reports_saves = pl.col("platform").is_in(["bilibili", "xiaohongshu", "zhihu", "wechat_oa"])
    reports_likes = pl.col("platform") != "wechat_oa"
    reports_shares = pl.col("platform") != "kuaishou"
    reports_completion = (
        (pl.col("platform") == "xiaohongshu") & (pl.col("form") == "video_note")
    ) | (pl.col("platform") == "wechat_channels")
    totals = daily.group_by("platform", "account_id", "business_date").agg(
        pl.col("views").sum().alias("views"),
        (
            pl.when(reports_likes).then(pl.col("likes")).otherwise(0)
            + pl.col("comments")
            + pl.when(reports_shares).then(pl.col("shares")).otherwise(0)
            + pl.when(reports_saves).then(pl.col("saves")).otherwise(0)
        )
        .sum()
        .alias("interactions"),
        pl.col("completions")
        .filter(reports_completion & (pl.col("views") > 0))
        .sum()
        .alias("completed"),
        pl.col("views")
        .filter(reports_completion & (pl.col("views") > 0))
        .sum()
        .alias("views_with_completion"),
    )
    # Weibo does not report views: its views, and so its engagement rate, are unknown.
    totals = totals.with_columns(
        pl.when(pl.col("platform") == "weibo").then(None).otherwise(pl.col("views")).alias("views")
    )
    followers = (
        truth["account_daily"]
        .sort("business_date")
        .with_columns(
            pl.col("followers_total").shift(1).over("platform", "account_id").alias("prev")
        )
    )
    return (
        followers.join(totals, on=["platform", "account_id", "business_date"], how="left")
        .with_columns(
            (pl.col("interactions") / pl.col("views")).alias("engagement_rate"),
            pl.when(pl.col("views_with_completion") > 0)
            .then(pl.col("completed") / pl.col("views_with_completion"))
            .alias("completion_rate"),
            ((pl.col("followers_total") - pl.col("prev")) / pl.col("prev")).alias(
                "follower_growth_rate_1d"
            ),
        )
        .filter(pl.col("business_date").is_between(START, END))
        .filter(pl.col("platform").is_in(list(PLATFORMS)))
    )


def test_run_succeeded_and_published(pipeline: Pipeline):
    assert pipeline.result.success
    assert pipeline.serving.exists()
    tables = pipeline.published(
        "select table_schema || '.' || table_name as t from information_schema.tables"
    )["t"]
    assert {
        "kpi.kpi_account_daily",
        "mart.dim_account",
        "mart.dim_content",
        "mart.fct_content_daily",
        "mart.fct_account_daily",
    } <= set(tables)
    parquet = pipeline.sim.paths.serving_parquet / "kpi" / "kpi_account_daily.parquet"
    assert (
        pl.read_parquet(parquet).height
        == pipeline.published("select * from kpi.kpi_account_daily").height
    )


def test_every_account_and_day_has_a_row(pipeline: Pipeline):
    got = pipeline.published(
        "select platform, account_id, business_date from kpi.kpi_account_daily"
    )
    accounts = {
        (a.platform, a.account_id) for a in pipeline.sim.world.accounts if a.platform in PLATFORMS
    }
    for day in days_between(WARM_UP, END):
        present = {(r[0], r[1]) for r in got.filter(pl.col("business_date") == day).iter_rows()}
        assert present == accounts, f"missing rows on {day}"
    assert {p for p, _ in accounts} == set(PLATFORMS)


def test_published_kpis_match_ground_truth(pipeline: Pipeline):
    expected = expected_kpis(pipeline.sim)
    got = pipeline.published("select * from kpi.kpi_account_daily")
    joined = expected.join(
        got, on=["platform", "account_id", "business_date"], how="left", suffix="_published"
    )
    assert joined.height == sum(a.platform in PLATFORMS for a in pipeline.sim.world.accounts) * 2
    wrong_views = joined.filter(~pl.col("views").eq_missing(pl.col("views_published")))
    assert wrong_views.is_empty(), wrong_views.select(
        "platform", "account_id", "business_date", "views", "views_published"
    ).to_dicts()
    assert (joined["followers_total"] == joined["followers_total_published"]).all()
    for column, tolerance in [
        ("engagement_rate", 1e-9),
        ("follower_growth_rate_1d", 1e-9),
        ("completion_rate", 2e-3),
    ]:  # the export rounds 完播率 to 0.1%
        for row in joined.select(column, f"{column}_published").iter_rows():
            want, have = row
            if want is None:
                assert have is None, f"{column}: expected null, published {have}"
            else:
                assert have is not None and abs(want - have) <= tolerance, (column, want, have)
    xhs = joined.filter(pl.col("platform") == "xiaohongshu")
    assert xhs["completion_rate_published"].null_count() < xhs.height  # really compared


def test_rerunning_the_range_leaves_no_duplicates(pipeline: Pipeline):
    before = pipeline.published("select * from kpi.kpi_account_daily order by all")
    rerun = run_pipeline(pipeline.instance, WARM_UP, END)
    assert rerun.success
    after = pipeline.published("select * from kpi.kpi_account_daily order by all")
    assert after.equals(before)
    con = duckdb.connect(str(pipeline.sim.paths.warehouse), read_only=True)
    try:
        dupes = con.execute("""
            select count(*) - count(distinct (record ->> 'item_id', business_date))
            from raw.douyin__video_daily""").fetchone()[0]
        content_rows = con.execute("select count(*) from mart.fct_content_daily").fetchone()[0]
        distinct = con.execute(
            "select count(distinct (content_key, business_date)) from mart.fct_content_daily"
        ).fetchone()[0]
    finally:
        con.close()
    assert dupes == 0
    assert content_rows == distinct


def test_backfill_from_the_cli(pipeline: Pipeline, tmp_path: Path):
    env = {**os.environ, "DAGSTER_HOME": str(prepare_dagster_home(tmp_path))}
    dagster = Path(sys.executable).with_name("dagster")
    done = subprocess.run(
        [
            str(dagster),
            "asset",
            "materialize",
            "-m",
            "orchestration.definitions",
            "--select",
            "*",
            "--partition-range",
            f"{START}...{END}",
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    days = pipeline.published("select distinct business_date from kpi.kpi_account_daily")
    assert {START, END} <= set(days["business_date"])


def test_failing_expectation_blocks_publishing(pipeline: Pipeline):
    day = END + timedelta(days=1)
    pipeline.sim.set_today(day + timedelta(days=1))
    account = pipeline.sim.world.accounts_of("xiaohongshu")[0].account_id
    bad = pipeline.sim.paths.inbox / "xiaohongshu" / "bad_export.csv"
    with bad.open("w", encoding="gbk", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(NOTE_HEADERS)  # the headers the real export has
        writer.writerow(
            [
                day.isoformat(),
                account,
                "bad-note",
                "负数",
                f"{day} 08:00:00",
                "图文",
                10,
                -5,
                0,
                0,
                0,
                0,
                0,
                0,
                "-",
            ]
        )
    before = hashlib.sha256(pipeline.serving.read_bytes()).hexdigest()
    parquet = pipeline.sim.paths.serving_parquet / "kpi" / "kpi_account_daily.parquet"
    parquet_before = hashlib.sha256(parquet.read_bytes()).hexdigest()

    result = run_pipeline(pipeline.instance, day, raise_on_error=False)

    assert not result.success
    evaluations = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    failed = [e for e in evaluations if not e.passed]
    assert [e.check_name for e in failed] == ["gx_staging__xiaohongshu_note_daily"]
    metadata = failed[0].metadata
    assert "column=views, min_value=0" in str(metadata["failed_expectations"].value)
    assert "bad-note" in str(metadata["failing_rows_sample"].value)
    published = [
        e
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION"
        and e.asset_key == dg.AssetKey(["serving", "published_mart"])
    ]
    assert published == []
    assert hashlib.sha256(pipeline.serving.read_bytes()).hexdigest() == before
    assert hashlib.sha256(parquet.read_bytes()).hexdigest() == parquet_before
