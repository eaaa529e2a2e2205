"""A new day relinks only what its new edges touch (``relink_components`` in
``int_identity__components``, docs/identity.md#6-a-new-day), on hand-made graphs whose
components are written out here, and falls back to a rebuild when an identifier is gone
or a link is.
"""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from tests.helpers import load_identity_model

components_model = load_identity_model("int_identity__components")

DAY_1, DAY_2 = "2026-11-01 02:00:00+00", "2026-11-02 02:00:00+00"


def load(
    con: duckdb.DuckDBPyConnection,
    nodes: list[str],
    edges: list[tuple[str, str, str]],
    written: dict[str, str] | None = None,
):
    """Tables ``nodes`` and ``edges`` (``linked_at`` as given) from "type:value" names, and
    ``rules``: at most 2 people per identifier of any type. ``written`` stamps the nodes
    with ``written_at`` (DAY_1 unless it names another time); None leaves them unstamped,
    as an older version of the nodes model wrote them."""
    con.register(
        "node_df",
        pl.DataFrame(
            [(*n.split(":", 1), (written or {}).get(n, DAY_1)) for n in nodes],
            schema=["id_type", "id_value", "written_at"],
            orient="row",
        ),
    )
    con.register(
        "edge_df",
        pl.DataFrame(
            [(*a.split(":", 1), *b.split(":", 1), at) for a, b, at in edges],
            schema=["left_type", "left_value", "right_type", "right_value", "linked_at"],
            orient="row",
        ),
    )
    stamp = "cast(written_at as timestamptz)" if written is not None else "null"
    con.execute(
        f"create or replace table nodes as select * exclude (written_at), {stamp} as written_at "
        "from node_df"
    )
    if written is None:
        con.execute("alter table nodes drop column written_at")
    con.execute(
        "create or replace table edges as "
        "select * replace (cast(linked_at as timestamptz) as linked_at) from edge_df"
    )
    con.execute(
        "create or replace table rules as select '%' as id_type, 2 as max_people, 'test' as reason"
    )


def build(con: duckdb.DuckDBPyConnection, previous: str | None) -> str:
    """Relink on ``previous`` (None: from nothing); the rows are written into table
    ``built`` (the next previous) as dbt writes the incremental model."""
    rel, mode = components_model.relink_components(
        con, "nodes", "edges", "rules", previous, rebuild=None if previous else "asked"
    )
    components_model.write_build(con, rel, "built")
    return mode


# the state of the build that last wrote a row, which differs between two ways to one result
STATE = "exclude (build_mode, build_no, edges_through, edge_count, nodes_through, written_at)"


def components(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for id_type, id_value, key in con.execute(
        "select id_type, id_value, component_key from built"
    ).fetchall():
        out.setdefault(key, set()).add(f"{id_type}:{id_value}")
    return out


DAY_1_NODES = ["phone_hash:a", "crm_member_id:a", "phone_hash:b", "crm_member_id:b",
               "phone_hash:c", "crm_member_id:c"]  # fmt: skip
DAY_1_EDGES = [
    ("crm_member_id:a", "phone_hash:a", DAY_1),
    ("crm_member_id:b", "phone_hash:b", DAY_1),
    ("crm_member_id:c", "phone_hash:c", DAY_1),
]


# stamped nodes: the new identifiers are looked up among those written since the previous
# build; unstamped (an older version): among all of them
@pytest.mark.parametrize("stamped", [True, False])
def test_one_new_edge_merges_two_clusters_and_a_new_identifier_stands_alone(stamped: bool):
    con = duckdb.connect()
    load(con, DAY_1_NODES, DAY_1_EDGES, {} if stamped else None)
    assert build(con, None) == "rebuilt: asked"
    load(
        con,
        [*DAY_1_NODES, "weibo_uid:z"],
        [*DAY_1_EDGES, ("phone_hash:a", "phone_hash:b", DAY_2)],
        # a known identifier written again (its attributes changed) is not new
        {"weibo_uid:z": DAY_2, "phone_hash:c": DAY_2} if stamped else None,
    )
    mode = build(con, "built")
    # the clusters of a and b and the new weibo_uid:z are solved again; c is carried over
    assert mode == "relinked: 1 new edges, 5 identifiers solved again"
    assert components(con) == {
        "crm_member_id:a": {"crm_member_id:a", "phone_hash:a", "crm_member_id:b", "phone_hash:b"},
        "crm_member_id:c": {"crm_member_id:c", "phone_hash:c"},
        "weibo_uid:z": {"weibo_uid:z"},
    }
    # only the rows solved again were written
    assert con.execute("select count(*) from built where build_no = 2").fetchall() == [(5,)]
    relinked = con.execute(f"select * {STATE} from built order by all").fetchall()
    assert build(con, None) == "rebuilt: asked"
    assert con.execute(f"select * {STATE} from built order by all").fetchall() == relinked


def test_a_new_edge_that_brings_a_shared_identifier_back_relinks_its_whole_region():
    # hub joins three people (limit 2): shared, a component of its own, until x1 and x2
    # turn out to be one person; then it joins two and is an ordinary identifier
    nodes = ["phone_hash:hub", "douyin_open_id:x1", "douyin_open_id:x2", "douyin_open_id:x3"]
    spokes = [("phone_hash:hub", f"douyin_open_id:x{i}", DAY_1) for i in (1, 2, 3)]
    con = duckdb.connect()
    load(con, nodes, spokes)
    build(con, None)
    assert components(con) == {
        "phone_hash:hub": {"phone_hash:hub"},
        "douyin_open_id:x1": {"douyin_open_id:x1"},
        "douyin_open_id:x2": {"douyin_open_id:x2"},
        "douyin_open_id:x3": {"douyin_open_id:x3"},
    }
    assert con.execute(
        "select people_joined from built where id_type = 'phone_hash'"
    ).fetchall() == [(3,)]
    load(con, nodes, [*spokes, ("douyin_open_id:x1", "douyin_open_id:x2", DAY_2)])
    assert build(con, "built") == "relinked: 1 new edges, 4 identifiers solved again"
    assert components(con) == {"douyin_open_id:x1": set(nodes)}
    assert con.execute("select count(people_joined) from built").fetchall() == [(0,)]


def test_a_newly_excluded_identifier_forces_a_rebuild_that_splits_its_cluster():
    con = duckdb.connect()
    load(con, DAY_1_NODES, DAY_1_EDGES)
    build(con, None)
    # phone_hash:a is blocklisted: its link no longer reaches the solver
    load(con, DAY_1_NODES, DAY_1_EDGES[1:])
    assert (
        build(con, "built") == "rebuilt: links removed or newly excluded: 3 known, 2 of them left"
    )
    assert components(con) == {
        "crm_member_id:a": {"crm_member_id:a"},
        "phone_hash:a": {"phone_hash:a"},
        "crm_member_id:b": {"crm_member_id:b", "phone_hash:b"},
        "crm_member_id:c": {"crm_member_id:c", "phone_hash:c"},
    }


@pytest.mark.parametrize("stamped", [True, False])
def test_an_erased_identifier_forces_a_rebuild(stamped: bool):
    con = duckdb.connect()
    load(con, DAY_1_NODES, DAY_1_EDGES, {} if stamped else None)
    build(con, None)
    # one identifier gone and one new: the count still sees the gone one
    load(
        con,
        [*DAY_1_NODES[:4], "weibo_uid:z"],
        DAY_1_EDGES[:2],
        {"weibo_uid:z": DAY_2} if stamped else None,
    )
    assert build(con, "built") == "rebuilt: 2 identifiers are gone (erased)"
    assert components(con) == {
        "crm_member_id:a": {"crm_member_id:a", "phone_hash:a"},
        "crm_member_id:b": {"crm_member_id:b", "phone_hash:b"},
        "weibo_uid:z": {"weibo_uid:z"},
    }


def test_a_known_identifier_missing_from_the_previous_build_forces_a_rebuild():
    con = duckdb.connect()
    load(con, DAY_1_NODES, DAY_1_EDGES, {})
    build(con, None)
    # a row lost from the previous build: not new (written before it), so it would never
    # be solved again by relinking
    con.execute("delete from built where id_type = 'crm_member_id' and id_value = 'c'")
    assert build(con, "built") == (
        "rebuilt: 1 identifiers are neither new nor in the previous build"
    )
    assert "crm_member_id:c" in components(con)["crm_member_id:c"]


def test_changed_sharing_rules_force_a_rebuild():
    con = duckdb.connect()
    load(con, DAY_1_NODES, DAY_1_EDGES)
    build(con, None)
    con.execute("update rules set max_people = 3")
    assert build(con, "built") == "rebuilt: the sharing rules changed"
