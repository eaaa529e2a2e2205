"""The order dbt takes ready nodes in: longest remaining path first, by recorded times."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import networkx as nx
import pytest
from dbt.graph.queue import GraphQueue

from orchestration.dbt_order import (
    NODE_SECONDS,
    critical_path_scores,
    order_by_critical_path,
    read_seconds,
    record_seconds,
    target_of,
)

# a chain of three 5 s models, and three 1 s models nothing waits for; all four heads are
# at depth 0, where dbt's own queue takes them by name: the chain's head last
CHAIN = ["model.p.z1", "model.p.z2", "model.p.z3"]
SHORT = ["model.p.a1", "model.p.a2", "model.p.a3"]
SECONDS = {**dict.fromkeys(CHAIN, 5.0), **dict.fromkeys(SHORT, 1.0)}


def graph() -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(SHORT)
    nx.add_path(g, CHAIN)
    return g


def taken(queue: GraphQueue) -> list[str]:
    """The nodes in the order two threads get them, each done before the next is asked."""
    order = []
    while not queue.empty():
        node = queue.get(block=False).unique_id
        order.append(node)
        queue.mark_done(node)
    return order


class Node:
    def __init__(self, unique_id: str):
        self.unique_id = unique_id


class Manifest:
    def expect(self, unique_id: str) -> Node:
        return Node(unique_id)


def test_the_score_is_the_longest_path_to_the_end_in_seconds():
    scores = critical_path_scores(graph(), SECONDS)
    assert scores["model.p.z1"] == -15.0
    assert scores["model.p.z2"] == -10.0
    assert scores["model.p.z3"] == -5.0
    assert scores["model.p.a1"] == -1.0


def test_a_node_never_timed_costs_the_median_of_the_known_ones():
    g = graph()
    g.add_edge("model.p.z3", "test.p.new")
    scores = critical_path_scores(g, {**SECONDS, "model.p.a2": 3.0})
    # known on this graph: 5, 5, 5, 1, 3, 1 → median 4
    assert scores["test.p.new"] == -4.0
    assert scores["model.p.z1"] == -19.0
    assert critical_path_scores(g, {})["model.p.z1"] == -4.0  # none known: 1 s each


def test_dbts_queue_takes_the_critical_path_first_and_its_own_order_after_undo():
    undo = order_by_critical_path(SECONDS)
    try:
        ours = taken(GraphQueue(graph(), Manifest(), set(graph())))
    finally:
        undo()
    dbts = taken(GraphQueue(graph(), Manifest(), set(graph())))
    assert ours[0] == "model.p.z1"
    assert dbts[:4] == [*SHORT, "model.p.z1"]  # depth 0 by name: the chain waits


def test_a_node_ready_later_goes_before_the_waiting_ones_of_a_lower_score():
    """As dbt's loop runs a build (run_queue): take a node, hand it to the pool, mark it
    done in the pool's callback. The chain's second node becomes ready while twenty short
    nodes still wait: it runs next, not after them."""
    from dbt.graph.thread_pool import DbtThreadPool

    shorts = [f"model.p.a{i:02}" for i in range(20)]
    g = nx.DiGraph()
    g.add_nodes_from(shorts)
    nx.add_path(g, CHAIN)
    sleep = {**dict.fromkeys(CHAIN, 0.1), **dict.fromkeys(shorts, 0.02)}
    started: list[str] = []
    undo = order_by_critical_path({**dict.fromkeys(CHAIN, 5.0), **dict.fromkeys(shorts, 1.0)})
    try:
        queue = GraphQueue(g, Manifest(), set(g))
        pool = DbtThreadPool(2)

        def work(node: str) -> str:
            started.append(node)
            time.sleep(sleep[node])
            return node

        while not queue.empty():
            node = queue.get().unique_id
            pool.apply_async(work, args=[node], callback=queue.mark_done)
        queue.join()
        pool.close()
        pool.join()
    finally:
        undo()
    assert started[0] == "model.p.z1"
    # z1 ends at 0.1 s, with 5 of the 20 shorts done on the other thread
    assert started.index("model.p.z2") < started.index(shorts[10])
    assert started.index("model.p.z3") < started.index(shorts[-1])


def results(target: Path, which: str, ran: dict[str, tuple[str, float]]) -> None:
    rows = [
        {"unique_id": uid, "status": status, "execution_time": seconds}
        for uid, (status, seconds) in ran.items()
    ]
    payload = {"args": {"which": which}, "results": rows}
    (target / "run_results.json").write_text(json.dumps(payload))


def test_a_build_records_its_node_times_and_keeps_the_others(tmp_path: Path):
    (tmp_path / NODE_SECONDS).write_text(json.dumps({"model.p.old": 7.0, "model.p.a": 9.0}))
    since = time.time() - 1
    ran = {
        "model.p.a": ("success", 2.34567),
        "test.p.t": ("pass", 0.5),
        "model.p.b": ("skipped", 0.0),  # did not run: its time says nothing
    }
    results(tmp_path, "build", ran)
    record_seconds(tmp_path, since)
    assert read_seconds(tmp_path) == {"model.p.old": 7.0, "model.p.a": 2.346, "test.p.t": 0.5}


@pytest.mark.parametrize("which", ["compile", "docs"])
def test_commands_that_only_compile_record_nothing(tmp_path: Path, which: str):
    results(tmp_path, which, {"model.p.a": ("success", 0.01)})
    record_seconds(tmp_path, time.time() - 1)
    assert not (tmp_path / NODE_SECONDS).exists()


def test_results_older_than_the_command_are_not_its_own(tmp_path: Path):
    results(tmp_path, "build", {"model.p.a": ("success", 2.0)})
    old = time.time() - 60
    os.utime(tmp_path / "run_results.json", (old, old))
    record_seconds(tmp_path, time.time() - 1)
    assert read_seconds(tmp_path) == {}


def test_a_damaged_record_orders_by_path_length_and_is_replaced(tmp_path: Path):
    (tmp_path / NODE_SECONDS).write_text("{not json")
    assert read_seconds(tmp_path) == {}
    results(tmp_path, "build", {"model.p.a": ("success", 2.0)})
    record_seconds(tmp_path, time.time() - 1)
    assert read_seconds(tmp_path) == {"model.p.a": 2.0}


def test_the_target_folder_is_the_commands(tmp_path: Path):
    assert target_of(["build", "--target-path", "/t/x"], {}) == Path("/t/x")
    assert target_of(["build", "--target-path=/t/x"], {"DBT_TARGET_PATH": "/t/y"}) == Path("/t/x")
    assert target_of(["build"], {"DBT_TARGET_PATH": "/t/y"}) == Path("/t/y")
    assert target_of(["build", "--project-dir", "/p", "--target-path", "t"], {}) == Path("/p/t")
    assert target_of(["build"], {"DBT_TARGET_PATH": "t", "DBT_PROJECT_DIR": "/p"}) == Path("/p/t")
    assert target_of(["build"], {}) is None
