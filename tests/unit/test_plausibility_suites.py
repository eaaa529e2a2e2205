"""The impossible-value and plausibility suites on a hand-made warehouse: six weeks of
ordinary days, then one planted row of each kind, which its suite refuses by name."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from expectations.runner import Outcome, Suite, validate

FIRST, DAY = date(2026, 10, 1), date(2026, 11, 10)  # DAY: the run's window
FOLLOWERS = Suite.load("mart__follower_counts")
LIKES = Suite.load("mart__likes_within_views")
PLAUSIBLE = Suite.load("kpi__plausible_counts")


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Path]:
    """Two accounts on each of douyin, xiaohongshu and weibo, three contents each, every day
    from FIRST to DAY; the KPI tables are the sums (only the columns the suites read)."""
    path = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema mart; create schema kpi")
    con.execute(
        f"""
        create table mart.fct_content_daily as
        with grid as (
            select p.platform, a.a, c.c, date '{FIRST}' + cast(d.d as integer) as business_date,
                cast(1000 + hash(p.platform, a.a, c.c, d.d) % 3000 as bigint) as base
            from (values ('douyin'), ('xiaohongshu'), ('weibo')) as p(platform),
                range(2) as a(a), range(3) as c(c), range({(DAY - FIRST).days + 1}) as d(d)
        )
        select platform, platform || ':c' || a || c as content_key,
            platform || ':a' || a as account_key, business_date,
            base * 5 as impressions,
            case when platform <> 'weibo' then base end as views,
            base // 20 as likes, base // 200 as comments, base // 300 as shares,
            base // 100 as saves, null::bigint as coins, null::bigint as danmaku,
            base // 4 as completed_views, base // 500 as follows_gained
        from grid
        """
    )
    con.execute(
        f"""
        create table mart.fct_account_daily as
        select platform, account_key, business_date,
            20000 + cast(business_date - date '{FIRST}' as integer) * 100 as followers_total,
            cast(100 + hash(account_key, business_date) % 900 as bigint) as new_followers,
            cast(hash(account_key, business_date, 'u') % 60 as bigint) as unfollows,
            -- a bad day for one account: more unfollows than follows is not impossible
            case when account_key = 'weibo:a1' and business_date = date '{DAY}' then -390
                else 100 end as net_new_followers
        from (select distinct platform, account_key, business_date from mart.fct_content_daily)
        """
    )
    con.execute(
        """
        create table kpi.kpi_account_daily as
        select c.platform, c.account_key, c.business_date,
            sum(impressions) as impressions, sum(views) as views, sum(likes) as likes,
            sum(comments) as comments, sum(shares) as shares, sum(saves) as saves,
            sum(completed_views) as completed_views,
            any_value(f.new_followers) as gross_new_followers,
            any_value(f.unfollows) as unfollows, any_value(f.net_new_followers) as net_new_followers
        from mart.fct_content_daily as c
        join mart.fct_account_daily as f using (account_key, business_date)
        group by all;
        create table kpi.kpi_platform_daily as
        select platform, business_date,
            sum(columns(* exclude (platform, account_key, business_date)))
        from kpi.kpi_account_daily
        group by all
        """
    )
    con.close()
    yield path


def sql(path: Path, statement: str) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute(statement)
    finally:
        con.close()


def failing_rows(outcome: Outcome) -> list[dict]:
    assert len(outcome.failures) == 1, [f.describe() for f in outcome.failures]
    return outcome.failures[0].sample


def test_ordinary_days_pass_every_suite_on_the_window_and_the_whole_table(warehouse: Path):
    for suite in (FOLLOWERS, LIKES, PLAUSIBLE):
        window = validate(suite, warehouse, DAY, DAY)
        assert window.passed, [f.describe() for f in window.failures]
        assert window.rows_checked > 0
        whole = validate(suite, warehouse, None, None)
        assert whole.passed, [f.describe() for f in whole.failures]
        assert whole.rows_checked > window.rows_checked


def test_negative_gross_new_followers_are_refused_and_negative_net_is_not(warehouse: Path):
    sql(
        warehouse,
        f"update mart.fct_account_daily set new_followers = -5 "
        f"where account_key = 'douyin:a0' and business_date = '{DAY}'",
    )
    outcome = validate(FOLLOWERS, warehouse, DAY, DAY)
    [row] = failing_rows(outcome)
    assert (row["account_key"], row["new_followers"]) == ("douyin:a0", -5)
    assert outcome.failures[0].kwargs == {"column": "new_followers", "min_value": 0}
    # weibo:a1 lost 390 followers net on DAY: allowed
    assert "weibo:a1" not in str(outcome.failures[0].sample)


def test_likes_above_views_are_refused_where_the_platform_guarantees_otherwise(
    warehouse: Path,
):
    sql(
        warehouse,
        f"""update mart.fct_content_daily set likes = views + case content_key
                when 'douyin:c01' then 11   -- one more than the tolerance: impossible
                when 'douyin:c02' then 10   -- within the tolerance
                else 500 end                -- xiaohongshu: likes from the feed
            where content_key in ('douyin:c01', 'douyin:c02', 'xiaohongshu:c10')
            and business_date = '{DAY}'""",
    )
    outcome = validate(LIKES, warehouse, DAY, DAY)
    [row] = failing_rows(outcome)
    assert (row["content_key"], row["likes_above_views"]) == ("douyin:c01", 11)
    described = outcome.failures[0].describe()
    assert "max_value=10" in described
    assert "views_cover_likes=['douyin', 'kuaishou']" in described


def test_a_content_day_of_a_trillion_comments_is_refused(warehouse: Path):
    sql(
        warehouse,
        f"update mart.fct_content_daily set comments = 1000000000000 "
        f"where content_key = 'weibo:c12' and business_date = '{DAY}'",
    )
    outcome = validate(PLAUSIBLE, warehouse, DAY, DAY)
    [row] = failing_rows(outcome)
    assert (row["grain"], row["row_key"], row["metric"]) == ("content", "weibo:c12", "comments")
    assert row["value"] == 1e12 and row["allowed_max"] == 100_000  # the floor: history is small
    assert "factor=1000" in outcome.failures[0].describe()
    assert outcome.thresholds["ceiling"] == 10**10


def test_an_account_day_far_above_the_platforms_trailing_level_is_refused(warehouse: Path):
    """The trailing max of gross new followers is < 1,000: 1000× it allows < 1M."""
    sql(
        warehouse,
        f"""update kpi.kpi_account_daily set gross_new_followers = case account_key
                when 'xiaohongshu:a0' then 3000000 else 900000 end
            where account_key in ('xiaohongshu:a0', 'douyin:a1')
            and business_date = '{DAY}'""",
    )
    outcome = validate(PLAUSIBLE, warehouse, DAY, DAY)
    [row] = failing_rows(outcome)
    assert (row["grain"], row["row_key"], row["metric"]) == (
        "account",
        "xiaohongshu:a0",
        "gross_new_followers",
    )
    assert 900 < row["trailing_max"] < 1000
    assert row["allowed_max"] == 1000 * row["trailing_max"]


def test_a_platform_day_far_above_its_trailing_level_is_refused(warehouse: Path):
    sql(
        warehouse,
        f"update kpi.kpi_platform_daily set views = 5000000000 "
        f"where platform = 'douyin' and business_date = '{DAY}'",
    )
    outcome = validate(PLAUSIBLE, warehouse, DAY, DAY)
    [row] = failing_rows(outcome)
    assert (row["grain"], row["row_key"], row["metric"]) == ("platform", "douyin", "views")


def test_without_history_only_the_ceiling_judges(warehouse: Path):
    sql(
        warehouse,
        f"""update mart.fct_content_daily set views = case content_key
                when 'douyin:c00' then 5000000000 else 20000000000 end
            where content_key in ('douyin:c00', 'douyin:c01') and business_date = '{FIRST}'""",
    )
    outcome = validate(PLAUSIBLE, warehouse, FIRST, FIRST)
    [row] = failing_rows(outcome)
    assert (row["row_key"], row["value"], row["trailing_max"]) == ("douyin:c01", 2e10, None)


def test_a_corrupt_day_in_the_history_does_not_raise_the_level(warehouse: Path):
    """10^12 three days before: above the ceiling, so not a level for DAY."""
    sql(
        warehouse,
        f"""update mart.fct_content_daily set views = case business_date
                when '{DAY - timedelta(days=3)}' then 1000000000000 else 5000000000 end
            where content_key = 'douyin:c00'
            and business_date in ('{DAY - timedelta(days=3)}', '{DAY}')""",
    )
    [row] = failing_rows(validate(PLAUSIBLE, warehouse, DAY, DAY))
    assert (row["row_key"], row["value"]) == ("douyin:c00", 5e9)
    assert row["trailing_max"] < 4000


ROW_VOLUME = Suite.load("kpi__row_volume")


def test_row_volume_compares_each_day_with_the_last_loaded_day_before_it(tmp_path: Path):
    """Content rows per day: 100 a day, none on Nov 5-7, then 300 (Nov 8: against Nov 4,
    the last day loaded, 3.0, a jump), 300 (Nov 9: 1.0) and 120 (Nov 10: 0.4, a drop). A
    window that starts after the gap still compares its first day with the day before
    it; the whole table holds both failures."""
    path = tmp_path / "wh.duckdb"
    rows = {date(2026, 11, d): 100 for d in range(1, 5)}
    rows |= {date(2026, 11, 8): 300, date(2026, 11, 9): 300, date(2026, 11, 10): 120}
    with duckdb.connect(str(path)) as con:
        con.execute("create schema mart")
        con.execute("create table mart.fct_content_daily (business_date date, content_key text)")
        for day, n in rows.items():
            con.execute(
                "insert into mart.fct_content_daily select ?, 'c' || i from range(?) as r(i)",
                [day, n],
            )

    def failed(start: date | None, end: date | None) -> list[tuple[str, float]]:
        outcome = validate(ROW_VOLUME, path, start, end)
        return sorted(
            (s["business_date"][:10], round(s["ratio_to_previous_day"], 2))
            for f in outcome.failures
            for s in f.sample
        )

    assert failed(date(2026, 11, 8), date(2026, 11, 8)) == [("2026-11-08", 3.0)]
    assert failed(date(2026, 11, 9), date(2026, 11, 10)) == [("2026-11-10", 0.4)]
    assert failed(None, None) == [("2026-11-08", 3.0), ("2026-11-10", 0.4)]
