"""Day-by-day incremental builds give the marts a full build from nothing gives, and a
rebuild of the same days publishes the same rows.

Every incremental model (per-day staging, people's staging, content facts, snapshot
differences, KPI days, content totals, alerts) is exercised the way the daily run uses it:
history built once, then one new day at a time with the day's window. The same raw, built
in one run without a window, must give the same rows in every mart and kpi table.
Unified user ids (and the time a row was written) are left out of the comparison: a build
on a previous bridge keeps its ids (stable ids, docs/requirements.md R-U4), one from nothing
derives them afresh; the clusters are the same.

The identity chain relinks on the day (docs/identity.md#6-a-new-day); each new day brings a
CRM member that joins two people of the history. The same days built with the chain
rebuilt from nothing each day (the var identity_rebuild, on the same previous bridge) must
give the same bridge, people, merge log, exclusions, components, interactions and orders
(whose people a merge moves), unified ids included.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from devtools.simulator import scale
from devtools.simulator.model import SCALES
from tests.dbt_forked import DbtProcess
from tests.helpers import DBT_DIR, dbt_warehouse, finish_dbt, start_dbt

# 20 days: the matrix's review alerts (a KPI missed 14 days running) fall on dates before
# the new days' window, where a merge on a new day restates the matrix's people KPIs
SPEC = replace(SCALES["tiny"], days=20)
KEY = b"test-hash-key-0123456789"
SCHEMAS = ("mart", "kpi")


def generate(warehouse: Path, start: date, end: date, history_start: date) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        scale.generate(con, SPEC, start, end, history_start=history_start, hash_key=KEY)
    finally:
        con.close()


def dbt_build(
    root: Path, window: tuple[date, date] | None, extra_vars: dict | None = None
) -> DbtProcess:
    """Seeds and models of ``dbt_warehouse(root)`` (the data tests run in the e2e pipeline),
    as the daily job builds them; started (``finish_dbt`` waits)."""
    args = ["--quiet", "--exclude", "resource_type:test resource_type:unit_test"]
    if extra_vars:  # the window reaches dbt through start_dbt, never --vars
        args += ["--vars", json.dumps(extra_vars)]
    return start_dbt("build", root, *args, window=window)


def link_two_people(warehouse: Path, day: date, first_new_day: date, n: int) -> None:
    """A CRM member on ``day`` naming the n-th phone of the history's orders and a unionid
    of the history: evidence joining people the history kept apart (a merge). On the first
    new day the unionid is the first-added WeCom contact's (a contact who is now a buyer:
    the matrix's private-domain conversion of the history's days changes), on the second
    the first follower's."""
    unionids = (
        """
        select record -> 'external_contact' ->> 'unionid' as value from raw.wecom__contacts
        where business_date < $first
        order by cast(record -> 'follow_info' ->> 'createtime' as bigint), 1 limit 1
        """
        if n == 0
        else """
        select distinct record ->> 'unionid' as value from raw.wechat_oa__followers
        where business_date < $first and record ->> 'unionid' like 'o%'
        order by 1 limit 1
        """
    )
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(
            f"""
            insert into raw.crm__members
            with phone as (
                select distinct record ->> 'post_tel_hash' as value from raw.shop__orders
                where business_date < $first and record ->> 'post_tel_hash' not like 'placeholder%'
                order by 1 limit 1 offset $n
            ),
            unionid as ({unionids})
            select $day, json_object('日期', cast($day as varchar), '会员ID', 'M-LINK-' || $n,
                    'unionid', u.value, '注册时间', '2026-01-01 10:00:00', '会员等级', '银卡',
                    '积分', '0', '手机号_hash', p.value, '邮箱_hash', null),
                timestamptz '2026-01-01 00:00:00+00', 'test', 'test'
            from phone as p, unionid as u
            """,
            {"first": first_new_day, "n": n, "day": day},
        )
    finally:
        con.close()


NOTES = "raw.xiaohongshu__note_daily"  # an export platform's content list, one row a day


def first_note(warehouse: Path, day: date, n: int) -> str:
    """The n-th note id (in id order) of ``day``'s Xiaohongshu export."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            f"select distinct record ->> '笔记ID' from {NOTES} where business_date = ? "
            "order by 1 limit 1 offset ?",
            [day, n],
        ).fetchall()[0][0]
    finally:
        con.close()


def retitle_note(warehouse: Path, day: date, note: str, title: str) -> None:
    """``day``'s export lists ``note`` under a new title: the latest day's title wins."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(
            f"update {NOTES} set record = json_merge_patch(record, json_object('笔记标题', ?)) "
            "where business_date = ? and record ->> '笔记ID' = ?",
            [title, day, note],
        )
    finally:
        con.close()


def drop_note(warehouse: Path, days: list[date], note: str) -> None:
    """The exports of ``days``, landed again, no longer list ``note`` (a corrected export
    replaces its day whole): its latest listing is an older day again."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(
            f"delete from {NOTES} where business_date in ? and record ->> '笔记ID' = ?",
            [days, note],
        )
    finally:
        con.close()


def land_new_day(warehouse: Path, day: date, new_days: list[date], start: date) -> None:
    """A new day's raw as the daily run lands it, with the changes the tests look for: a CRM
    member joining two people, a follower of the history gone from both days' lists, and
    on the second day a note retitled, the first day's retitled note left out of both days'
    exports and a new follower."""
    n = new_days.index(day)
    generate(warehouse, day, day, start)
    link_two_people(warehouse, day, new_days[0], n)
    if n == 0:
        retitle_note(warehouse, day, first_note(warehouse, day, 0), "改名：第一天")
    else:
        retitle_note(warehouse, day, first_note(warehouse, day, 1), "改名：第二天")
        drop_note(warehouse, new_days, first_note(warehouse, new_days[0], 0))
        new_follower(warehouse, day)
    follower_leaves(warehouse, day, new_days[0] - timedelta(days=1))


def new_follower(warehouse: Path, day: date) -> None:
    """``day``'s follower list has someone it did not have the day before."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(
            """
            insert into raw.wechat_oa__followers
            select * replace (
                json_merge_patch(record, json_object('openid', 'o-new-follower',
                    'unionid', 'u-new-follower')) as record
            )
            from raw.wechat_oa__followers where business_date = ? limit 1
            """,
            [day],
        )
    finally:
        con.close()


def follower_leaves(warehouse: Path, day: date, last_listed: date) -> None:
    """``day``'s follower list no longer has the first follower (in openid order) of
    ``last_listed``: they left the account after that day."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(
            """
            delete from raw.wechat_oa__followers
            where business_date = $day and record ->> 'openid' = (
                select min(record ->> 'openid') from raw.wechat_oa__followers
                where business_date = $last_listed
            )
            """,
            {"day": day, "last_listed": last_listed},
        )
    finally:
        con.close()


def reverse_raw(warehouse: Path) -> None:
    """Every raw table's rows stored in reverse: a build must not depend on their order."""
    con = duckdb.connect(str(warehouse))
    try:
        for (table,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall():
            con.execute(
                f"create or replace table raw.{table} as "
                f"select * from raw.{table} order by rowid desc"
            )
    finally:
        con.close()


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory) -> tuple[Path, Path, Path, Path]:
    """(day by day, all at once, all at once again on the raw in reverse, day by day with the
    identity chain rebuilt from nothing each day) over the same raw. The day-by-day build
    as the history left it is kept beside them as `history` (history_of)."""
    root = tmp_path_factory.mktemp("incremental")
    by_day, at_once, once_more = root / "daily", root / "whole", root / "again"
    rebuilt_daily = root / "rebuilt"
    daily, whole, again = dbt_warehouse(by_day), dbt_warehouse(at_once), dbt_warehouse(once_more)
    rebuilt = dbt_warehouse(rebuilt_daily)
    start, end = scale.history(SPEC)
    history_end = end - timedelta(days=2)
    new_days = [history_end + timedelta(days=n) for n in (1, 2)]
    # the same raw in all (the generator is a function of the day): the history, then
    # each new day as the daily runs load them; the test checks the raws are equal
    generate(daily, start, history_end, start)
    generate(whole, start, history_end, start)
    for day in new_days:
        land_new_day(whole, day, new_days, start)
    again.write_bytes(whole.read_bytes())
    reverse_raw(again)
    # the builds from nothing run beside the day-by-day builds
    from_nothing = [dbt_build(at_once, None), dbt_build(once_more, None)]
    finish_dbt(dbt_build(by_day, None), by_day)
    rebuilt.write_bytes(daily.read_bytes())
    history_of(daily).write_bytes(daily.read_bytes())
    for day in new_days:
        for warehouse in (daily, rebuilt):
            land_new_day(warehouse, day, new_days, start)
        # the second day's run fetches the first again (a look-back), as the exports' do
        window = (new_days[0], day)
        if day == new_days[-1]:
            # a run stopped after staging the day's snapshots, before the identity chain
            # diffed them: the next run must still diff them
            snapshots = "stg_wechat_oa__followers stg_wecom__contacts"
            finish_dbt(start_dbt("run", by_day, "--quiet", "-s", snapshots, window=window), by_day)
        on_the_day = dbt_build(by_day, window)
        from_scratch = dbt_build(rebuilt_daily, window, {"identity_rebuild": True})
        finish_dbt(on_the_day, by_day)
        finish_dbt(from_scratch, rebuilt_daily)
    for process, folder in zip(from_nothing, (at_once, once_more), strict=True):
        finish_dbt(process, folder)
    return daily, whole, again, rebuilt


def history_of(daily: Path) -> Path:
    """The day-by-day warehouse as the history's build left it, before the new days."""
    return daily.with_name("history.duckdb")


@pytest.fixture(scope="module")
def builds(warehouses) -> tuple[Path, Path]:
    """(day by day, all at once) warehouses over the same raw."""
    return warehouses[0], warehouses[1]


def comparable(con: duckdb.DuckDBPyConnection, db: str, schema: str, table: str) -> str:
    """The table's rows with floats rounded (DuckDB sums doubles in parallel), and unified
    user ids and the time a row was written (updated_at) left out."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
        [db, schema, table],
    ).fetchall()
    select = [
        f'round("{name}", 6)' if kind in ("DOUBLE", "FLOAT") else f'"{name}"'
        for name, kind in columns
        if "unified_user_id" not in name and name != "updated_at"
    ]
    return f"select {', '.join(select)} from {db}.{schema}.{table}"


@contextmanager
def attached(**warehouses: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory connection with each warehouse attached, read-only, under its name."""
    con = duckdb.connect()
    try:
        for name, path in warehouses.items():
            con.execute(f"attach '{path}' as {name} (read_only)")
        yield con
    finally:
        con.close()


def count_differences(con: duckdb.DuckDBPyConnection, a: str, b: str) -> tuple[int, int, int]:
    """(rows of query a, rows only in a, rows only in b), duplicates counted."""
    rows = con.execute(f"select count(*) from ({a})").fetchall()[0][0]
    extra = con.execute(f"select count(*) from ({a} except all {b})").fetchall()[0][0]
    missing = con.execute(f"select count(*) from ({b} except all {a})").fetchall()[0][0]
    return rows, extra, missing


def test_daily_builds_equal_a_build_from_nothing(builds):
    daily, whole = builds
    con = duckdb.connect()
    try:
        con.execute(f"attach '{daily}' as daily (read_only)")
        con.execute(f"attach '{whole}' as whole (read_only)")
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = 'whole' and table_schema in ? order by 1, 2",
            [list(SCHEMAS)],
        ).fetchall()
        assert len(tables) >= 29  # every contract table of the mart and kpi schemas
        raw = con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = 'whole' and table_schema = 'raw' order by 1"
        ).fetchall()
        assert len(raw) > 10
        for (table,) in raw:  # both builds read the same raw
            for a, b in (("daily", "whole"), ("whole", "daily")):
                only = f"select * from {a}.raw.{table} except all select * from {b}.raw.{table}"
                assert con.execute(f"select count(*) from ({only})").fetchall()[0][0] == 0, table
        differences = {}
        for schema, table in tables:
            a = comparable(con, "daily", schema, table)
            b = comparable(con, "whole", schema, table)
            _, extra, missing = count_differences(con, a, b)
            rows = con.execute(f"select count(*) from ({b})").fetchall()[0][0]
            if extra or missing:
                differences[f"{schema}.{table}"] = (rows, extra, missing)
        # the facts that grow with the days are not empty: the comparison compares something
        for table in ("mart.fct_content_daily", "kpi.kpi_account_daily", "mart.fct_orders"):
            schema, name = table.split(".")
            assert con.execute(f"select count(*) from whole.{schema}.{name}").fetchall()[0][0]
        # alerts of the last day, which the last daily run rebuilt from its window's lookback
        last_day_alerts = con.execute(
            "select count(distinct alert_type) from whole.kpi.kpi_alerts where business_date = "
            "(select max(business_date) from whole.mart.fct_content_daily)"
        ).fetchall()[0][0]
        assert last_day_alerts >= 2
        # a merge of the new days restated the matrix's private-domain conversion on dates
        # before their window (a contact's orders joined them), which changed review alerts
        # of those dates: the compared alerts include restated ones
        con.execute(f"attach '{history_of(daily)}' as history (read_only)")
        restated = con.execute(
            """
            select count(*) from (
                select alert_id, round(value, 9) from history.kpi.kpi_alerts
                where scope = 'matrix' and business_date < $first
                except
                select alert_id, round(value, 9) from daily.kpi.kpi_alerts
                where scope = 'matrix' and business_date < $first
            )
            """,
            {"first": scale.history(SPEC)[1] - timedelta(days=1)},
        ).fetchall()[0][0]
        assert restated > 0
        # the second day's title won; the note left out of both new days is back to its
        # title of the day before (int_contents read it again)
        titles = con.execute(
            "select title from daily.mart.dim_content where title like '改名%'"
        ).fetchall()
        assert titles == [("改名：第二天",)]
        # and kept its publish date: no 笔记列表 row has its new title yet
        for db in ("daily", "whole"):
            published = con.execute(
                f"select publish_date from {db}.mart.dim_content where title like '改名%'"
            ).fetchall()
            assert published[0][0] is not None, db
        # the second day's new follower is someone, though a stopped run had staged the day
        joined = con.execute(
            "select count(*) from daily.mart.bridge_user_identity "
            "where id_value in ('o-new-follower', 'u-new-follower')"
        ).fetchall()[0][0]
        assert joined == 2
        # the follower gone from both new days' lists left after the history's last day: the
        # snapshot diff of the first new day (which reads that day alone) says so
        for db in ("daily", "whole"):
            history_end, openid = con.execute(
                f"""
                select business_date, min(record ->> 'openid')
                from {db}.raw.wechat_oa__followers
                where business_date = (
                    select max(business_date) - 2 from {db}.raw.wechat_oa__followers
                )
                group by 1
                """
            ).fetchall()[0]
            left = con.execute(
                f"select last_seen_date from {db}.intermediate.int_identity__occurrences "
                "where source = 'wechat_oa.followers' and id_value = ?",
                [openid],
            ).fetchall()
            assert left == [(history_end,)], (db, left)
    finally:
        con.close()
    assert differences == {}, f"table: (rows, only day by day, only from nothing) {differences}"


def rebuild_status_with_targets(daily: Path, tmp_path: Path, old: str, new: str) -> Path:
    """A copy of ``daily`` after one more run of its last day with the targets seed's line
    ``old`` made ``new`` (in a copy of the dbt project), building the targets and kpi_status."""
    root = tmp_path / "targets"
    warehouse = dbt_warehouse(root)
    shutil.copyfile(daily, warehouse)
    project = tmp_path / "project"
    shutil.copytree(
        DBT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages")
    )
    seed = project / "seeds" / "kpi_targets_seed.csv"
    text = seed.read_text(encoding="utf-8")
    assert old in text
    seed.write_text(text.replace(old, new), encoding="utf-8")
    with attached(before=daily) as con:
        day = con.execute("select max(business_date) from before.kpi.kpi_status").fetchall()[0][0]
    nodes = "kpi_targets_seed kpi_targets kpi_status"
    run = start_dbt("build", root, "--quiet", "-s", nodes, window=(day, day), project=project)
    finish_dbt(run, root)
    return warehouse


def test_a_changed_target_judges_every_stored_day_again(builds, tmp_path):
    """kpi_status writes the account and platform statuses of the run's dates only; when a
    target changes (the engagement rate's, valid since before the history: 8% with a 20%
    band becomes 5% with 50%), the next run judges every stored date by it, as a build from
    nothing would: no row keeps the old target or the status it gave."""
    daily, _ = builds
    old = "engagement_rate,互动率,account,>=,0.08,0.2,"
    warehouse = rebuild_status_with_targets(
        daily, tmp_path, old, "engagement_rate,互动率,account,>=,0.05,0.5,"
    )
    with attached(before=daily, after=warehouse) as con:
        old_target, wrong_status, dates, amber = con.execute(
            """
            select
                count(*) filter (where target_value <> 0.05),
                -- the status the new target gives, worked out here
                count(*) filter (where status <> case
                    when value is null then 'no_data'
                    when value >= 0.05 then 'green'
                    when value >= 0.025 then 'amber'
                    else 'red' end),
                count(distinct business_date),
                count(*) filter (where status = 'amber' and value < 0.04)
            from after.kpi.kpi_status where kpi = 'engagement_rate'
            """
        ).fetchall()[0]
        counts = con.execute(
            "select (select count(*) from before.kpi.kpi_status), "
            "(select count(*) from after.kpi.kpi_status)"
        ).fetchall()[0]
    assert (old_target, wrong_status) == (0, 0)
    assert dates >= SPEC.days - 1 and counts[0] == counts[1]
    assert amber > 0  # the wider band made days amber that the old one judged red


def test_a_new_target_is_judged_on_every_stored_day(builds, tmp_path):
    """A target added for the platforms (completion rate, which kpi_status has no platform
    value of: no_data) gets a row on every date the platforms are judged on, not only on
    the run's: the stored dates lacking its rows are judged again."""
    daily, _ = builds
    old = "organic_follower_share,"
    new = "completion_rate,完播率,platform,>=,0.5,0.1,2026-01-01,,test\norganic_follower_share,"
    warehouse = rebuild_status_with_targets(daily, tmp_path, old, new)
    with attached(after=warehouse) as con:
        missing = con.execute(
            """
            select count(*) from (
                select scope_key, business_date from after.kpi.kpi_status
                where kpi = 'organic_follower_share'
                except
                select scope_key, business_date from after.kpi.kpi_status
                where kpi = 'completion_rate' and scope = 'platform' and status = 'no_data'
            )
            """
        ).fetchall()[0][0]
        judged = con.execute(
            "select count(distinct business_date) from after.kpi.kpi_status "
            "where kpi = 'completion_rate' and scope = 'platform'"
        ).fetchall()[0][0]
    assert missing == 0 and judged >= SPEC.days - 1


def tables_of(con: duckdb.DuckDBPyConnection, db: str) -> list[tuple[str, str]]:
    return con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = ? and table_schema in ? order by 1, 2",
        [db, list(SCHEMAS)],
    ).fetchall()


def test_a_rebuild_of_the_same_days_publishes_identical_rows(warehouses):
    _, whole, rebuilt, _ = warehouses
    with attached(whole=whole, again=rebuilt) as con:
        tables = tables_of(con, "whole")
        assert tables == tables_of(con, "again")
        differences = {}
        # every column but the time the row was written
        served = "select columns(lambda c: c <> 'updated_at') from"
        for schema, table in tables:
            rows, extra, missing = count_differences(
                con, f"{served} whole.{schema}.{table}", f"{served} again.{schema}.{table}"
            )
            if extra or missing:
                differences[f"{schema}.{table}"] = (rows, extra, missing)
    assert differences == {}, f"table: (rows, only first build, only rebuild) {differences}"


# the state the relinking reads (the time edges entered, the build that last wrote a row)
# differs between any two ways to the same rows
IDENTITY_TABLES = {
    "mart.bridge_user_identity": "exclude (updated_at)",
    "mart.dim_unified_user": "exclude (updated_at)",
    "identity.identity_merge_log": "exclude (logged_at, component_build_no)",
    "identity.identity_excluded_identifiers": "",
    "mart.fct_user_interactions": "exclude (updated_at)",
    "mart.fct_orders": "exclude (updated_at)",
    "intermediate.int_identity__components": (
        "exclude (build_mode, build_no, edges_through, edge_count, nodes_through, written_at)"
    ),
}
COMPONENTS = "intermediate.int_identity__components"


def test_identity_relinked_on_the_day_equals_a_rebuild_from_nothing(warehouses):
    daily, _, _, rebuilt = warehouses
    with attached(daily=daily, rebuilt=rebuilt) as con:
        modes = [
            con.execute(
                f"select distinct build_mode from {db}.{COMPONENTS} "
                f"where build_no = (select max(build_no) from {db}.{COMPONENTS})"
            ).fetchall()
            for db in ("daily", "rebuilt")
        ]
        merges = con.execute(
            "select count(*) from daily.identity.identity_merge_log "
            "where event_type = 'merge' and business_date > "
            "(select min(snapshot_date) from daily.staging.stg_crm__members "
            "where member_id like 'M-LINK-%') - 1"
        ).fetchall()[0][0]
        differences, counts = {}, {}
        for table, columns in IDENTITY_TABLES.items():
            rows, extra, missing = count_differences(
                con,
                f"select * {columns} from daily.{table}",
                f"select * {columns} from rebuilt.{table}",
            )
            if extra or missing:
                differences[table] = (rows, extra, missing)
            counts[table] = rows
    # tiny has no shared or blocklisted identifier; the rest compare something
    assert all(counts[table] for table in IDENTITY_TABLES if "excluded" not in table), counts
    # the last day was relinked, with the member's edges, and rebuilt in the other warehouse
    [(relinked,)], [(from_nothing,)] = modes
    assert relinked.startswith("relinked: "), relinked
    assert not relinked.startswith("relinked: 0 new"), relinked
    assert from_nothing == "rebuilt: asked (identity_rebuild)"
    assert merges >= 2  # each day's member merged two people
    assert differences == {}, f"table: (rows, only relinked, only rebuilt) {differences}"
    # dbt-duckdb builds an incremental Python model's rows into a plain table and leaves it:
    # the post-hook drop_python_model_leftovers removes it (two relinked days, none left)
    with attached(daily=daily) as con:
        leftovers = con.execute(
            "select table_name from duckdb_tables() "
            "where database_name = 'daily' and contains(table_name, '__dbt_tmp')"
        ).fetchall()
    assert leftovers == []


def test_snapshot_readers_read_on_from_the_day_they_read_through(warehouses):
    """The readers of the follower, contact and CRM member snapshots keep the day they read
    through in a table beside them, so the second new day's run read that day's snapshots
    alone. The first new day listed no new follower: a mark inferred from first sightings
    stayed behind on such a day, and the next run read both days again."""
    daily = warehouses[0]
    last = scale.history(SPEC)[1]
    readers = {
        "int_identity__occurrences": ("stg_wechat_oa__followers", "stg_wecom__contacts",
                                      "stg_crm__members"),
        "int_user_interactions": ("stg_wechat_oa__followers", "stg_wecom__contacts"),
    }  # fmt: skip
    with duckdb.connect(str(daily), read_only=True) as con:
        new_on_the_first_day = con.execute(
            "select count(*) from intermediate.int_identity__occurrences "
            "where source = 'wechat_oa.followers' and first_seen_date = ?",
            [last - timedelta(days=1)],
        ).fetchone()[0]
        marks = {
            reader: dict(
                con.execute(
                    f"select model, read_through from intermediate.{reader}__read_through"
                ).fetchall()
            )
            for reader in readers
        }
    assert new_on_the_first_day == 0  # the case the mark is for
    assert marks == {reader: dict.fromkeys(models, last) for reader, models in readers.items()}
    compiled = daily.parent.parent / "dbt" / "target" / "compiled" / "socialmart" / "models"
    sources = [path for path in compiled.rglob("*.sql") if path.stem in readers]
    assert len(sources) == len(readers)
    ctes = {
        "stg_wechat_oa__followers": "wechat_oa_followers",
        "stg_wecom__contacts": "wecom_contacts",
        "stg_crm__members": "crm_members",
    }
    for path in sources:
        for model in readers[path.stem]:
            # from the day after the mark to the window's end, or (int_identity__occurrences
            # on a day with one new snapshot) that day's records that changed
            read_from = re.search(
                ctes[model] + r" as \(\s+select [^\n]+\s+where snapshot_date (?:between "
                r"greatest\([^\n]*, cast\('([\d-]+)' as date\)\)|= cast\('([\d-]+)' as date\))",
                path.read_text(),
            )
            assert read_from, (path.stem, model)
            assert (read_from[1] or read_from[2]) == last.isoformat(), (path.stem, model)


def test_a_days_identity_tests_catch_a_repeated_key_its_build_wrote(warehouses, tmp_path):
    """With a window, the uniqueness tests of the numbered identity models read only the
    keys the latest build wrote (macros/test_window.sql written_rows): a repeat among them
    still fails the run."""
    root = tmp_path / "repeated"
    shutil.copytree(warehouses[0].parent.parent, root)
    ids = "intermediate.int_identity__unified_ids"
    occurrences = "intermediate.int_identity__occurrences"
    written = ((occurrences, "written_at"), (COMPONENTS, "build_no"), (ids, "component_build_no"))
    with duckdb.connect(str(dbt_warehouse(root))) as con:
        for table, column in written:
            con.execute(
                f"insert into {table} select * from {table} "
                f"where {column} = (select max({column}) from {table}) limit 1"
            )
    day = scale.history(SPEC)[1]
    models = "int_identity__occurrences int_identity__components int_identity__unified_ids"
    process = start_dbt(
        "test", root, "--select", models, "--exclude", "resource_type:unit_test", window=(day, day)
    )
    assert process.wait(timeout=600) == 1  # the tests failed
    results = json.loads((root / "dbt" / "target" / "run_results.json").read_text())
    failures = {
        r["unique_id"].split(".")[2]: r["failures"]
        for r in results["results"]
        if r["unique_id"].startswith("test.")
    }
    assert failures == {
        "unique_combination_int_identity__occurrences_source__record_key__id_type__id_value": 1,
        "unique_combination_int_identity__components_id_type__id_value": 1,
        "unique_combination_int_identity__unified_ids_id_type__id_value": 1,
        "one_id_per_component_int_identity__unified_ids_": 0,
    }
    # and they read only those keys
    compiled = next(
        (root / "dbt" / "target" / "compiled").rglob("unique_combination_int_identity__c*")
    )
    assert "written_at = (select max(written_at)" in compiled.read_text()


def test_a_merge_moves_the_orders_of_the_people_it_joins(warehouses, tmp_path):
    """fct_orders writes on the day only what changed (macros/written_since.sql): a CRM
    member that joins the newest buyer to the oldest follower moves the buyer's orders to
    the merged person, found by the buyer's ids that the relink wrote again, and every
    order keeps the id the bridge gives its buyer (by platform id, else by phone)."""
    root = tmp_path / "merge"
    shutil.copytree(warehouses[0].parent.parent, root)
    warehouse = dbt_warehouse(root)
    day = scale.history(SPEC)[1]
    orders = "mart.fct_orders"
    with duckdb.connect(str(warehouse)) as con:
        order_id, phone = con.execute(
            f"""
            select o.order_id, s.phone_hash from {orders} as o
            join staging.stg_shop__orders as s using (order_id)
            join mart.dim_unified_user as u using (unified_user_id)
            where s.phone_hash is not null
            order by u.unified_user_created_on desc, o.unified_user_id desc limit 1
            """
        ).fetchone()
        unionid, oldest = con.execute(
            """
            select b.id_value, b.unified_user_id from mart.bridge_user_identity as b
            where b.id_type = 'wechat_unionid'
            order by b.unified_user_created_on, b.unified_user_id limit 1
            """
        ).fetchone()
        before = con.execute(
            f"select unified_user_id from {orders} where order_id = ?", [order_id]
        ).fetchone()[0]
        assert before != oldest
        con.execute(
            """
            insert into raw.crm__members
            select $day, json_object('日期', cast($day as varchar), '会员ID', 'M-MOVE',
                    'unionid', $unionid, '注册时间', '2026-01-01 10:00:00', '会员等级', '银卡',
                    '积分', '0', '手机号_hash', $phone, '邮箱_hash', null),
                current_timestamp, 'test', 'test'
            """,
            {"day": day, "unionid": unionid, "phone": phone},
        )
    finish_dbt(dbt_build(root, (day, day)), root)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        moved, written = con.execute(
            f"select unified_user_id, updated_at = (select max(updated_at) from {orders}) "
            f"from {orders} where order_id = ?",
            [order_id],
        ).fetchone()
        astray = con.execute(
            f"""
            select count(*) from {orders} as o
            join staging.stg_shop__orders as s using (order_id)
            left join mart.bridge_user_identity as by_buyer
                on by_buyer.id_type = s.buyer_id_type and by_buyer.id_value = s.buyer_id
            left join mart.bridge_user_identity as by_phone
                on by_phone.id_type = 'phone_hash' and by_phone.id_value = s.phone_hash
            where o.unified_user_id is distinct from
                coalesce(by_buyer.unified_user_id, by_phone.unified_user_id)
            """
        ).fetchone()[0]
        latest = f"(select max(updated_at) from {orders})"
        rewritten = con.execute(
            f"select count(*) from {orders} where updated_at = {latest}"
        ).fetchone()[0]
        total = con.execute(f"select count(*) from {orders}").fetchone()[0]
    assert (moved, written) == (oldest, True)
    assert astray == 0
    assert rewritten < total  # the other orders were left as they were


def test_dim_content_writes_the_days_contents_and_all_of_them_for_a_new_taxonomy(
    warehouses, tmp_path
):
    """dim_content classifies on the day only the contents int_contents wrote since
    (macros/written_since.sql contents_since), and every content again when the taxonomy
    that classified its rows is not the seed's any more."""
    root = tmp_path / "taxonomy"
    shutil.copytree(warehouses[0].parent.parent, root)
    warehouse = dbt_warehouse(root)
    day = scale.history(SPEC)[1]
    dim = "mart.dim_content"
    latest = f"updated_at = (select max(updated_at) from {dim})"

    def state(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int, int]:
        """(contents, written by the latest build, with a topic, taxonomy versions)"""
        return con.execute(
            f"select count(*), count(*) filter (where {latest}), "
            f"count(*) filter (where topic_category <> '其他'), "
            f"count(distinct taxonomy_version) from {dim}"
        ).fetchone()

    with duckdb.connect(str(warehouse), read_only=True) as con:
        total, written, topical, versions = state(con)
        topics = con.execute(f"select count(distinct topic_category) from {dim}").fetchone()[0]
    # the day-by-day build's last day wrote that day's new contents only
    assert 0 < written < total and versions == 1 and topics > 2
    # nothing new since: a run writes no content
    finish_dbt(start_dbt("run", root, "--select", "dim_content", window=(day, day)), root)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert state(con) == (total, written, topical, 1)
    # contents listed again as they were (a dated feed's next day): written by int_contents,
    # classified again, but no row of dim_content differs, so none is written
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update intermediate.int_contents set listed_on = listed_on + 1, written_at = now() "
            "where content_id in (select content_id from intermediate.int_contents limit 10)"
        )
    finish_dbt(start_dbt("run", root, "--select", "dim_content", window=(day, day)), root)
    with duckdb.connect(str(warehouse)) as con:
        assert state(con) == (total, written, topical, 1)
        # one topic for every keyword: the same contents match a keyword, all under it
        [(seeds,)] = con.execute(
            "select table_schema from information_schema.tables "
            "where table_name = 'content_taxonomy'"
        ).fetchall()
        con.execute(f"update {seeds}.content_taxonomy set topic_category = '测试'")
    scorecard = "kpi.kpi_content_scorecard"
    build = start_dbt("run", root, "--select", f"dim_content {scorecard}", window=(day, day))
    finish_dbt(build, root)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert state(con) == (total, total, topical, 1)
        assert con.execute(
            f"select count(*) from {dim} where topic_category = '测试'"
        ).fetchone() == (topical,)
        # the scorecard writes again the contents dim_content wrote, though no day is new
        stale, renamed = con.execute(
            f"select count(*) filter (where s.topic_category is distinct from d.topic_category), "
            f"count(*) filter (where s.topic_category = '测试') "
            f"from {scorecard} as s join {dim} as d using (content_key)"
        ).fetchone()
        assert stale == 0 and renamed > 0, (stale, renamed)
    # a content dim_content wrote without new totals (a title corrected) is written again,
    # and alone
    with duckdb.connect(str(warehouse)) as con:
        [(key,)] = con.execute(f"select min(content_key) from {dim}").fetchall()
        con.execute(
            f"update {dim} set title = '只改了标题', updated_at = now() where content_key = ?",
            [key],
        )
    finish_dbt(start_dbt("run", root, "--select", scorecard, window=(day, day)), root)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        written = con.execute(
            f"select content_key, title from {scorecard} "
            f"where updated_at = (select max(updated_at) from {scorecard})"
        ).fetchall()
    assert written == [(key, "只改了标题")]


def test_user_segments_write_only_the_people_whose_row_changed(warehouses, tmp_path):
    """kpi_user_segments writes only the rows that differ from the stored ones; a person
    dim_unified_user no longer holds leaves."""
    root = tmp_path / "segments"
    shutil.copytree(warehouses[0].parent.parent, root)
    warehouse = dbt_warehouse(root)
    day = scale.history(SPEC)[1]
    segments = "kpi.kpi_user_segments"

    def written(con: duckdb.DuckDBPyConnection) -> list[tuple]:
        return con.execute(
            f"select unified_user_id, is_listed from {segments} "
            f"where updated_at = (select max(updated_at) from {segments}) order by 1"
        ).fetchall()

    with duckdb.connect(str(warehouse), read_only=True) as con:
        people, before = con.execute(f"select count(*), max(updated_at) from {segments}").fetchone()
    finish_dbt(start_dbt("run", root, "--select", "kpi_user_segments", window=(day, day)), root)
    with duckdb.connect(str(warehouse)) as con:
        # nothing changed: no row written
        assert con.execute(f"select count(*), max(updated_at) from {segments}").fetchone() == (
            people,
            before,
        )
        # one person no longer listed by any snapshot, another gone (merged into someone)
        [(quiet,)] = con.execute(
            "select min(unified_user_id) from mart.dim_unified_user where is_listed"
        ).fetchall()
        [(gone,)] = con.execute(
            "select min(unified_user_id) from mart.dim_unified_user where not is_listed"
        ).fetchall()
        con.execute(  # as dim_unified_user writes a row: stamped
            "update mart.dim_unified_user set is_listed = false, "
            "last_seen_date = date '2000-01-01', updated_at = now() where unified_user_id = ?",
            [quiet],
        )
        # as a merge leaves it: an identifier's id taken, the person gone from the people
        con.execute(
            "update intermediate.int_identity__unified_ids set "
            "previous_unified_user_id = unified_user_id, written_at = now() "
            "where unified_user_id = ?",
            [gone],
        )
        con.execute("delete from mart.dim_unified_user where unified_user_id = ?", [gone])
    finish_dbt(start_dbt("run", root, "--select", "kpi_user_segments", window=(day, day)), root)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        changed = written(con)
        remaining = con.execute(
            f"select count(*), count(*) filter (where unified_user_id = ?) from {segments}", [gone]
        ).fetchone()
    assert changed == [(quiet, False)]
    assert remaining == (people - 1, 0)


def test_user_segments_scored_on_the_day_equal_everyone_scored_again(warehouses, tmp_path):
    """On the day kpi_user_segments scores only the people whose row can have moved: written
    upstream since, a buyer whose orders or commerce segment differ, or a date the as-of
    date's move carries over a line of recency, frequency or lifecycle. Scoring everyone
    again afterwards (no as-of date kept) must then find no row to write: after the as-of
    date moves 3 days on (an interaction that day) while an order is cancelled (its row
    leaves without a stamp), then 40 days on, then back (that interaction gone)."""
    root = tmp_path / "segments_on_the_day"
    shutil.copytree(warehouses[0].parent.parent, root)
    warehouse = dbt_warehouse(root)
    day = scale.history(SPEC)[1]
    segments = "kpi.kpi_user_segments"
    kept = "intermediate.kpi_user_segments__scored_as_of"

    def run() -> None:
        finish_dbt(
            start_dbt(
                "run",
                root,
                "--select",
                "kpi_buyer_purchases kpi_user_segments_as_of kpi_user_segments",
                window=(day, day),
            ),
            root,
        )

    def written_after(stamp) -> int:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute(
                f"select count(*) from {segments} where updated_at > ?", [stamp]
            ).fetchone()[0]

    def latest():
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute(f"select max(updated_at) from {segments}").fetchone()[0]

    def everyone_again() -> int:
        """Rows a scoring of everyone writes (the kept as-of row dropped)."""
        before = latest()
        with duckdb.connect(str(warehouse)) as con:
            con.execute(f"drop table {kept}")
        run()
        return written_after(before)

    def later_interaction(days: int) -> None:
        """The as-of date ``days`` on: one interaction of a known person that day."""
        with duckdb.connect(str(warehouse)) as con:
            con.execute(
                "insert into mart.fct_user_interactions "
                "select * replace (interaction_id || ? as interaction_id, "
                "cast(? as date) as business_date, now() as updated_at) "
                "from mart.fct_user_interactions where unified_user_id is not null "
                "order by interaction_id limit 1",
                [f"-later-{days}", as_of + timedelta(days=days)],
            )

    def on_the_day() -> tuple[int, date]:
        """Rows the day's run writes, and the as-of date it keeps."""
        before = latest()
        run()
        with duckdb.connect(str(warehouse), read_only=True) as con:
            [(kept_as_of,)] = con.execute(f"select as_of_date from {kept}").fetchall()
        return written_after(before), kept_as_of

    with duckdb.connect(str(warehouse)) as con:
        [(as_of,)] = con.execute("select as_of_date from kpi.kpi_user_segments_as_of").fetchall()
        [(kept_as_of,)] = con.execute(f"select as_of_date from {kept}").fetchall()
        # an order of a repeat buyer cancelled: fct_orders' pre-hook deletes it, no stamp
        [(cancelled, buyer)] = con.execute(
            "select min(order_id), unified_user_id from mart.fct_orders "
            "where unified_user_id in (select unified_user_id from mart.fct_orders "
            "group by 1 having count(*) > 1) group by 2 order by 2 limit 1"
        ).fetchall()
        [(orders_before,)] = con.execute(
            f"select orders from {segments} where unified_user_id = ?", [buyer]
        ).fetchall()
        cancel_order(con, cancelled)
    assert kept_as_of == as_of

    # 3 days on, and the cancelled order
    later_interaction(3)
    written, kept_as_of = on_the_day()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        [(orders,)] = con.execute(
            f"select orders from {segments} where unified_user_id = ?", [buyer]
        ).fetchall()
    assert (kept_as_of, orders) == (as_of + timedelta(days=3), orders_before - 1)
    assert written > 0
    assert everyone_again() == 0

    # 40 days on: every line crossed
    later_interaction(40)
    written, kept_as_of = on_the_day()
    assert kept_as_of == as_of + timedelta(days=40)
    assert written > 0
    assert everyone_again() == 0

    # back 37 days (the later interaction gone): everyone is scored on the day
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from mart.fct_user_interactions where interaction_id like '%-later-40'")
    written, kept_as_of = on_the_day()
    assert kept_as_of == as_of + timedelta(days=3)
    assert written > 0
    assert everyone_again() == 0


def cancel_order(con: duckdb.DuckDBPyConnection, order_id: str) -> None:
    """An order cancelled as a day's run leaves it: staged again as cancelled, and deleted
    from fct_orders (its pre-hook), which leaves no stamp there."""
    con.execute(
        "update staging.stg_shop__orders set is_cancelled = true, staged_at = now() "
        "where order_id = ?",
        [order_id],
    )
    con.execute("delete from mart.fct_orders where order_id = ?", [order_id])


def merge_person(
    con: duckdb.DuckDBPyConnection, gone: str, into: str, tables: tuple[str, ...]
) -> None:
    """A merge as the identity chain leaves it: ``gone``'s rows of ``tables`` stamped under
    ``into``, and ``gone``'s identifiers moved to ``into`` (int_identity__unified_ids)."""
    for table in tables:
        con.execute(
            f"update {table} set unified_user_id = ?, updated_at = now() where unified_user_id = ?",
            [into, gone],
        )
    con.execute(
        "update intermediate.int_identity__unified_ids set unified_user_id = ?, "
        "previous_unified_user_id = ?, written_at = now() where unified_user_id = ?",
        [into, gone, gone],
    )


def test_active_months_on_the_day_equal_everyone_computed_again(warehouses, tmp_path):
    """On the day kpi_user_active_months recomputes only the people whose months can have
    moved, and kpi_retention_cohorts counts from it. After a day that moves months in each
    way the on-the-day path must see (an interaction in a month new to its person, stamped;
    the only order of a buyer cancelled, its row gone without a stamp; a person merged into
    another, their interactions and orders moved), both tables must equal those built from
    nothing."""
    root = tmp_path / "active_months"
    shutil.copytree(warehouses[0].parent.parent, root)
    warehouse = dbt_warehouse(root)
    day = scale.history(SPEC)[1]
    months = "intermediate.kpi_user_active_months"
    select = (
        "kpi_buyer_purchases kpi_user_segments_as_of kpi_user_segments kpi_user_active_months "
        "kpi_retention_cohorts"
    )

    def run() -> None:
        finish_dbt(start_dbt("run", root, "--select", select, window=(day, day)), root)

    def tables() -> tuple[list[tuple], list[tuple]]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            people = con.execute(
                f"select * exclude (updated_at) from {months} order by unified_user_id"
            ).fetchall()
            cohorts = con.execute(
                "select * from kpi.kpi_retention_cohorts order by cohort_month, month_offset"
            ).fetchall()
        return people, cohorts

    with duckdb.connect(str(warehouse)) as con:
        # a buyer's only order, moved two years back: a month of theirs with nothing else
        [(cancelled, buyer)] = con.execute(
            "select min(order_id), unified_user_id from mart.fct_orders "
            "where unified_user_id is not null group by 2 having count(*) = 1 order by 2 limit 1"
        ).fetchall()
        con.execute(
            "update mart.fct_orders set business_date = business_date - interval 2 year, "
            "updated_at = now() where order_id = ?",
            [cancelled],
        )
    run()
    with duckdb.connect(str(warehouse)) as con:
        [(before,)] = con.execute(f"select max(updated_at) from {months}").fetchall()
        # that order cancelled: deleted without a stamp, so its month leaves the buyer
        cancel_order(con, cancelled)
        # an interaction five years before the first month of a person active in one month
        [(early,)] = con.execute(
            f"select min(unified_user_id) from {months} where unified_user_id <> ? "
            "and month_bits = 1::uhugeint << cast(first_month % 128 as uhugeint)",
            [buyer],
        ).fetchall()
        con.execute(
            "insert into mart.fct_user_interactions "
            "select * replace (interaction_id || '-early' as interaction_id, "
            "business_date - interval 5 year as business_date, now() as updated_at) "
            "from mart.fct_user_interactions where unified_user_id = ? "
            "order by interaction_id limit 1",
            [early],
        )
        # a merge: the person's rows stamped under another id, their id taken
        [(gone, into)] = con.execute(
            "select min(unified_user_id), max(unified_user_id) from mart.fct_user_interactions "
            "where unified_user_id not in (?, ?)",
            [early, buyer],
        ).fetchall()
        merge_person(con, gone, into, ("mart.fct_user_interactions", "mart.fct_orders"))
        con.execute("delete from mart.dim_unified_user where unified_user_id = ?", [gone])

    run()
    on_the_day = tables()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        [(written,)] = con.execute(
            f"select count(*) from {months} where updated_at > ?", [before]
        ).fetchall()
        rewritten = dict(
            con.execute(
                f"select unified_user_id, updated_at > ? from {months} "
                "where unified_user_id in (?, ?, ?)",
                [before, early, buyer, gone],
            ).fetchall()
        )
    # the merged person has no row; the early one's and the buyer's were written again
    # (the buyer's interactions keep them); not everyone's
    assert gone not in rewritten
    assert rewritten[early] and rewritten[buyer]
    assert 0 < written < len(on_the_day[0])
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"drop table {months}")
    run()
    assert tables() == on_the_day


def test_credited_adds_on_the_day_equal_everyone_credited_again(warehouses, tmp_path):
    """On the day kpi_credited_adds credits again only the people whose interactions or
    identifiers moved, and kpi_funnel_daily counts from it. After a day with a touch
    written just before an add (its credit moves to that platform) and a person merged into
    another (their add moves with them), both tables must equal those built from nothing."""
    root = tmp_path / "credited_adds"
    shutil.copytree(warehouses[0].parent.parent, root)
    warehouse = dbt_warehouse(root)
    day = scale.history(SPEC)[1]
    adds = "intermediate.kpi_credited_adds"

    def run() -> None:
        finish_dbt(
            start_dbt(
                "run", root, "--select", "kpi_credited_adds kpi_funnel_daily", window=(day, day)
            ),
            root,
        )

    def tables() -> tuple[list[tuple], list[tuple]]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            credited = con.execute(
                f"select * exclude (updated_at) from {adds} order by interaction_id"
            ).fetchall()
            funnel = con.execute(
                "select * from kpi.kpi_funnel_daily order by platform, business_date"
            ).fetchall()
        return credited, funnel

    run()
    with duckdb.connect(str(warehouse)) as con:
        [(before,)] = con.execute(f"select max(updated_at) from {adds}").fetchall()
        # a touch on another platform a second before a credited add
        [(add_id, toucher, platform)] = con.execute(
            f"select interaction_id, unified_user_id, platform from {adds} "
            "order by interaction_id limit 1"
        ).fetchall()
        other = "zhihu" if platform != "zhihu" else "bilibili"
        con.execute(
            "insert into mart.fct_user_interactions "
            "select * replace (interaction_id || '-touch' as interaction_id, ? as platform, "
            "'comment' as interaction_type, occurred_at - interval 1 second as occurred_at, "
            "now() as updated_at) from mart.fct_user_interactions where interaction_id = ?",
            [other, add_id],
        )
        # a merge: another adder's rows stamped under a third person's id, their id taken
        [(gone,)] = con.execute(
            f"select min(unified_user_id) from {adds} where unified_user_id <> ?", [toucher]
        ).fetchall()
        [(into,)] = con.execute(
            "select min(unified_user_id) from mart.fct_user_interactions "
            f"where unified_user_id not in (?, ?) and unified_user_id not in "
            f"(select unified_user_id from {adds})",
            [toucher, gone],
        ).fetchall()
        merge_person(con, gone, into, ("mart.fct_user_interactions",))
    run()
    on_the_day = tables()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        [(written,)] = con.execute(
            f"select count(*) from {adds} where updated_at > ?", [before]
        ).fetchall()
        people = dict(
            con.execute(
                f"select unified_user_id, count(*) from {adds} "
                "where unified_user_id in (?, ?, ?) group by all",
                [toucher, gone, into],
            ).fetchall()
        )
        [(credited,)] = con.execute(
            f"select platform from {adds} where interaction_id = ?", [add_id]
        ).fetchall()
    # the add now goes to the touch just before it; the merged person's adds are the
    # other's; only those people were written again
    assert credited == other
    assert gone not in people and people[into] >= 1
    assert 0 < written < len(on_the_day[0])
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"drop table {adds}")
    run()
    assert tables() == on_the_day


STAMPED_IDENTITY = ("int_identity__nodes", "int_identity__edges", "int_identity__components")


def test_identity_tables_of_an_older_version_are_stamped_once_and_keep_their_people(
    warehouses, tmp_path
):
    """Every row of the identity chain's nodes, edges and components carries written_at
    (the PII scan reads the rows written after its last mark). A warehouse built before
    that column existed gets it on every row in its next run, which otherwise changes
    nothing: the same people, unified ids and the time each pair was linked."""
    root = tmp_path / "upgrade"
    shutil.copytree(warehouses[0].parent.parent, root)
    warehouse = dbt_warehouse(root)
    day = scale.history(SPEC)[1]
    bridge = "select * exclude (sources, updated_at) from mart.bridge_user_identity"
    pairs = "select left_type, left_value, right_type, right_value, linked_at"
    with duckdb.connect(str(warehouse)) as con:
        for table in STAMPED_IDENTITY:
            con.execute(f"alter table intermediate.{table} drop column written_at")
        before = set(con.execute(bridge).fetchall())
        linked = set(con.execute(f"{pairs} from intermediate.int_identity__edges").fetchall())
    finish_dbt(dbt_build(root, (day, day)), root)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        unstamped = {
            table: con.execute(
                f"select count(*) from intermediate.{table} where written_at is null"
            ).fetchone()[0]
            for table in STAMPED_IDENTITY
        }
        [(mode,)] = con.execute(
            "select distinct build_mode from intermediate.int_identity__components "
            "where build_no = (select max(build_no) from intermediate.int_identity__components)"
        ).fetchall()
        after = set(con.execute(bridge).fetchall())
        relinked = set(con.execute(f"{pairs} from intermediate.int_identity__edges").fetchall())
    assert unstamped == dict.fromkeys(STAMPED_IDENTITY, 0)
    assert mode == "rebuilt: rows without written_at (an older version)"
    assert after == before
    assert relinked == linked


# Written whole before they were written on the day: (table, SQL that makes it as an older
# version left it). The bridge and dim_unified_user dated a listed identifier by the day's
# snapshot and had no is_listed; the scorecard stored a rank within the account.
OLDER_MARTS = {
    "mart.bridge_user_identity": (
        "update {t} set last_seen_date = date '2000-01-01' where is_listed",
        "alter table {t} drop column is_listed",
        "alter table {t} drop column updated_at",
    ),
    "mart.dim_unified_user": (
        "update {t} set last_seen_date = date '2000-01-01' where is_listed",
        "alter table {t} drop column is_listed",
        "alter table {t} drop column updated_at",
    ),
    "mart.fct_content_totals": ("alter table {t} drop column updated_at",),
    "kpi.kpi_content_scorecard": (
        "alter table {t} drop column updated_at",
        "alter table {t} add column views_rank_in_account bigint default 1",
    ),
}


def test_marts_of_an_older_version_are_written_whole_once(warehouses, tmp_path):
    """A warehouse built before the bridge, dim_unified_user, fct_content_totals and the
    scorecard were written on the day gets their new columns, and every row written again,
    in its next run: the same rows as the day-by-day build's."""
    root = tmp_path / "older_marts"
    shutil.copytree(warehouses[0].parent.parent, root)
    warehouse = dbt_warehouse(root)
    day = scale.history(SPEC)[1]
    with duckdb.connect(str(warehouse)) as con:
        for table, statements in OLDER_MARTS.items():
            for statement in statements:
                con.execute(statement.format(t=table))
    finish_dbt(dbt_build(root, (day, day)), root)
    differences, unstamped = {}, {}
    with attached(upgraded=warehouse, daily=warehouses[0]) as con:
        for table in OLDER_MARTS:
            schema, name = table.split(".")
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_catalog = ? "
                    "and table_schema = ? and table_name = ? order by ordinal_position",
                    ["upgraded", schema, name],
                ).fetchall()
            ]
            assert "views_rank_in_account" not in columns and "updated_at" in columns
            unstamped[table] = con.execute(
                f"select count(*) from upgraded.{table} where updated_at is null"
            ).fetchone()[0]
            rows, extra, missing = count_differences(
                con,
                comparable(con, "upgraded", schema, name),
                comparable(con, "daily", schema, name),
            )
            assert rows > 0, table
            if extra or missing:
                differences[table] = (rows, extra, missing)
    assert unstamped == dict.fromkeys(OLDER_MARTS, 0)
    assert differences == {}, f"table: (rows, only upgraded, only day by day) {differences}"
