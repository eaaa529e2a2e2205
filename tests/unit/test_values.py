"""Reading platform values as received (the same cases the dbt parsing macros handle)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingestion.schema import RecordSchema
from ingestion.values import parse_count, parse_rate, parse_timestamp


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
