"""Opening DuckDB files: every connection the pipeline makes gets the same limits.

DuckDB takes its memory limit and threads per database instance. Left alone it takes 80%
of the RAM and every core; on a small shared box that starves dbt, Dagster and the BI
readers. ``connect`` is the one place a DuckDB file is opened: the warehouse by the
loaders, the checks and the alert step, the served file by the publish step.
``orchestration.resources.Warehouse`` decides the limits once for a run (from
``SOCIALMART_DUCKDB_MEMORY_LIMIT``) and hands them to dbt as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TypedDict

import duckdb

MEMORY_LIMIT_VARIABLE = "SOCIALMART_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "4GB"
DEFAULT_THREADS = 2


class Limits(TypedDict):
    """What each connection may use: DuckDB's ``memory_limit`` and ``threads``."""

    memory_limit: str
    threads: int


DEFAULT_LIMITS: Limits = {"memory_limit": DEFAULT_MEMORY_LIMIT, "threads": DEFAULT_THREADS}


def memory_limit_from(environ: Mapping[str, str]) -> str:
    """SOCIALMART_DUCKDB_MEMORY_LIMIT, or 4GB when it is not set (preflight checks it)."""
    return environ.get(MEMORY_LIMIT_VARIABLE, DEFAULT_MEMORY_LIMIT)


def connect(
    path: Path | str,
    *,
    read_only: bool = False,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int = DEFAULT_THREADS,
) -> duckdb.DuckDBPyConnection:
    """A connection to the DuckDB file ``path`` (``":memory:"``: a new in-memory one).

    Connections to one file in one process share a database instance, so they must agree
    on the limits: open every one of them here.
    """
    config: dict[str, str | int] = {"memory_limit": memory_limit, "threads": threads}
    return duckdb.connect(str(path), read_only=read_only, config=config)
