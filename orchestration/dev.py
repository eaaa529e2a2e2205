"""``make dev``: the Dagster UI on http://127.0.0.1:3000 against a running simulator.

The simulator serves in this process; ``dagster dev`` runs as a child with the simulator's
base URLs and tokens in its environment, so materializing from the UI fetches from it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from ingestion.settings import REPO_ROOT, SHANGHAI, Paths
from ingestion.simulator.harness import start_simulator
from orchestration.runs import prepare_dagster_home


def main() -> None:
    paths = Paths.from_env()
    today = datetime.now(SHANGHAI).date()
    sim = start_simulator(paths.home, today=today, history_start=today - timedelta(days=75))
    sim.set_today(today)  # drops yesterday's export files into the inbox
    env = {**os.environ, **sim.environ(), "DAGSTER_HOME": str(prepare_dagster_home(paths.home))}
    print(f"simulator on {sim.base_url}; Dagster UI on http://127.0.0.1:3000", flush=True)
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
