"""The simulated week the end-to-end tests share: its mornings ingested in-process, then
``dagster dev`` against the simulator and every asset backfilled over its days through the
webserver's GraphQL API, as a data team does after ``make demo``.

The mornings are replayed first (the platforms' clock moves a day each time and that day is
ingested): Bilibili serves only snapshots of *now*, so a backfill can replay its days only
from landing files of mornings that fetched them. ``dagster dev`` starts after them with
every sensor and the schedule on by default, as ``make dev`` after ``make demo``. No earlier
day is ingested: the backfill is the warehouse's first build, and a first build of the
incremental facts takes every day raw holds (dbt_project/macros/incremental.sql). The
backfill runs in the daemon, in ``dagster dev``'s own process group, which ``stop`` ends
(checking nothing of it is left). What the backfill served is read at once, before any
later test moves the world on.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import httpx
import pytest

from devtools.simulator.harness import RunningSimulator, start_simulator
from ingestion.settings import REPO_ROOT
from orchestration.partitions import days_between
from orchestration.runs import ingestion_keys, prepare_dagster_home, run_pipeline

WARM_UP = date(2026, 11, 16)  # its snapshot lets Bilibili's first real day be a difference
START, END = date(2026, 11, 17), date(2026, 11, 18)
DAYS = days_between(WARM_UP, END)
LOCATION = "socialmart"

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
    child: subprocess.Popen | None = None

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

    @property
    def running(self) -> bool:
        return self.child is not None and self.child.poll() is None

    def stop(self) -> None:
        """Stop dagster dev (its sensors must not see what later tests drop in the inbox);
        nothing it started may outlive it. Stopping twice does nothing."""
        if self.child is None:
            return
        child, self.child = self.child, None
        left = stop_group(child, str(self.dagster_home))
        assert not left, f"dagster processes outlived dagster dev: {left}"


@dataclass
class Backfill:
    id: str
    status: str
    runs: list[dict]
    seconds: float
    # what the served file held right after it: (business_date, accounts) per day
    served: list[tuple[date, int]] = field(default_factory=list)
    # each failed step's key and error, so that a failed build says why in CI's output
    failures: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.status == "COMPLETED_SUCCESS" and all(
            r["status"] == "SUCCESS" for r in self.runs
        )


@dataclass
class Week:
    ui: DagsterUI
    backfill: Backfill


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


def wait_until_loaded(ui: DagsterUI) -> None:
    query = """{ workspaceOrError { __typename ... on Workspace { locationEntries {
        name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if not ui.running:
            pytest.fail(f"dagster dev exited:\n{ui.log_tail()}")
        try:
            entries = ui.graphql(query)["workspaceOrError"]["locationEntries"]
        except (httpx.HTTPError, ValueError):
            entries = []
        for entry in entries:
            loaded = entry["locationOrLoadError"] or {}
            if entry["name"] == LOCATION and entry["loadStatus"] == "LOADED":
                assert loaded.get("__typename") == "RepositoryLocation", loaded
                return
        time.sleep(1)
    pytest.fail(f"Dagster UI not ready in {STARTUP_TIMEOUT}s:\n{ui.log_tail()}")


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


def start_dagster_dev(sim: RunningSimulator, home: Path) -> DagsterUI:
    dagster_home = prepare_dagster_home(home)
    env = {**os.environ, **sim.environ(), "DAGSTER_HOME": str(dagster_home)}
    log = home / "dagster_dev.log"
    port = free_port()
    ui = DagsterUI(f"http://127.0.0.1:{port}", sim, dagster_home, log)
    with log.open("wb") as out:
        ui.child = subprocess.Popen(
            [str(Path(sys.executable).with_name("dagster")), "dev", "-h", "127.0.0.1",
             "-p", str(port), "-w", "workspace.yaml"],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one
            # started from a script it inherits SIGINT ignored: give it the default
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )  # fmt: skip
    return ui


def backfill_everything(ui: DagsterUI) -> Backfill:
    """Every asset, for DAYS, launched as the UI's "Materialize all → backfill" does."""
    keys = ui.graphql("{ assetNodes { assetKey { path } } }")["assetNodes"]
    launched = ui.graphql(
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
        found = ui.graphql(query, id=backfill_id)["partitionBackfillOrError"]
        assert found["__typename"] == "PartitionBackfill", found
        finished_runs = all(
            r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in found["runs"]
        )
        if found["status"] not in ("REQUESTED", "CANCELING", "FAILING") and finished_runs:
            return Backfill(
                backfill_id,
                found["status"],
                found["runs"],
                time.monotonic() - started,
                failures=[
                    failure
                    for run in found["runs"]
                    if run["status"] != "SUCCESS"
                    for failure in step_failures(ui, run["runId"])
                ],
            )
        time.sleep(2)
    pytest.fail(f"backfill {backfill_id} not finished in {BACKFILL_TIMEOUT}s:\n{ui.log_tail()}")


def step_failures(ui: DagsterUI, run_id: str) -> list[str]:
    """'step: error' of each failed step of a run, its cause chain included."""
    query = """query($runId: ID!, $cursor: String) {
        logsForRun(runId: $runId, afterCursor: $cursor) { __typename
        ... on EventConnection { cursor hasMore events { __typename
            ... on ExecutionStepFailureEvent { stepKey error { ...err cause { ...err
                cause { ...err } } } } } }
        ... on PythonError { message } } }
        fragment err on PythonError { className message stack }"""
    failures, cursor = [], None
    while True:
        page = ui.graphql(query, runId=run_id, cursor=cursor)["logsForRun"]
        if page["__typename"] != "EventConnection":
            return [f"{run_id}: {page}"]
        for event in page["events"]:
            if event["__typename"] != "ExecutionStepFailureEvent":
                continue
            chain, error = [], event["error"]
            while error:
                chain.append(
                    f"{error['className']}: {error['message']}{''.join(error['stack'][-3:])}"
                )
                error = error.get("cause")
            failures.append(f"{event['stepKey']}: " + "\ncaused by ".join(chain))
        if not page["hasMore"]:
            return failures
        cursor = page["cursor"]


def served_days(serving_db: Path) -> list[tuple[date, int]]:
    """(business_date, rows) of kpi.kpi_account_daily in the served file."""
    con = duckdb.connect(str(serving_db), read_only=True)
    try:
        return con.sql(
            "select business_date, count(*) from kpi.kpi_account_daily group by all order by 1"
        ).fetchall()
    finally:
        con.close()


@contextlib.contextmanager
def simulated_week(home: Path):
    """The week's mornings ingested, ``dagster dev`` running, the backfill done."""
    sim = start_simulator(home, today=DAYS[0], scale="tiny", history_start=date(2026, 10, 1))
    shutil.rmtree(sim.paths.inbox)  # the day before DAYS: not part of this world's story
    ui = None
    try:
        replay_mornings(sim)
        ui = start_dagster_dev(sim, home)
        wait_until_loaded(ui)
        backfill = backfill_everything(ui)
        if backfill.succeeded:
            backfill.served = served_days(sim.paths.serving_db)
        yield Week(ui, backfill)
    finally:
        try:
            if ui is not None:
                ui.stop()
        finally:
            sim.stop()
