"""A snapshot of the Dagster definitions: an accidental change to the graph fails here.

Regenerate after an intended change: ``UPDATE_SNAPSHOTS=1 make test-fast``.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from ingestion.platforms import SOCIAL_PLATFORMS
from orchestration.definitions import defs

SNAPSHOT = Path(__file__).parents[1] / "snapshots" / "definitions.txt"


def render() -> str:
    graph = defs.resolve_asset_graph()
    lines = ["# assets"]
    lines += sorted(key.to_user_string() for key in graph.get_all_asset_keys())
    lines += ["# checks"]
    lines += sorted(key.to_user_string() for key in graph.asset_check_keys)
    lines += ["# jobs"] + sorted(
        job.name for job in defs.resolve_all_job_defs() if not job.name.startswith("__")
    )
    lines += ["# schedules"] + sorted(s.name for s in defs.schedules or [])
    lines += ["# sensors"] + sorted(s.name for s in defs.sensors or [])
    return "\n".join(lines) + "\n"


def test_definitions_match_snapshot():
    current = render()
    if os.environ.get("UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert current == SNAPSHOT.read_text(encoding="utf-8")


def test_graph_is_connected_from_platform_to_publish():
    graph = defs.resolve_asset_graph()
    published = dg.AssetKey(["serving", "published_mart"])
    upstream = set(graph.get(published).parent_keys)
    frontier = list(upstream)
    while frontier:
        for parent in graph.get(frontier.pop()).parent_keys:
            if parent not in upstream:
                upstream.add(parent)
                frontier.append(parent)
    raw = {k for k in graph.get_all_asset_keys() if k.path[0] == "raw"}
    # every landed entity is read by a staging model: nothing lands to be forgotten
    unread = {k for k in raw if not graph.get(k).child_keys}
    assert unread == set()
    assert dg.AssetKey(["kpi", "kpi_account_daily"]) in upstream
    for platform in SOCIAL_PLATFORMS:
        assert any(k.path[1] == platform for k in raw & upstream), platform
