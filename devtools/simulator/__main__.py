"""``python -m devtools.simulator``: serve the simulated platforms until interrupted.

Writes the account registry into SOCIALMART_HOME and prints the environment (base URLs and
per-account tokens) that points socialmart at it.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, datetime, timedelta

from devtools.simulator.harness import start_simulator
from ingestion.settings import SHANGHAI, Paths


def main() -> None:
    today = datetime.now(SHANGHAI).date()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scale", default="small")
    parser.add_argument("--today", type=date.fromisoformat, default=today)
    args = parser.parse_args()
    paths = Paths.from_env()
    sim = start_simulator(
        paths.home,
        today=args.today,
        seed=args.seed,
        scale=args.scale,
        history_start=args.today - timedelta(days=75),
        port=args.port,
    )
    sim.set_today(args.today)
    for key, value in sorted(sim.environ().items()):
        print(f"export {key}={value}")
    print(f"# serving on {sim.base_url}; Ctrl-C stops", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        sim.stop()


if __name__ == "__main__":
    main()
