"""The dashboard bundle: Superset's import format written from ``dashboard.py``.

Superset imports a ZIP of YAML files under one root folder: ``metadata.yaml``,
``databases/``, ``datasets/<database>/``, ``charts/``, ``dashboards/`` (the v1 import
schemas, ``superset/{databases,datasets,charts,dashboards}/schemas.py``
``ImportV1*Schema``; https://superset.apache.org/admin-docs/6.1.0/configuration/importing-exporting-datasources).
Objects refer to each other by UUID; ours are derived from their names, so a re-import
overwrites instead of duplicating. Dataset columns are read from the published file
itself (``describe``), so the bundle always matches the mart it points at.
"""

from __future__ import annotations

import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import yaml
from dashboard import DASHBOARD_TITLE, DATASETS, FILTERS, LABELS, PAGES, SLUG, Chart, Dataset

ROOT = "socialmart_dashboard"
DATABASE_NAME = "socialmart 发布库"
VERSION = "1.0.0"
NAMESPACE = uuid.UUID("6f1c2a52-4d0e-4c57-9a51-3b8f0b7e8d10")
GRID_WIDTH = 12  # Superset's dashboard grid


def uid(kind: str, name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{name}"))


def database_uri(mart: Path) -> str:
    return f"duckdb:///{mart.resolve()}?access_mode=read_only"


def database_yaml(mart: Path) -> dict[str, Any]:
    return {
        "database_name": DATABASE_NAME,
        "sqlalchemy_uri": database_uri(mart),
        "cache_timeout": None,
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_dml": False,
        "allow_csv_upload": False,
        # Superset opens its query engines with NullPool: every query connects anew, so a
        # publish that renames a new file over the old one is read on the next refresh
        "extra": {"allows_virtual_table_explore": True},
        "uuid": uid("database", DATABASE_NAME),
        "version": VERSION,
    }


def column_type(duckdb_type: str) -> str:
    return duckdb_type.split("(")[0]


def dataset_yaml(con: duckdb.DuckDBPyConnection, key: str, dataset: Dataset) -> dict[str, Any]:
    described = con.sql(f"describe {dataset.relation(key)}").fetchall()
    columns = [
        {
            "column_name": name,
            "verbose_name": LABELS.get(name),
            "is_dttm": column_type(kind) in ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE"),
            "is_active": True,
            "type": kind,
            "groupby": True,
            "filterable": True,
            "expression": None,
            "description": None,
            "python_date_format": None,
        }
        for name, kind, *_ in described
    ]
    return {
        "table_name": dataset.table or key,
        "main_dttm_col": dataset.date_column,
        "description": dataset.description,
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "schema": dataset.schema,
        "sql": dataset.sql,
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "uuid": uid("dataset", key),
        "metrics": [
            {
                "metric_name": "count",
                "verbose_name": "数量",
                "metric_type": "count",
                "expression": "COUNT(*)",
                "description": None,
                "d3format": None,
                "extra": None,
                "warning_text": None,
            }
        ],
        "columns": columns,
        "version": VERSION,
        "database_uuid": uid("database", DATABASE_NAME),
    }


def chart_yaml(chart: Chart) -> dict[str, Any]:
    params = {"viz_type": chart.viz_type, **chart.params}
    if DATASETS[chart.dataset].date_column:
        # the dashboard's date filter sets this range (Superset's TEMPORAL_RANGE filter)
        params.setdefault("adhoc_filters", []).insert(
            0,
            {
                "clause": "WHERE",
                "subject": DATASETS[chart.dataset].date_column,
                "operator": "TEMPORAL_RANGE",
                "comparator": "No filter",
                "expressionType": "SIMPLE",
            },
        )
    return {
        "slice_name": chart.title,
        "description": chart.description,
        "certified_by": None,
        "certification_details": None,
        "viz_type": chart.viz_type,
        "params": params,
        "query_context": None,
        "cache_timeout": None,
        "uuid": uid("chart", chart.title),
        "version": VERSION,
        "dataset_uuid": uid("dataset", chart.dataset),
    }


def node(kind: str, node_id: str, parents: list[str], meta: dict[str, Any]) -> dict[str, Any]:
    """One component of the layout; its children are appended as the layout is built."""
    return {"type": kind, "id": node_id, "children": [], "parents": parents, "meta": meta}


def position(charts: dict[str, int]) -> dict[str, Any]:
    """Tabs (one per page), rows of charts; chart ids are placeholders the import remaps."""
    layout: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["TABS-pages"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": DASHBOARD_TITLE}},
        "TABS-pages": {
            "type": "TABS",
            "id": "TABS-pages",
            "children": [],
            "parents": ["ROOT_ID"],
            "meta": {},
        },
    }
    for p, page in enumerate(PAGES):
        tab = f"TAB-{p}"
        layout["TABS-pages"]["children"].append(tab)
        tab_parents = ["ROOT_ID", "TABS-pages"]
        layout[tab] = node(
            "TAB",
            tab,
            tab_parents,
            {"text": page.title, "defaultText": page.title, "placeholder": page.title},
        )
        for r, row in enumerate(page.rows):
            row_id = f"ROW-{p}-{r}"
            layout[tab]["children"].append(row_id)
            layout[row_id] = node(
                "ROW", row_id, [*tab_parents, tab], {"background": "BACKGROUND_TRANSPARENT"}
            )
            for chart in row:
                chart_id = f"CHART-{charts[chart.title]}"
                layout[row_id]["children"].append(chart_id)
                layout[chart_id] = node(
                    "CHART",
                    chart_id,
                    [*tab_parents, tab, row_id],
                    {
                        "chartId": charts[chart.title],
                        "uuid": uid("chart", chart.title),
                        "sliceName": chart.title,
                        "width": chart.width or GRID_WIDTH // len(row),
                        "height": chart.height,
                    },
                )
    return layout


def applies(column: str, filter_type: str, dataset: str, columns: dict[str, set[str]]) -> bool:
    if filter_type == "filter_time":  # the date range only where the dataset has a day
        return DATASETS[dataset].date_column == column
    return column in columns[dataset]


def native_filters(charts: dict[str, int], dataset_columns: dict[str, set[str]]) -> list[dict]:
    """The date, platform and account filters; each left off the charts whose dataset lacks
    its column (Superset would otherwise fail their queries)."""
    every_chart = [chart for page in PAGES for row in page.rows for chart in row]
    configured = []
    for native in FILTERS:
        excluded = [
            charts[chart.title]
            for chart in every_chart
            if not applies(native.column, native.filter_type, chart.dataset, dataset_columns)
        ]
        targets: list[dict[str, Any]] = [{}]
        if native.dataset:
            targets = [
                {"datasetUuid": uid("dataset", native.dataset), "column": {"name": native.column}}
            ]
        configured.append(
            {
                "id": f"NATIVE_FILTER-{native.column}",
                "name": native.name,
                "filterType": native.filter_type,
                "type": "NATIVE_FILTER",
                "targets": targets,
                "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
                "controlValues": {
                    "enableEmptyFilter": False,
                    "multiSelect": True,
                    "searchAllOptions": False,
                    "inverseSelection": False,
                    "defaultToFirstItem": False,
                },
                "cascadeParentIds": [],
                "scope": {"rootPath": ["ROOT_ID"], "excluded": excluded},
                "description": native.description,
            }
        )
    return configured


def dashboard_yaml(charts: dict[str, int], dataset_columns: dict[str, set[str]]) -> dict:
    return {
        "dashboard_title": DASHBOARD_TITLE,
        "description": None,
        "css": "",
        "slug": SLUG,
        "uuid": uid("dashboard", SLUG),
        "position": position(charts),
        "metadata": {
            "native_filter_configuration": native_filters(charts, dataset_columns),
            "color_scheme": "supersetColors",
            "refresh_frequency": 0,
            "expanded_slices": {},
            "label_colors": {},
            "timed_refresh_immune_slices": [],
            "cross_filters_enabled": False,
            "default_filters": "{}",
        },
        "version": VERSION,
        "published": True,
    }


def write_bundle(target: Path, mart: Path) -> Path:
    """The ZIP Superset imports, for the published mart at ``mart``."""
    con = duckdb.connect(str(mart), read_only=True)
    try:
        dataset_files = {key: dataset_yaml(con, key, d) for key, d in DATASETS.items()}
    finally:
        con.close()
    dataset_columns = {
        key: {c["column_name"] for c in body["columns"]} for key, body in dataset_files.items()
    }
    charts = {
        chart.title: n
        for n, chart in enumerate(
            (chart for page in PAGES for row in page.rows for chart in row), start=1
        )
    }
    files: dict[str, Any] = {
        "metadata.yaml": {
            "version": VERSION,
            "type": "assets",  # imported whole, overwriting (import_bundle.py)
            "timestamp": datetime.now(UTC).isoformat(),
        },
        "databases/socialmart.yaml": database_yaml(mart),
        f"dashboards/{SLUG}.yaml": dashboard_yaml(charts, dataset_columns),
    }
    for key, body in dataset_files.items():
        files[f"datasets/socialmart/{key}.yaml"] = body
    for page in PAGES:
        for row in page.rows:
            for chart in row:
                files[f"charts/{uid('chart', chart.title)}.yaml"] = chart_yaml(chart)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w") as bundle:
        for name, body in files.items():
            bundle.writestr(f"{ROOT}/{name}", yaml.safe_dump(body, allow_unicode=True))
    return target
