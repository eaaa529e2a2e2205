"""Ingestion under each fault a real platform API shows: nothing lost, nothing twice,
every bad record in quarantine with its reason. Compared with the simulator's truth."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from devtools.simulator.harness import RunningSimulator
from ingestion.accounts import read_accounts
from ingestion.platforms import build_source
from ingestion.runner import ingest_day
from ingestion.settings import REPO_ROOT
from ingestion.values import parse_count

DAY = date(2026, 11, 20)

FAULTS = {
    "429_with_retry_after": {"rate_429": 0.2, "retry_after": "0"},
    "5xx": {"rate_5xx": 0.2},
    "timeout": {"rate_timeout": 0.1, "timeout_seconds": 0.5},
    "truncated_json": {"rate_truncated": 0.2},
    "item_repeated_across_pages": {"repeat_across_pages": True},
    "new_unknown_field": {"new_field": True},
    "missing_optional_field": {"drop_optional": True},
    "abbreviated_counts": {"abbreviate_counts": True},
    "unreadable_counts": {"bad_record_rate": 0.1},
}


def ingest_douyin(sim: RunningSimulator, env: dict[str, str]):
    accounts = read_accounts(sim.paths.accounts)
    source = build_source("douyin", sim.paths, env)
    try:
        return ingest_day(
            source,
            DAY,
            accounts,
            sim.paths,
            "run",
            lambda: duckdb.connect(str(sim.paths.warehouse)),
        )
    finally:
        source.close()


def as_served(views: int, abbreviated: bool) -> int:
    """What a reader can know of a count the platform abbreviated to one decimal of 万."""
    return round(round(views / 10_000, 1) * 10_000) if abbreviated and views >= 10_000 else views


def truth_views(sim: RunningSimulator) -> pl.DataFrame:
    """Views of the day of the videos Douyin reports: those of the last 30 days."""
    world = sim.world.truth(DAY, DAY)
    recent = world["contents"].filter(pl.col("publish_date") > DAY - timedelta(days=30))
    return (
        world["content_daily"]
        .filter((pl.col("platform") == "douyin") & (pl.col("business_date") == DAY))
        .filter(pl.col("content_id").is_in(recent["content_id"].implode()))
        .select("content_id", "views")
    )


@pytest.mark.parametrize("kind", sorted(FAULTS))
def test_fault_loses_and_duplicates_nothing(simulator, sim_env, kind: str):
    simulator.set_faults({"douyin": FAULTS[kind]})
    sim_env["SOCIALMART_DOUYIN_TIMEOUT"] = "0.25"
    sim_env["SOCIALMART_DOUYIN_BACKOFF"] = "0.01"  # retried as in production, waits shortened
    sim_env["SOCIALMART_DOUYIN_CONCURRENCY"] = "1"  # one request order: the same draws each run
    result = ingest_douyin(simulator, sim_env)

    con = duckdb.connect(str(simulator.paths.warehouse), read_only=True)
    try:
        loaded = con.sql("""
            select record ->> 'item_id' as content_id, record ->> 'play' as play,
                   record::varchar as record
            from raw.douyin__video_daily""").pl()
        quarantined = con.sql("""
            select record ->> 'item_id' as content_id, reason from raw.quarantine
            where entity = 'video_daily'""").pl()
    finally:
        con.close()
    truth = truth_views(simulator)

    assert loaded["content_id"].n_unique() == loaded.height, "an item was loaded twice"
    everything = pl.concat([loaded["content_id"], quarantined["content_id"]])
    assert sorted(everything.to_list()) == sorted(truth["content_id"].to_list()), "lost items"

    abbreviated = FAULTS[kind].get("abbreviate_counts", False)
    joined = truth.join(loaded, on="content_id")
    for views, served in joined.select("views", "play").iter_rows():
        assert parse_count(served) == as_served(views, abbreviated)

    if kind == "unreadable_counts":
        assert quarantined.height > 0
        assert all(
            r.startswith(("unparseable 'play'", "unparseable 'like'"))
            and "'N/A' is not a count" in r
            for r in quarantined["reason"]
        )
        assert result.quarantined["video_daily"] == quarantined.height
    else:
        assert quarantined.height == 0
    if kind == "new_unknown_field":
        assert all("sm_new_field" in r for r in loaded["record"])
    if kind == "item_repeated_across_pages":
        assert result.duplicates_dropped > 0
    if kind in ("429_with_retry_after", "5xx", "timeout", "truncated_json"):
        assert result.retries > 0


def test_staging_types_faulty_pages_exactly(simulator, sim_env, tmp_path: Path):
    """All shape faults at once, through dbt staging: one typed row per item and day."""
    simulator.set_faults(
        {
            "douyin": {
                "repeat_across_pages": True,
                "new_field": True,
                "drop_optional": True,
                "abbreviate_counts": True,
            }
        }
    )
    ingest_douyin(simulator, sim_env)
    env = {**os.environ, "SOCIALMART_WAREHOUSE": str(simulator.paths.warehouse)}
    dbt = Path(sys.executable).with_name("dbt")
    done = subprocess.run(
        [
            str(dbt),
            "run",
            "--select",
            "stg_douyin__video_daily",
            "stg_douyin__videos",
            "--profiles-dir",
            ".",
            "--target-path",
            str(tmp_path / "target"),
        ],
        cwd=REPO_ROOT / "dbt_project",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    con = duckdb.connect(str(simulator.paths.warehouse), read_only=True)
    try:
        staged = con.sql(
            "select content_id, views, avg_watch_seconds from staging.stg_douyin__video_daily"
        ).pl()
        videos = con.sql("select content_id, title from staging.stg_douyin__videos").pl()
    finally:
        con.close()
    truth = truth_views(simulator)
    assert staged.height == truth.height == staged["content_id"].n_unique()
    joined = truth.join(staged, on="content_id", suffix="_staged")
    assert all(
        as_served(v, True) == s for v, s in joined.select("views", "views_staged").iter_rows()
    )
    assert (
        staged["avg_watch_seconds"].null_count() == staged.height
    )  # the optional field was left out
    assert videos["title"].null_count() == videos.height
