"""Shared fixtures: hand-written platform fixtures and a simulator on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from devtools.simulator.harness import RunningSimulator, start_simulator

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_json(relative: str) -> dict:
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[RunningSimulator]:
    sim = start_simulator(
        tmp_path / "home", today=date(2026, 11, 21), scale="tiny", history_start=date(2026, 10, 1)
    )
    yield sim
    sim.stop()


@pytest.fixture
def sim_env(simulator: RunningSimulator) -> dict[str, str]:
    return simulator.environ()
