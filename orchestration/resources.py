"""Resources: where socialmart's files are, and the environment platforms read tokens from."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from ingestion.settings import Paths


class SocialmartSettings(dg.ConfigurableResource):
    """``home`` is SOCIALMART_HOME; empty means the environment's, else ``./data``."""

    home: str = ""

    def paths(self) -> Paths:
        return Paths(Path(self.home).resolve()) if self.home else Paths.from_env()

    def environ(self) -> dict[str, str]:
        """Base URLs, tokens and limits, read when a run starts, never at import."""
        return dict(os.environ)
