"""Stable unified user ids (docs/requirements.md R-U4): each component of the identifier
graph gets the id its identifiers carried in this model's previous build (``dbt.this``, the
rows the bridge was built from).

- A component whose identifiers carried one id keeps it.
- A merge (identifiers carrying several ids) keeps the oldest id: earliest
  ``unified_user_created_on``, then the smallest id.
- A split (one id's identifiers now in several components) leaves the id with the piece
  holding most of its identifiers; every other piece gets a new id derived from its
  smallest identifier and the id it split from.
- A component with no previous id gets one derived from its smallest identifier.

New ids are hashes of the input, never counters, so a rerun, or a rebuild from nothing
on the same data, gives the same ids. ``previous_unified_user_id`` is kept on each row for
the merge log.

Incremental: a run assigns ids only to the rows int_identity__components wrote since the
build this model last read (``component_build_no``). Those are whole components of the
new build, and every identifier that held one of their previous ids (a relinked build
solves whole regions again), so each rule above is decided on them alone; the ids the
other rows hold only matter to keep a derived id unique.
"""

import duckdb

_EMPTY_PREVIOUS = """
    select null::varchar as id_type, null::varchar as id_value,
        null::varchar as unified_user_id, null::date as unified_user_created_on
    where false
"""


def new_id(seed_sql: str) -> str:
    return f"'uu' || left(sha256({seed_sql}), 18)"


def assign_unified_ids(
    con: duckdb.DuckDBPyConnection,
    components: str,
    nodes: str,
    previous: str | None,
    held: str | None = None,
    carry: dict[str, str] | None = None,
) -> duckdb.DuckDBPyRelation:
    """Rows of ``components`` with their ``unified_user_id``; see the module docstring.

    ``nodes`` gives each identifier's ``first_seen_date``; ``previous`` is the last bridge
    (``id_type, id_value, unified_user_id, unified_user_created_on``) or None; ``held``
    (a relation with ``unified_user_id``) the ids other identifiers keep, outside
    ``components``; ``carry`` names columns of ``components`` kept on each row under new names.
    """
    previous_sql = f"select * from {previous}" if previous else _EMPTY_PREVIOUS
    carried_in = "".join(f", c.{column} as {name}" for column, name in (carry or {}).items())
    carried_out = "".join(f", i.{name}" for name in (carry or {}).values())
    held_sql = (
        f"select unified_user_id from {held}"
        if held
        else "select null::varchar as unified_user_id where false"
    )
    return con.sql(
        f"""
        with previous as ({previous_sql}),

        held as ({held_sql}),

        current_ids as (
            select c.id_type, c.id_value, c.component_key, n.first_seen_date,
                p.unified_user_id as previous_id,
                p.unified_user_created_on as previous_created_on
                {carried_in}
            from {components} as c
            join {nodes} as n using (id_type, id_value)
            left join previous as p using (id_type, id_value)
        ),

        carried as (
            select component_key, previous_id, min(previous_created_on) as created_on,
                count(*) as identifiers
            from current_ids
            where previous_id is not null
            group by all
        ),

        -- after a split the old id stays with its biggest piece
        id_homes as (
            select previous_id, component_key
            from carried
            qualify row_number() over (
                partition by previous_id order by identifiers desc, component_key
            ) = 1
        ),

        kept as (
            select c.component_key, c.previous_id as unified_user_id, c.created_on
            from carried as c
            join id_homes as h using (previous_id, component_key)
            qualify row_number() over (
                partition by c.component_key order by c.created_on, c.previous_id
            ) = 1
        ),

        components as (
            select component_key, min(first_seen_date) as first_seen_date,
                min(previous_id) as split_from
            from current_ids
            group by component_key
        ),

        fresh as (
            select
                c.component_key,
                case
                    when c.split_from is null then {new_id("c.component_key")}
                    else {new_id("c.component_key || '|split from|' || c.split_from")}
                end as unified_user_id,
                c.first_seen_date as created_on
            from components as c
            anti join kept as k using (component_key)
        ),

        taken as (
            select unified_user_id from kept
            union
            select unified_user_id from held
        ),

        -- a derived id already held by a kept component (an identifier that left a
        -- person and came back alone) is reissued under another derived id
        fresh_unique as (
            select
                f.component_key,
                case when t.unified_user_id is null then f.unified_user_id
                    else {new_id("f.component_key || '|reissued|' || f.unified_user_id")}
                end as unified_user_id,
                f.created_on
            from fresh as f
            left join taken as t on t.unified_user_id = f.unified_user_id
        ),

        assigned as (
            select * from kept
            union all
            select * from fresh_unique
        )

        select
            i.id_type,
            i.id_value,
            i.component_key,
            a.unified_user_id,
            a.created_on as unified_user_created_on,
            i.previous_id as previous_unified_user_id
            {carried_out}
        from current_ids as i
        join assigned as a using (component_key)
        """
    )


def previous_build(con: duckdb.DuckDBPyConnection, this: object) -> str | None:
    """This model's relation when an earlier build left it (a rebuild from nothing has none)."""
    schema, table = this.schema, this.identifier  # type: ignore[attr-defined]
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()[0][0]
    return f'"{schema}"."{table}"' if found else None


def model(dbt, session):  # noqa: ANN001, ANN201 - dbt's Python model entry point
    # incremental (delete+insert on the identifier, configured in _identity__models.yml)
    dbt.ref("int_identity__components").create_view("identity_components_input")
    dbt.ref("int_identity__nodes").create_view("identity_nodes_seen")
    previous = previous_build(session, dbt.this)
    read_through = None
    numbered = (
        previous
        and session.execute(
            "select count(*) from information_schema.columns "
            "where table_schema = ? and table_name = ? and column_name = 'component_build_no'",
            [dbt.this.schema, dbt.this.identifier],
        ).fetchall()[0][0]
    )
    if numbered and dbt.is_incremental:
        read_through = session.execute(
            f"select max(component_build_no) from {previous}"
        ).fetchall()[0][0]
    carry = {"build_no": "component_build_no"}
    if read_through is None:
        return _stamped(
            assign_unified_ids(
                session, "identity_components_input", "identity_nodes_seen", previous, carry=carry
            )
        )
    session.execute(
        f"""
        create or replace temp table identity_components_new as
        select * from identity_components_input where build_no > {int(read_through)}
        """
    )
    session.execute(
        f"""
        create or replace temp view identity_ids_held as
        select unified_user_id from {previous}
        anti join identity_components_new using (id_type, id_value)
        """
    )
    return _stamped(
        assign_unified_ids(
            session,
            "identity_components_new",
            "identity_nodes_seen",
            previous,
            held="identity_ids_held",
            carry=carry,
        )
    )


def _stamped(rows: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    """The rows with ``written_at``, when this build wrote them (its transaction's start):
    fct_user_interactions re-reads the people of the rows written after its last run."""
    return rows.project("*, current_timestamp as written_at")
