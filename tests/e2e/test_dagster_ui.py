"""The Dagster UI end to end: ``dagster dev`` against the simulator, a 3-day backfill launched
through the webserver's GraphQL API, and a headless Chromium looking at the asset graph and
the backfill. The week, ``dagster dev`` and its backfill are the session's (the fixture
``week``, tests/e2e/dagster_dev.py): the pipeline tests read the same build.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from ingestion.platforms import PLATFORMS, SOCIAL_PLATFORMS
from ingestion.settings import REPO_ROOT
from serving.chromium import CHROMIUM, CHROMIUM_FLAGS
from tests.e2e.dagster_dev import DAYS, LOCATION, Backfill, DagsterUI, Week
from tests.helpers import require_chromium

pytestmark = [pytest.mark.e2e, pytest.mark.ui]

LAYER_GROUPS = ["reference", "raw", "staging", "intermediate", "marts", "kpi", "serving"]
SCREENSHOTS = REPO_ROOT / "data" / "docs"  # the default home's docs/, kept after the run


@pytest.fixture(scope="module")
def dagster_ui(week: Week) -> Iterator[DagsterUI]:
    assert week.ui.running, "dagster dev was stopped before the UI tests"
    yield week.ui
    week.ui.stop()  # the pipeline tests read what the backfill built, without the daemon


@pytest.fixture(scope="module")
def backfill(week: Week) -> Backfill:
    return week.backfill


def sensor_ticks(ui: DagsterUI, name: str) -> list[str]:
    """The statuses of a sensor's ticks so far, newest first."""
    found = ui.graphql(
        """query($selector: SensorSelector!) { sensorOrError(sensorSelector: $selector) {
        __typename ... on Sensor { sensorState { status ticks(limit: 20) { status } } } } }""",
        selector={
            "repositoryName": "__repository__",
            "repositoryLocationName": LOCATION,
            "sensorName": name,
        },
    )["sensorOrError"]
    assert found["__typename"] == "Sensor", found
    assert found["sensorState"]["status"] == "RUNNING", found  # on by default
    return [t["status"] for t in found["sensorState"]["ticks"]]


def test_backfill_through_graphql_publishes_exactly_those_days(
    dagster_ui: DagsterUI, backfill: Backfill
):
    assert backfill.status == "COMPLETED_SUCCESS", "\n\n".join(backfill.failures) or backfill
    assert backfill.runs, "the backfill launched no run"
    assert all(r["status"] == "SUCCESS" for r in backfill.runs), backfill.runs
    # every asset allows a range in one run (BackfillPolicy.single_run): one run for 3 days
    assert len(backfill.runs) == 1, backfill.runs
    tags = {t["key"]: t["value"] for t in backfill.runs[0]["tags"]}
    assert tags["dagster/asset_partition_range_start"] == DAYS[0].isoformat()
    assert tags["dagster/asset_partition_range_end"] == DAYS[-1].isoformat()
    # the served file as the backfill left it (read then: later tests publish more days):
    # its days, and before them the days the mornings' daily runs fetched again for the
    # platforms that revise them (lookback_days); the first build publishes what raw holds
    lookback = max(info.lookback_days for info in PLATFORMS.values())
    revised = [DAYS[0] - timedelta(days=n) for n in range(lookback, 0, -1)]
    assert [d for d, _ in backfill.served] == revised + DAYS
    social = sum(a.platform in SOCIAL_PLATFORMS for a in dagster_ui.sim.world.accounts)
    assert all(n == social for _, n in backfill.served), backfill.served  # every account, day
    # the inbox sensors stayed on and looked at the inbox: its files were loaded by the
    # mornings' runs already, so they started nothing (the quiet start of `make dev`)
    deadline = time.monotonic() + 90
    while not (ticks := sensor_ticks(dagster_ui, "inbox_xiaohongshu")):
        assert time.monotonic() < deadline, "the inbox sensor never ticked"
        time.sleep(2)
    assert set(ticks) == {"SKIPPED"}, ticks
    runs = dagster_ui.graphql(
        "{ runsOrError { ... on Runs { results { runId tags { key value } } } } }"
    )["runsOrError"]["results"]
    sensors = [t["value"] for r in runs for t in r["tags"] if t["key"] == "dagster/sensor_name"]
    assert not [s for s in sensors if s.startswith("inbox_")], sensors


@pytest.fixture(scope="module")
def browser(dagster_ui: DagsterUI):
    require_chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, timeout=60_000
        )
        try:
            yield chromium
        finally:
            chromium.close()


def dismiss_welcome(page) -> None:
    """A fresh instance greets with a "Join the Dagster community" dialog: skip it."""
    skip = page.get_by_role("button", name="Skip")
    try:
        skip.wait_for(timeout=5_000)
    except PlaywrightTimeout:
        return
    skip.click()
    skip.wait_for(state="hidden")


def test_ui_shows_the_asset_graph_and_the_backfill(
    dagster_ui: DagsterUI, backfill: Backfill, browser
):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "dagster_ui_failure.png").unlink(missing_ok=True)
    # the data team reads times in Beijing time, as their own browsers show them
    page = browser.new_page(viewport={"width": 1600, "height": 1000}, timezone_id="Asia/Shanghai")
    page.set_default_timeout(60_000)
    shots = []

    def shoot(name: str) -> None:
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SCREENSHOTS / name))
        shots.append(name)

    try:
        # Lineage: the global asset graph, one node per layer group, left to right
        page.goto(f"{dagster_ui.url}/asset-groups")
        dismiss_welcome(page)
        graph = page.locator("svg foreignObject")  # the graph's nodes, not the sidebar
        for group in LAYER_GROUPS:
            graph.locator(f'[data-tooltip="{group}"]').first.wait_for()
        shoot("dagster_asset_graph.png")

        # the published mart's own lineage: its node and the assets that feed it
        page.goto(f"{dagster_ui.url}/assets/serving/published_mart?view=lineage")
        for asset in ("published_mart", "kpi_account_daily", "fct_content_daily"):
            graph.get_by_text(asset, exact=True).first.wait_for()
        shoot("dagster_published_mart.png")

        # one KPI asset's page: its description, owner, group and the checks on it
        page.goto(f"{dagster_ui.url}/assets/kpi/kpi_account_daily")
        page.get_by_text("One row per account per business date").first.wait_for()
        page.get_by_text("Owners", exact=True).wait_for()
        page.get_by_text("data", exact=True).first.wait_for()  # team:data
        shoot("dagster_kpi_asset.png")
        page.goto(f"{dagster_ui.url}/assets/kpi/kpi_account_daily?view=checks")
        page.get_by_text("gx_kpi__account_daily").first.wait_for()
        shoot("dagster_kpi_checks.png")

        # Runs → Backfills (where Overview → Backfills leads): the backfill, succeeded
        page.goto(f"{dagster_ui.url}/runs?view=backfills")
        page.get_by_text(backfill.id, exact=True).wait_for()
        page.get_by_text("3 partitions").first.wait_for()
        page.get_by_text("Success", exact=True).first.wait_for()
        shoot("dagster_backfill.png")

        # the backfill's own page: its three partitions
        page.goto(f"{dagster_ui.url}/runs/b/{backfill.id}")
        page.get_by_text(backfill.id).first.wait_for()
        page.get_by_text(re.compile(rf"{DAYS[0]}\W+{DAYS[-1]}")).first.wait_for()
        shoot("dagster_backfill_detail.png")
    except Exception:
        page.screenshot(path=str(SCREENSHOTS / "dagster_ui_failure.png"))
        raise
    finally:
        page.close()
    for name in shots:
        assert (SCREENSHOTS / name).stat().st_size > 10_000, name
