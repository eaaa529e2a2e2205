"""``make demo``: a simulated account matrix, a week of daily runs, a published mart.

Starts the platform simulator on 127.0.0.1, then replays the data team's mornings: each
day the platforms' clock moves on and that day's ingestion runs (Bilibili serves only
snapshots of "now", so its history exists only because it was fetched each morning).
Finally one run over the whole range builds dbt, runs the gates and publishes.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date, datetime, timedelta

import dagster as dg

from devtools.simulator.harness import start_simulator
from ingestion.settings import SHANGHAI, Paths
from ingestion.warehouse import connect
from orchestration.partitions import days_between
from orchestration.runs import ingestion_keys, prepare_dagster_home, run_pipeline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=7, help="days in the demo range")
    parser.add_argument(
        "--end",
        type=date.fromisoformat,
        default=None,
        help="last business date (default: yesterday in Asia/Shanghai)",
    )
    parser.add_argument("--scale", default="small")
    args = parser.parse_args()

    paths = Paths.for_demo()
    end = args.end or datetime.now(SHANGHAI).date() - timedelta(days=1)
    start = end - timedelta(days=args.days - 1)
    warm_up = start - timedelta(days=1)  # one earlier snapshot so day-over-day numbers exist
    began = time.monotonic()

    # the same world `make dev` serves: a backfill from the UI fetches the demo's numbers
    sim = start_simulator(paths.home, today=warm_up + timedelta(days=1), scale=args.scale)
    os.environ.update(sim.environ())
    print(f"simulator on {sim.base_url}; home {paths.home}")

    dagster_home = prepare_dagster_home(paths.home)
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    with dg.DagsterInstance.get() as instance:
        for day in days_between(warm_up, end):
            sim.set_today(day + timedelta(days=1))
            run_pipeline(instance, day, asset_selection=ingestion_keys())
            print(f"  ingested {day}")
        run_pipeline(instance, warm_up, end)
    sim.stop()

    con = connect(paths.serving_db, read_only=True)
    summary = con.sql(
        "select platform, count(distinct account_id) as accounts, count(distinct business_date) "
        "as days, sum(views) as views, round(avg(engagement_rate), 4) as engagement_rate "
        f"from kpi.kpi_account_daily where business_date >= '{start}' group by 1 order by 1"
    )
    print(summary)
    print(
        con.sql(
            "select status, count(*) as kpis from kpi.kpi_status "
            f"where business_date = '{end}' group by 1 order by 1"
        )
    )
    print(
        con.sql(
            "select severity, alert_type, left(message, 90) as message from kpi.kpi_alerts "
            f"where business_date = '{end}' order by case severity when 'critical' then 1 "
            "when 'warning' then 2 else 3 end, alert_type limit 8"
        )
    )
    con.close()
    print(f"demo finished in {time.monotonic() - began:.0f} s")
    print(f"published mart: {paths.serving_db}")
    print(f"parquet copy:   {paths.serving_parquet}")
    print(f"data docs:      {paths.docs / 'gx' / 'index.html'}")
    print(f"dbt docs:       {paths.docs / 'dbt' / 'index.html'}")
    print(f"dagster runs:   {dagster_home}")
    print("dagster UI:     make dev, then http://127.0.0.1:3000")


if __name__ == "__main__":
    main()
