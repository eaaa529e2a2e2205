"""What dbt knows of the platform table, generated from it: ``make platforms``.

dbt cannot import Python, so the table reaches it as files written here (and checked by
``tests/unit/test_platform_table.py`` to equal what the table generates):

- ``seeds/platforms.csv``: one row per listed platform (``dim_platform``);
- ``seeds/platform_metric_mapping.csv``: one row per source field mapped onto a conformed
  column;
- ``macros/platform_table.sql``: the macro ``platform_table()``, the table as dbt's models
  loop over it when they are parsed (the conformed unions, the generic export staging);
- ``models/staging/exports/_exports__sources.yml``: the raw tables of the export
  platforms whose tables have a layout.

``python -m ingestion.platforms.dbt_inputs [PROJECT_DIR]`` writes them (the repository's
dbt project by default).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from ingestion.exports import PART
from ingestion.platforms import (
    CONTENT_COLUMNS,
    FOLLOWER_COLUMNS,
    PLATFORMS,
    SNAPSHOTS_MODEL,
    PlatformInfo,
)
from ingestion.platforms.export_files import DATE_COLUMN
from ingestion.settings import REPO_ROOT

DBT_DIR = REPO_ROOT / "dbt_project"
PLATFORMS_SEED = Path("seeds/platforms.csv")
MAPPING_SEED = Path("seeds/platform_metric_mapping.csv")
TABLE_MACRO = Path("macros/platform_table.sql")
EXPORT_SOURCES = Path("models/staging/exports/_exports__sources.yml")
GENERATED = "Generated from ingestion/platforms by `make platforms`: edit the table, not this file."


def _csv(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def platforms_seed(platforms: Iterable[PlatformInfo]) -> str:
    return _csv(
        ("platform", "platform_name", "platform_name_en", "delivery", "is_social"),
        (
            (p.key, p.name_zh, p.name_en, p.delivery, str(p.social).lower())
            for p in platforms
            if p.listed
        ),
    )


def mapping_seed(platforms: Iterable[PlatformInfo]) -> str:
    return _csv(
        ("platform", "source_entity", "source_field", "conformed_column", "how"),
        (
            (p.key, m.entity, m.field, m.column, m.how)
            for p in platforms
            for m in p.metric_mapping()
        ),
    )


def dbt_entry(info: PlatformInfo) -> dict[str, Any]:
    """One platform as dbt's macros read it."""
    entry: dict[str, Any] = {
        "key": info.key,
        "social": info.social,
        "delivery": info.delivery,
        "names": list(info.names),
    }
    if info.user_id_type:
        entry["user_id_type"] = info.user_id_type
        entry["user_ids_per_account"] = info.user_ids_per_account
    if info.shop_b_types:
        entry["shop_b_types"] = list(info.shop_b_types)
    feeds = info.conformed_feeds()
    if feeds is not None:
        reported = {m.column: m.sql for m in info.metric_mapping()}
        entry["contents"] = feeds.contents
        columns = {c: reported[c] for c in CONTENT_COLUMNS if c in reported}
        entry["content_daily"] = {
            "model": SNAPSHOTS_MODEL if feeds.lifetime_totals else feeds.content_daily,
            "columns": columns,
        }
        if feeds.lifetime_totals:
            # the totals differenced: an average is differenced as its watch seconds
            metrics = [c if not columns[c] else "watch_seconds" for c in columns]
            entry["snapshots"] = {"model": feeds.content_daily, "metrics": metrics}
            if info.delivery == "export":  # a smaller total than the day before: flagged
                entry["snapshots"]["decreases"] = "null"
        entry["followers"] = {
            "model": feeds.followers,
            "columns": [c for c in FOLLOWER_COLUMNS if c in reported],
        }
        if feeds.comments:
            entry["comments"] = feeds.comments
    exports = {}
    for grain, (entity, kind) in info.layouts().items():
        layout = kind.layout
        assert layout is not None
        fields = {
            "entity": entity,
            "account": kind.account_column,
            "date": DATE_COLUMN,
            "columns": dict(layout.columns),
            "content_id": layout.content_id,
            "title": layout.title,
            "published_at": layout.published_at,
            "form": layout.form,
            "form_column": layout.form_column,
            "forms": dict(layout.forms),
            "listed_in": layout.listed_in,
            # an item comes in several parts (workbooks, each its 数据表), merged in staging
            "parts": PART in kind.key,
        }
        # what a layout leaves empty is left out: a macro reads a missing key as empty
        exports[grain] = {name: value for name, value in fields.items() if value}
    if exports:
        entry["exports"] = exports
    return entry


WIDTH = 100  # the generated table's lines are at most this long where they can be


def _jinja(value: Any, indent: int = 0) -> str:
    """A Jinja literal of ``value`` (dicts, lists, strings, booleans): on one line where it
    fits, else its items filled into lines of at most WIDTH, a nested block on lines of its
    own, so that each platform reads as a few dense lines."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        items = [f"{_jinja(k)}: {_jinja(v, indent + 1)}" for k, v in value.items()]
        opening, closing = "{", "}"
    elif isinstance(value, list):
        items = [_jinja(v, indent + 1) for v in value]
        opening, closing = "[", "]"
    else:
        raise TypeError(f"no Jinja literal for {value!r}")
    pad = "    " * (indent + 1)
    inline = opening + ", ".join(items) + closing
    if "\n" not in inline and len(pad) + len(inline) <= WIDTH:
        return inline
    lines: list[str] = []
    for item in items:
        fits = lines and "\n" not in lines[-1] + item
        if fits and len(pad) + len(lines[-1]) + len(item) + 2 <= WIDTH:
            lines[-1] += ", " + item
        else:
            lines.append(item)
    return f"{opening}\n{pad}" + f",\n{pad}".join(lines) + "\n" + "    " * indent + closing


def table_macro(platforms: Iterable[PlatformInfo]) -> str:
    entries = [dbt_entry(p) for p in platforms]
    return (
        f"{{#- {GENERATED}\n"
        "    Every platform, in the table's order (see macros/platforms.sql for the\n"
        "    helpers that read it). -#}\n"
        "{% macro platform_table() -%}\n"
        f"{{{{ return({_jinja(entries)}) }}}}\n"
        "{%- endmacro %}\n"
    )


def export_sources(platforms: Iterable[PlatformInfo]) -> str:
    sources = []
    for info in platforms:
        layouts = info.layouts()
        if not layouts:
            continue
        tables = []
        for entity, kind in (info.exports or {}).items():
            schema = kind.schema
            headers = list(
                dict.fromkeys([*schema.required, *schema.counts, *schema.rates, *schema.durations])
            )
            tables.append(
                {
                    "name": entity,
                    "identifier": f"{info.key}__{entity}",
                    "description": f"{info.name} export rows (marker {kind.marker}): "
                    + ", ".join(headers)
                    + ".",
                }
            )
        sources.append(
            {
                "name": info.key,
                "description": f"{info.name} export files (XLSX/CSV, Chinese headers) as landed "
                "by ingestion: one row per file row of the business date, keyed by the "
                "export's headers.",
                "schema": "raw",
                "tables": tables,
            }
        )
    body = yaml.safe_dump(
        {"version": 2, "sources": sources}, allow_unicode=True, sort_keys=False, width=100
    )
    return f"# {GENERATED}\n{body}"


def render(platforms: Iterable[PlatformInfo] | None = None) -> dict[Path, str]:
    """Each generated file (relative to the dbt project) and its text."""
    table = list(PLATFORMS.values() if platforms is None else platforms)
    return {
        PLATFORMS_SEED: platforms_seed(table),
        MAPPING_SEED: mapping_seed(table),
        TABLE_MACRO: table_macro(table),
        EXPORT_SOURCES: export_sources(table),
    }


def write(
    project_dir: Path = DBT_DIR, platforms: Iterable[PlatformInfo] | None = None
) -> list[Path]:
    """Write the generated files into ``project_dir``; the paths whose text changed."""
    changed = []
    for relative, text in render(platforms).items():
        path = project_dir / relative
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        changed.append(path)
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("project_dir", nargs="?", type=Path, default=DBT_DIR)
    args = parser.parse_args()
    for path in write(args.project_dir):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
