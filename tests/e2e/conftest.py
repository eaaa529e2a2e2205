"""The simulated week every end-to-end test that reads a first build shares: built once per
session by ``dagster dev``'s backfill (tests/e2e/dagster_dev.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.dagster_dev import Week, simulated_week
from tests.scheduling import SHARED


@pytest.fixture(scope="session")
def week(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Week]:
    with simulated_week(tmp_path_factory.mktemp("week") / "home") as built:
        yield built


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The UI tests first: they need ``dagster dev`` running, which the pipeline tests stop
    before they move the world on."""
    items.sort(key=lambda item: item.get_closest_marker("ui") is None)
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        if "week" in getattr(item, "fixturenames", ()) and module not in SHARED:
            raise pytest.UsageError(
                f"{module} uses the simulated week: list it in tests/scheduling.py SHARED, "
                "or each pytest-xdist worker builds a week of its own"
            )
