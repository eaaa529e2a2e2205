"""The publish gate's memory: a failed day stays failed until its days pass again."""

from __future__ import annotations

from datetime import date

from orchestration.gates import CheckResult, unrepaired_failure


def result(run_id: str, passed: bool, *days: int) -> CheckResult:
    return CheckResult(run_id, passed, frozenset(date(2026, 11, d) for d in days) or None)


def test_a_failed_day_blocks_a_later_run_of_another_day():
    history = [result("next", True, 21), result("bad", False, 20)]  # newest first
    assert unrepaired_failure(history, "next") == history[1]


def test_a_rerun_of_the_failed_day_repairs_it_whole_or_in_pieces():
    assert unrepaired_failure([result("rerun", True, 20), result("bad", False, 20)], "x") is None
    pieces = [result("a", True, 19), result("b", True, 20, 21), result("bad", False, 19, 20)]
    assert unrepaired_failure(pieces, "x") is None
    partly = [result("b", True, 20, 21), result("bad", False, 19, 20)]
    assert unrepaired_failure(partly, "x") == partly[1]


def test_a_pass_before_the_failure_does_not_repair_it():
    history = [result("bad", False, 20), result("older", True, 20)]
    assert unrepaired_failure(history, "x") == history[0]


def test_a_whole_table_pass_repairs_everything_before_it_and_a_whole_table_failure_needs_one():
    assert unrepaired_failure([result("full", True), result("bad", False, 20)], "x") is None
    assert unrepaired_failure([result("day", True, 20), result("full", False)], "x") is not None


def test_the_runs_own_failure_is_left_to_the_caller():
    assert unrepaired_failure([result("me", False, 20)], "me") is None
    older = [result("me", False, 20), result("bad", False, 18)]
    assert unrepaired_failure(older, "me") == older[1]
