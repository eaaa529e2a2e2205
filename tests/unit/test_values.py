"""Reading platform values as received (the same cases the dbt parsing macros handle)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingestion.schema import RecordSchema
from ingestion.values import parse_count, parse_date, parse_duration, parse_rate, parse_timestamp


@pytest.mark.parametrize(
    ("raw", "count"),
    [
        (7, 7),
        ("7", 7),
        (" 1,234 ", 1234),
        ("1.2万", 12_000),
        ("20.0w", 200_000),
        ("3W", 30_000),
        ("1.5亿", 150_000_000),
        (12.0, 12),
        ("", None),
        ("-", None),
        (None, None),
    ],
)
def test_counts(raw, count):
    assert parse_count(raw) == count


@pytest.mark.parametrize("raw", ["N/A", "1.2千", "abc", True])
def test_unreadable_counts_raise(raw):
    with pytest.raises(ValueError, match="is not a count"):
        parse_count(raw)


def test_rates():
    assert parse_rate("35.2%") == pytest.approx(0.352)
    assert parse_rate(0.4) == 0.4
    assert parse_rate("-") is None


@pytest.mark.parametrize(
    "raw",
    [
        1763625600,
        "1763625600",
        1763625600000,
        "Thu, 20 Nov 2025 08:00:00 +0000",
        "2025-11-20T16:00:00+08:00",
    ],
)
def test_timestamps_in_every_form(raw):
    assert parse_timestamp(raw) == datetime(2025, 11, 20, 8, 0, tzinfo=UTC)


def test_weibo_created_at():
    assert parse_timestamp("Thu Nov 20 16:00:00 +0800 2025") == datetime(
        2025, 11, 20, 8, 0, tzinfo=UTC
    )


def test_schema_names_each_problem():
    schema = RecordSchema(
        required=("id", "stats.view"), counts=("stats.view", "like"), timestamps=("at",)
    )
    problems = schema.problems({"id": "", "stats": {"view": "x"}, "like": "2万", "at": "soon"})
    assert problems == [
        "missing required field 'id'",
        "unparseable 'stats.view': 'x' is not a count",
        "unparseable 'at': 'soon' is not a timestamp",
    ]
    assert schema.problems({"id": "1", "stats": {"view": 3}, "like": None, "sm_new": 1}) == []


# The creator centres' export forms, each as docs/sources/exports.md records where it was seen.
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # XHS note list 首次发布时间, zero-padded to the second (§1, OP/U1/U3/AC/U8)
        ("2026年11月18日20时15分03秒", datetime(2026, 11, 18, 20, 15, 3)),
        # XHS per-note 数据明细表: daily "2026年1月2日", hourly "2026年1月2日13时" (§1, CH)
        ("2026年1月2日", datetime(2026, 1, 2)),
        ("2026年1月2日13时", datetime(2026, 1, 2, 13)),
        # 视频号 发布时间, date only with slashes (§2, U3: "2026/5/29")
        ("2026/11/20", datetime(2026, 11, 20)),
        ("2026/5/29", datetime(2026, 5, 29)),
        # a minute-precision form with a space (issue 17's list)
        ("2026年11月19日 12:00", datetime(2026, 11, 19, 12, 0)),
        ("2026/11/20 08:00", datetime(2026, 11, 20, 8, 0)),
    ],
)
def test_export_times_read_as_beijing_wall_clock(raw, expected):
    assert parse_timestamp(raw) == expected
    assert parse_date(raw) == expected.date()


@pytest.mark.parametrize(
    ("raw", "count"),
    [
        ("10万+", 100_000),  # a capped display: loaded as its lower bound (docs/platforms.md)
        ("3.4k", 3_400),
        ("1.2万", 12_000),
        ("1,234", 1_234),
        ("12,345,678", 12_345_678),
        ("--", None),  # not reported: null, never 0 (§5 "Values")
        ("-", None),  # 知乎 / 视频号 missing values (§3)
    ],
)
def test_export_counts(raw, count):
    assert parse_count(raw) == count


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("12.5%", 0.125),
        ("4.41%", 0.0441),  # 视频号 完播率 (§2)
        ("60.00%", 0.6),  # 知乎 rates (§3)
        ("1,234.56", 1234.56),  # money with a thousands separator (成交金额(元), 消耗(元))
        ("--", None),
    ],
)
def test_export_rates_and_amounts(raw, value):
    assert parse_rate(raw) == (None if value is None else pytest.approx(value))


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        ("21s", 21.0),
        ("35.2秒", 35.2),
        ("14.73秒", 14.73),  # 视频号 平均播放时长 (§2)
        (19, 19.0),  # XHS 人均观看时长, plain seconds (§1)
        ("45.0", 45.0),
        ("00:41", 41.0),  # minutes:seconds
        ("1:02:03", 3723.0),  # hours:minutes:seconds
        ("--", None),
    ],
)
def test_export_durations_in_seconds(raw, seconds):
    assert parse_duration(raw) == seconds


@pytest.mark.parametrize(
    ("parse", "raw"),
    [
        (parse_count, "1,2"),  # "," is only a thousands separator
        (parse_count, "10万++"),
        (parse_duration, "41分"),
        (parse_timestamp, "2026年13月40日"),
        (parse_rate, "12.5%%"),
    ],
)
def test_unreadable_export_values_raise(parse, raw):
    with pytest.raises(ValueError, match="is not a"):
        parse(raw)


def test_typed_record_keeps_unreadable_values_for_quarantine():
    schema = RecordSchema(
        counts=("观看量",), rates=("完播率",), durations=("平均播放时长",), dates=("日期",)
    )
    record = {
        "日期": "2026年11月20日",
        "观看量": "N/A",
        "完播率": "4.41%",
        "平均播放时长": "14.73秒",
    }
    typed = schema.typed(record)
    assert typed == {"日期": "2026-11-20", "观看量": "N/A", "完播率": 0.0441, "平均播放时长": 14.73}
    assert schema.problems(typed) == ["unparseable '观看量': 'N/A' is not a count"]
