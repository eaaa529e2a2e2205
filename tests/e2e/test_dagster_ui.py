"""The Dagster UI end to end: ``dagster dev`` against the simulator, a 3-day backfill launched
through the webserver's GraphQL API, and a headless Chromium looking at the asset graph and
the backfill.

The mornings of the backfilled days are replayed in-process first, as the e2e test does
(the platforms' clock moves a day each time and that day is ingested): Bilibili serves only
snapshots of *now*, so a backfill can replay its days only from landing files of mornings
that fetched them. ``dagster dev`` starts after them with every sensor and the schedule on
by default, as ``make dev`` after ``make demo``: the inbox sensors must start nothing.
No earlier day is ingested: the backfill is the warehouse's first build,
and a first build of the incremental facts takes every day raw holds
(dbt_project/macros/incremental.sql), so "exactly those days" holds only if raw has no
other. ``dagster dev`` then runs the backfill in its daemon, in its own process
group, which the fixture stops (and checks nothing of it is left) at teardown.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import httpx
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from devtools.simulator.harness import RunningSimulator, start_simulator
from ingestion.platforms import SOCIAL_PLATFORMS
from ingestion.settings import REPO_ROOT
from orchestration.partitions import days_between
from orchestration.runs import ingestion_keys, prepare_dagster_home, run_pipeline
from serving.chromium import CHROMIUM, CHROMIUM_FLAGS
from tests.helpers import require_chromium

pytestmark = [pytest.mark.e2e, pytest.mark.ui]

DAYS = days_between(date(2026, 11, 10), date(2026, 11, 12))
LOCATION = "socialmart"
LAYER_GROUPS = ["reference", "raw", "staging", "intermediate", "marts", "kpi", "serving"]
SCREENSHOTS = REPO_ROOT / "data" / "docs"  # the default home's docs/, kept after the run

STARTUP_TIMEOUT = 240  # seconds until the code location has loaded
BACKFILL_TIMEOUT = 900
STOP_TIMEOUT = 60


class GraphQLError(AssertionError):
    """The webserver answered with errors, or with an error type instead of a result."""


@dataclass
class DagsterUI:
    url: str
    sim: RunningSimulator
    dagster_home: Path
    log: Path

    def graphql(self, query: str, *, attempts: int = 3, **variables) -> dict:
        """One request; a server error (SQLite busy while the daemon writes) is retried, so
        pass attempts=1 for a mutation that must not happen twice."""
        for attempt in range(attempts):
            response = httpx.post(
                f"{self.url}/graphql", json={"query": query, "variables": variables}, timeout=60
            )
            if response.status_code < 500 or attempt == attempts - 1:
                break
            time.sleep(2)
        if response.status_code != 200:
            raise GraphQLError(f"HTTP {response.status_code}: {response.text[:3000]}")
        body = response.json()
        if body.get("errors"):
            raise GraphQLError(f"GraphQL errors: {body['errors']}")
        return body["data"]

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes_with(marker: str) -> list[int]:
    """Pids of live processes whose environment holds ``marker`` (our DAGSTER_HOME)."""
    needle = marker.encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:  # gone, or not ours to read
            continue
    return found


def stop_group(child: subprocess.Popen, marker: str) -> list[int]:
    """SIGINT to the process group (dagster dev's clean stop), then SIGKILL; return leftovers."""
    for sig, grace in ((signal.SIGINT, STOP_TIMEOUT), (signal.SIGKILL, 10)):
        try:
            os.killpg(child.pid, sig)
        except ProcessLookupError:
            break
        try:
            child.wait(timeout=grace)
            break
        except subprocess.TimeoutExpired:
            continue
    # children that outlive dagster dev (a run worker, a code server) still carry its env
    deadline = time.monotonic() + 10
    while (left := processes_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.5)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return left


def wait_until_loaded(ui: DagsterUI, child: subprocess.Popen) -> None:
    query = """{ workspaceOrError { __typename ... on Workspace { locationEntries {
        name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if child.poll() is not None:
            pytest.fail(f"dagster dev exited with {child.returncode}:\n{ui.log_tail()}")
        try:
            entries = ui.graphql(query)["workspaceOrError"]["locationEntries"]
        except (httpx.HTTPError, ValueError):
            entries = []
        for entry in entries:
            loaded = entry["locationOrLoadError"] or {}
            if entry["name"] == LOCATION and entry["loadStatus"] == "LOADED":
                assert loaded.get("__typename") == "RepositoryLocation", loaded
                return
        time.sleep(2)
    pytest.fail(f"Dagster UI not ready in {STARTUP_TIMEOUT}s:\n{ui.log_tail()}")


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


@pytest.fixture(scope="module")
def dagster_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DagsterUI]:
    """`make demo` then `make dev`, in small: the mornings are ingested first, then the
    daemon starts with its sensors and schedule on, as a data team leaves them."""
    home = tmp_path_factory.mktemp("ui") / "home"
    sim = start_simulator(home, today=DAYS[0], scale="tiny", history_start=date(2026, 10, 1))
    shutil.rmtree(sim.paths.inbox)  # the day before DAYS: not part of this world's story
    replay_mornings(sim)
    dagster_home = prepare_dagster_home(home)
    env = {**os.environ, **sim.environ(), "DAGSTER_HOME": str(dagster_home)}
    log = home / "dagster_dev.log"
    child = None
    try:
        with log.open("wb") as out:
            child = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("dagster")),
                    "dev",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(free_port()),
                    "-w",
                    "workspace.yaml",
                ],
                cwd=REPO_ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, stopped as one
                # started from a script it inherits SIGINT ignored: give it the default
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
            )
        port = child.args[child.args.index("-p") + 1]
        ui = DagsterUI(f"http://127.0.0.1:{port}", sim, dagster_home, log)
        wait_until_loaded(ui, child)
        yield ui
    finally:
        left = stop_group(child, str(dagster_home)) if child else []
        sim.stop()
        assert not left, f"dagster processes outlived dagster dev: {left}"


def replay_mornings(sim: RunningSimulator) -> None:
    """Each backfilled day's morning after: the clock moves on, that day is ingested."""
    saved = os.environ.copy()
    os.environ.update(sim.environ())
    try:
        with dg.DagsterInstance.ephemeral() as instance:
            for day in DAYS:
                sim.set_today(day + timedelta(days=1))
                run_pipeline(instance, day, asset_selection=ingestion_keys())
    finally:
        os.environ.clear()
        os.environ.update(saved)


@dataclass
class Backfill:
    id: str
    status: str
    runs: list[dict]
    seconds: float


@pytest.fixture(scope="module")
def backfill(dagster_ui: DagsterUI) -> Backfill:
    """Every asset, for DAYS, launched as the UI's "Materialize all → backfill" does."""
    keys = dagster_ui.graphql(
        "{ assetNodes { assetKey { path } } }",
    )["assetNodes"]
    launched = dagster_ui.graphql(
        """mutation($params: LaunchBackfillParams!) {
        launchPartitionBackfill(backfillParams: $params) { __typename
            ... on LaunchBackfillSuccess { backfillId }
            ... on Error { message } ... on PythonError { stack } } }""",
        params={
            "assetSelection": [node["assetKey"] for node in keys],
            "partitionNames": [d.isoformat() for d in DAYS],
            "title": f"test: {DAYS[0]}..{DAYS[-1]}",
        },
        attempts=1,
    )["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    backfill_id = launched["backfillId"]
    query = """query($id: String!) { partitionBackfillOrError(backfillId: $id) { __typename
        ... on PartitionBackfill { id status
            runs { runId status tags { key value } } }
        ... on PythonError { message } } }"""
    started = time.monotonic()
    while time.monotonic() - started < BACKFILL_TIMEOUT:
        found = dagster_ui.graphql(query, id=backfill_id)["partitionBackfillOrError"]
        assert found["__typename"] == "PartitionBackfill", found
        finished_runs = all(
            r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in found["runs"]
        )
        if found["status"] not in ("REQUESTED", "CANCELING", "FAILING") and finished_runs:
            return Backfill(backfill_id, found["status"], found["runs"], time.monotonic() - started)
        time.sleep(5)
    pytest.fail(
        f"backfill {backfill_id} not finished in {BACKFILL_TIMEOUT}s:\n{dagster_ui.log_tail()}"
    )


def test_backfill_through_graphql_publishes_exactly_those_days(
    dagster_ui: DagsterUI, backfill: Backfill
):
    assert backfill.status == "COMPLETED_SUCCESS", backfill
    assert backfill.runs, "the backfill launched no run"
    assert all(r["status"] == "SUCCESS" for r in backfill.runs), backfill.runs
    # every asset allows a range in one run (BackfillPolicy.single_run): one run for 3 days
    assert len(backfill.runs) == 1, backfill.runs
    tags = {t["key"]: t["value"] for t in backfill.runs[0]["tags"]}
    assert tags["dagster/asset_partition_range_start"] == DAYS[0].isoformat()
    assert tags["dagster/asset_partition_range_end"] == DAYS[-1].isoformat()
    con = duckdb.connect(str(dagster_ui.sim.paths.serving_db), read_only=True)
    try:
        days = con.sql("select distinct business_date from kpi.kpi_account_daily").fetchall()
        accounts = con.sql(
            "select business_date, count(*) from kpi.kpi_account_daily group by all"
        ).fetchall()
    finally:
        con.close()
    assert sorted(d for (d,) in days) == DAYS
    social = sum(a.platform in SOCIAL_PLATFORMS for a in dagster_ui.sim.world.accounts)
    assert all(n == social for _, n in accounts), accounts  # every account on every day
    # the inbox sensors stayed on and looked at the inbox: its files were loaded by the
    # mornings' runs already, so they started nothing (the quiet start of `make dev`)
    deadline = time.monotonic() + 90
    while not (ticks := sensor_ticks(dagster_ui, "inbox_xiaohongshu")):
        assert time.monotonic() < deadline, "the inbox sensor never ticked"
        time.sleep(5)
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
