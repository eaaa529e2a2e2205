"""The benchmark's daily row is the median of several runs, after an unmeasured first one."""

from datetime import date

import pytest

from devtools import benchmark, benchmark_docs


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[date]:
    """Daily runs that take, by day, the seconds below, with no raw written."""
    seconds = {1: 200.0, 2: 130.0, 3: 170.0, 4: 120.0}
    peaks = {1: 900, 2: 4000, 3: 5000, 4: 4500}
    ran: list[date] = []

    def daily_run(instance, paths, day: date) -> benchmark.Measure:
        ran.append(day)
        return benchmark.Measure(seconds[day.day], peaks[day.day], {"steps": {"day": day.day}})

    monkeypatch.setattr(benchmark, "daily_run", daily_run)
    monkeypatch.setattr(benchmark, "write_raw", lambda *args: {})
    return ran


def test_the_daily_row_is_the_median_run_with_every_runs_time(runs: list[date]):
    daily = benchmark.settled_daily(None, None, None, date(2027, 1, 2), date(2026, 1, 1), runs=3)

    assert runs == [date(2027, 1, d) for d in (1, 2, 3, 4)]  # the day before, unmeasured
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
    }
    assert daily.detail["day_before"]["seconds"] == 200.0


def test_the_docs_name_the_runs_a_median_is_of():
    row = {
        "name": "daily_partition",
        "detail": {"median_of": {"runs": [{"seconds": 130.0}, {"seconds": 170.04}]}},
    }
    assert "median of 2 runs (130, 170 s)" in benchmark_docs.outcome(row)
