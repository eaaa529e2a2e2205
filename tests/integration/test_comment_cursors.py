"""Douyin comments against the simulator: the second day's run asks only the videos whose
comment count moved since the stored cursor (fewer calls, counted in the simulator's
request log) and still loads exactly that day's comments."""

from __future__ import annotations

from datetime import date

from devtools.simulator.harness import RunningSimulator
from tests.helpers import ingest, raw_field

FIRST, SECOND = date(2026, 11, 20), date(2026, 11, 21)
COMMENTS = "/item/comment/list/"


def douyin_day(sim: RunningSimulator, env: dict, day: date, run_id: str):
    """The day's run and the comment-list calls it made."""
    before = len(sim.requests())
    result = ingest(sim, env, "douyin", day, run_id)
    return result, [r for r in sim.requests()[before:] if r["path"] == COMMENTS]


def test_the_second_day_uses_the_stored_cursor(simulator: RunningSimulator, sim_env):
    world = simulator.world
    douyin_day(simulator, sim_env, FIRST, "r1")
    simulator.set_today(date(2026, 11, 22))
    result, with_cursor = douyin_day(simulator, sim_env, SECOND, "r2")
    videos = [c for a in world.accounts_of("douyin") for c in world.contents_of(a, SECOND)]
    # the world's comments of the second day, on any of the accounts' videos
    written = {str(c["comment_id"]) for v in videos for c in world.comments_on(v, SECOND)}
    loaded = raw_field(simulator, "douyin", "comments", "comment_id", SECOND)
    assert written and sorted(loaded) == sorted(written)
    asked = {r["item_id"] for r in with_cursor}
    assert asked == {v.content_id for v in videos if world.comments_on(v, SECOND)}
    # the same day without the cursors (as a first run) asks every video of the 30 days
    (simulator.paths.cursors / "douyin.json").unlink()
    _, without = douyin_day(simulator, sim_env, SECOND, "r3")
    assert len(with_cursor) < len(without)
    assert not result.skipped_items
