"""Resources: where socialmart's files are, the environment platforms read tokens from, and
the DuckDB warehouse every asset and check opens.

(No ``from __future__ import annotations`` here: Dagster reads the annotation of
``Warehouse.settings`` to see that it is a nested resource.)
"""

import os
from pathlib import Path

import dagster as dg
import duckdb

from ingestion import warehouse
from ingestion.settings import Paths

# One writer at a time on the warehouse file: every asset and check that opens it (dbt
# included) takes a slot of this pool (one slot: dagster.yaml).
DUCKDB_POOL = "duckdb"
# The publish asset, which a run's dbt step looks for in the run: the publish's copy of the
# served file is then made while dbt builds (serving.served_copy).
PUBLISHED_KEY = dg.AssetKey(["serving", "published_mart"])


class SocialmartSettings(dg.ConfigurableResource):
    """``home`` is SOCIALMART_HOME; empty means the environment's, else ``./data``."""

    home: str = ""

    def paths(self) -> Paths:
        return Paths(Path(self.home).resolve()) if self.home else Paths.from_env()

    def environ(self) -> dict[str, str]:
        """Base URLs, tokens and limits, read when a run starts, never at import."""
        return dict(os.environ)


class Warehouse(dg.ConfigurableResource):
    """The working DuckDB warehouse: its file (under the settings' home), the memory limit
    and threads of every connection to it, and what dbt is told of them (as dbt vars, which
    ``dbt_project/profiles.yml`` reads; nothing is written into this process's environment).
    """

    settings: SocialmartSettings
    # empty: SOCIALMART_DUCKDB_MEMORY_LIMIT of the run's environment, else 4GB
    memory_limit: str = ""
    threads: int = warehouse.DEFAULT_THREADS

    def path(self) -> Path:
        return self.settings.paths().warehouse

    def limits(self) -> warehouse.Limits:
        memory_limit = self.memory_limit or warehouse.memory_limit_from(self.settings.environ())
        return {"memory_limit": memory_limit, "threads": self.threads}

    def connect(self, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        return warehouse.connect(self.path(), read_only=read_only, **self.limits())

    def dbt_target(self) -> Path:
        """dbt's target folder (artifacts and its saved parse) for this warehouse."""
        return self.settings.paths().dbt_target

    def dbt_vars(self) -> dict[str, str]:
        """The warehouse file and its limits, for ``dbt --vars`` (see profiles.yml)."""
        limits = self.limits()
        return {
            "warehouse_path": str(self.path()),
            "duckdb_memory_limit": limits["memory_limit"],
            "duckdb_threads": str(limits["threads"]),
        }
