"""``make bench`` (docs/requirements.md R-F2): the pipeline at a named scale, each row beside
its baseline.

``python -m devtools.benchmark --scale medium`` writes a fresh warehouse under
``<home>/bench/<scale>/`` with the scale generator (``devtools.simulator.scale``), then
measures, in this one process, wall time and peak memory (resident memory of this process
and every process it starts, dbt included, sampled five times a second) of:

- ``full_build``: one run of the real Dagster job over the whole history, ingestion
  assets excluded (the generator wrote raw): dbt build (models and tests), the Great
  Expectations gates and the publish (above ``GATES_MAX_CONTENT_DAYS``: ``dbt build`` and
  the publish asset, without the gates, which validate the window through pandas);
- ``daily_partition``: the day after next written to raw, then one run of that day on top
  of the full history, after an unmeasured run of the day before (``settled_dailies``: a
  first run after a full build pays once-only costs); baseline: the full build (the daily
  run should cost a few percent);
- ``daily_growth``: the same days on a second home built first with the last quarter of
  the history; the two homes' daily runs take turns, day by day, so that the ratio of
  their medians compares runs on the same machine in the same hour;
- ``backfill_7d``: the seven days after it as one run;
- ``kpi_build``: ``dbt run`` of the kpi models alone over the history; baseline: one DuckDB
  scan-and-aggregate of ``mart.fct_content_daily`` by account and day (the floor);
- ``identity``: the warehouse's own identifier graph (``int_identity__nodes`` / ``_edges``)
  clustered by the dbt model's solver; baseline: networkx on the same nodes and edges, each
  in its own process (``devtools.bench``);
- ``ingestion``: pages per second of every API client against the simulator for one day
  with 50 ms per response, at the client's concurrency; baseline: one request at a time
  (``SOCIALMART_<PLATFORM>_CONCURRENCY=1``); ``ingestion_loopback``: the same without the
  latency.

The report is printed as a table and written to ``<home>/bench/report.json``, with where
it was measured (commit, machine, load); ``devtools.benchmark_docs`` renders it as
``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from devtools.simulator import scale as scales
from devtools.simulator.model import SCALES, Scale
from ingestion.settings import Paths
from ingestion.warehouse import connect, memory_limit_from

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
BENCH_KEY = "socialmart-bench-hash-key"  # used when SOCIALMART_HASH_KEY is not set
CONTENT_DAY_TABLES = {
    f"raw.{t}"
    for t in (
        "douyin__video_daily",
        "kuaishou__photos",
        "bilibili__arc_stat",
        "weibo__statuses",
        "wechat_oa__article_daily",
        "wechat_channels__video_daily",
        "xiaohongshu__note_daily",
        "zhihu__content_daily",
    )
}


# -- memory ------------------------------------------------------------------------------
def tree_rss_bytes(root: int) -> int:
    """Resident memory of ``root`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        with suppress(OSError, IndexError, ValueError):
            total += int((Path("/proc") / str(pid) / "statm").read_text().split()[1]) * PAGE
        todo += children.get(pid, [])
    return total


class PeakMemory:
    """Samples the process tree's resident memory in a thread; ``peak_mb`` after exit."""

    def __init__(self, interval: float = 0.2):
        self.interval, self.peak = interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_bytes(me))
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss_bytes(os.getpid()))

    @property
    def peak_mb(self) -> int:
        return round(self.peak / 2**20)


@dataclass
class Measure:
    seconds: float = 0.0
    peak_mb: int = 0
    detail: dict[str, Any] = field(default_factory=dict)


@contextmanager
def measured() -> Iterator[Measure]:
    m = Measure()
    began = time.perf_counter()
    with PeakMemory() as peak:
        yield m
    m.seconds = round(time.perf_counter() - began, 2)
    m.peak_mb = peak.peak_mb


# -- the pipeline --------------------------------------------------------------------------
def pipeline_keys() -> list:
    """Every asset of the daily job except ingestion's (the generator wrote raw)."""
    from orchestration.definitions import defs
    from orchestration.runs import ingestion_keys

    skip = set(ingestion_keys())
    return [k for k in defs.resolve_all_asset_keys() if k not in skip]


def run_window(
    instance: Any, start: date, end: date, selection: list | None = None
) -> dict[str, Any]:
    """One run of the daily job over start..end (a range run, as a backfill is)."""
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.partitions import range_tags

    job = defs.resolve_job_def("daily_pipeline")
    result = job.execute_in_process(
        instance=instance,
        tags=range_tags(start, end),
        asset_selection=selection or pipeline_keys(),
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
    )
    checks = [
        e.asset_check_evaluation_data
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ]
    failed_steps = [
        e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE
    ]
    return {
        "steps": step_seconds(instance.all_logs(result.run_id)),
        "publish": publish_account(result.all_events),
        "success": result.success,
        "checks_passed": sum(1 for c in checks if c.passed),
        "checks_failed": sorted(c.asset_check_key.to_user_string() for c in checks if not c.passed),
        "failed_steps": failed_steps,
        "published": any(
            e.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
            and e.asset_key
            and e.asset_key.to_user_string() == "serving/published_mart"
            for e in result.all_events
        ),
    }


def step_seconds(logs: list) -> dict[str, float]:
    """Each step's wall seconds in the run, start to success or failure (the run's event
    log), slowest first: where a run's time went outside dbt's own account."""
    import dagster as dg

    started: dict[str, float] = {}
    took: dict[str, float] = {}
    ends = (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE)
    for entry in logs:
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            started[event.step_key] = entry.timestamp
        elif event.event_type in ends and event.step_key in started:
            took[event.step_key] = round(entry.timestamp - started[event.step_key], 1)
    return dict(sorted(took.items(), key=lambda kv: -kv[1]))


def publish_account(events: list) -> dict[str, Any]:
    """The publish's own account of its time (its slowest parts) and what it rewrote."""
    for e in events:
        if (
            e.event_type_value == "ASSET_MATERIALIZATION"
            and e.asset_key
            and e.asset_key.to_user_string() == "serving/published_mart"
        ):
            meta = e.event_specific_data.materialization.metadata
            seconds = meta["seconds"].value if "seconds" in meta else {}
            return {
                "slowest": dict(sorted(seconds.items(), key=lambda kv: -kv[1])[:10]),
                "rewritten": meta["rewritten"].value if "rewritten" in meta else {},
            }
    return {}


def open_warehouse(paths: Paths, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """The warehouse with the pipeline's limits (SOCIALMART_DUCKDB_MEMORY_LIMIT)."""
    return connect(paths.warehouse, read_only=read_only, memory_limit=memory_limit_from(os.environ))


def write_raw(paths: Paths, spec: Scale, start: date, end: date, history: date):
    con = open_warehouse(paths)
    try:
        con.execute("set preserve_insertion_order = false")
        con.execute("set enable_progress_bar = false")
        key = os.environ.get("SOCIALMART_HASH_KEY", BENCH_KEY).encode()
        return scales.generate(con, spec, start, end, history_start=history, hash_key=key)
    finally:
        con.close()


def count(paths: Paths, sql: str) -> int | None:
    con = open_warehouse(paths, read_only=True)
    try:
        return con.execute(sql).fetchall()[0][0]
    except duckdb.Error:  # a build that failed left the table out
        return None
    finally:
        con.close()


def keep_raw_only(paths: Paths, end: date) -> dict[str, int]:
    """Drop every schema but raw, and the raw days after ``end`` that the new days of an
    earlier run wrote (a rerun of the benchmark on the history already generated)."""
    con = open_warehouse(paths)
    try:
        for (schema,) in con.execute(
            "select schema_name from duckdb_schemas() where database_name = current_database() "
            "and schema_name not in ('raw', 'main', 'information_schema', 'pg_catalog')"
        ).fetchall():
            con.execute(f"drop schema {schema} cascade")
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()
        for (t,) in con.execute(
            "select table_name from information_schema.columns "
            "where table_schema = 'raw' and column_name = 'business_date'"
        ).fetchall():
            con.execute(f"delete from raw.{t} where business_date > ?", [end])
        return {
            f"raw.{t}": con.execute(f"select count(*) from raw.{t}").fetchall()[0][0]
            for (t,) in tables
        }
    finally:
        con.close()


def kpi_build(paths: Paths, start: date, end: date) -> dict[str, Any]:
    return dbt_cli(paths, start, end, "run", "path:models/kpi")


def dbt_cli(paths: Paths, start: date, end: date, command: str, select: str) -> dict[str, Any]:
    """dbt as the dbt asset runs it (the window table, the warehouse's vars and target folder,
    so the parse is shared with the Dagster runs)."""
    from orchestration.dbt_assets import DBT_DIR, dbt_executable
    from orchestration.partitions import write_dbt_window
    from orchestration.resources import SocialmartSettings, Warehouse

    warehouse = Warehouse(settings=SocialmartSettings(home=str(paths.home)))
    con = warehouse.connect()
    try:
        write_dbt_window(con, (start, end))
    finally:
        con.close()
    done = subprocess.run(
        [
            dbt_executable(),
            command,
            "--quiet",
            "--select",
            select,
            "--vars",
            json.dumps(warehouse.dbt_vars()),
            "--profiles-dir",
            str(DBT_DIR),
            "--project-dir",
            str(DBT_DIR),
            "--target-path",
            str(warehouse.dbt_target()),
            "--log-path",
            str(warehouse.dbt_target()),
            "--log-format-file",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return {"success": done.returncode == 0, "error": done.stdout[-500:] if done.returncode else ""}


PARTIAL = "Partial parsing enabled: "
# the messages of dbt.log that say how a command parsed (JSON lines: DBT_LOG_FORMAT=json)
PARSE_MESSAGES = ("Running with dbt", "Found ", "Unable to do partial", "Partial pars")


def _parse_events(target: Path, since: datetime) -> list[tuple[datetime, str]]:
    """(time, message) of dbt.log's parse messages from ``since`` on, rotated files first
    (dbt rotates the log at 10 MB, and a build's debug lines fill that)."""
    logs = sorted(target.glob("dbt.log.*"), key=lambda p: -int(p.suffix[1:]))
    events = []
    for log in [*logs, target / "dbt.log"]:
        if not log.exists() or log.stat().st_mtime < since.timestamp():
            continue
        with log.open(encoding="utf-8", errors="replace") as f:
            for line in f:
                if not any(m in line for m in PARSE_MESSAGES):
                    continue
                with suppress(ValueError, KeyError, TypeError):
                    info = json.loads(line)["info"]
                    at = datetime.fromisoformat(info["ts"].replace("Z", "+00:00"))
                    if at >= since:
                        events.append((at, info["msg"]))
    return events


def dbt_account(target: Path, since: datetime) -> dict[str, Any]:
    """What dbt says of its commands in ``target`` since ``since`` (a run's dbt build):
    how it parsed the project, "skipped" when its saved parse (partial_parse.msgpack,
    which dbt rewrites whenever it parses) was used as it was, else "full" with dbt's
    reason or "partial" with what changed, and the seconds from dbt's start to the parsed
    project (dbt.log); and the command's seconds and its nodes' time by kind
    (run_results.json; two threads, so the nodes' sum can exceed the command's)."""
    events = _parse_events(target, since)
    saved = target / "partial_parse.msgpack"
    kept = saved.exists() and saved.stat().st_mtime < since.timestamp()
    started = next((t for t, m in events if m.startswith("Running with dbt")), None)
    parsed = next((t for t, m in events if m.startswith("Found ")), None)
    reasons = [m.split(" because ", 1)[-1] for _, m in events if "Unable to do partial" in m]
    if any("save file not found" in m for _, m in events):
        reasons.append("no saved parse")
    # "Partial parsing enabled: 0 files deleted, 0 files added, 1 files changed.", then a
    # "Partial parsing: <operation> file: <file id>" per file
    changes = [m.split(": ", 1)[1].rstrip(".") for _, m in events if m.startswith(PARTIAL)]
    files = [m.split(" file: ", 1)[1] for _, m in events if m.startswith("Partial parsing: ")]
    partial = "partial: " + "; ".join([*changes, *files[:5]])
    account: dict[str, Any] = {
        "parse": "skipped" if kept else ("full: " + "; ".join(reasons)) if reasons else partial,
        "parse_seconds": round((parsed - started).total_seconds(), 2)
        if started and parsed
        else None,
    }
    results_file = target / "run_results.json"
    if results_file.exists() and results_file.stat().st_mtime >= since.timestamp():
        run_results = json.loads(results_file.read_text())
        results = run_results["results"]
        account["seconds"] = round(run_results.get("elapsed_time", 0.0), 1)  # dbt's own
        by_kind: dict[str, list[float]] = {}
        for r in results:
            by_kind.setdefault(r["unique_id"].split(".")[0], []).append(r["execution_time"])
        account["nodes"] = {k: [len(v), round(sum(v), 1)] for k, v in sorted(by_kind.items())}
        slowest = sorted(results, key=lambda r: -r["execution_time"])[:8]
        account["slowest"] = [[r["unique_id"], round(r["execution_time"], 2)] for r in slowest]
    return account


FLOOR_SQL = """
    create or replace temp table kpi_floor as
    select account_key, business_date, count(*) as contents, sum(impressions) as impressions,
        sum(views) as views, sum(likes) as likes, sum(comments) as comments,
        sum(shares) as shares, sum(saves) as saves, sum(completed_views) as completed_views
    from mart.fct_content_daily
    group by all
"""


def scan_floor(paths: Paths) -> dict[str, Any]:
    con = open_warehouse(paths, read_only=True)
    try:
        con.execute(FLOOR_SQL)
        return {"rows": con.execute("select count(*) from kpi_floor").fetchall()[0][0]}
    finally:
        con.close()


def identity_graph(paths: Paths, folder: Path) -> dict[str, int]:
    """The warehouse's linkable identifiers and edges, as the identity bench reads them."""
    con = open_warehouse(paths, read_only=True)
    try:
        con.execute(
            f"copy (select id_type, id_value from intermediate.int_identity__nodes) "
            f"to '{folder / 'nodes.parquet'}' (format parquet)"
        )
        # the edges table holds every pair; the solver links only linkable identifiers
        con.execute(
            f"""
            copy (
                with linkable as (
                    select id_type, id_value from intermediate.int_identity__nodes
                    where unlinkable_reason is null
                )
                select left_type, left_value, right_type, right_value
                from intermediate.int_identity__edges as e
                semi join linkable as l on l.id_type = e.left_type and l.id_value = e.left_value
                semi join linkable as r on r.id_type = e.right_type and r.id_value = e.right_value
            ) to '{folder / "edges.parquet"}' (format parquet)
            """
        )
        nodes = con.execute(f"select count(*) from '{folder / 'nodes.parquet'}'").fetchall()
        edges = con.execute(f"select count(*) from '{folder / 'edges.parquet'}'").fetchall()
        return {"identifiers": nodes[0][0], "edges": edges[0][0]}
    finally:
        con.close()


# -- ingestion -----------------------------------------------------------------------------
LATENCY = 0.05  # seconds per response: a real platform API is tens of milliseconds away


def ingestion_pages(home: Path, concurrency: int | None, latency: float) -> dict[str, Any]:
    """Every API platform's client for one day against the simulator; pages per second.

    ``latency`` makes the simulator wait before each response (0: loopback speed, where
    the client's own CPU is the limit)."""
    from devtools.simulator.harness import start_simulator
    from ingestion.accounts import read_accounts
    from ingestion.platforms import PLATFORMS, build_source
    from ingestion.runner import ingest_day

    day = date(2026, 11, 20)
    sim = start_simulator(home, today=day + timedelta(days=1), scale="small")
    try:
        if latency:
            sim.set_faults({p: {"latency_seconds": latency} for p in PLATFORMS})
        env = {**os.environ, **sim.environ()}
        if concurrency is not None:
            env |= {f"SOCIALMART_{p.upper()}_CONCURRENCY": str(concurrency) for p in PLATFORMS}
        accounts = read_accounts(sim.paths.accounts)
        pages, began = 0, time.perf_counter()
        for key, info in PLATFORMS.items():
            if info.api is None:
                continue
            source = build_source(key, sim.paths, env)
            try:
                connect = lambda: open_warehouse(sim.paths)  # noqa: E731
                pages += ingest_day(
                    source, day, accounts, sim.paths, "bench", connect, env
                ).requests
            finally:
                source.close()
        seconds = time.perf_counter() - began
    finally:
        sim.stop()
    return {"pages": pages, "pages_per_second": round(pages / seconds, 1)}


# -- the report ----------------------------------------------------------------------------
def provenance() -> dict[str, Any]:
    """Where and on what the figures were measured, so a reader can weigh them."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
        return done.stdout.strip()

    meminfo = Path("/proc/meminfo")
    total_kb = int(meminfo.read_text().split()[1]) if meminfo.exists() else 0
    return {
        "commit": git("rev-parse", "--short", "HEAD") or None,
        "uncommitted_changes": bool(git("status", "--porcelain", "--untracked-files=no")),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "memory_gb": round(total_kb / 2**20),
        "load_average_1m": round(os.getloadavg()[0], 1) if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }


@dataclass
class Row:
    name: str
    what: str
    seconds: float
    peak_mb: int
    baseline: str = ""
    baseline_seconds: float | None = None
    baseline_peak_mb: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class _SavedRows(list):
    """The report's rows: each append rewrites the JSON, so a run cut short keeps its rows."""

    def __init__(self, report: dict[str, Any], out: Path):
        super().__init__()
        self.report, self.out = report, out

    def append(self, row: Row) -> None:
        super().append(row)
        self.report["rows"] = [asdict(r) for r in self]
        self.out.write_text(json.dumps(self.report, indent=2, default=str))


# Above this many content-days in one run's window the full build runs dbt and publishing
# without the GX gates: GX validates the window through pandas (a few days at a time), and
# a year of a large matrix is tens of millions of rows, a large share of the run.
# The daily partition and the backfill always run them (--full-build dagster forces them).
GATES_MAX_CONTENT_DAYS = 10_000_000


def build_history(instance: Any, paths: Paths, start: date, end: date, mode: str) -> Measure:
    """The full build over start..end: the daily job (mode "dagster"), or dbt build and the
    publish asset without the GX gates (mode "dbt")."""
    import dagster as dg

    with measured() as full:
        if mode == "dagster":
            full.detail = run_window(instance, start, end)
        else:  # dbt build (models and tests), then the real publish asset
            since = datetime.now(UTC)
            full.detail = dbt_cli(paths, start, end, "build", "*")
            full.detail["dbt"] = dbt_account(paths.dbt_target, since)
            began = time.perf_counter()
            full.detail["publish"] = run_window(
                instance, start, end, [dg.AssetKey(["serving", "published_mart"])]
            )
            full.detail["publish_seconds"] = round(time.perf_counter() - began, 1)
            full.detail["gates"] = "not run: GX validates the window through pandas"
    full.detail |= {
        "mode": mode,
        "content_days": count(paths, "select count(*) from mart.fct_content_daily"),
        "contents": count(paths, "select count(*) from mart.dim_content"),
        "identifiers": count(paths, "select count(*) from mart.bridge_user_identity"),
    }
    return full


def disk_mb() -> dict[str, int]:
    """Bytes this process and the children it has waited for (dbt) read from and wrote to
    storage so far (Linux /proc/self/io): a run's reads tell how much of what it read was
    not in the page cache."""
    try:
        fields = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
    except OSError:
        return {}
    return {"read": int(fields["read_bytes"]) >> 20, "written": int(fields["write_bytes"]) >> 20}


def daily_run(instance: Any, paths: Paths, day: date) -> Measure:
    """One run of the daily job for ``day`` (raw already holds it), with dbt's account of it
    and the megabytes it read from and wrote to storage."""
    since = datetime.now(UTC)
    before = disk_mb()
    with measured() as daily:
        daily.detail = run_window(instance, day, day)
    daily.detail["dbt"] = dbt_account(paths.dbt_target, since)
    after = disk_mb()
    if before and after:
        daily.detail["disk_mb"] = {k: after[k] - before[k] for k in after}
    return daily


@dataclass
class Home:
    """A bench warehouse and its own Dagster instance: the whole history's, or the last
    quarter's."""

    paths: Paths

    @contextmanager
    def instance(self) -> Iterator[Any]:
        """The Dagster instance of this home, with the environment pointing at it (and put
        back after)."""
        import dagster as dg

        from orchestration.runs import prepare_dagster_home

        saved = {k: os.environ.get(k) for k in ("SOCIALMART_HOME", "DAGSTER_HOME")}
        os.environ["SOCIALMART_HOME"] = str(self.paths.home)
        os.environ["DAGSTER_HOME"] = str(prepare_dagster_home(self.paths.home))
        try:
            with dg.DagsterInstance.get() as instance:
                yield instance
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


# Daily runs measured for the daily row: one run's time on this machine spreads by 20-30 s
# (128-166 s for the same code at `large`), more than a change of a few seconds; the
# row is their median.
DAILY_RUNS = 3


def settled_dailies(
    homes: list[Any], spec: Scale, day: date, start: date, runs: int = DAILY_RUNS
) -> list[Measure]:
    """For each home, the median of the daily runs of ``day`` and the ``runs - 1`` days
    after it, each on the history and the runs before it, after an unmeasured run of the day
    before (its time kept in the detail): the first run after a full build pays once what
    the next ones do not (the dbt unit tests after a code change, the dbt docs page, the PII
    scan's first read of the tables it later reads from its mark on).

    The homes take turns, day by day, and the first of a day alternates: a ratio of two
    homes' medians compares runs made in the same hour on the same machine, with the
    page cache left by the other home's run as often before one as before the other (run
    one after the other, the halves of one bench differed by a quarter for the same code).
    The median run's detail is each row's; every run's time is listed under ``runs``,
    and the peak is the highest."""
    before = day - timedelta(days=1)
    firsts = []
    for home in homes:
        write_raw(home.paths, spec, before, before, start)
        with home.instance() as instance:
            firsts.append(daily_run(instance, home.paths, before))
    measured_runs: list[list[tuple[date, Measure]]] = [[] for _ in homes]
    for offset in range(runs):
        each = day + timedelta(days=offset)
        order = list(enumerate(homes))
        for index, home in order if offset % 2 == 0 else order[::-1]:
            write_raw(home.paths, spec, each, each, start)
            with home.instance() as instance:
                measured_runs[index].append((each, daily_run(instance, home.paths, each)))
    return [
        _median(home_runs, before, first, interleaved=len(homes) > 1)
        for home_runs, first in zip(measured_runs, firsts, strict=True)
    ]


def day_ratios(long: Measure, short: Measure) -> dict[str, float]:
    """Each measured day's run on the long history over its run on the short one."""
    shorts = {run["day"]: run["seconds"] for run in short.detail["median_of"]["runs"]}
    return {
        run["day"]: round(run["seconds"] / shorts[run["day"]], 2)
        for run in long.detail["median_of"]["runs"]
        if shorts.get(run["day"])
    }


def _median(
    measured_runs: list[tuple[date, Measure]], before: date, first: Measure, interleaved: bool
) -> Measure:
    by_time = sorted(measured_runs, key=lambda run: run[1].seconds)
    median_day, daily = by_time[len(by_time) // 2]
    daily.detail["median_of"] = {
        "day": str(median_day),
        "runs": [
            {"day": str(each), "seconds": round(run.seconds, 1), "peak_mb": run.peak_mb}
            | ({"disk_mb": run.detail["disk_mb"]} if "disk_mb" in run.detail else {})
            for each, run in measured_runs
        ],
        "interleaved": interleaved,
    }
    daily.peak_mb = max(run.peak_mb for _, run in measured_runs)
    daily.detail["day_before"] = {
        "day": str(before),
        "seconds": round(first.seconds, 1),
        "steps": first.detail.get("steps"),
    }
    return daily


def quarter_history(
    spec: Scale, home: Path, end: date, mode: str, world_start: date
) -> tuple[Home, Measure]:
    """A warehouse holding the last quarter of the history (the days up to ``end``), built
    in its own home with its own Dagster instance: the home against whose daily runs the
    daily run's growth with history is a ratio. It is the same world as the full history's
    (begun at ``world_start``), with less of its past loaded: the measured days bring the
    same snapshots, people and events to both warehouses, so the ratio is the cost of the
    history alone. (A world begun at the quarter's start has on the same day a third of
    the WeCom contacts and CRM members, which made the ratio partly the audience's
    growth.) Returns the home and its full build's measure."""
    days = max(2, spec.days // 4)
    start = end - timedelta(days=days - 1)
    home.mkdir(parents=True, exist_ok=True)
    quarter = Home(Paths(home))
    write_raw(quarter.paths, spec, start, end, world_start)
    with quarter.instance() as instance:
        full = build_history(instance, quarter.paths, start, end, mode)
    full.detail["history_days"] = days
    return quarter, full


def run_benchmark(
    scale_name: str, skip_networkx: bool = False, full_build: str = "auto", reuse_raw=False
) -> dict[str, Any]:
    from devtools import bench
    from orchestration.runs import prepare_dagster_home

    spec = SCALES[scale_name]
    base = Paths.from_env()
    home = base.home / "bench" / scale_name
    reuse_raw = reuse_raw and (home / "warehouse.duckdb").exists()
    for name in [p.name for p in home.iterdir()] if home.exists() else []:
        if not (reuse_raw and name == "warehouse.duckdb"):
            shutil.rmtree(home / name) if (home / name).is_dir() else (home / name).unlink()
    home.mkdir(parents=True, exist_ok=True)
    os.environ["SOCIALMART_HOME"] = str(home)
    os.environ.setdefault("SOCIALMART_HASH_KEY", BENCH_KEY)
    os.environ["DAGSTER_HOME"] = str(prepare_dagster_home(home))
    paths = Paths(home)
    start, end = scales.history(spec)
    day = end + timedelta(days=2)  # the day after end is run first (settled_dailies)
    after = day + timedelta(days=DAILY_RUNS)  # the days after the measured daily runs
    week = (after, after + timedelta(days=6))
    out = base.home / "bench" / "report.json"
    report: dict[str, Any] = {
        "scale": asdict(spec),
        "history": [str(start), str(end)],
        "measured": provenance(),
    }
    rows = _SavedRows(report, out)  # the report is rewritten after every row
    print(f"bench {scale_name}: {spec.accounts} accounts, {start}..{end}; home {home}")

    with measured() as gen:
        written = (
            keep_raw_only(paths, end) if reuse_raw else write_raw(paths, spec, start, end, start)
        )
    gen.detail = {"reused_raw": reuse_raw}
    report["raw_rows"] = written
    rows.append(
        Row(
            "generate",
            "scale generator → raw (history)",
            gen.seconds,
            gen.peak_mb,
            detail=gen.detail,
        )
    )
    print(f"  generated {sum(written.values()):,} raw rows in {gen.seconds:.0f} s")

    content_days = sum(v for k, v in written.items() if k in CONTENT_DAY_TABLES)
    if full_build == "auto":
        full_build = "dagster" if content_days <= GATES_MAX_CONTENT_DAYS else "dbt"
    with Home(paths).instance() as instance:
        full = build_history(instance, paths, start, end, full_build)
        full.detail["raw_content_days"] = content_days
        print(f"  full build {full.seconds:.0f} s {full.detail}")
        rows.append(
            Row(
                "full_build",
                f"dbt + gates + publish, {spec.days} days"
                if full_build == "dagster"
                else f"dbt build + publish (no GX gates), {spec.days} days",
                full.seconds,
                full.peak_mb,
                detail=full.detail,
            )
        )
    # the same new days on a quarter of the history, in a warehouse of its own, built
    # before the daily runs so that the two homes' runs can take turns
    quarter, short_build = quarter_history(spec, home / "quarter_history", end, full_build, start)
    daily, short = settled_dailies([Home(paths), quarter], spec, day, start)
    short.detail |= {
        "history_days": short_build.detail["history_days"],
        "full_build_seconds": short_build.seconds,
        "full_build_content_days": short_build.detail["content_days"],
    }
    print(f"  daily partition {daily.seconds:.0f} s, dbt {daily.detail['dbt']}")
    rows.append(
        Row(
            "daily_partition",
            f"a new day on the history, median of {DAILY_RUNS} ({day} on)",
            daily.seconds,
            daily.peak_mb,
            "full build",
            full.seconds,
            full.peak_mb,
            daily.detail,
        )
    )
    rows.append(
        Row(
            "daily_growth",
            f"the daily partition ({DAILY_RUNS} days from {day}) on {spec.days} days of history",
            daily.seconds,
            daily.peak_mb,
            f"the same days on {short.detail['history_days']} days of history",
            short.seconds,
            short.peak_mb,
            {
                "history_days": spec.days,
                "dbt": daily.detail["dbt"],
                "quarter": short.detail,
                "ratios_by_day": day_ratios(daily, short),
            },
        )
    )
    print(f"  daily partition on {short.detail['history_days']} days {short.seconds:.0f} s")
    write_raw(paths, spec, *week, start)
    with Home(paths).instance() as instance, measured() as backfill:
        backfill.detail = run_window(instance, *week)
    print(f"  7-day backfill {backfill.seconds:.0f} s")
    rows.append(
        Row(
            "backfill_7d",
            f"{week[0]}..{week[1]} as one run",
            backfill.seconds,
            backfill.peak_mb,
            "7 × daily partition",
            round(7 * daily.seconds, 2),
            daily.peak_mb,
            backfill.detail,
        )
    )
    last = week[1]
    with measured() as kpi:
        kpi.detail = kpi_build(paths, start, last)
    with measured() as floor:
        floor.detail = scan_floor(paths)
    rows.append(
        Row(
            "kpi_build",
            "dbt run of the kpi models",
            kpi.seconds,
            kpi.peak_mb,
            "one scan-and-aggregate of fct_content_daily",
            floor.seconds,
            floor.peak_mb,
            kpi.detail | {"floor_rows": floor.detail["rows"]},
        )
    )
    print(f"  kpi build {kpi.seconds:.0f} s, floor {floor.seconds:.1f} s")

    with tempfile.TemporaryDirectory(prefix="socialmart-bench-") as tmp:
        graph = identity_graph(paths, Path(tmp))
        solved = bench.run_child("duckdb", Path(tmp), os.environ.get("BENCH_MEMORY", "4GB"))
        nx = {} if skip_networkx else bench.run_child("networkx", Path(tmp), "")
    same = solved.get("components") == nx.get("components") if nx else None
    rows.append(
        Row(
            "identity",
            f"{graph['identifiers']:,} identifiers, {graph['edges']:,} edges",
            solved.get("seconds", 0.0),
            solved.get("peak_rss_mb", 0),
            "networkx, same graph",
            nx.get("seconds"),
            nx.get("peak_rss_mb"),
            {"duckdb": solved, "networkx": nx, "same_components": same},
        )
    )
    print(f"  identity {solved}, networkx {nx}")

    for name, latency in (("ingestion", LATENCY), ("ingestion_loopback", 0.0)):
        with tempfile.TemporaryDirectory(prefix="socialmart-ingest-") as tmp:
            with measured() as concurrent:
                concurrent.detail = ingestion_pages(Path(tmp) / "a", None, latency)
            with measured() as serial:
                serial.detail = ingestion_pages(Path(tmp) / "b", 1, latency)
        rows.append(
            Row(
                name,
                f"API pages, client concurrency (4), {latency * 1000:.0f} ms latency",
                concurrent.seconds,
                concurrent.peak_mb,
                "one request at a time",
                serial.seconds,
                serial.peak_mb,
                {"concurrent": concurrent.detail, "serial": serial.detail, "latency": latency},
            )
        )
        print(f"  {name}: {concurrent.detail} vs {serial.detail}")
    print_report(report)
    print(f"report written to {out}")
    return report


def _ratio(row: dict[str, Any]) -> str:
    name, detail = row["name"], row["detail"]
    if name.startswith("ingestion"):
        a, b = detail["concurrent"], detail["serial"]
        return f"{a['pages_per_second']} vs {b['pages_per_second']} pages/s"
    if not row["baseline_seconds"]:
        return ""
    share = row["seconds"] / row["baseline_seconds"]
    return f"{share:.1%} of baseline" if share < 1 else f"{share:.1f}× baseline"


def print_report(report: dict[str, Any]) -> None:
    head = f"{'row':<16} {'seconds':>9} {'peak MB':>8}  {'baseline':<44} {'s':>8} {'MB':>7}  ratio"
    print(head)
    print("-" * len(head))
    fmt: Callable[[Any], str] = lambda v: "" if v is None else str(v)  # noqa: E731
    for row in report["rows"]:
        print(
            f"{row['name']:<16} {row['seconds']:>9} {row['peak_mb']:>8}  "
            f"{row['baseline']:<44} {fmt(row['baseline_seconds']):>8} "
            f"{fmt(row['baseline_peak_mb']):>7}  {_ratio(row)}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="medium", choices=sorted(SCALES))
    parser.add_argument("--skip-networkx", action="store_true")
    parser.add_argument(
        "--full-build",
        choices=("auto", "dagster", "dbt"),
        default="auto",
        help="dagster: the daily job over the history (dbt, gates, publish); dbt: dbt build "
        "and the publish asset (auto: dbt above 10M content-days, see GATES_MAX_CONTENT_DAYS)",
    )
    parser.add_argument(
        "--reuse-raw", action="store_true", help="keep raw of an earlier run of this scale"
    )
    args = parser.parse_args(argv)
    run_benchmark(args.scale, args.skip_networkx, args.full_build, args.reuse_raw)


if __name__ == "__main__":
    main()
