"""docs/benchmarks.md is rendered from benchmark reports: every figure comes from a report."""

import json
from pathlib import Path

from devtools import benchmark_docs


def report(scale: str = "small", **measured) -> dict:
    rows = [
        {
            "name": "full_build",
            "what": "dbt + gates + publish",
            "seconds": 123.45,
            "peak_mb": 4321,
            "baseline": "",
            "baseline_seconds": None,
            "baseline_peak_mb": None,
            "detail": {
                "success": True,
                "checks_passed": 17,
                "checks_failed": ["serving/published_mart:freshness_check"],
                "published": True,
                "contents": 2468,
                "content_days": 13579,
                "identifiers": 97531,
            },
        },
        {
            "name": "daily_partition",
            "what": "one new day",
            "seconds": 12.0,
            "peak_mb": 999,
            "baseline": "full build",
            "baseline_seconds": 123.45,
            "baseline_peak_mb": 4321,
            "detail": {
                "checks_passed": 17,
                "checks_failed": ["kpi/x:gx_y"],
                "published": False,
                "dbt": {"parse": "skipped", "parse_seconds": 2.5},
                "steps": {
                    "socialmart_dbt": 7.5,
                    "serving__published_mart": 2.0,
                    "mart__bridge_user_identity_no_clear_pii_in_warehouse": 1.0,
                    "kpi__kpi_account_daily_gx_kpi__coverage": 0.25,
                    "mart__fct_content_daily_gx_mart__likes_within_views": 0.25,
                    "serving__reports": 0.5,
                },
            },
        },
        {
            "name": "daily_growth",
            "what": "the daily partition on 14 days of history",
            "seconds": 12.0,
            "peak_mb": 999,
            "baseline": "the same day on 3 days of history",
            "baseline_seconds": 8.0,
            "baseline_peak_mb": 888,
            "detail": {
                "history_days": 14,
                "dbt": {"parse": "skipped", "parse_seconds": 2.5},
                "quarter": {"history_days": 3, "dbt": {"parse": "full: profile has changed"}},
            },
        },
    ]
    return {
        "scale": {"name": scale, "accounts_per_platform": 3, "days": 14},
        "history": ["2026-01-01", "2026-01-14"],
        "measured": {"commit": "abc1234", "date": "2026-12-02 10:00 UTC", "cpus": 2, **measured},
        "raw_rows": {"raw.a": 1000, "raw.b": 234},
        "rows": rows,
    }


def test_the_page_shows_the_reports_figures_and_where_they_were_measured():
    page = benchmark_docs.render([report()])
    assert "| `full_build` | 123 | 4,321 |" in page
    assert "| `daily_partition` | 12.0 | 999 | full build | 123 | 4,321 | 10% of it |" in page
    assert "2,468 contents, 13,579 content-days, 1,234 raw rows, 97,531 identifiers" in page
    assert "on commit `abc1234`" in page and "2026-12-02 10:00 UTC" in page
    # a freshness check judges the clock, a suite the data: both said, apart
    assert "1 freshness check late" in page
    assert "failed: kpi/x:gx_y; not published; dbt parse skipped (2.5 s" in page
    # the daily run's growth with the history: 12 s on 14 days against 8 s on 3
    assert (
        "| `daily_growth` | 12.0 | 999 | the same day on 3 days of history | 8.0 | 888 | 1.5× it |"
        in page
    )
    assert "14 against 3 days of history" in page
    assert "quarter: dbt parse full: profile has changed" in page
    # rows the run never reached are named, not left out silently
    assert "`kpi_build`" in page.split("Not in this report")[1]
    # the aims are judged at large only
    assert "Against the aims" not in page
    large = benchmark_docs.render([report("large")])
    assert "Against the aims" in large
    assert (
        "within 1.2× as the history grows: 1.50× (14 days of history against 3; not met)" in large
    )


def test_each_row_is_explained_once_and_reports_come_in_scale_order():
    page = benchmark_docs.render([report("large"), report("small")])
    for name in benchmark_docs.ROWS:
        assert page.count(f"| `{name}` | ") >= 1
    assert page.index("## Scale `small`") < page.index("## Scale `large`")


def test_a_report_without_provenance_says_so():
    bare = report()
    del bare["measured"]
    assert "not recorded" in benchmark_docs.render([bare])


def test_recording_keeps_one_report_per_scale(tmp_path: Path):
    folder = tmp_path / "bench"
    for commit in ("first", "second"):
        path = tmp_path / "report.json"
        path.write_text(json.dumps(report(commit=commit)))
        benchmark_docs.record(path, folder)
    kept = benchmark_docs.load_reports(folder)
    assert [r["measured"]["commit"] for r in kept] == ["second"]
    assert (folder / "small.json").exists()


def test_a_runs_time_is_split_by_its_steps():
    page = benchmark_docs.render([report()])
    with_nodes = report()
    daily = next(r for r in with_nodes["rows"] if r["name"] == "daily_partition")
    daily["detail"]["dbt"] |= {"seconds": 7.0, "nodes": {"model": [3, 9.5], "test": [4, 2.4]}}
    # dbt's share of its step, and its nodes' seconds summed over the two at a time
    assert (
        "dbt build 7.5 s (dbt 7.0 s: model nodes 9.5 s and data tests 2.4 s), publishing"
    ) in benchmark_docs.render([with_nodes])
    # 12.0 s in all: 11.5 s in the steps, 0.5 s outside them
    assert (
        "Where `daily_partition` went, by the run's steps: dbt build 7.5 s, publishing 2.0 s, "
        "PII scan 1.0 s, Great Expectations gates (2) 0.50 s, other steps 0.50 s, "
        "outside any step 0.50 s."
    ) in page
