"""dbt with its ready nodes taken longest remaining path first: the `socialmart-dbt`
command, which every dbt invocation of the project runs (``dbt_assets.dbt_executable``).

dbt's own queue takes a ready node by its depth in the graph, then by name
(``dbt.graph.queue.GraphQueue._get_scores``). With two threads, that leaves the longest
chain waiting behind short nodes of a lower depth: in a daily run at `large`, the identity
chain and the people KPIs after it, so that ``kpi_user_segments`` ran alone for the run's
last 5-6 s. This command scores each node by the seconds of the longest path from it to
the end of the build instead (its own seconds included), taken from the node times of
the earlier runs on the same target folder (``node_seconds.json``, updated from each
run's ``run_results.json``), so the critical path starts first. A node never timed costs
the known nodes' median (1 s when none is known). Which nodes run, and what waits for
what, is dbt's: only the order among ready nodes changes.

Replayed on the node times of two daily runs at `large` (2 threads), this order ends the
dbt build in 54.9 and 56.2 s, against 61.1 and 65.0 s for dbt's (which the replay puts
within 1 s of the runs' measured 62.1 and 64.6 s); see docs/development.md.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from pathlib import Path

import networkx as nx

NODE_SECONDS = "node_seconds.json"
UNKNOWN_SECONDS = 1.0  # a node's cost when no node has been timed on this target


def critical_path_scores(graph: nx.DiGraph, seconds: Mapping[str, float]) -> dict[str, float]:
    """Each node's score for dbt's queue (lower is taken first): minus the seconds of the
    longest path from the node to a node nothing waits for, its own seconds included."""
    known = [s for n, s in seconds.items() if n in graph]
    default = statistics.median(known) if known else UNKNOWN_SECONDS
    remaining: dict[str, float] = {}
    for node in reversed(list(nx.topological_sort(graph))):
        after = max((remaining[child] for child in graph.successors(node)), default=0.0)
        remaining[node] = seconds.get(node, default) + after
    return {node: -cost for node, cost in remaining.items()}


def read_seconds(target: Path | None) -> dict[str, float]:
    """The node times recorded on ``target`` (none when it has no record, or a damaged one:
    the order is then by path length in nodes, never a failure of the build)."""
    if target is None:
        return {}
    try:
        recorded = json.loads((target / NODE_SECONDS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(recorded, dict):
        return {}
    return {k: float(v) for k, v in recorded.items() if isinstance(v, int | float)}


# the commands whose run_results time nodes at work (compile and docs time only compiling)
TIMED_COMMANDS = frozenset({"build", "run", "test", "seed", "snapshot"})


def record_seconds(target: Path, since: float) -> None:
    """Add the node times of ``target``'s run_results.json, when a command that began at
    ``since`` (epoch seconds) and ran nodes wrote it, to the record: a node keeps its
    latest time."""
    results = target / "run_results.json"
    try:
        if results.stat().st_mtime < since:
            return  # not written by this command (a parse, a failure before running)
        written = json.loads(results.read_text(encoding="utf-8"))
        ran = written["results"]
        command = written["args"]["which"]
    except (OSError, ValueError, KeyError, TypeError):
        return
    if command not in TIMED_COMMANDS:
        return
    seconds = read_seconds(target)
    for result in ran:
        if result.get("status") not in ("skipped", None):
            seconds[result["unique_id"]] = round(float(result["execution_time"]), 3)
    partial = target / f".{NODE_SECONDS}.{os.getpid()}"
    partial.write_text(json.dumps(seconds, indent=0, sort_keys=True), encoding="utf-8")
    partial.replace(target / NODE_SECONDS)


def _option(argv: Sequence[str], name: str) -> str | None:
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(f"{name}="):
            return arg.split("=", 1)[1]
    return None


def target_of(argv: Sequence[str], environ: Mapping[str, str]) -> Path | None:
    """The target folder a dbt command writes to: ``--target-path``, else DBT_TARGET_PATH
    (dagster-dbt sets it), a relative one under the project folder (``--project-dir``,
    DBT_PROJECT_DIR, else the working folder, as dbt takes them); None when neither is set
    (dbt's default target folder: not recorded)."""
    value = _option(argv, "--target-path") or environ.get("DBT_TARGET_PATH")
    if not value:
        return None
    project = _option(argv, "--project-dir") or environ.get("DBT_PROJECT_DIR") or "."
    return Path(project) / value  # an absolute value stays itself


def order_by_critical_path(seconds: Mapping[str, float]) -> Callable[[], None]:
    """Make dbt's queue score nodes by ``critical_path_scores``; returns the undo."""
    from dbt.graph.queue import GraphQueue

    original = GraphQueue._get_scores

    def _get_scores(self: GraphQueue, graph: nx.DiGraph) -> dict[str, float]:
        return critical_path_scores(graph, seconds)

    GraphQueue._get_scores = _get_scores  # type: ignore[method-assign,assignment]

    def undo() -> None:
        GraphQueue._get_scores = original  # type: ignore[method-assign]

    return undo


def main() -> None:
    """dbt's command line, its queue ordered by critical path and its node times kept."""
    from dbt.cli.main import cli

    target = target_of(sys.argv[1:], os.environ)
    began = time.time()
    order_by_critical_path(read_seconds(target))
    try:
        cli()  # exits with dbt's own status
    finally:
        if target is not None:
            with suppress(OSError):  # a record not written only leaves the next order as is
                record_seconds(target, began)
