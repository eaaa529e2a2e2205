"""Douyin comments against the simulator: the second day's run asks only the videos whose
comment count moved since the stored cursor (fewer calls, counted in the simulator's
request log) and still loads exactly that day's comments."""

from __future__ import annotations

from datetime import date

import duckdb

from devtools.simulator.harness import RunningSimulator
from ingestion.platforms import build_source
from ingestion.runner import IngestResult, ingest_day

FIRST, SECOND = date(2026, 11, 20), date(2026, 11, 21)
COMMENTS = "/item/comment/list/"


def douyin_day(sim: RunningSimulator, env: dict, day: date, run_id: str):
    """The day's run and the comment-list calls it made."""
    before = len(sim.requests())
    source = build_source("douyin", sim.paths, env)
    try:
        result: IngestResult = ingest_day(
            source,
            day,
            sim.world.accounts_of("douyin"),
            sim.paths,
            run_id,
            lambda: duckdb.connect(str(sim.paths.warehouse)),
            env,
        )
    finally:
        source.close()
    return result, [r for r in sim.requests()[before:] if r["path"] == COMMENTS]


def loaded_comments(sim: RunningSimulator, day: date) -> set[str]:
    con = duckdb.connect(str(sim.paths.warehouse), read_only=True)
    try:
        rows = con.execute(
            "select record ->> 'comment_id' from raw.douyin__comments where business_date = ?",
            [day],
        ).fetchall()
    finally:
        con.close()
    return {r[0] for r in rows}


def test_the_second_day_uses_the_stored_cursor(simulator: RunningSimulator, sim_env):
    world = simulator.world
    douyin_day(simulator, sim_env, FIRST, "r1")
    simulator.set_today(date(2026, 11, 22))
    result, with_cursor = douyin_day(simulator, sim_env, SECOND, "r2")
    written = {  # the world's comments of the second day, on any of the accounts' videos
        str(c["comment_id"])
        for a in world.accounts_of("douyin")
        for content in world.contents_of(a, SECOND)
        for c in world.comments_on(content, SECOND)
    }
    assert written and loaded_comments(simulator, SECOND) == written
    asked = {r["item_id"] for r in with_cursor}
    moved = {
        content.content_id
        for a in world.accounts_of("douyin")
        for content in world.contents_of(a, SECOND)
        if world.comments_on(content, SECOND)
    }
    assert asked == moved  # a video without a new comment is not asked
    # the same day without the cursors (as a first run) asks every video of the 30 days
    (simulator.paths.cursors / "douyin.json").unlink()
    _, without = douyin_day(simulator, sim_env, SECOND, "r3")
    assert len(with_cursor) < len(without)
    assert not result.skipped_items
