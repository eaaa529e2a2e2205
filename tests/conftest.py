"""Shared fixtures: a simulator on loopback (helpers shared by modules: tests/helpers.py),
and how the suite is split over pytest-xdist's workers (tests/scheduling.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from devtools.simulator.harness import RunningSimulator, start_simulator
from tests.scheduling import SharedFixtureScheduler


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(SharedFixtureScheduler(), "socialmart-scheduling")


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
