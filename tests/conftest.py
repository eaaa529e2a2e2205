"""Shared fixtures: a simulator on loopback (helpers shared by modules: tests/helpers.py),
and how the suite is split across pytest-xdist's workers (``make test`` runs one per core)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from devtools.simulator.harness import RunningSimulator, start_simulator
from tests.scheduling import make_scheduler


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    return make_scheduler(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep each costly shared fixture on one worker (``--dist loadgroup``): tests that share
    a session fixture form one group, those of a module with a module fixture another. Every
    other test goes to whichever worker is free. Runs before xdist reads the groups."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None:
            continue
        # the suite's own fixtures only: pytest's tmp_path_factory is session-wide too
        scopes = {
            name: defs[-1].scope
            for name, defs in info.name2fixturedefs.items()
            if defs and defs[-1].baseid.startswith("tests")
        }
        shared = sorted(name for name, scope in scopes.items() if scope == "session")
        if shared:
            item.add_marker(pytest.mark.xdist_group("session-" + "-".join(shared)))
        elif "module" in scopes.values() or "package" in scopes.values():
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


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
