"""``make dev``: the Dagster UI on http://127.0.0.1:3000 against a running simulator.

The simulator serves in this process; ``dagster dev`` runs as a child with the simulator's
base URLs and tokens in its environment, so materializing from the UI fetches from it. It
uses the demo's home (``data/demo``) and the demo's world: the UI shows the demo's runs, and
a backfill of a demo day fetches the numbers the demo published.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import dagster as dg

from devtools.simulator.harness import start_simulator
from ingestion.settings import REPO_ROOT, SHANGHAI, Paths
from orchestration.runs import prepare_dagster_home


def automation_on_start(defs: dg.Definitions) -> list[str]:
    """Schedules and sensors that run by themselves as soon as the daemon starts."""
    running = dg.DefaultScheduleStatus.RUNNING, dg.DefaultSensorStatus.RUNNING
    schedules = [
        f"schedule {s.name}: {s.cron_schedule} {s.execution_timezone}"
        for s in defs.schedules or []
        if s.default_status in running
    ]
    sensors = [f"sensor {s.name}" for s in defs.sensors or [] if s.default_status in running]
    return sorted(schedules) + sorted(sensors)


def main() -> None:
    from orchestration.definitions import defs

    paths = Paths.for_demo()
    today = datetime.now(SHANGHAI).date()
    sim = start_simulator(paths.home, today=today)  # drops yesterday's export files
    env = {**os.environ, **sim.environ(), "DAGSTER_HOME": str(prepare_dagster_home(paths.home))}
    print(f"simulator on {sim.base_url}; home {paths.home}", flush=True)
    print("on by default (turn off under Automation in the UI):", flush=True)
    for line in automation_on_start(defs):
        print(f"  {line}", flush=True)
    print("Dagster UI on http://127.0.0.1:3000", flush=True)
    dagster = Path(sys.executable).with_name("dagster")
    child = subprocess.Popen(
        [str(dagster), "dev", "-h", "127.0.0.1", "-p", "3000", "-w", "workspace.yaml"],
        cwd=REPO_ROOT,
        env=env,
        # dagster dev started from a script inherits SIGINT ignored; give it the default.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        child.wait()
    except KeyboardInterrupt:
        child.send_signal(signal.SIGINT)
        child.wait()
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
