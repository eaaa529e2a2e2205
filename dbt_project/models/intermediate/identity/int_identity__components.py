"""Connected components of the identifier graph (SPEC R-U2), solved inside DuckDB.

Identifiers are integer-encoded, then labelled by "hook and shortcut": every round each
node takes the smallest label among itself and its neighbours, the node its label points
at (its root) takes that label too, and every node then jumps to its root's label. A chain
of any length converges in a few dozen rounds, not one round per hop. The loop stops when
no label changed; it then checks that both ends of every edge share a label and raises if
not, or if the round budget (far above what the doubling needs) runs out: never a silent
cap. The component key is the smallest ``id_type:id_value`` of the component, so the
output depends only on the graph, not on the encoding order.

The solver is a plain function of a DuckDB connection, so tests and the benchmark call it
directly (``connected_components``); dbt calls ``model``.
"""

import duckdb

# Pointer jumping halves a path's height every round; 2 * 64 rounds cannot be needed for
# any graph that fits in memory, so reaching it means the solver is wrong, not the data.
MAX_ROUNDS = 128


class ConvergenceError(RuntimeError):
    """The labelling did not reach a fixed point where every edge joins equal labels."""


def label_components(con: duckdb.DuckDBPyConnection, edges: str, nodes: str) -> int:
    """Label integer nodes by component into temp table ``cc_labels(node, label)``.

    ``edges`` is a relation with integer columns ``src, dst``; ``nodes`` one with ``node``
    (isolated nodes included). Returns the number of rounds it took.
    """
    con.execute(
        f"""
        create or replace temp table cc_edges as
        select src, dst from {edges} where src <> dst
        union
        select dst, src from {edges} where src <> dst
        """
    )
    con.execute(
        f"create or replace temp table cc_labels as select node, node as label from {nodes}"
    )
    for round_no in range(1, MAX_ROUNDS + 1):
        con.execute(
            """
            create or replace temp table cc_next as
            with neighbour_min as (
                select e.src as node, min(l.label) as label
                from cc_edges as e
                join cc_labels as l on l.node = e.dst
                group by e.src
            ),
            candidates as (
                select node, label from cc_labels
                union all
                select node, label from neighbour_min
                -- hook: a node's root adopts the smaller label the node has found
                union all
                select l.label as node, n.label
                from neighbour_min as n
                join cc_labels as l using (node)
                where n.label < l.label
            ),
            hooked as (
                select node, min(label) as label from candidates group by node
            )
            -- shortcut: jump to the root's label
            select h.node, least(h.label, r.label) as label
            from hooked as h
            join hooked as r on r.node = h.label
            """
        )
        changed = con.execute(
            """
            select count(*) from cc_next as n join cc_labels as l using (node)
            where n.label <> l.label
            """
        ).fetchall()[0][0]
        con.execute("drop table cc_labels")
        con.execute("alter table cc_next rename to cc_labels")
        if changed == 0:
            _check_fixed_point(con)
            return round_no
    raise ConvergenceError(f"labels still changing after {MAX_ROUNDS} rounds")


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
        raise ConvergenceError(f"{split_edges} edges join different labels at the fixed point")


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
            select n.id_type, n.id_value, l.label
            from cc_nodes as n join cc_labels as l using (node)
        )
        select
            id_type,
            id_value,
            min(id_type || ':' || id_value) over (partition by label) as component_key
        from labelled
        """
    )
    return result, rounds


def model(dbt, session):  # noqa: ANN001, ANN201 - dbt's Python model entry point
    dbt.config(materialized="table")
    dbt.ref("int_identity__nodes").create_view("identity_nodes_input")
    dbt.ref("int_identity__edges").create_view("identity_edges_input")
    components, _ = connected_components(session, "identity_nodes_input", "identity_edges_input")
    return components
