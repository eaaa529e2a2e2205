"""Pure helpers: the account registry, token lookup, partition windows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingestion.accounts import read_accounts, token_for
from ingestion.errors import ConfigError
from orchestration.partitions import (
    BACKFILL_TAG,
    days_between,
    range_tags,
    run_start,
    window_from_tags,
    write_dbt_window,
)

PLATFORMS = ("douyin", "bilibili", "xiaohongshu")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "accounts.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_registry_reads_rows(tmp_path: Path):
    path = write(tmp_path, "platform,account_id,account_name,role\ndouyin,o1,官方,主号\n")
    (account,) = read_accounts(path, PLATFORMS)
    assert (account.platform, account.account_id, account.role) == ("douyin", "o1", "主号")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("platform,account_id,role\n", "missing column"),
        (
            "platform,account_id,account_name,role\nweixin,o1,n,主号\n",
            "row 2, platform: 'weixin' is not a platform key",
        ),
        ("platform,account_id,account_name,role\ndouyin,,n,主号\n", "row 2: account_id is empty"),
        (
            "platform,account_id,account_name,role\ndouyin,o,n,主号\ndouyin,p,n,boss\n",
            "row 3, role: 'boss' is not a role",
        ),
    ],
)
def test_registry_errors_name_the_row(tmp_path: Path, text: str, message: str):
    with pytest.raises(ConfigError, match=message):
        read_accounts(write(tmp_path, text), PLATFORMS)


def test_token_prefers_the_account_variable():
    env = {"SOCIALMART_DOUYIN_TOKEN": "shared", "SOCIALMART_DOUYIN_TOKEN__000AB": "own"}
    assert token_for("douyin", "_000ab", env) == "own"
    assert token_for("douyin", "other", env) == "shared"


def test_windows():
    assert days_between(date(2026, 11, 30), date(2026, 12, 2)) == [
        date(2026, 11, 30),
        date(2026, 12, 1),
        date(2026, 12, 2),
    ]
    with pytest.raises(ValueError):
        days_between(date(2026, 12, 2), date(2026, 12, 1))
    tags = range_tags(date(2026, 11, 1), date(2026, 11, 7))
    assert window_from_tags(tags) == (date(2026, 11, 1), date(2026, 11, 7))
    assert window_from_tags({"dagster/partition": "2026-11-03"}) == (date(2026, 11, 3),) * 2
    assert window_from_tags({}) is None


def test_the_dbt_window_is_one_row_or_none():
    con = duckdb.connect()
    write_dbt_window(con, (date(2026, 11, 1), date(2026, 11, 2)))
    write_dbt_window(con, (date(2026, 11, 3), date(2026, 11, 3)))  # replaces, never adds
    rows = con.execute("select start_date, end_date from main.dbt_run_window").fetchall()
    assert rows == [(date(2026, 11, 3), date(2026, 11, 3))]
    write_dbt_window(con, None)  # a run over every date: no table for the macros to read
    tables = con.execute("select table_name from duckdb_tables()").fetchall()
    assert tables == []


def test_a_daily_run_looks_back_and_a_backfill_does_not():
    day = date(2026, 11, 20)
    assert run_start(day, day, {}, 2) == date(2026, 11, 18)  # the scheduled partition
    assert run_start(day, day, {BACKFILL_TAG: "b1"}, 2) == day  # a one-day backfill
    assert run_start(date(2026, 11, 1), day, {}, 2) == date(2026, 11, 1)  # a range
    assert run_start(day, day, {}, 0) == day  # a platform serving only *now*
