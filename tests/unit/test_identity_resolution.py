"""The identity solver and the stable-id assignment on graphs whose answer is known.

Both live in dbt Python models (``int_identity__components``, ``int_identity__unified_ids``);
their functions take a DuckDB connection, so they are exercised here on hand-made graphs
and compared with a union-find written in this test.
"""

from __future__ import annotations

import random

import duckdb
import numpy as np
import polars as pl
import pytest

from tests.helpers import load_graph_tables, load_identity_model

components_model = load_identity_model("int_identity__components")
ids_model = load_identity_model("int_identity__unified_ids")


def graph(con: duckdb.DuckDBPyConnection, nodes: list[str], edges: list[tuple[str, str]]):
    """Nodes named "type:value"; loads tables ``nodes`` and ``edges``."""

    def split(name: str) -> tuple[str, str]:
        id_type, id_value = name.split(":", 1)
        return id_type, id_value

    load_graph_tables(con, [split(n) for n in nodes], [(split(a), split(b)) for a, b in edges])


def clusters(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    rel, _ = components_model.connected_components(con, "nodes", "edges")
    out: dict[str, set[str]] = {}
    for id_type, id_value, key in rel.fetchall():
        out.setdefault(key, set()).add(f"{id_type}:{id_value}")
    return out


def union_find(nodes: list[str], edges: list[tuple[str, str]]) -> list[set[str]]:
    parent = {n: n for n in nodes}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        if a in parent and b in parent:
            parent[root(a)] = root(b)
    groups: dict[str, set[str]] = {}
    for n in nodes:
        groups.setdefault(root(n), set()).add(n)
    return list(groups.values())


def test_a_20000_node_chain_is_one_cluster_keyed_by_its_smallest_identifier():
    con = duckdb.connect()
    nodes = [f"phone_hash:{i:05d}" for i in range(20_000)]
    random.Random(7).shuffle(nodes)  # the encoding order must not matter
    graph(con, nodes, [(f"phone_hash:{i:05d}", f"phone_hash:{i + 1:05d}") for i in range(19_999)])
    result = clusters(con)
    assert list(result) == ["phone_hash:00000"]
    assert len(result["phone_hash:00000"]) == 20_000


def test_a_star_is_one_cluster_and_disjoint_pairs_stay_apart():
    con = duckdb.connect()
    leaves = [f"douyin_open_id:d{i:03d}" for i in range(200)]
    pairs = [(f"crm_member_id:m{i}", f"email_hash:e{i}") for i in range(100)]
    nodes = ["phone_hash:hub", *leaves, *(n for pair in pairs for n in pair), "weibo_uid:alone"]
    graph(con, nodes, [("phone_hash:hub", leaf) for leaf in leaves] + pairs)
    result = clusters(con)
    assert len(result) == 1 + 100 + 1
    assert result["douyin_open_id:d000"] == {"phone_hash:hub", *leaves}
    assert result["crm_member_id:m7"] == {"crm_member_id:m7", "email_hash:e7"}
    assert result["weibo_uid:alone"] == {"weibo_uid:alone"}


def test_an_edge_to_an_excluded_identifier_links_nothing():
    con = duckdb.connect()
    graph(con, ["a:1", "a:2"], [("a:1", "phone_hash:shared"), ("phone_hash:shared", "a:2")])
    assert clusters(con) == {"a:1": {"a:1"}, "a:2": {"a:2"}}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_graphs_match_a_union_find(seed: int):
    rng = random.Random(seed)
    nodes = [f"t{rng.randrange(3)}:{i}" for i in range(3_000)]
    edges = [(rng.choice(nodes), rng.choice(nodes)) for _ in range(2_400)]
    # long chains through the random part
    chain = rng.sample(nodes, 600)
    edges += list(zip(chain, chain[1:], strict=False))
    con = duckdb.connect()
    graph(con, nodes, edges)
    got = sorted(sorted(c) for c in clusters(con).values())
    assert got == sorted(sorted(c) for c in union_find(nodes, edges))


# -- stable ids -------------------------------------------------------------------------------
def build_ids(
    con: duckdb.DuckDBPyConnection,
    nodes: dict[str, str],
    edges: list[tuple[str, str]],
    previous: pl.DataFrame | None,
) -> tuple[pl.DataFrame, dict[str, str]]:
    """One build: nodes maps "type:value" → first-seen date. Returns the bridge and ids."""
    node_df = pl.DataFrame(
        [(*n.split(":", 1), d) for n, d in nodes.items()],
        schema=["id_type", "id_value", "first_seen_date"],
        orient="row",
    ).with_columns(pl.col("first_seen_date").str.to_date())
    edge_df = pl.DataFrame(
        [(*a.split(":", 1), *b.split(":", 1)) for a, b in edges],
        schema=["left_type", "left_value", "right_type", "right_value"],
        orient="row",
    )
    con.register("node_df", node_df)
    con.register("edge_df", edge_df)
    con.execute("create or replace table nodes as select * from node_df")
    con.execute("create or replace table edges as select * from edge_df")
    solved, _ = components_model.connected_components(con, "nodes", "edges")
    con.execute("drop table if exists components")
    solved.create("components")
    if previous is not None:
        con.register("previous_bridge", previous)
        con.execute("create or replace table previous as select * from previous_bridge")
    bridge = ids_model.assign_unified_ids(
        con, "components", "nodes", "previous" if previous is not None else None
    ).pl()
    ids = {
        f"{t}:{v}": u for t, v, u in bridge.select("id_type", "id_value", "unified_user_id").rows()
    }
    return bridge, ids


def test_ids_are_kept_merges_keep_the_oldest_and_splits_get_new_ids():
    con = duckdb.connect()
    day1 = {"a:1": "2026-11-01", "a:2": "2026-11-01", "b:1": "2026-11-03", "c:1": "2026-11-02"}
    bridge1, ids1 = build_ids(con, day1, [("a:1", "a:2")], None)
    assert ids1["a:1"] == ids1["a:2"] and len(set(ids1.values())) == 3

    # the same input again: the same ids
    _, again = build_ids(con, day1, [("a:1", "a:2")], bridge1)
    assert again == ids1
    # a rebuild from nothing on the same input: the same ids too
    _, fresh = build_ids(duckdb.connect(), day1, [("a:1", "a:2")], None)
    assert fresh == ids1

    # day 2: b:1 (a newer person) is linked to a's person: a's older id survives
    day2 = {**day1, "d:1": "2026-11-05"}
    bridge2, ids2 = build_ids(con, day2, [("a:1", "a:2"), ("a:2", "b:1")], bridge1)
    assert ids2["b:1"] == ids1["a:1"]  # a's id is older than b's
    assert ids2["c:1"] == ids1["c:1"]  # untouched person keeps the id
    merged = bridge2.filter(pl.col("previous_unified_user_id") != pl.col("unified_user_id"))
    assert merged.select("previous_unified_user_id", "unified_user_id").rows() == [
        (ids1["b:1"], ids1["a:1"])
    ]

    # a merge of two old people keeps the one created first, whichever is smaller
    _, ids3 = build_ids(con, day2, [("a:1", "a:2"), ("a:2", "b:1"), ("c:1", "d:1")], bridge2)
    assert ids3["d:1"] == ids3["c:1"] == ids1["c:1"]

    # split: the link a:2–b:1 disappears; the bigger piece (a:1, a:2) keeps the id
    bridge4, ids4 = build_ids(con, day2, [("a:1", "a:2"), ("c:1", "d:1")], bridge2)
    assert ids4["a:1"] == ids1["a:1"]
    assert ids4["b:1"] not in set(ids3.values())
    # and the split is deterministic
    _, ids4_again = build_ids(duckdb.connect(), day2, [("a:1", "a:2"), ("c:1", "d:1")], bridge2)
    assert ids4_again == ids4
    assert bridge4.filter(pl.col("id_type") == "b")["previous_unified_user_id"].to_list() == [
        ids1["a:1"]
    ]


def test_an_identifier_that_comes_back_alone_does_not_take_a_used_id():
    con = duckdb.connect()
    nodes = {"a:1": "2026-11-01", "b:1": "2026-11-02", "b:2": "2026-11-02"}
    # a:1 is the smallest identifier, so the person's id is derived from it
    bridge1, ids1 = build_ids(con, nodes, [("a:1", "b:1"), ("b:1", "b:2")], None)
    # a:1 leaves (its link is gone); the two b's keep the id that was derived from a:1
    bridge2, ids2 = build_ids(con, nodes, [("b:1", "b:2")], bridge1)
    assert ids2["b:1"] == ids1["a:1"]
    # then a:1 is seen alone with no previous id: it must not be given the same id
    without_a = bridge2.filter(pl.col("id_type") != "a")
    _, ids3 = build_ids(con, nodes, [("b:1", "b:2")], without_a)
    assert ids3["a:1"] != ids3["b:1"]


def test_a_labelling_that_splits_an_edge_is_an_error_not_a_silent_split(
    monkeypatch: pytest.MonkeyPatch,
):
    con = duckdb.connect()
    nodes = [f"a:{i:03d}" for i in range(300)]
    random.Random(3).shuffle(nodes)
    graph(con, nodes, [(f"a:{i:03d}", f"a:{i + 1:03d}") for i in range(299)])

    def every_node_alone(matrix, directed, connection):  # noqa: ANN001, ANN202 - SciPy's
        return matrix.shape[0], np.arange(matrix.shape[0])

    monkeypatch.setattr(components_model, "graph_components", every_node_alone)
    with pytest.raises(components_model.ConvergenceError, match="299 edges join different"):
        components_model.connected_components(con, "nodes", "edges")


def test_two_edges_among_a_million_nodes_are_labelled_like_any_graph():
    # a guard round can leave a few edges among millions of identifiers (every other edge
    # through a shop phone): the labelling is sized by the nodes, not refused
    con = duckdb.connect()
    con.execute("create table nodes as select range + 1 as node from range(1200000)")
    con.execute("create table edges as select * from (values (1199999, 1200000), (1, 1200000))")
    con.execute("alter table edges rename col0 to src")
    con.execute("alter table edges rename col1 to dst")
    assert components_model.label_components(con, "edges", "nodes") == 1
    labels = con.execute(
        "select node, label from cc_labels where node in (1, 2, 1199999, 1200000) order by node"
    ).fetchall()
    assert labels == [(1, 1), (2, 2), (1199999, 1), (1200000, 1)]
    assert con.execute("select count(*) from cc_labels").fetchall() == [(1200000,)]
