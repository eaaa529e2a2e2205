"""dbt with its ready nodes taken longest remaining path first: the `socialmart-dbt`
command, which every dbt invocation of the project runs (``dbt_assets.dbt_executable``).

dbt's own queue takes a ready node by its depth in the graph, then by name
(``dbt.graph.queue.GraphQueue._get_scores``), and its loop hands every ready node to the
thread pool at once, first come, first served. With two threads, that leaves the longest
chain waiting behind short nodes: in a daily run at `large`, the identity chain and the
people KPIs after it, so that ``kpi_user_segments`` ran alone for the run's last 5-6 s.
This command scores each node by the seconds of the longest path from it to the end of
the build instead (its own seconds included), taken from the node times of the earlier
runs on the same target folder (``node_seconds.json``, updated from each run's
``run_results.json``), and hands a node out only when a thread is free for it, so the
critical path starts first. A node never timed costs the known nodes' median (1 s when
none is known). Which nodes run, and what waits for what, is dbt's: only the order among
ready nodes changes. Measured figures: docs/development.md.
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
from typing import Any

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
    """Make dbt's queue score nodes by ``critical_path_scores``, and hand out a node only
    when one of dbt's threads is free for it; returns the undo.

    dbt's loop takes every ready node off its queue at once and hands it to its thread
    pool, whose own queue is first come, first served: a node that becomes ready later
    waits behind them whatever its score. Taking a node only when a thread is free keeps
    the waiting nodes in the scored queue, where the critical path goes first."""
    from dbt.graph.queue import GraphQueue
    from dbt.graph.thread_pool import DbtThreadPool

    scores, get, pool_init = GraphQueue._get_scores, GraphQueue.get, DbtThreadPool.__init__
    threads: list[int] = []  # of the command's pool, once dbt made it

    def _get_scores(self: GraphQueue, graph: nx.DiGraph) -> dict[str, float]:
        return critical_path_scores(graph, seconds)

    def _init(self: DbtThreadPool, *args: Any, **kwargs: Any) -> None:
        pool_init(self, *args, **kwargs)
        threads.append(self.max_threads)

    def _get(self: GraphQueue, block: bool = True, timeout: float | None = None) -> Any:
        if threads and block:
            with self.lock:  # mark_done notifies some_task_done under it
                while len(self.in_progress) >= threads[-1]:
                    self.some_task_done.wait()
        return get(self, block, timeout)

    GraphQueue._get_scores = _get_scores  # type: ignore[method-assign,assignment]
    GraphQueue.get = _get  # type: ignore[method-assign]
    DbtThreadPool.__init__ = _init  # type: ignore[method-assign]

    def undo() -> None:
        GraphQueue._get_scores = scores  # type: ignore[method-assign]
        GraphQueue.get = get  # type: ignore[method-assign]
        DbtThreadPool.__init__ = pool_init  # type: ignore[method-assign]

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
