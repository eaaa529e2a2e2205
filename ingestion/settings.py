"""Where socialmart keeps its files, resolved once from one home directory.

Layout (docs/requirements.md §14): ``<home>/warehouse.duckdb`` is the working warehouse,
``<home>/serving`` the published mart, ``<home>/landing`` the append-only raw pages,
``<home>/inbox`` the export-file drop folders and ``<home>/accounts.csv`` the account registry.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")  # every business date is a Shanghai calendar day
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_HOME = REPO_ROOT / "data"
# The demo and `make dev` keep their simulated world apart from a real home: their own
# folder by default, marked so that they never write over a home with real accounts.
DEMO_HOME = DEFAULT_HOME / "demo"
DEMO_MARKER = ".socialmart-demo"


@dataclass(frozen=True)
class Paths:
    home: Path

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Paths:
        env = os.environ if environ is None else environ
        return cls(Path(env.get("SOCIALMART_HOME") or DEFAULT_HOME).resolve())

    @classmethod
    def for_demo(cls, environ: dict[str, str] | None = None) -> Paths:
        """The demo's home: SOCIALMART_HOME when set (it must be a demo home), else data/demo."""
        env = os.environ if environ is None else environ
        return cls(Path(env.get("SOCIALMART_HOME") or DEMO_HOME).resolve())

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def dbt_target(self) -> Path:
        """dbt's target folder for this warehouse: its saved parse is reused run after run."""
        return self.home / "dbt_target"

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def inbox(self) -> Path:
        return self.home / "inbox"

    @property
    def accounts(self) -> Path:
        return self.home / "accounts.csv"

    @property
    def credentials(self) -> Path:
        return self.home / "credentials"

    @property
    def cursors(self) -> Path:
        return self.home / "cursors"

    @property
    def quota(self) -> Path:
        return self.home / "quota"

    @property
    def serving_dir(self) -> Path:
        return self.home / "serving"

    @property
    def serving_db(self) -> Path:
        return self.serving_dir / "socialmart.duckdb"

    @property
    def serving_parquet(self) -> Path:
        return self.serving_dir / "parquet"

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    @property
    def docs(self) -> Path:
        return self.home / "docs"
