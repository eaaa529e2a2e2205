"""How ``make test`` splits the suite over pytest-xdist's workers (one per core).

A worker runs whole modules, so a module's fixtures are built once. Modules that share a
session fixture form one unit of their own (``SHARED``), so it too is built once. Units
go out in collection order (the end-to-end tests first: tests/e2e/conftest.py), longest
first, each to whichever worker is free. ``--dist loadgroup`` would do this with marks,
but xdist 3.8 cannot rename pytest 9's test ids, so its groups are silently ignored.
"""

from __future__ import annotations

from typing import Any

# module → the unit it runs in: every module whose tests use the simulated week
SHARED = {
    "tests/e2e/test_dagster_ui.py": "the simulated week",
    "tests/e2e/test_pipeline_e2e.py": "the simulated week",
}


class SharedFixtureScheduler:
    """The plugin giving xdist the scheduler; registered only where xdist is loaded."""

    def pytest_xdist_make_scheduler(self, config: Any, log: Any) -> Any:
        from xdist.scheduler import LoadScopeScheduling

        class SharedFixtureScheduling(LoadScopeScheduling):
            def _split_scope(self, nodeid: str) -> str:
                module = nodeid.split("::", 1)[0]
                return SHARED.get(module, module)

        config.option.loadscopereorder = False  # collection order: the longest units first
        return SharedFixtureScheduling(config, log)
