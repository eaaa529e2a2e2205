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
from pathlib import Path

import dagster as dg
import duckdb

from devtools.simulator.harness import start_simulator
from ingestion.settings import SHANGHAI, Paths
from orchestration.partitions import days_between
from orchestration.runs import ingestion_keys, prepare_dagster_home, run_pipeline


def print_summary(serving_db: Path, start: date, end: date) -> None:
    """The demo's last day as the published mart tells it, and the range's views.

    Every number is read from the published KPI tables: rates as kpi_platform_daily and
    kpi_matrix_daily publish them (re-derived from summed parts there), never an average
    of rates; accounts by name; the day's alerts counted per type and scope, then the first
    two of each group (kpi_alerts.group_rank).
    """
    severity_rank = "case severity when 'critical' then 1 when 'warning' then 2 else 3 end"
    scope_rank = "case scope when 'matrix' then 1 when 'platform' then 2 when 'account' then 3 end"
    # a reader of the served file, as a BI tool is (not one of the pipeline's connections)
    con = duckdb.connect(str(serving_db), read_only=True)
    try:
        print(f"{end}, per platform and the matrix (views_in_range: {start} to {end})")
        print(
            con.sql(
                f"""
                with in_range as (
                    select platform, sum(views) as views_in_range
                    from kpi.kpi_platform_daily
                    where business_date between '{start}' and '{end}'
                    group by all
                ),
                platforms as (
                    select 1 as level, d.platform as key, p.platform_name as platform,
                        d.accounts, d.views, d.engagement_rate, d.gross_new_followers,
                        d.followers_total, d.gmv_yuan, r.views_in_range
                    from kpi.kpi_platform_daily as d
                    join mart.dim_platform as p using (platform)
                    left join in_range as r using (platform)
                    where d.business_date = '{end}'
                ),
                matrix as (
                    select 2, 'matrix', 'matrix', accounts, views, engagement_rate,
                        gross_new_followers, followers_total, total_gmv_yuan,
                        (select sum(views) from kpi.kpi_matrix_daily
                         where business_date between '{start}' and '{end}')
                    from kpi.kpi_matrix_daily
                    where business_date = '{end}'
                )
                select platform, accounts, views, round(engagement_rate, 4) as engagement_rate,
                    gross_new_followers as new_followers, followers_total,
                    round(gmv_yuan, 2) as gmv_yuan, views_in_range
                from (select * from platforms union all select * from matrix)
                order by level, key
                """
            )
        )
        print(f"{end}, the five accounts with the most views")
        print(
            con.sql(
                f"""
                select a.account_name as account, p.platform_name as platform, d.views,
                    round(d.engagement_rate, 4) as engagement_rate,
                    d.gross_new_followers as new_followers, round(d.gmv_yuan, 2) as gmv_yuan
                from kpi.kpi_account_daily as d
                join mart.dim_account as a using (account_key)
                join mart.dim_platform as p on p.platform = a.platform
                where d.business_date = '{end}'
                order by d.views desc nulls last, d.account_key
                limit 5
                """
            )
        )
        print(
            con.sql(
                "select status, count(*) as kpis from kpi.kpi_status "
                f"where business_date = '{end}' group by 1 order by 1"
            )
        )
        print(f"{end}, alerts per type and scope")
        print(
            con.sql(
                f"""
                select alert_type, scope,
                    count(*) filter (where severity = 'critical') as critical,
                    count(*) filter (where severity = 'warning') as warning,
                    count(*) filter (where severity = 'info') as info
                from kpi.kpi_alerts
                where business_date = '{end}'
                group by all
                order by min({severity_rank}), alert_type, min({scope_rank})
                """
            )
        )
        print(
            con.sql(
                f"""
                select group_key, group_rank as "rank", severity, left(message, 100) as message
                from kpi.kpi_alerts
                where business_date = '{end}' and group_rank <= 2
                order by min({severity_rank}) over (partition by group_key), alert_type,
                    {scope_rank}, group_rank
                """
            )
        )
    finally:
        con.close()


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

    print_summary(paths.serving_db, start, end)
    print(f"demo finished in {time.monotonic() - began:.0f} s")
    print(f"published mart: {paths.serving_db}")
    print(f"parquet copy:   {paths.serving_parquet}")
    print(f"data docs:      {paths.docs / 'gx' / 'index.html'}")
    print(f"dbt docs:       {paths.docs / 'dbt' / 'index.html'}")
    print(f"dagster runs:   {dagster_home}")
    print("dagster UI:     make dev, then http://127.0.0.1:3000")


if __name__ == "__main__":
    main()
