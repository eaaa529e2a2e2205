"""The platform table is the one place a platform is declared: dbt's copies of it are
generated from it, and the Python that used to list platforms reads it."""

from __future__ import annotations

from pathlib import Path

import duckdb

from devtools.compare_published import compare
from devtools.simulator import model
from ingestion.accounts import parse_accounts, source_keys
from ingestion.platforms import PLATFORMS, SOCIAL_PLATFORMS
from ingestion.platforms.dbt_inputs import DBT_DIR, dbt_entry, render


def test_committed_dbt_inputs_are_what_the_table_generates():
    """Run `make platforms` after editing ingestion/platforms: this fails until then."""
    for relative, text in render().items():
        path = DBT_DIR / relative
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run make platforms"


def test_every_social_platform_feeds_the_conformed_unions():
    for key in SOCIAL_PLATFORMS:
        info = PLATFORMS[key]
        feeds = info.conformed_feeds()
        assert feeds is not None, key
        columns = {m.column for m in info.metric_mapping()}
        assert "followers_total" in columns, key
        assert columns & {"views", "likes"}, key


def test_export_layouts_give_the_metric_mapping():
    rows = {(m.entity, m.field, m.column) for m in PLATFORMS["xiaohongshu"].metric_mapping()}
    assert ("note_daily", "完播率", "completed_views") in rows
    assert ("account_daily", "粉丝总数", "followers_total") in rows
    how = {m.column: m.how for m in PLATFORMS["wechat_channels"].metric_mapping()}
    assert how["completed_views"] == "difference of lifetime totals: round(播放量 × 完播率)"
    assert how["views"] == "difference of lifetime totals"  # a cumulative list


def test_a_cumulative_list_feeds_the_snapshot_differences():
    entry = dbt_entry(PLATFORMS["wechat_channels"])
    assert entry["content_daily"]["model"] == "int_snapshots__content_daily"
    assert entry["snapshots"]["model"] == "stg_exports__content_snapshots"
    assert "watch_seconds" in entry["snapshots"]["metrics"]  # the average, as its total
    assert entry["snapshots"]["decreases"] == "null"
    assert "decreases" not in dbt_entry(PLATFORMS["bilibili"])["snapshots"]


def test_python_reads_the_table():
    assert source_keys() == ("wecom", "shop", "crm", "live", "ads")
    assert model.API_PLATFORMS == ("douyin", "kuaishou", "bilibili", "weibo", "wechat_oa")
    assert model.EXPORT_PLATFORMS == ("wechat_channels", "xiaohongshu", "zhihu")
    assert model.USER_ID_TYPE["wechat_oa"] == PLATFORMS["wechat_oa"].user_id_type


def test_a_data_source_row_needs_no_role(tmp_path: Path):
    path = tmp_path / "accounts.csv"
    path.write_text(
        "platform,account_id,account_name,role\nads,ads,广告,\nzhihu,z1,知乎号,\n",
        encoding="utf-8",
    )
    problems = parse_accounts(path).problems
    assert [p.row for p in problems] == [3]


def _mart(path: Path, rows: list[tuple]) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema mart")
    con.execute(
        "create table mart.t (k varchar, rate double, unified_user_id varchar, tags varchar[])"
    )
    con.executemany("insert into mart.t values (?, ?, ?, ?)", rows)
    con.close()
    return path


def test_compare_published_takes_rows_as_multisets_and_floats_to_1e9(tmp_path: Path):
    before = _mart(
        tmp_path / "a.duckdb",
        [("x", 0.1, "uu1", ["p"]), ("y", None, "uu2", []), ("x", 0.2, "uu3", None)],
    )
    same = _mart(
        tmp_path / "b.duckdb",
        [("x", 0.2 * (1 + 1e-12), "uuB", None), ("y", None, "uuA", []), ("x", 0.1, "uuC", ["p"])],
    )
    assert compare(before, same).same
    moved = _mart(
        tmp_path / "c.duckdb",
        [("x", 0.1, "uu1", ["p"]), ("y", None, "uu2", []), ("x", 0.2001, "uu3", None)],
    )
    differences = compare(before, moved).differences
    assert len(differences) == 2 and all(d.startswith("mart.t: ") for d in differences)
