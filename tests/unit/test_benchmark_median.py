"""The benchmark's daily rows are medians of several runs, after an unmeasured first one;
the two histories' runs take turns, so that their ratio compares runs of the same hour."""

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date

import pytest

from devtools import benchmark, benchmark_docs


@dataclass
class FakeHome:
    paths: str

    def instance(self):
        return nullcontext(None)


# seconds and peaks of each home's run, by day of month
SECONDS = {
    "year": {1: 200.0, 2: 130.0, 3: 170.0, 4: 120.0},
    "quarter": {1: 90, 2: 100, 3: 110, 4: 96},
}
PEAKS = {1: 900, 2: 4000, 3: 5000, 4: 4500}


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Daily runs that take the seconds above, with no raw written; the runs in order."""
    ran: list[tuple[str, int]] = []

    def daily_run(instance, paths: str, day: date) -> benchmark.Measure:
        ran.append((paths, day.day))
        return benchmark.Measure(
            SECONDS[paths][day.day], PEAKS[day.day], {"steps": {"day": day.day}}
        )

    monkeypatch.setattr(benchmark, "daily_run", daily_run)
    monkeypatch.setattr(benchmark, "write_raw", lambda *args: {})
    return ran


def test_the_daily_row_is_the_median_run_with_every_runs_time(runs):
    (daily,) = benchmark.settled_dailies(
        [FakeHome("year")], None, date(2027, 1, 2), date(2026, 1, 1), runs=3
    )

    assert runs == [("year", d) for d in (1, 2, 3, 4)]  # the day before, unmeasured
    assert daily.seconds == 130.0  # of 130, 170, 120
    assert daily.detail["steps"] == {"day": 2}  # the median run's own detail
    assert daily.peak_mb == 5000  # the highest of the measured runs, not the first's
    assert daily.detail["median_of"] == {
        "day": "2027-01-02",
        "runs": [
            {"day": "2027-01-02", "seconds": 130.0, "peak_mb": 4000},
            {"day": "2027-01-03", "seconds": 170.0, "peak_mb": 5000},
            {"day": "2027-01-04", "seconds": 120.0, "peak_mb": 4500},
        ],
        "interleaved": False,
    }
    assert daily.detail["day_before"]["seconds"] == 200.0


def test_the_two_histories_take_turns_day_by_day_and_keep_their_own_medians(runs):
    year, quarter = benchmark.settled_dailies(
        [FakeHome("year"), FakeHome("quarter")], None, date(2027, 1, 2), date(2026, 1, 1)
    )

    # both days before first; then each day both, the first of a day alternating
    assert runs == [
        ("year", 1), ("quarter", 1),
        ("year", 2), ("quarter", 2),
        ("quarter", 3), ("year", 3),
        ("year", 4), ("quarter", 4),
    ]  # fmt: skip
    assert (year.seconds, quarter.seconds) == (130.0, 100)
    assert quarter.detail["median_of"]["day"] == "2027-01-02"  # of 100, 110, 96
    assert quarter.detail["median_of"]["interleaved"] is True
    assert benchmark.day_ratios(year, quarter) == {
        "2027-01-02": 1.3,
        "2027-01-03": round(170 / 110, 2),
        "2027-01-04": 1.25,
    }


def test_the_docs_name_the_runs_a_median_is_of():
    row = {
        "name": "daily_partition",
        "detail": {"median_of": {"runs": [{"seconds": 130.0}, {"seconds": 170.04}]}},
    }
    assert "median of 2 runs (130, 170 s)" in benchmark_docs.outcome(row)
