"""Connected components of the identifier graph (docs/requirements.md R-U2), solved inside DuckDB.

Identifiers are integer-encoded, then the graph is contracted until no edge is left: every
round each node points at its smallest neighbour (or itself), the pointers are followed to
their roots (pointer jumping), every node's label moves to its root, and each edge is
rewritten between the roots of its ends, dropping those that fall inside one root. Every
round at least halves the nodes that still have edges, so a chain of any length, a star or
a dense cluster ends in a few dozen rounds, and each round only touches what is left. When
no edge is left the solver checks that both ends of every original edge share a label and
raises otherwise, or if the round budget (far above what halving needs) runs out: never a
silent cap. The component key is the smallest ``id_type:id_value`` of the component, so
the output depends only on the graph, not on the encoding order.

The solver is a plain function of a DuckDB connection, so tests and the benchmark call it
directly (``connected_components``); dbt calls ``model``.
"""

import duckdb

# Each round at least halves the nodes that still have edges; 64 rounds would handle 2**64
# of them, so reaching the budget means the solver is wrong, not the data.
MAX_ROUNDS = 64


class ConvergenceError(RuntimeError):
    """The labelling did not reach a state where every edge joins equal labels."""


def label_components(con: duckdb.DuckDBPyConnection, edges: str, nodes: str) -> int:
    """Label integer nodes by component into temp table ``cc_labels(node, label)``.

    ``edges`` is a relation with integer columns ``src, dst``; ``nodes`` one with ``node``
    (isolated nodes included). Nodes with an edge are listed in ``cc_linked``. Returns the
    number of rounds it took.
    """
    con.execute(
        f"""
        create or replace temp table cc_edges as
        select distinct least(src, dst) as src, greatest(src, dst) as dst
        from {edges} where src <> dst
        """
    )
    con.execute(
        """
        create or replace temp table cc_linked as
        select src as node from cc_edges union select dst from cc_edges
        """
    )
    con.execute(
        "create or replace temp table cc_labels as select node, node as label from cc_linked"
    )
    con.execute("create or replace temp table cc_work as select src, dst from cc_edges")
    for round_no in range(1, MAX_ROUNDS + 1):
        if not con.execute("select count(*) from cc_work").fetchall()[0][0]:
            _add_isolated(con, nodes)
            _check_fixed_point(con)
            return round_no - 1
        # every node of the remaining graph points at its smallest neighbour (edges are
        # stored with src < dst, so dst's candidate is src and src's is itself)
        con.execute(
            """
            create or replace temp table cc_parent as
            select node, min(parent) as parent from (
                select dst as node, src as parent from cc_work
                union all
                select src, src from cc_work
            )
            group by node
            """
        )
        _jump_to_roots(con)
        con.execute(
            """
            create or replace temp table cc_relabelled as
            select l.node, coalesce(p.parent, l.label) as label
            from cc_labels as l left join cc_parent as p on p.node = l.label
            """
        )
        con.execute("drop table cc_labels")
        con.execute("alter table cc_relabelled rename to cc_labels")
        con.execute(
            """
            create or replace temp table cc_contracted as
            select distinct least(a.parent, b.parent) as src, greatest(a.parent, b.parent) as dst
            from cc_work as w
            join cc_parent as a on a.node = w.src
            join cc_parent as b on b.node = w.dst
            where a.parent <> b.parent
            """
        )
        con.execute("drop table cc_work")
        con.execute("alter table cc_contracted rename to cc_work")
    raise ConvergenceError(f"edges still left after {MAX_ROUNDS} rounds")


def _jump_to_roots(con: duckdb.DuckDBPyConnection) -> None:
    """Follow parent pointers until each points at a root (a node that is its own parent)."""
    while True:
        con.execute(
            """
            create or replace temp table cc_jumped as
            select c.node, g.parent
            from cc_parent as c join cc_parent as g on g.node = c.parent
            """
        )
        moved = con.execute(
            """
            select count(*) from cc_jumped as j join cc_parent as p using (node)
            where j.parent <> p.parent
            """
        ).fetchall()[0][0]
        con.execute("drop table cc_parent")
        con.execute("alter table cc_jumped rename to cc_parent")
        if not moved:
            return


def _add_isolated(con: duckdb.DuckDBPyConnection, nodes: str) -> None:
    con.execute(
        f"""
        insert into cc_labels
        select n.node, n.node from {nodes} as n anti join cc_labels as l using (node)
        """
    )


def _check_fixed_point(con: duckdb.DuckDBPyConnection) -> None:
    split_edges = con.execute(
        """
        select count(*) from cc_edges as e
        join cc_labels as a on a.node = e.src
        join cc_labels as b on b.node = e.dst
        where a.label <> b.label
        """
    ).fetchall()[0][0]
    if split_edges:
        raise ConvergenceError(f"{split_edges} edges join different labels at the end")


def connected_components(
    con: duckdb.DuckDBPyConnection, nodes: str, edges: str
) -> tuple[duckdb.DuckDBPyRelation, int]:
    """Each identifier of ``nodes(id_type, id_value)`` with its ``component_key``.

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
    rounds = label_components(con, "cc_int_edges", "cc_nodes")
    result = con.sql(
        """
        with labelled as (
            select n.id_type, n.id_value, l.label, k.node is not null as linked
            from cc_nodes as n
            join cc_labels as l using (node)
            left join cc_linked as k using (node)
        )
        select id_type, id_value, id_type || ':' || id_value as component_key
        from labelled where not linked
        union all
        select id_type, id_value,
            min(id_type || ':' || id_value) over (partition by label) as component_key
        from labelled where linked
        """
    )
    return result, rounds


def model(dbt, session):  # noqa: ANN001, ANN201 - dbt's Python model entry point
    dbt.config(materialized="table")
    dbt.ref("int_identity__nodes").create_view("identity_nodes_input")
    dbt.ref("int_identity__edges").create_view("identity_edges_input")
    components, _ = connected_components(session, "identity_nodes_input", "identity_edges_input")
    return components
