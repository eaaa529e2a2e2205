"""The whole pipeline: simulator → Dagster → dbt → GX gates → published DuckDB file.

Three mornings are replayed (the platforms' clock moves a day each time and that day is
ingested), then one run over the range builds, validates and publishes: the session's week,
built by ``dagster dev``'s backfill (the fixture ``week``, tests/e2e/dagster_dev.py), which
the UI tests look at first. Published KPIs are compared with numbers this test computes from
the simulator's ground truth; later tests move the world on in-process.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
from dagster._core.instance.ref import InstanceRef
from openpyxl import Workbook, load_workbook
from polars.testing import assert_frame_equal

from devtools.benchmark import dbt_account
from devtools.simulator.harness import RunningSimulator
from ingestion.platforms import SOCIAL_PLATFORMS as PLATFORMS
from ingestion.privacy import hash_key, pseudonymise
from ingestion.settings import REPO_ROOT
from orchestration.partitions import days_between, range_tags
from orchestration.runs import (
    ingestion_keys,
    prepare_dagster_home,
    release_killed_run,
    run_pipeline,
)
from tests.e2e.dagster_dev import END, START, WARM_UP, Week

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Build:
    """The week's first build: the backfill's one run."""

    run_id: str
    success: bool
    failures: list[str]


@dataclass
class Pipeline:
    sim: RunningSimulator
    instance: dg.DagsterInstance
    result: Build

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
def pipeline(week: Week):
    week.ui.stop()  # its sensors would start runs for the files the next mornings drop
    [run] = week.backfill.runs
    sim = week.ui.sim
    saved = os.environ.copy()
    os.environ.update(sim.environ())
    # dbt's unit tests check SQL on fixed inputs, not data: the backfill's build ran them,
    # this module's later builds (in-process and CLI) skip them
    os.environ["DBT_EXCLUDE_RESOURCE_TYPES"] = "unit_test"
    try:
        with dg.DagsterInstance.ephemeral() as instance:
            yield Pipeline(
                sim, instance, Build(run["runId"], week.backfill.succeeded, week.backfill.failures)
            )
    finally:
        os.environ.clear()
        os.environ.update(saved)


def expected_kpis(sim: RunningSimulator) -> pl.DataFrame:
    """Per account and day, from the ground truth, without the warehouse's SQL."""
    truth = sim.world.truth(WARM_UP, END)
    daily = truth["content_daily"].join(
        truth["contents"].select("content_id", "form", "publish_date"), on="content_id"
    )
    # Douyin reports a video's day only within 30 days of its publication
    # (docs/sources/douyin_shop_kuaishou.md A.4)
    age = (pl.col("business_date") - pl.col("publish_date")).dt.total_days()
    daily = daily.filter((pl.col("platform") != "douyin") | (age < 30))
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
    # Xiaohongshu's 近30日涨粉数据 has no follower total (docs/sources/exports.md §1c)
    followers = (
        truth["account_daily"]
        .sort("business_date")
        .with_columns(
            pl.when(pl.col("platform") == "xiaohongshu")
            .then(None)
            .otherwise(pl.col("followers_total"))
            .alias("followers_total")
        )
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
    assert pipeline.result.success, "\n\n".join(pipeline.result.failures)
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


def test_data_docs_and_dbt_docs_are_built(pipeline: Pipeline):
    docs = pipeline.sim.paths.docs
    index = (docs / "gx" / "index.html").read_text(encoding="utf-8")
    for suite in ("kpi__coverage", "mart__referential_integrity", "raw__shop_orders"):
        assert suite in index
    # the build's checks left the index to the publish step's one update: it lists them
    assert pipeline.result.run_id in index
    # one validation page per suite and run, named by the Dagster run
    pages = list(
        (docs / "gx" / "validations" / "kpi__coverage").glob(f"{pipeline.result.run_id}/*/*.html")
    )
    assert len(pages) == 1
    dbt_page = (docs / "dbt" / "index.html").read_text(encoding="utf-8")
    assert "bridge_user_identity" in dbt_page and "classification" in dbt_page
    catalog = json.loads((docs / "dbt" / "catalog.json").read_text(encoding="utf-8"))
    assert "model.socialmart.kpi_account_daily" in catalog["nodes"]


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
    assert joined["followers_total"].eq_missing(joined["followers_total_published"]).all()
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


def queue_runs_behind(instance: dg.DagsterInstance, count: int) -> list[str]:
    """Runs waiting to start, as a sensor or a UI backfill leaves them in the queue: each has
    logged PLANNED records of every check, newer than anything the running run wrote. (Not
    QUEUED: that status needs a code location's origin, which an in-process job has not.)"""
    from orchestration.definitions import defs

    job = defs.resolve_job_def("daily_pipeline")
    return [
        instance.create_run_for_job(
            job, status=dg.DagsterRunStatus.NOT_STARTED, tags=range_tags(START, END)
        ).run_id
        for _ in range(count)
    ]


CONTRACT_TABLES = [
    "mart.dim_platform", "mart.dim_account", "mart.dim_content", "mart.dim_date",
    "mart.dim_unified_user", "mart.bridge_user_identity", "mart.fct_content_daily",
    "mart.fct_account_daily", "mart.fct_user_interactions", "mart.fct_orders",
    "mart.fct_live_sessions", "mart.fct_ad_spend", "kpi.kpi_account_daily",
    "kpi.kpi_platform_daily", "kpi.kpi_matrix_daily", "kpi.kpi_account_weekly",
    "kpi.kpi_platform_weekly", "kpi.kpi_matrix_weekly", "kpi.kpi_account_monthly",
    "kpi.kpi_platform_monthly", "kpi.kpi_matrix_monthly", "kpi.kpi_content_scorecard",
    "kpi.kpi_user_segments", "kpi.kpi_user_segments_as_of", "kpi.kpi_funnel_daily",
    "kpi.kpi_retention_cohorts", "kpi.kpi_ltv", "kpi.kpi_targets", "kpi.kpi_status",
    "kpi.kpi_alerts",
]  # fmt: skip


def test_every_contract_table_is_published_with_rows(pipeline: Pipeline):
    for table in CONTRACT_TABLES:
        assert pipeline.published(f"select count(*) from {table}").item() > 0, table
    for table in ("kpi.kpi_platform_daily", "kpi.kpi_platform_weekly", "mart.fct_content_daily"):
        platforms = pipeline.published(f"select distinct platform from {table}")["platform"]
        assert set(platforms) == set(PLATFORMS), table
    # the daily platform roll-up is the sum of its accounts, rates re-derived from the sums
    check = pipeline.published(
        """
        select p.platform, p.business_date, p.views, p.engagement_rate,
            sum(a.views) as account_views, sum(a.interactions) / sum(a.views) as from_accounts
        from kpi.kpi_platform_daily as p
        join kpi.kpi_account_daily as a using (platform, business_date)
        where p.views is not null
        group by all
        """
    )
    assert check.height > 0
    assert (check["views"] == check["account_views"]).all()
    assert ((check["engagement_rate"] - check["from_accounts"]).abs() < 1e-12).all()


PROBE = "reader-probe"


def test_readers_see_whole_publishes_while_the_pipeline_publishes(pipeline: Pipeline):
    """A BI tool reads the served file and the Parquet copy in a loop, in its own process,
    while the pipeline publishes four times: no read fails, and every read sees exactly one
    publish (each table's rows as that publish recorded them, a probe table that differs
    from publish to publish included, and a probe day of a fact served by business date
    that each publish adds while it drops the day before: days written, linked and gone)."""
    from orchestration.publish_assets import PUBLISHED_KEY

    paths = pipeline.sim.paths
    stop = paths.home / "stop-reader"
    first = pipeline.published("select run_id from meta.publication").item()
    reader = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.serving_reader", str(pipeline.serving),
         str(paths.serving_parquet), str(stop)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    runs = []
    try:
        for publish in range(1, 5):
            warehouse_sql(
                pipeline,
                "create or replace table kpi.reader_probe as "
                f"select range as n from range({publish * 1000})",
                f"delete from mart.fct_content_daily where content_key = '{PROBE}'",
                "insert into mart.fct_content_daily (content_key, business_date) "
                f"select '{PROBE}', date '2000-01-01' + {publish} from range({publish * 100})",
            )
            result = run_pipeline(pipeline.instance, END, asset_selection=[PUBLISHED_KEY])
            runs.append(result.run_id)
    finally:
        stop.touch()
        out, _ = reader.communicate(timeout=120)
        warehouse_sql(
            pipeline,
            "drop table if exists kpi.reader_probe",
            f"delete from mart.fct_content_daily where content_key = '{PROBE}'",
        )
        stop.unlink()
    assert run_pipeline(pipeline.instance, END, asset_selection=[PUBLISHED_KEY]).success
    days = paths.serving_parquet / "mart" / "fct_content_daily"
    assert days.is_dir() and not list(days.glob("business_date=2000-*"))
    report = json.loads(out)
    assert report["errors"] == []
    assert report["torn"] == []
    assert report["reads"] >= 20
    assert len(report["publishes"]) >= 3, report["publishes"]  # it read across the swaps
    assert set(report["publishes"]) <= {first, *runs}
    parquet_folders = list(paths.serving_dir.glob("parquet-*"))
    assert len(parquet_folders) <= 2  # the live one and the one before


def published_tables(pipeline: Pipeline, path: Path | None = None) -> dict[str, pl.DataFrame]:
    """Every published table (of the served file, or of the file at ``path``), rows sorted:
    what two publishes must agree on (not the time a row was written, updated_at)."""
    con = duckdb.connect(str(path or pipeline.serving), read_only=True)
    try:
        names = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('mart', 'kpi') order by 1"
        ).fetchall()
        served = "select columns(lambda c: c <> 'updated_at') from"
        return {t: con.sql(f"{served} {t} order by all").pl() for (t,) in names}
    finally:
        con.close()


def published_from_nothing(pipeline: Pipeline, folder: Path) -> dict[str, pl.DataFrame]:
    """published_tables of a publish from nothing of the warehouse as it is now, in
    ``folder``: what an updated served file must hold."""
    from orchestration.dbt_assets import manifest_path
    from serving.publishing import personal_columns, publish

    manifest = json.loads(manifest_path().read_text(encoding="utf-8"))
    fresh = publish(
        pipeline.sim.paths.warehouse, folder / "s.duckdb", folder / "pq", "fresh",
        personal_columns(manifest),
    )  # fmt: skip
    assert fresh.full_reason == "no earlier publish"
    return published_tables(pipeline, fresh.path)


def cli_run(
    dagster_home: Path, start: date, end: date | None = None, select: str = "*"
) -> subprocess.Popen:
    """The pipeline for a day, or a range as one run (a backfill), from the CLI in a process
    of its own (its own process group); its output goes to ``<dagster_home>/run.log``."""
    dagster = Path(sys.executable).with_name("dagster")
    log = (dagster_home / "run.log").open("a")
    days = ["--partition-range", f"{start}...{end}"] if end else ["--partition", str(start)]
    return subprocess.Popen(
        [str(dagster), "asset", "materialize", "-m", "orchestration.definitions",
         "--select", select, *days],
        cwd=REPO_ROOT, env={**os.environ, "DAGSTER_HOME": str(dagster_home)},
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def kill_when(
    process: subprocess.Popen, reached: Callable[[], bool], after: float, what: str
) -> None:
    """SIGKILL the process's whole group ``after`` seconds once ``reached()`` holds."""
    deadline = time.monotonic() + 300
    while not reached():
        assert process.poll() is None, f"the run ended before {what}"
        assert time.monotonic() < deadline, f"{what} did not happen within 300 s"
        time.sleep(0.01)
    time.sleep(after)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


class StepWatch:
    """Whether the newest run in a DAGSTER_HOME has started a step, from its event log.

    The instance is opened once, after the run created its storage: opening it while the
    CLI creates it races on the SQLite schema.
    """

    def __init__(self, dagster_home: Path, step: str) -> None:
        self.home, self.step = dagster_home, step
        self.instance: dg.DagsterInstance | None = None

    def __call__(self) -> bool:
        if self.instance is None:
            if not (self.home / "history" / "runs.db").exists():
                return False
            time.sleep(1)  # let the run finish creating its storage
            self.instance = dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(self.home)))
        runs = self.instance.get_runs(limit=1)
        if not runs:
            return False
        starts = self.instance.all_logs(runs[0].run_id, of_type=dg.DagsterEventType.STEP_START)
        return any(e.step_key == self.step for e in starts)

    def close(self) -> None:
        if self.instance is not None:
            self.instance.dispose()
            self.instance = None


def test_runs_killed_at_several_steps_then_rerun_publish_what_an_uninterrupted_run_does(
    pipeline: Pipeline, tmp_path: Path
):
    """The day's run is killed (SIGKILL to its process group) mid-ingestion, then its rerun
    mid-dbt-build, then the next one mid-publish (the new serving file half written). A
    last rerun, a CLI backfill of the whole range in one run, meets no lock, temp file or
    half-written landing file, and publishes a mart equal, table by table, to the one the
    uninterrupted run published: the range rerun duplicates nothing."""
    before = published_tables(pipeline)
    publication = pipeline.published("select run_id from meta.publication").item()
    serving_dir = pipeline.sim.paths.serving_dir
    home = prepare_dagster_home(tmp_path)
    # no compute-log capture: its `tail` helpers outlive a killed run and would leak here
    with (home / "dagster.yaml").open("a") as f:
        f.write("compute_logs:\n  module: dagster._core.storage.noop_compute_log_manager\n"
                "  class: NoOpComputeLogManager\n")  # fmt: skip
    # the instance's SQLite storages created once, before any run: a run's process and the
    # watcher creating them at the same moment leave two schema heads behind
    dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))).dispose()
    # the publish is killed in a run of its own: what it leaves is the same as at the end of
    # a whole run, without building dbt once more to get there
    kill_points = [
        ("mid-ingestion", StepWatch(home, "ingest_douyin"), 1.0, "*"),
        ("mid-dbt-build", StepWatch(home, "socialmart_dbt"), 8.0, "not group:raw"),
        (
            "mid-publish",
            lambda: any(serving_dir.glob(".socialmart.duckdb.*.tmp")),
            0.05,
            "serving/published_mart",
        ),
    ]
    for what, reached, after, select in kill_points:
        try:
            kill_when(cli_run(home, END, select=select), reached, after, what)
        finally:
            if isinstance(reached, StepWatch):
                reached.close()
        assert pipeline.published("select run_id from meta.publication").item() == publication
        with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
            [dead] = instance.get_runs(limit=1)
            assert dead.status == dg.DagsterRunStatus.STARTED  # a killed run cannot say so
            release_killed_run(instance, dead.run_id)  # as the daemon's run monitoring would
            assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
    assert any(serving_dir.glob(".socialmart.duckdb.*.tmp")), "the publish was not cut short"

    # the rerun is a CLI backfill of the whole range: one run, every day rebuilt
    rerun = cli_run(home, WARM_UP, END)
    assert rerun.wait(timeout=600) == 0, (home / "run.log").read_text()[-4000:]
    after_rerun = published_tables(pipeline)
    assert pipeline.published("select run_id from meta.publication").item() != publication
    assert list(after_rerun) == list(before)
    for table, frame in before.items():
        # exact, but for the last bits of sums of doubles (DuckDB adds them in parallel)
        assert_frame_equal(after_rerun[table], frame, check_exact=False, rel_tol=1e-12)
    # Parquet folders superseded by the rerun's publish are set aside (``.old``), removed by
    # the next publish (docs/serving.md); nothing else of the killed runs is left
    hidden = [p.name for p in serving_dir.iterdir() if p.name.startswith(".")]
    assert [name for name in hidden if not name.startswith(".parquet-")] == []
    assert all(name.endswith(".old") for name in hidden)
    assert list(pipeline.sim.paths.landing.rglob(".*.part")) == []
    # the rerun of the range left no duplicates: the KPIs exactly as before, each item-day
    # once in raw and in the facts
    assert after_rerun["kpi.kpi_account_daily"].equals(before["kpi.kpi_account_daily"])
    dupes = warehouse(
        pipeline,
        """
        select count(*) - count(distinct (record ->> 'item_id', business_date))
        from raw.douyin__video_daily""",
    ).item()
    content_rows = warehouse(pipeline, "select count(*) from mart.fct_content_daily").item()
    distinct = warehouse(
        pipeline, "select count(distinct (content_key, business_date)) from mart.fct_content_daily"
    ).item()
    assert dupes == 0
    assert content_rows == distinct


# -- unified user id ---------------------------------------------------------------------------
def warehouse(pipeline: Pipeline, sql: str) -> pl.DataFrame:
    con = duckdb.connect(str(pipeline.sim.paths.warehouse), read_only=True)
    try:
        return con.sql(sql).pl()
    finally:
        con.close()


def as_node(pipeline: Pipeline, id_type: str, value: str) -> tuple[str, str]:
    """A ground-truth identifier as the warehouse holds it (phones and emails hashed)."""
    if id_type in ("phone", "email"):
        key = hash_key(pipeline.sim.environ())
        return f"{id_type}_hash", str(pseudonymise(value, id_type, key))
    return id_type, value


def test_unified_ids_match_the_simulators_people(pipeline: Pipeline):
    """Pairwise precision ≥ 99.9% against the people behind the identifiers, and every
    deterministic link (two identifiers on one served record) inside one unified id."""
    world = pipeline.sim.world
    person_of = {
        as_node(pipeline, t, v): p for p, t, v in world.truth(START, END)["persons"].rows()
    }
    bridge = warehouse(  # identifiers are personal: the warehouse has them, serving not
        pipeline, "select id_type, id_value, unified_user_id from mart.bridge_user_identity"
    )
    id_of = {(t, v): u for t, v, u in bridge.rows()}
    assert set(id_of) <= set(person_of), "an identifier no simulated person has was linked"

    # precision: of all pairs sharing a unified id, the share that are one person
    people = pl.DataFrame(
        [(u, person_of[node]) for node, u in id_of.items()], schema=["uid", "person"], orient="row"
    )
    pairs = (pl.col("len") * (pl.col("len") - 1) // 2).sum()
    pairs_in = people.group_by("uid").len().select(pairs).item()
    pairs_right = people.group_by("uid", "person").len().select(pairs).item()
    assert pairs_in > 50
    assert pairs_right / pairs_in >= 0.999

    # recall: every record's identifiers share one unified id
    records = world.linking_records(WARM_UP, END)
    assert len(records) > 50
    missed = []
    for person, ids in records:
        nodes = [as_node(pipeline, t, v) for t, v in ids.items()]
        if len({id_of.get(n) for n in nodes}) != 1 or None in {id_of.get(n) for n in nodes}:
            missed.append((person, nodes))
    assert missed == []

    users = pipeline.published(
        "select count(*) as n, count(*) filter (where is_cross_platform) as cross "
        "from mart.dim_unified_user"
    )
    assert users["n"][0] == bridge["unified_user_id"].n_unique()
    assert users["cross"][0] > 0


def test_facts_carry_unified_ids_and_no_platform_user_ids(pipeline: Pipeline):
    facts = pipeline.published(
        "select interaction_type, count(*) as n, count(unified_user_id) as with_id "
        "from mart.fct_user_interactions group by 1 order by 1"
    )
    assert set(facts["interaction_type"]) == {"comment", "follow", "private_domain_add"}
    assert facts["n"].to_list() == facts["with_id"].to_list()
    orders = pipeline.published("select count(*), count(unified_user_id) from mart.fct_orders")
    assert orders.row(0)[0] > 0 and orders.row(0)[0] == orders.row(0)[1]
    columns = pipeline.published(
        "select table_name, column_name from information_schema.columns "
        "where table_name in ('fct_user_interactions', 'fct_orders')"
    )
    assert not {"user_id", "buyer_id", "openid", "phone_hash"} & set(columns["column_name"])


def test_a_new_day_keeps_everyones_id_unless_merged_into_an_older_one(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    """Also: the day's build publishes although runs were queued behind it while it ran
    (the instance's latest check records are then their PLANNED ones, not this run's
    results)."""
    from orchestration import publish_assets
    from orchestration.checks import GATING_CHECKS
    from orchestration.publish_assets import PUBLISHED_KEY

    day = END + timedelta(days=1)
    # a publish of the warehouse as it is: its file records the stamped tables' latest
    # stamps, which the day's publish reads the rows written since from
    assert run_pipeline(pipeline.instance, END, asset_selection=[PUBLISHED_KEY]).success
    before = warehouse(
        pipeline,
        "select id_type, id_value, unified_user_id, unified_user_created_on "
        "from mart.bridge_user_identity",
    )
    pipeline.sim.set_today(day + timedelta(days=1))
    assert run_pipeline(pipeline.instance, day, asset_selection=ingestion_keys()).success

    queued: list[str] = []
    judge = publish_assets.failed_gates

    def queue_then_judge(instance, run_id, built, gating):
        queued.extend(queue_runs_behind(instance, 2))  # between this run's checks and publish
        return judge(instance, run_id, built, gating)

    monkeypatch.setattr(publish_assets, "failed_gates", queue_then_judge)
    since = datetime.now(UTC)
    build = run_pipeline(pipeline.instance, day, asset_selection=without_ingestion())
    monkeypatch.undo()
    # a new day, a new window, the same code: dbt reuses the parse the runs before saved
    assert dbt_account(pipeline.sim.paths.dbt_target, since)["parse"] == "skipped"
    latest = pipeline.instance.event_log_storage.get_latest_asset_check_execution_by_key(
        GATING_CHECKS
    )
    for run_id in queued:  # they would have run next; here they leave the queue
        pipeline.instance.delete_run(run_id)
    assert len(queued) == 2
    assert {r.run_id for r in latest.values()} <= set(queued)  # the trap was set
    assert build.success
    assert pipeline.published("select run_id from meta.publication").item() == build.run_id
    # the day's publish updated the served file, a stamped table with a key by the rows its
    # build wrote (at this scale the undated ones are small enough to be written whole),
    # and serves what a publish from nothing of the same warehouse serves
    [made] = [
        e.event_specific_data.materialization.metadata
        for e in build.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION" and e.asset_key == PUBLISHED_KEY
    ]
    rewritten = made["rewritten"].value
    by_stamp = "by stamp and key|every row written since"
    assert re.search(by_stamp, rewritten["mart.fct_user_interactions"]), rewritten
    served, fresh = published_tables(pipeline), published_from_nothing(pipeline, tmp_path)
    assert served.keys() == fresh.keys()
    assert [t for t, frame in served.items() if not frame.equals(fresh[t])] == []
    after = warehouse(
        pipeline, "select id_type, id_value, unified_user_id from mart.bridge_user_identity"
    )
    log = warehouse(pipeline, "select * from identity.identity_merge_log")
    moved = before.join(after, on=["id_type", "id_value"], suffix="_after").filter(
        pl.col("unified_user_id") != pl.col("unified_user_id_after")
    )
    created = dict(before.select("unified_user_id", "unified_user_created_on").unique().rows())
    for old, new in moved.select("unified_user_id", "unified_user_id_after").unique().rows():
        event = log.filter(
            (pl.col("from_unified_user_id") == old) & (pl.col("to_unified_user_id") == new)
        )
        assert event.height == 1, f"{old} → {new} is not in identity_merge_log"
        if event["event_type"][0] == "merge":
            assert (created[new], new) <= (created[old], old)  # the oldest id survived
    kept = before.join(after, on=["id_type", "id_value"]).filter(
        pl.col("unified_user_id") == pl.col("unified_user_id_right")
    )
    assert kept.height >= before.height - moved.height
    assert kept.height > 0.9 * before.height


def test_an_erasure_request_removes_the_person_and_keeps_them_out(pipeline: Pipeline):
    """A phone number in clear names the person; everything linked to them goes: bridge,
    dims, facts, raw rows and landing files, and it stays gone when the platforms serve
    them again. The audit row counts it all."""
    day = END + timedelta(days=1)
    sim = pipeline.sim
    sim.set_today(day + timedelta(days=1))
    bridge = warehouse(  # identifiers are personal: the warehouse has them, serving not
        pipeline, "select id_type, id_value, unified_user_id from mart.bridge_user_identity"
    )
    ids_by_user = bridge.group_by("unified_user_id").agg(pl.col("id_type"), pl.col("id_value"))
    person = next(
        p
        for p in sim.world.persons
        if {"phone", "crm_member_id", "douyin_open_id"} <= set(p.ids)
        and as_node(pipeline, "phone", p.ids["phone"])
        in set(bridge.select("id_type", "id_value").rows())
        and (
            ids_by_user.filter(
                pl.col("id_value").list.contains(p.ids["douyin_open_id"])
                & pl.col("id_value").list.contains(as_node(pipeline, "phone", p.ids["phone"])[1])
            ).height
        )
    )
    uid = bridge.filter(pl.col("id_value") == person.ids["douyin_open_id"])["unified_user_id"][0]
    erased = bridge.filter(pl.col("unified_user_id") == uid)
    folder = sim.paths.inbox / "erasure"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ticket-4711.csv").write_text(f"id_type,id_value\nphone,+86 {person.ids['phone']}\n")

    # the day was fetched by the test before: the erasure and the build that follows it
    erasure = [dg.AssetKey(["raw", "erasure", "log"])]
    assert run_pipeline(
        pipeline.instance, day, asset_selection=[*erasure, *without_ingestion()]
    ).success
    # the platforms serve the person's comments and orders again: still gone
    assert run_pipeline(pipeline.instance, day, asset_selection=ingestion_keys()).success
    assert run_pipeline(pipeline.instance, day, asset_selection=without_ingestion()).success

    assert (
        warehouse(
            pipeline,
            f"select count(*) from mart.bridge_user_identity where unified_user_id = '{uid}' "
            f"or id_value in ({', '.join(repr(v) for v in erased['id_value'])})",
        ).item()
        == 0
    )
    for table in ("mart.dim_unified_user", "mart.fct_user_interactions", "mart.fct_orders"):
        assert (
            pipeline.published(
                f"select count(*) from {table} where unified_user_id = '{uid}'"
            ).item()
            == 0
        )
    values = [v for v in erased["id_value"]] + [person.ids["phone"]]
    con = duckdb.connect(str(sim.paths.warehouse), read_only=True)
    try:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from information_schema.columns "
                "where table_schema = 'raw' and column_name = 'record'"
            ).fetchall()
        ]
        for table in tables:
            for v in values:
                hits = con.execute(
                    f"select count(*) from raw.{table} where contains(cast(record as varchar), ?)",
                    [f'"{v}"'],
                ).fetchall()[0][0]
                assert hits == 0, f"raw.{table} still names an erased identifier"
        # staging tables that keep people's rows between runs were typed again without them
        for table, column in (
            ("stg_douyin__comments", "user_id"),
            ("stg_shop__orders", "buyer_id"),
            ("stg_crm__members", "member_id"),
        ):
            hits = con.execute(
                f"select count(*) from staging.{table} where list_contains(?, {column})",
                [values],
            ).fetchall()[0][0]
            assert hits == 0, f"staging.{table} still names an erased identifier"
        log = con.sql("select * from identity.identity_erasure_log").pl()
    finally:
        con.close()
    assert log["request_id"].to_list() == ["ticket-4711"]
    assert log["identifiers_erased"][0] == erased.height
    assert log["unified_users_erased"][0] == 1
    assert sum(json.loads(log["raw_rows_deleted"][0]).values()) > 0
    for path in sim.paths.landing.rglob("*.jsonl.gz"):
        text = gzip.decompress(path.read_bytes()).decode()
        assert person.ids["phone"] not in text and person.ids["douyin_open_id"] not in text
    assert (folder / "done" / "ticket-4711.csv").exists()


# -- the quality gate: corruption at each layer blocks publishing ---------------------------
def publish_fingerprint(pipeline: Pipeline) -> tuple[str, str]:
    link = pipeline.sim.paths.serving_parquet
    return hashlib.sha256(pipeline.serving.read_bytes()).hexdigest(), os.readlink(link)


def failed_checks(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    return {
        e.event_specific_data.check_name: e.event_specific_data.metadata
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and not e.event_specific_data.passed
        and e.event_specific_data.severity == dg.AssetCheckSeverity.ERROR
    }


def without_ingestion() -> list[dg.AssetKey]:
    from orchestration.definitions import defs

    return [k for k in defs.resolve_all_asset_keys() if k.path[0] != "raw"]


def warehouse_sql(pipeline: Pipeline, *statements: str) -> None:
    con = duckdb.connect(str(pipeline.sim.paths.warehouse))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def patch_raw(table: str, day: date, patch: str, which: str) -> str:
    """SQL that applies a JSON ``patch`` (an expression of ``record``) to ``day``'s rows of
    raw.<table> where ``which`` holds (the next ingestion of the day replaces them)."""
    return (
        f"update raw.{table} set record = json_merge_patch(record, {patch}) "
        f"where business_date = '{day}' and {which}"
    )


def quiet_video(day: date) -> str:
    """The Douyin video with the fewest plays on ``day`` of the account with the most: its
    likes can go above its plays without the account's engagement rate going above 1."""
    return f"""record ->> 'item_id' = (
    select item_id from (
        select record ->> 'item_id' as item_id, record ->> 'open_id' as account_id,
            try_cast(record ->> 'play' as bigint) as plays
        from raw.douyin__video_daily where business_date = '{day}'
    )
    where plays is not null
    order by sum(plays) over (partition by account_id) desc, plays, item_id limit 1)"""


@dataclass(frozen=True)
class Corruption:
    layer: str
    check: str  # the blocking check that must refuse it
    named: str  # what its failure names (a key, a row, an expectation)
    plant: str = ""  # SQL on the warehouse after the day's ingestion, if planted in raw


def corruptions_in_raw(day: date) -> list[Corruption]:
    """Corruption planted in raw after the day's ingestion, one per layer's check."""
    return [
        Corruption(
            "staging: a date after the day",
            "gx_staging__no_future_dates",
            "future-note",
            f"""insert into raw.xiaohongshu__note_daily
                select business_date, json_merge_patch(record, '{{"笔记ID": "future-note",
                    "首次发布时间": "2030-01-01 08:00:00"}}'), _ingested_at, _run_id, _source
                from raw.xiaohongshu__note_daily where business_date = '{day}' limit 1""",
        ),
        Corruption(
            "mart: an orphan key",
            "gx_mart__referential_integrity",
            "douyin:ghost-video",
            f"""insert into raw.douyin__video_daily
                select business_date, json_merge_patch(record, '{{"item_id": "ghost-video"}}'),
                    _ingested_at, _run_id, _source
                from raw.douyin__video_daily where business_date = '{day}' limit 1""",
        ),
        Corruption(
            "kpi: a missing platform",
            "gx_kpi__coverage",
            "account_coverage",
            f"delete from raw.zhihu__follower_daily where business_date = '{day}'; "
            f"delete from raw.zhihu__content_daily where business_date = '{day}'",
        ),
        Corruption(
            "kpi: a Weibo status claiming 10^12 comments",
            "gx_kpi__plausible_counts",
            "'grain': 'content', 'row_key': 'weibo:",
            patch_raw(
                "weibo__statuses",
                day,
                """'{"comments_count": 1000000000000}'""",
                f"""record ->> 'idstr' = (select min(record ->> 'idstr')
                    from raw.weibo__statuses where business_date = '{day}')""",
            ),
        ),
        Corruption(
            "mart: negative gross new followers",
            "gx_mart__follower_counts",
            "'new_followers': -987",
            patch_raw(
                "douyin__fans_daily",
                day,
                """'{"new_fans": -987}'""",
                f"""record ->> 'open_id' = (select min(record ->> 'open_id')
                    from raw.douyin__fans_daily where business_date = '{day}')""",
            ),
        ),
        Corruption(
            "mart: views below likes",
            "gx_mart__likes_within_views",
            "'likes_above_views': 100",
            patch_raw(
                "douyin__video_daily",
                day,
                "json_object('like', try_cast(record ->> 'play' as bigint) + 100)",
                quiet_video(day),
            ),
        ),
        Corruption(
            # an undated table the scan reads from the last passing scan's mark on
            # (meta written_by): a row written since is read, not only the window's days
            "identity: a phone in clear written since the last passing scan",
            "no_clear_pii_in_warehouse",
            "intermediate.int_identity__unified_ids.id_value",
            # numbered as a kept build's row, or the post-hook would drop it as superseded
            f"""insert into intermediate.int_identity__unified_ids
                (id_type, id_value, component_key, unified_user_id, component_build_no,
                    written_at)
                select 'phone_hash', '{PLANTED_PHONE}', 'planted', 'planted',
                    max(component_build_no), now()
                from intermediate.int_identity__unified_ids""",
        ),
    ]


PLANTED_PHONE = "13700001111"


def plant_export_files(pipeline: Pipeline, day: date) -> tuple[list[Path], list[Corruption]]:
    """Export files that bring corruption through ingestion: a negative count and a CRM
    column holding a phone number in clear; and a note-day exported again with other
    numbers, which is not corruption: the later download replaces it (docs/platforms.md)."""
    inbox = pipeline.sim.paths.inbox
    account = pipeline.sim.world.accounts_of("xiaohongshu")[0].account_id
    folder = inbox / "xiaohongshu" / account
    shown = f"{day.year}年{day.month}月{day.day}日"  # the 数据明细表's date form
    negative = folder / "bad-note-数据明细表.xlsx"  # no noteId in the name: the title names it
    wb = Workbook()
    wb.active.title = "基础数据总览"
    wb.active.append(["指标", "数值"])
    for name, value in (("观看数", -5), ("曝光数", 10)):
        sheet = wb.create_sheet(f"{name}（按天）")
        sheet.append(["日期", name])
        sheet.append([shown, value])
    wb.save(negative)
    # a note's 基础数据 workbook downloaded again later, the day's views one higher
    export = min(p for p in folder.glob("*-数据明细表_*.xlsx") if not p.stem.endswith(")"))
    wb = load_workbook(export)
    for row in wb["观看数（按天）"].iter_rows(min_row=2):
        if row[0].value == shown:
            row[1].value += 1
    twice = export.with_name(f"{export.stem} (2).xlsx")
    wb.save(twice)
    later = export.stat().st_mtime + 60
    os.utime(twice, (later, later))
    leaked = inbox / "crm" / f"会员数据_{day:%Y%m%d}_补充.csv"
    with leaked.open("w", encoding="gbk", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["日期", "会员ID", "手机号", "邮箱", "unionid", "注册时间", "备用手机"])
        writer.writerow(
            [day.isoformat(), "M99999999", "", "", "", f"{day} 10:00:00", "13912345678"]
        )
    planted = [
        # the platform's own suite and the all-platform staging suite both see it
        Corruption("staging: a negative count", "gx_staging__xiaohongshu_note_daily", "bad-note"),
        Corruption("staging: a negative count", "gx_staging__content_daily", "bad-note"),
        Corruption("privacy: a phone in clear", "no_clear_pii_in_warehouse", "139****5678"),
    ]
    return [negative, twice, leaked], planted


def test_the_serving_file_holds_no_personal_identifier(pipeline: Pipeline):
    """No phone, no email, no platform user id: only the unified id."""
    from expectations.column_docs import undocumented_columns
    from expectations.pii import scan_connection
    from serving.publishing import column_classes

    manifest = json.loads((REPO_ROOT / "dbt_project/target/manifest.json").read_text())
    con = duckdb.connect(str(pipeline.serving), read_only=True)
    try:
        assert scan_connection(con) == []
        assert undocumented_columns(con, manifest) == []  # every published KPI column
        columns = con.execute(
            "select table_schema || '.' || table_name, column_name, data_type "
            "from information_schema.columns"
        ).fetchall()
        served = set()
        for table, column, data_type in columns:
            if data_type == "VARCHAR":
                values = con.execute(f'select distinct "{column}" from {table}').fetchall()
                served |= {v for (v,) in values}
    finally:
        con.close()
    assert ("mart.bridge_user_identity", "id_value") not in {(t, c) for t, c, _ in columns}
    # every served column has a classification in the dbt docs, and none is personal
    classes = column_classes(manifest)
    for table, column, _ in columns:
        if table.startswith("meta."):
            continue
        assert classes[table].get(column, classes[table]["*"]) in {"public", "internal"}, (
            table, column)  # fmt: skip
    ids = warehouse(pipeline, "select id_value from mart.bridge_user_identity")["id_value"]
    assert len(ids) > 100
    assert served.isdisjoint(set(ids))


def assert_failure_is_posted(pipeline: Pipeline, result: dg.ExecuteInProcessResult) -> None:
    """The run-failure sensor, fed this failed run, posts it to a robot on 127.0.0.1."""
    from orchestration.operations import run_failure_alert
    from orchestration.resources import SocialmartSettings
    from tests.helpers import Receiver

    receiver = Receiver()
    receiver.replies = [(200, {"errcode": 0, "errmsg": "ok"})]
    run = pipeline.instance.get_run_by_id(result.run_id)
    failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
    context = dg.build_run_status_sensor_context(
        sensor_name="run_failure_alert",
        dagster_event=failure,
        dagster_instance=pipeline.instance,
        dagster_run=run,
        resources={"settings": SocialmartSettings()},
    ).for_run_failure()
    hook = {
        "SOCIALMART_ALERT_WEBHOOK_URL": f"{receiver.url}/cgi-bin/webhook/send?key=k",
        "SOCIALMART_ALERT_WEBHOOK_KIND": "wecom",
    }
    os.environ.update(hook)
    try:
        run_failure_alert(context)
    finally:
        for name in hook:
            os.environ.pop(name)
        receiver.server.shutdown()
    [(path, body)] = receiver.requests
    text = body["markdown"]["content"]
    assert path == "/cgi-bin/webhook/send?key=k"
    assert "socialmart run failed: daily_pipeline" in text
    assert result.run_id in text
    failed_steps = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failed_steps and all(f"step {step}" in text for step in failed_steps)


def test_corruption_at_every_layer_blocks_publishing_until_the_day_passes(pipeline: Pipeline):
    """One day carries every kind of corruption at once: through the export files (a
    negative count, a phone in clear) and planted in raw after ingestion (a
    future date, an orphan key, a missing platform, an absurd count, negative new
    followers, likes above views). Each blocking check refuses its own and names it; the
    served file and Parquet stay as they were; the failure is posted to the robot. Then the
    day is fetched clean: its rerun publishes (a failed run does not block a passing one)."""
    from orchestration.publish_assets import PUBLISHED_KEY

    day = END + timedelta(days=2)  # after the identity tests' extra day
    before_day = day - timedelta(days=1)  # snapshot platforms' counts are differences to it
    sql = f"select count(*) from mart.fct_account_daily where business_date = '{before_day}'"
    if warehouse(pipeline, sql).item() == 0:  # run alone (-k): that morning was not replayed
        pipeline.sim.set_today(day)
        for selection in (ingestion_keys(), without_ingestion()):
            assert run_pipeline(pipeline.instance, before_day, asset_selection=selection).success
    pipeline.sim.set_today(day + timedelta(days=1))
    files, planted = plant_export_files(pipeline, day)
    in_raw = corruptions_in_raw(day)
    before = publish_fingerprint(pipeline)
    parquet = pipeline.sim.paths.serving_parquet / "kpi" / "kpi_account_daily.parquet"
    parquet_before = hashlib.sha256(parquet.read_bytes()).hexdigest()
    serving = pipeline.sim.paths.serving_db.parent
    files_before = sorted(p.name for p in serving.iterdir())
    try:
        # the raw suites run with the ingestion: a note exported twice loads once, so they pass
        ingested = run_pipeline(
            pipeline.instance, day, asset_selection=ingestion_keys(), raise_on_error=False
        )
        warehouse_sql(pipeline, *(c.plant for c in in_raw))
        result = run_pipeline(
            pipeline.instance, day, asset_selection=without_ingestion(), raise_on_error=False
        )
    finally:
        for path in files:
            path.unlink()

    assert list(failed_checks(ingested)) == []
    assert not result.success
    failed = failed_checks(ingested) | failed_checks(result)
    assert sorted(failed) == sorted({c.check for c in [*planted, *in_raw]})
    for c in [*planted, *in_raw]:
        found = "".join(str(v.value) for v in failed[c.check].values())
        assert c.named in found, (c.layer, c.check, found[:2000])
    pii = str(failed["no_clear_pii_in_warehouse"])
    assert "raw.crm__members.record" in pii and "13912345678" not in pii
    assert PLANTED_PHONE not in pii
    published = [e for e in result.all_events if e.asset_key == PUBLISHED_KEY]
    assert [e for e in published if e.event_type_value == "ASSET_MATERIALIZATION"] == []
    assert publish_fingerprint(pipeline) == before
    assert hashlib.sha256(parquet.read_bytes()).hexdigest() == parquet_before
    # the publish prepared beside the gates was cancelled by the first failure: no file of
    # it (hidden served file, Parquet folder) is left (folders set aside by an earlier
    # publish may have been removed meanwhile, as every publish removes them)
    assert {p.name for p in serving.iterdir()} - set(files_before) == set()
    assert_failure_is_posted(pipeline, result)

    # the day fetched again, clean: every check passes and the day is published
    warehouse_sql(
        pipeline,
        f"delete from intermediate.int_identity__unified_ids where id_value = '{PLANTED_PHONE}'",
    )
    rerun = run_pipeline(pipeline.instance, day)
    assert rerun.success
    [made] = [
        e.event_specific_data.materialization.metadata
        for e in rerun.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION" and e.asset_key == PUBLISHED_KEY
    ]
    assert made["prepared_while_gates_ran"].value is True
    # the scan read the stamped undated tables (the identity chain's and its bridge and
    # people, the contents' and their totals, the people's segments and active months, the
    # buyers' purchases) from the last passing scan's marks
    [scanned] = [
        e.event_specific_data.metadata
        for e in rerun.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.event_specific_data.check_name == "no_clear_pii_in_warehouse"
    ]
    assert set(scanned["read_since_last_pass"].value) == {
        *(
            f"intermediate.int_identity__{table}"
            for table in ("occurrences", "nodes", "edges", "components", "unified_ids")
        ),
        "intermediate.int_contents",
        "mart.dim_content",
        "mart.bridge_user_identity",
        "mart.dim_unified_user",
        "mart.fct_content_totals",
        "kpi.kpi_user_segments",
        "intermediate.kpi_user_active_months",
        "intermediate.kpi_buyer_purchases",
    }
    assert publish_fingerprint(pipeline) != before
    assert pipeline.published(
        f"select count(distinct platform) from kpi.kpi_platform_daily where business_date = '{day}'"
    ).item() == len(PLATFORMS)
