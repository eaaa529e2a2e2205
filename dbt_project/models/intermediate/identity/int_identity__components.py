"""Connected components of the identifier graph (docs/requirements.md R-U2).

Identifiers are integer-encoded in DuckDB; the labelling itself is SciPy's
``scipy.sparse.csgraph.connected_components`` on the edges fetched as arrays: an exact
graph search with no iteration at all, so a chain of any length, a star or a dense cluster
ends in one component in one pass (the pointer-jumping rounds in SQL that it replaced took
7-8 s of each labelling at `large`; this takes 3-4 s, SciPy's search 1-2 s of it, the rest
moving the arrays and the check). The labels go back into DuckDB,
where every original edge is checked to join equal labels, an error otherwise. The
component key is the smallest ``id_type:id_value`` of the component, so the output depends
only on the graph, not on the encoding order.

Before it, the over-merge guard (``shared_identifiers``) takes out of linking the
identifiers that hold together several people (docs/identity.md); they stay in the output
as components of their own. The solver and the guard are plain functions of a DuckDB
connection, so tests and the benchmark call them directly (``connected_components``,
``resolve_identities``); dbt calls ``model``.

A new day relinks instead of solving again (``relink_components``, docs/identity.md#6-a-new-day):
the guard and the components of a region (a connected component of every link, shared
identifiers included) depend on that region alone, so only the regions the day's new edges
touch are solved again, with the day's new identifiers, and only their rows are written
(the model is incremental); every other row is the previous build's. The build starts
from nothing when the previous build cannot be extended: no previous build, the sharing
rules changed, an identifier is gone (erased) or a link is (unlinked, or an end newly
excluded by the blocklist).
"""

import datetime

import duckdb
import numpy as np
import pyarrow as pa
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components as graph_components


class ConvergenceError(RuntimeError):
    """The labelling left an edge between two different labels."""


def label_components(con: duckdb.DuckDBPyConnection, edges: str, nodes: str) -> int:
    """Label integer nodes by component into temp table ``cc_labels(node, label)``, and
    return the number of components with an edge.

    ``edges`` is a relation with integer columns ``src, dst``; ``nodes`` one with ``node``
    (isolated nodes included). Nodes are the dense encodings ``row_number()`` gives (a
    node is its own index in the arrays, which spares a sort of every edge end). Nodes with
    an edge are listed in ``cc_linked``; a component's label is its smallest node.
    """
    found = con.execute(f"select src, dst from {edges} where src <> dst").fetchnumpy()
    src, dst = np.asarray(found["src"], dtype=np.int64), np.asarray(found["dst"], dtype=np.int64)
    # the arrays are as long as the largest node: bounded by the nodes' count (a guard round
    # may leave few edges among millions of nodes), never by an id's magnitude
    count, largest = con.execute(f"select count(*), max(node) from {nodes}").fetchall()[0]
    size = max(int(src.max()), int(dst.max()), largest or 0) + 1 if len(src) else 0
    if len(src) and (min(int(src.min()), int(dst.min())) < 0 or size > 2 * count + 2**20):
        raise ValueError(f"{nodes}: not dense encodings ({count} nodes, up to {size - 1})")
    graph = coo_array((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(size, size)).tocsr()
    # each edge is stored one way: the weakly connected components of the directed graph
    # are the undirected graph's, without SciPy adding every edge's reverse first
    components, component = graph_components(graph, directed=True, connection="weak")
    degree = np.bincount(src, minlength=size) + np.bincount(dst, minlength=size)
    linked = np.flatnonzero(degree)
    smallest = np.full(components, size, dtype=np.int64)
    np.minimum.at(smallest, component, np.arange(size, dtype=np.int64))
    solved = pa.table({"node": linked, "label": smallest[component[linked]]})
    con.register("cc_solved", solved)
    try:
        con.execute("create or replace temp table cc_linked as select node from cc_solved")
        con.execute("create or replace temp table cc_labels as select node, label from cc_solved")
    finally:
        con.unregister("cc_solved")
    _add_isolated(con, nodes)
    _check_labels(con, edges)
    # every index without an edge (an isolated node, or no node) is a component of its own
    return components - (size - len(linked))


def _add_isolated(con: duckdb.DuckDBPyConnection, nodes: str) -> None:
    con.execute(
        f"""
        insert into cc_labels
        select n.node, n.node from {nodes} as n anti join cc_labels as l using (node)
        """
    )


def _check_labels(con: duckdb.DuckDBPyConnection, edges: str) -> None:
    split_edges = con.execute(
        f"""
        select count(*) from {edges} as e
        join cc_labels as a on a.node = e.src
        join cc_labels as b on b.node = e.dst
        where a.label <> b.label
        """
    ).fetchall()[0][0]
    if split_edges:
        raise ConvergenceError(f"{split_edges} edges join different labels")


def connected_components(
    con: duckdb.DuckDBPyConnection, nodes: str, edges: str
) -> tuple[duckdb.DuckDBPyRelation, int]:
    """Each identifier of ``nodes(id_type, id_value)`` with its ``component_key``, and the
    number of components with more than one identifier.

    ``edges`` holds ``left_type, left_value, right_type, right_value``; an edge whose end
    is not among the nodes is ignored (it was excluded from linking).
    """
    con.execute(
        f"""
        create or replace temp table cc_nodes as
        select row_number() over () as node, id_type, id_value
        from (select distinct id_type, id_value from {nodes})
        """
    )
    con.execute(
        f"""
        create or replace temp table cc_int_edges as
        select a.node as src, b.node as dst
        from {edges} as e
        join cc_nodes as a on a.id_type = e.left_type and a.id_value = e.left_value
        join cc_nodes as b on b.id_type = e.right_type and b.id_value = e.right_value
        """
    )
    linked_components = label_components(con, "cc_int_edges", "cc_nodes")
    return _keyed(con, "cc_nodes").project("id_type, id_value, component_key"), linked_components


def _keyed(con: duckdb.DuckDBPyConnection, encoded: str) -> duckdb.DuckDBPyRelation:
    """The identifiers of ``encoded(node, id_type, id_value)`` with the ``node`` and
    ``component_key`` of the labels ``label_components`` left (``cc_labels``, ``cc_linked``)."""
    return con.sql(
        f"""
        with labelled as (
            select n.node, n.id_type, n.id_value, l.label, k.node is not null as linked
            from {encoded} as n
            join cc_labels as l using (node)
            left join cc_linked as k using (node)
        )
        select node, id_type, id_value, id_type || ':' || id_value as component_key
        from labelled where not linked
        union all
        select node, id_type, id_value,
            min(id_type || ':' || id_value) over (partition by label) as component_key
        from labelled where linked
        """
    )


# -- the over-merge guard (docs/requirements.md R-U3) -------------------------------------------
def shared_identifiers(
    con: duckdb.DuckDBPyConnection, nodes: str, edges: str, rules: str
) -> tuple[duckdb.DuckDBPyRelation, int]:
    """Identifiers that join several people, with their evidence, and the rounds it took.

    ``nodes(id_type, id_value)`` and ``edges(left_type, left_value, right_type,
    right_value)`` are the graph before the guard; ``rules(id_type, max_people, reason)``
    gives each type's limit (``id_type`` is a LIKE pattern; the longest matching pattern
    wins, so an exact type beats ``%``).

    An identifier is *shared* when, without it, its neighbours fall into more than
    ``max_people`` connected components: it holds together what would otherwise be several
    people. Only identifiers with more distinct neighbours than their limit can be shared
    (the candidates). All candidates are taken out at once and the rest is solved; each
    candidate counts the components its neighbours fall into (a candidate neighbour counts
    as one of its own). Candidates within their limit are put back and the rest solved
    again, until no candidate is put back. Putting identifiers back only merges
    components, so a count never grows and a candidate put back stays within its limit:
    the result is the same whatever the order. Judged over all types together, a phone
    shared by 3 people on each of 8 identifier types joins 24 people.

    The rows are left in temp table ``guard_shared``: ``id_type, id_value, people_joined,
    max_people, rule_reason, neighbours_by_type`` (``douyin_open_id 3000, phone_hash 2``).
    The last round's solve is the graph without them: its labels stay in ``cc_labels`` (of
    ``guard_nodes``, the encoded identifiers; the edges ``guard_edges``, the shared ones
    ``guard_candidates``), which ``resolve_identities`` keys instead of solving again.
    """
    con.execute(
        f"""
        create or replace temp table guard_nodes as
        select row_number() over () as node, id_type, id_value
        from (select distinct id_type, id_value from {nodes})
        """
    )
    con.execute(
        f"""
        create or replace temp table guard_edges as
        select distinct least(a.node, b.node) as src, greatest(a.node, b.node) as dst
        from {edges} as e
        join guard_nodes as a on a.id_type = e.left_type and a.id_value = e.left_value
        join guard_nodes as b on b.id_type = e.right_type and b.id_value = e.right_value
        where a.node <> b.node
        """
    )
    con.execute(
        """
        create or replace temp table guard_adjacent as
        select src as node, dst as other from guard_edges
        union all
        select dst, src from guard_edges
        """
    )
    con.execute(
        f"""
        create or replace temp table guard_candidates as
        with degrees as (
            select node, count(*) as degree from guard_adjacent group by node
        ),
        -- a rule per identifier type (a few dozen), not per identifier (millions)
        limits as (
            select t.id_type, r.max_people, r.reason
            from (select distinct id_type from guard_nodes) as t
            join {rules} as r on t.id_type like r.id_type
            qualify row_number() over (
                partition by t.id_type
                order by length(replace(r.id_type, '%', '')) desc, r.id_type
            ) = 1
        )
        select d.node, l.max_people, l.reason
        from degrees as d
        join guard_nodes as n using (node)
        join limits as l using (id_type)
        where d.degree > l.max_people
        """
    )
    rounds = 0
    while True:
        rounds += 1
        con.execute(
            """
            create or replace temp table guard_kept_edges as
            select src, dst from guard_edges as e
            anti join guard_candidates as a on a.node = e.src
            anti join guard_candidates as b on b.node = e.dst
            """
        )
        label_components(con, "guard_kept_edges", "guard_nodes")
        con.execute(
            """
            create or replace temp table guard_counts as
            select a.node, count(distinct l.label) as people_joined
            from guard_adjacent as a
            semi join guard_candidates as c on c.node = a.node
            join cc_labels as l on l.node = a.other
            group by a.node
            """
        )
        released = con.execute(
            """
            delete from guard_candidates as c using guard_counts as n
            where n.node = c.node and n.people_joined <= c.max_people
            """
        ).fetchall()[0][0]
        if not released:
            break
    con.execute(
        """
        create or replace temp table guard_shared as
        with by_type as (
            select a.node, o.id_type, count(*) as neighbours
            from guard_adjacent as a
            semi join guard_candidates as c on c.node = a.node
            join guard_nodes as o on o.node = a.other
            group by all
        ),
        evidence as (
            select node, string_agg(id_type || ' ' || neighbours, ', ' order by id_type)
                as neighbours_by_type
            from by_type group by node
        )
        select n.id_type, n.id_value, k.people_joined, c.max_people, c.reason as rule_reason,
            e.neighbours_by_type
        from guard_candidates as c
        join guard_counts as k using (node)
        join guard_nodes as n using (node)
        join evidence as e using (node)
        """
    )
    return con.table("guard_shared"), rounds


def resolve_identities(
    con: duckdb.DuckDBPyConnection, nodes: str, edges: str, rules: str
) -> duckdb.DuckDBPyRelation:
    """Each identifier's component once the guard has taken the shared ones out of linking.

    A shared identifier is a component of its own (so it keeps a unified id) and carries
    its evidence (``people_joined``, ``max_people``, ``rule_reason``,
    ``neighbours_by_type``; null on every other row).
    """
    shared_identifiers(con, nodes, edges, rules)
    # the guard's last round solved the graph without the shared identifiers
    con.execute(
        f"create or replace temp table guard_solved as {_keyed(con, 'guard_nodes').sql_query()}"
    )
    return con.sql(
        """
        select c.id_type, c.id_value, c.component_key, s.people_joined, s.max_people,
            s.rule_reason, s.neighbours_by_type
        from guard_solved as c left join guard_shared as s using (id_type, id_value)
        """
    )


# -- a new day: relink the regions the new edges touch (docs/identity.md#6-a-new-day) -------------
def _solve_regions(con: duckdb.DuckDBPyConnection, nodes: str, edges: str, rules: str) -> None:
    """``resolve_identities`` of the graph with each row's ``region_key`` (the smallest
    identifier of its component before the guard), into temp table ``relink_solved``.

    Only shared identifiers join components into larger regions, so the regions are solved
    on the small graph of components linked through them, not on the whole graph again;
    their edges are the guard's (``guard_edges`` of ``guard_candidates``, encoded, with the
    components ``resolve_identities`` left in ``guard_solved``).
    """
    resolved = resolve_identities(con, nodes, edges, rules)
    con.execute(f"create or replace temp table relink_resolved as {resolved.sql_query()}")
    # components as nodes ('k', component_key), linked by the edges of shared identifiers
    con.execute(
        """
        create or replace temp table relink_bridges as
        with shared_edges as (
            select e.src, e.dst from guard_edges as e
            semi join guard_candidates as s on s.node = e.src
            union
            select e.src, e.dst from guard_edges as e
            semi join guard_candidates as s on s.node = e.dst
        )
        select distinct 'k' as left_type, a.component_key as left_value,
            'k' as right_type, b.component_key as right_value
        from shared_edges as e
        join guard_solved as a on a.node = e.src
        join guard_solved as b on b.node = e.dst
        """
    )
    con.execute(
        """
        create or replace temp table relink_bridged as
        select left_type as id_type, left_value as id_value from relink_bridges
        union
        select right_type, right_value from relink_bridges
        """
    )
    regions, _ = connected_components(con, "relink_bridged", "relink_bridges")
    con.execute(f"create or replace temp table relink_regions as {regions.sql_query()}")
    con.execute(
        """
        create or replace temp table relink_solved as
        select r.*, coalesce(substr(g.component_key, 3), r.component_key) as region_key
        from relink_resolved as r
        left join relink_regions as g on g.id_value = r.component_key
        """
    )


def _rules_fingerprint(rules: str) -> str:
    return (
        f"(select md5(string_agg(id_type || '|' || max_people, ',' order by id_type)) from {rules})"
    )


def _latest_state(previous: str) -> str:
    """The previous build's state: the rows its latest build wrote carry it (a relinked
    build writes only the rows it solved again, with the state of that run)."""
    return f"""
        select max(edges_through) as edges_through, max(edge_count) as edge_count,
            max(rules_fingerprint) as rules_fingerprint
        from {previous}
        where build_no = (select max(build_no) from {previous})
    """


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return con.sql(f"select * from {relation} limit 0").columns


def _nodes_through(
    con: duckdb.DuckDBPyConnection, nodes: str, previous: str
) -> datetime.datetime | None:
    """The newest ``written_at`` of the nodes the previous build read, when both sides
    carry the stamps (None: a build of an older version, or nodes without stamps)."""
    if "written_at" not in _columns(con, nodes) or "nodes_through" not in _columns(con, previous):
        return None
    return con.execute(
        f"""
        select max(nodes_through) from {previous}
        where build_no = (select max(build_no) from {previous})
        """
    ).fetchall()[0][0]


def rebuild_reason(
    con: duckdb.DuckDBPyConnection, nodes: str, edges: str, rules: str, previous: str
) -> str | None:
    """Why the previous build cannot be extended by relinking, or None when it can.

    Once the state agrees, it leaves temp table ``relink_node_changes`` (``id_type,
    id_value, gone``): the identifiers gone since the previous build and the new ones,
    which relinking solves."""
    through, known, fingerprint = con.execute(
        f"""
        select edges_through, edge_count, rules_fingerprint = {_rules_fingerprint(rules)}
        from ({_latest_state(previous)})
        """
    ).fetchall()[0]
    if known is None:
        return "no previous build"
    if not fingerprint:
        return "the sharing rules changed"
    nodes_through = _nodes_through(con, nodes, previous)
    if nodes_through is None:
        # one join finds both the identifiers gone and the new ones. ``nodes`` is not made
        # distinct first (a third of the join's time at `large`): a repeated identifier
        # would only be listed twice as new, and the solver takes its nodes distinct.
        con.execute(
            f"""
            create or replace temp table relink_node_changes as
            select id_type, id_value, n.id_type is null as gone
            from (select id_type, id_value from {nodes}) as n
            full join (select id_type, id_value from {previous}) as p using (id_type, id_value)
            where n.id_type is null or p.id_type is null
            """
        )
        gone = con.execute("select count(*) from relink_node_changes where gone").fetchall()[0][0]
    else:
        # a new identifier is a node written since the previous build read the nodes, so
        # only those are looked up (a full join of every identifier was half this model's
        # day at `large`). Both tables hold an identifier once (their uniqueness tests), so
        # the gone ones are counted: the previous rows, less the nodes that are not new.
        con.execute(
            f"""
            create or replace temp table relink_node_changes as
            select id_type, id_value, false as gone
            from (select id_type, id_value from {nodes} where written_at > ?) as n
            anti join {previous} as p using (id_type, id_value)
            """,
            [nodes_through],
        )
        gone = con.execute(
            f"""
            select (select count(*) from {previous}) - (select count(*) from {nodes})
                + (select count(*) from relink_node_changes)
            """
        ).fetchall()[0][0]
        if gone < 0:
            return f"{-gone} identifiers are neither new nor in the previous build"
    if gone:
        return f"{gone} identifiers are gone (erased)"
    kept = con.execute(f"select count(*) from {edges} where linked_at <= ?", [through]).fetchall()[
        0
    ][0]
    if kept != known:
        return f"links removed or newly excluded: {known} known, {kept} of them left"
    return None


def relink_components(
    con: duckdb.DuckDBPyConnection,
    nodes: str,
    edges: str,
    rules: str,
    previous: str | None,
    *,
    rebuild: str | None = None,
) -> tuple[duckdb.DuckDBPyRelation, str]:
    """The rows of ``resolve_identities`` this build writes, and how it was built.

    ``edges`` are the linkable edges with ``linked_at``, the time they entered;
    ``previous`` is the table this function's results were written to (or None).
    Edges that entered after the previous build's latest are new: the regions their ends
    were in, with every new identifier, are solved again with all their edges, and only
    those rows are returned; every other row of ``previous`` stands. A rebuild (the
    previous build cannot be extended, or ``rebuild`` gives a reason) returns every row:
    rows of ``previous`` it does not return are gone (an erased identifier).

    Each row carries ``region_key``, ``build_no`` (one more than the previous build's, so
    the rows a build wrote are those of its number), ``written_at`` (the build's
    transaction start: a build number restarts when the table is made again from nothing,
    a time does not) and the state the next build reads:
    ``edges_through``, ``edge_count``, ``nodes_through`` (the newest ``written_at`` of the
    nodes read, when they carry it), ``rules_fingerprint``, ``build_mode`` (``relinked:
    …`` or ``rebuilt: <reason>``, also returned).
    """
    if rebuild:
        reason = rebuild
    elif previous:
        reason = rebuild_reason(con, nodes, edges, rules, previous)
    else:
        reason = "no previous build"
    if reason:
        _solve_regions(con, nodes, edges, rules)
        mode = f"rebuilt: {reason}"
    else:
        con.execute(
            f"""
            create or replace temp table relink_new_edges as
            select * from {edges}
            where linked_at > coalesce(
                (select edges_through from ({_latest_state(previous)})), '-infinity'
            )
            """
        )
        con.execute(
            f"""
            create or replace temp table relink_nodes as
            with touched as (
                select p.region_key from relink_new_edges as e
                join {previous} as p on p.id_type = e.left_type and p.id_value = e.left_value
                union
                select p.region_key from relink_new_edges as e
                join {previous} as p on p.id_type = e.right_type and p.id_value = e.right_value
            )
            select p.id_type, p.id_value from {previous} as p semi join touched using (region_key)
            union all
            select id_type, id_value from relink_node_changes where not gone
            """
        )
        con.execute(
            f"""
            create or replace temp table relink_edges as
            select * from {edges} as e
            semi join relink_nodes as a on a.id_type = e.left_type and a.id_value = e.left_value
            semi join relink_nodes as b on b.id_type = e.right_type and b.id_value = e.right_value
            """
        )
        _solve_regions(con, "relink_nodes", "relink_edges", rules)
        new_edges, nodes_solved = con.execute(
            "select (select count(*) from relink_new_edges), (select count(*) from relink_nodes)"
        ).fetchall()[0]
        mode = f"relinked: {new_edges} new edges, {nodes_solved} identifiers solved again"
    build_no = f"(select max(build_no) from {previous})" if previous else "null"
    stamped = "written_at" in _columns(con, nodes)
    nodes_through = f"(select max(written_at) from {nodes})" if stamped else "null::timestamptz"
    return con.sql(
        f"""
        select *,
            (select max(linked_at) from {edges}) as edges_through,
            (select count(*) from {edges}) as edge_count,
            {nodes_through} as nodes_through,
            {_rules_fingerprint(rules)} as rules_fingerprint,
            '{mode}' as build_mode,
            coalesce({build_no}, 0) + 1 as build_no,
            current_timestamp as written_at
        from relink_solved
        """
    ), mode


def write_build(con: duckdb.DuckDBPyConnection, rows: duckdb.DuckDBPyRelation, table: str) -> None:
    """Write a build's rows into ``table`` the way dbt does with this model (delete+insert on
    the identifier, then the post-hook ``identity_drop_superseded``), for callers outside
    dbt: the tests and the benchmark."""
    con.execute(f"create or replace temp table relink_rows as {rows.sql_query()}")
    exists = con.execute(
        "select count(*) from duckdb_tables() where table_name = ?", [table]
    ).fetchall()[0][0]
    if not exists:
        con.execute(f"create table {table} as select * from relink_rows")
        return
    con.execute(
        f"delete from {table} using relink_rows as r "
        f"where ({table}.id_type, {table}.id_value) = (r.id_type, r.id_value)"
    )
    con.execute(f"insert into {table} by name select * from relink_rows")
    con.execute(
        f"""
        delete from {table} where build_no is null
            or build_no < (select max(build_no) from {table} where build_mode like 'rebuilt%')
        """
    )


def model(dbt, session):  # noqa: ANN001, ANN201 - dbt's Python model entry point
    # incremental (delete+insert on the identifier, configured in _identity__models.yml):
    # a relinked build writes only the rows it solved again
    dbt.ref("int_identity__nodes").create_view("identity_nodes_input")
    dbt.ref("int_identity__edges").create_view("identity_pairs_input")
    dbt.ref("identity_sharing_rules").create_view("identity_sharing_rules_input")
    # placeholders and blocklisted identifiers link nothing. The edges are read several
    # times: an anti join on the few unlinkable identifiers is a scan each time, where a
    # semi join on every identifier would be a join of millions (an end that is no
    # identifier at all is ignored by the solver either way).
    session.execute(
        """
        create or replace temp table identity_unlinkable as
        select id_type, id_value from identity_nodes_input where unlinkable_reason is not null
        """
    )
    session.execute(
        """
        create or replace temp view identity_edges_input as
        select * from identity_pairs_input as e
        anti join identity_unlinkable as l
            on l.id_type = e.left_type and l.id_value = e.left_value
        anti join identity_unlinkable as r
            on r.id_type = e.right_type and r.id_value = e.right_value
        """
    )
    schema, table = dbt.this.schema, dbt.this.identifier
    # a previous build without the build number (an older version) is not extended
    found = {
        column
        for (column,) in session.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? and column_name in ?",
            [schema, table, ["build_no", "written_at"]],
        ).fetchall()
    }
    previous = f'"{schema}"."{table}"' if "build_no" in found else None
    rebuild = None
    if previous and "written_at" not in found:
        # every row gets its stamp once, so that the PII scan can read the new rows only
        rebuild = "rows without written_at (an older version)"
    elif str(dbt.config.get("identity_rebuild")).lower() == "true":
        rebuild = "asked (identity_rebuild)"
    elif not dbt.is_incremental:
        rebuild = "full refresh"
    # a rebuild still numbers on from the previous build: the next models read the rows
    # of the builds after the last they read
    result, _ = relink_components(
        session,
        "identity_nodes_input",
        "identity_edges_input",
        "identity_sharing_rules_input",
        previous,
        rebuild=rebuild,
    )
    return result
