"""Every column a reader gets is described: the published tables against the dbt docs.

The descriptions live in the models' YAML (``dbt_project/models/<layer>/_<layer>__models.yml``)
and reach the parsed manifest (``dbt_project/target/manifest.json``) rendered, doc blocks
included. The columns are those of the tables themselves (``information_schema``), so a
column added to a model's SQL and forgotten in its YAML is found, whatever the YAML lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import duckdb

DOCUMENTED_SCHEMAS = ("kpi",)


def descriptions(manifest: dict[str, Any], schemas: Iterable[str]) -> dict[str, dict[str, str]]:
    """``schema.table`` → column → its description, for the models built in ``schemas``."""
    wanted = set(schemas)
    out: dict[str, dict[str, str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["schema"] not in wanted:
            continue
        table = f"{node['schema']}.{node.get('alias') or node['name']}"
        out[table] = {
            name.lower(): (column.get("description") or "").strip()
            for name, column in (node.get("columns") or {}).items()
        }
    return out


def undocumented_columns(
    con: duckdb.DuckDBPyConnection,
    manifest: dict[str, Any],
    schemas: Iterable[str] = DOCUMENTED_SCHEMAS,
) -> list[str]:
    """``schema.table.column`` of every column of the tables in ``schemas`` (of ``con``'s
    database) that has no description in the manifest, sorted; [] when all are described.

    A table no model builds has all its columns listed.
    """
    schemas = tuple(schemas)
    documented = descriptions(manifest, schemas)
    placeholders = ", ".join("?" for _ in schemas)
    columns = con.execute(
        "select table_schema || '.' || table_name, column_name from information_schema.columns "
        f"where table_catalog = current_database() and table_schema in ({placeholders}) "
        "order by 1, ordinal_position",
        list(schemas),
    ).fetchall()
    return sorted(
        f"{table}.{column}"
        for table, column in columns
        if not documented.get(table, {}).get(column.lower())
    )
