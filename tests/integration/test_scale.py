"""The scale generator writes what the loaders write, in the quantities its scale says."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from devtools.simulator import scale
from devtools.simulator.model import PLATFORMS as SOCIAL
from devtools.simulator.model import SCALES
from ingestion.accounts import read_accounts
from ingestion.platforms import PLATFORMS, build_source
from ingestion.runner import ingest_day
from tests.helpers import dbt_warehouse, finish_dbt, start_dbt

SPEC = SCALES["tiny"]
KEY = b"test-hash-key-0123456789"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scale") / "warehouse.duckdb"
    start, end = scale.history(SPEC)
    con = duckdb.connect(str(path))
    scale.generate(con, SPEC, start, end, history_start=start, hash_key=KEY)
    con.close()
    return path


def shapes(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """Every key path of a table's records, nested objects and lists of objects included."""
    out: set[str] = set()

    def walk(value: object, prefix: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                out.add(prefix + k)
                walk(v, prefix + k + ".")
        elif isinstance(value, list):
            for item in value:
                walk(item, prefix + "[].")

    for (record,) in con.execute(f"select record::varchar from raw.{table}").fetchall():
        walk(json.loads(record), "")
    return out


def test_records_have_the_loaders_shape(generated, simulator, sim_env):
    """Every raw table of a real day's ingestion exists, with the same record fields."""
    day = date(2026, 11, 20)
    accounts = read_accounts(simulator.paths.accounts)
    for key in PLATFORMS:
        source = build_source(key, simulator.paths, sim_env)
        try:
            ingest_day(
                source,
                day,
                accounts,
                simulator.paths,
                "ref",
                lambda: duckdb.connect(str(simulator.paths.warehouse)),
                sim_env,
            )
        finally:
            source.close()
    real = duckdb.connect(str(simulator.paths.warehouse), read_only=True)
    ours = duckdb.connect(str(generated), read_only=True)
    tables = "select table_name from information_schema.tables where table_schema = 'raw'"
    real_tables = {t for (t,) in real.execute(tables).fetchall()}
    assert real_tables <= {t for (t,) in ours.execute(tables).fetchall()}
    for table in sorted(real_tables - {"quarantine"}):
        assert (
            ours.execute(f"describe raw.{table}").fetchall()
            == real.execute(f"describe raw.{table}").fetchall()
        )
        theirs = shapes(real, table)
        if theirs:  # a table the real day left empty (no order that day) has nothing to show
            assert shapes(ours, table) == theirs, table


def test_row_counts_follow_the_scale(generated):
    con = duckdb.connect(str(generated), read_only=True)
    start, end = scale.history(SPEC)
    n = SPEC.accounts_per_platform * SPEC.days

    def rows(table: str) -> int:
        return con.execute(f"select count(*) from raw.{table}").fetchall()[0][0]

    assert rows("registry__accounts") == n * len(SOCIAL)
    for table in (
        "douyin__fans_daily",
        "kuaishou__user_info",
        "bilibili__user_stat",
        "bilibili__arc_inc_stats",
        "weibo__user",
        "wechat_oa__user_summary",
        "wechat_oa__user_cumulate",
        "wechat_channels__follower_daily",
        "xiaohongshu__account_daily",
        "zhihu__follower_daily",
    ):
        assert rows(table) == n, table
    # a content is reported every day from publishing for tracked_days (or to the end)
    for table, key in (
        ("douyin__video_daily", "record ->> 'item_id'"),
        ("kuaishou__photos", "record ->> 'photo_id'"),
        ("bilibili__arc_stat", "record ->> 'resource_id'"),
        ("wechat_channels__video_daily", "record ->> '视频ID'"),
        # each of the note's two 数据明细表 workbooks
        ("xiaohongshu__note_daily", "concat(record ->> '笔记ID', record ->> '数据表')"),
    ):
        expected, got = con.execute(
            f"""
            with firsts as (
                select {key} as id, min(business_date) as first_day, count(*) as n
                from raw.{table} group by all
            )
            select sum(least({SPEC.tracked_days}, date '{end}' - first_day + 1)), sum(n)
            from firsts
            """
        ).fetchall()[0]
        assert got == expected and got > 0, table
    contents = con.execute(
        "select count(distinct record ->> 'item_id') from raw.douyin__videos"
    ).fetchall()[0][0]
    slots = SPEC.accounts_per_platform * SPEC.days * SPEC.posts_per_day
    assert 0 < contents <= slots  # at most one content per posting slot
    # orders: order_rate × Douyin users a day; snapshots of people on the last day only
    assert (
        con.execute("select count(distinct business_date) from raw.shop__orders").fetchall()[0][0]
        == (end - start).days + 1
    )
    assert con.execute(
        "select min(business_date), max(business_date) from raw.wechat_oa__followers"
    ).fetchall()[0] == (end, end)


def test_people_are_the_ground_truth(generated):
    con = duckdb.connect()
    truth = scale.ground_truth(con, SPEC, hash_key=KEY)
    assert truth["person_id"].n_unique() > 0.9 * SPEC.persons  # almost everyone has an id
    ours = duckdb.connect(str(generated), read_only=True)
    buyers = {
        b
        for (b,) in ours.execute(
            "select record ->> 'doudian_open_id' from raw.shop__orders"
        ).fetchall()
    }
    known = set(truth.filter(truth["id_type"] == "douyin_open_id")["id_value"])
    assert buyers and buyers <= known
    phones = {
        p
        for (p,) in ours.execute(
            "select record ->> 'post_tel_hash' from raw.shop__orders "
            "where record ->> 'post_tel_hash' not like 'placeholder:%'"
        ).fetchall()
        if p
    }
    assert phones <= set(truth.filter(truth["id_type"] == "phone_hash")["id_value"])


def test_staging_models_read_the_generated_raw(generated, tmp_path):
    """dbt's staging views build on the generated warehouse and type every row."""
    db = dbt_warehouse(tmp_path)
    db.write_bytes(generated.read_bytes())
    finish_dbt(start_dbt("run", tmp_path, "--quiet", "--select", "staging"), tmp_path)
    con = duckdb.connect(str(db), read_only=True)
    start, end = scale.history(SPEC)
    for table, key in (
        ("stg_douyin__video_daily", "views"),
        ("stg_kuaishou__photo_stat", "views_total"),
        ("stg_bilibili__arc_stat", "views_total"),
        ("stg_weibo__status_stat", "likes_total"),
        ("stg_exports__content_daily", "views"),
        ("stg_douyin__fans_daily", "followers_total"),
        ("stg_shop__orders", "amount_fen"),
    ):
        total, typed, first, last = con.execute(
            f"select count(*), count({key}), min(business_date), max(business_date) "
            f"from staging.{table}"
        ).fetchall()[0]
        assert total > 0 and typed == total, table
        assert start <= first and last <= end + timedelta(days=0), table
    # Douyin's daily numbers come from the dated series, the average from the base snapshot
    watched = con.execute(
        "select count(*), count(avg_watch_seconds), count(likes), count(shares) "
        "from staging.stg_douyin__video_daily"
    ).fetchall()[0]
    assert watched[0] > 0 and set(watched) == {watched[0]}
    published = con.execute(
        "select count(*) from staging.stg_douyin__videos where published_at is null"
    ).fetchall()[0][0]
    assert published == 0


def test_a_window_of_a_world_has_the_days_of_the_whole(generated, tmp_path):
    """The last days generated alone, in the world begun at the history's start, are the
    same rows as those days of the whole history: the benchmark's shorter history (the
    growth row) is the same world with less of its past, not a younger world."""
    start, end = scale.history(SPEC)
    window = (end - timedelta(days=2), end)
    path = tmp_path / "last_days.duckdb"
    con = duckdb.connect(str(path))
    scale.generate(con, SPEC, *window, history_start=start, hash_key=KEY)
    con.execute(f"attach '{generated}' as whole (read_only)")
    dated = con.execute(
        "select table_name from duckdb_columns() where database_name = 'whole' "
        "and schema_name = 'raw' and column_name = 'business_date'"
    ).fetchall()
    assert len(dated) > 10
    compared = 0
    for (table,) in dated:
        days = f"business_date between '{window[0]}' and '{window[1]}'"
        rows = [
            con.execute(
                f"select business_date, record::varchar from {db}.raw.{table} where {days} "
                "order by all"
            ).fetchall()
            for db in (path.stem, "whole")
        ]
        assert rows[0] == rows[1], f"raw.{table}: the window's days differ from the whole's"
        compared += len(rows[0])
    con.close()
    assert compared > 300
