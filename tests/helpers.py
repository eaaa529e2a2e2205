"""Helpers shared by test modules (test modules never import each other): the hand-written
platform fixtures, one day's ingestion of a platform against the simulator, a robot that
receives alerts on 127.0.0.1, the cells of a report page, and the dbt command line on a
warehouse file."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import threading
from collections.abc import Callable
from datetime import date
from html import unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb
import polars as pl
import pytest

from devtools.simulator.harness import RunningSimulator
from ingestion.accounts import read_accounts
from ingestion.platforms import build_source
from ingestion.runner import ingest_day
from ingestion.settings import REPO_ROOT
from orchestration.partitions import write_dbt_window
from serving.chromium import CHROMIUM
from tests import dbt_forked

FIXTURES = Path(__file__).parent / "fixtures"
DBT_DIR = REPO_ROOT / "dbt_project"


def rejected_reasons(folder: Path) -> dict[str, list[str]]:
    """``<folder>/rejected/``: each original file name → the reason of every copy moved
    there (each under its own unique name, see ingestion.inbox.reject)."""
    unique = re.compile(r"^(.*)\.\d{8}T\d{12}Z-[0-9a-f]{8}(\.[^.]*)?$")
    out: dict[str, list[str]] = {}
    for path in sorted((folder / "rejected").glob("*")):
        if path.name.endswith(".reason.txt"):
            continue
        match = unique.match(path.name)
        assert match, f"{path.name} is not a unique rejected name"
        reason = path.with_name(path.name + ".reason.txt").read_text(encoding="utf-8")
        out.setdefault(match.group(1) + (match.group(2) or ""), []).append(reason.strip())
    return out


def fixture_json(relative: str) -> dict:
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


DAY = date(2026, 11, 20)


def raw_field(sim: RunningSimulator, platform: str, entity: str, key: str, day: date) -> list:
    """``key`` of each record of ``raw.<platform>__<entity>`` on ``day``."""
    con = duckdb.connect(str(sim.paths.warehouse), read_only=True)
    try:
        rows = con.execute(
            f"select record ->> ? from raw.{platform}__{entity} where business_date = ?",
            [key, day],
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


def ingest(
    sim: RunningSimulator,
    env: dict[str, str],
    platform: str,
    day: date,
    run: str,
    tune: Callable[[Any], None] | None = None,
):
    """One day of ``platform`` from the simulator; ``tune`` adjusts the source first."""
    accounts = read_accounts(sim.paths.accounts)
    source = build_source(platform, sim.paths, env)
    if tune is not None:
        tune(source)
    try:
        return ingest_day(
            source, day, accounts, sim.paths, run, lambda: duckdb.connect(str(sim.paths.warehouse))
        )
    finally:
        source.close()


class Receiver:
    """Answers each POST with the next scripted (status, body) and records the request."""

    def __init__(self) -> None:
        self.replies: list[tuple[int, dict]] = []
        self.requests: list[tuple[str, dict]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.requests.append((self.path, body))
                status, reply = receiver.replies.pop(0) if receiver.replies else (200, {})
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


# -- the report page (serving/reports.py) ------------------------------------------------------
def report_cells(html: str, table_id: str) -> list[list[str]]:
    """The text of each cell of each row of one table of the page."""
    body = re.search(rf'<table id="{table_id}">(.*?)</table>', html, re.S)
    assert body, table_id
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)
    return [
        [
            unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)
        ]
        for r in rows
        if "<td" in r
    ]


def require_chromium() -> None:
    """Skip without Debian's Chromium on a workstation; fail under CI, which installs it."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{CHROMIUM} is missing under CI: .ci/run installs Debian's chromium")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); under CI this fails")


# -- the identity graph's dbt Python models, as plain functions -------------------------------
IDENTITY_MODELS = REPO_ROOT / "dbt_project" / "models" / "intermediate" / "identity"


def load_identity_model(name: str) -> ModuleType:
    """A dbt Python model of the identity graph imported as a module."""
    spec = importlib.util.spec_from_file_location(name, IDENTITY_MODELS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


IdNode = tuple[str, str]  # (id_type, id_value)


def load_graph_tables(
    con: duckdb.DuckDBPyConnection, nodes: list[IdNode], edges: list[tuple[IdNode, IdNode]]
) -> None:
    """Tables ``nodes`` and ``edges`` in the shape the identity models read."""
    node_df = pl.DataFrame(nodes, schema=["id_type", "id_value"], orient="row").with_columns(
        first_seen_date=pl.lit("2026-11-01").str.to_date()
    )
    edge_df = pl.DataFrame(
        [(*a, *b) for a, b in edges],
        schema=["left_type", "left_value", "right_type", "right_value"],
        orient="row",
    )
    con.register("node_df", node_df)
    con.register("edge_df", edge_df)
    con.execute("create or replace table nodes as select * from node_df")
    con.execute("create or replace table edges as select * from edge_df")


# -- dbt on the project, from a test ----------------------------------------------------------
# The warehouse as profiles.yml names it when nothing is set, seen from a folder beside
# data/. dbt parses the whole project again when the vars or the rendered profile differ from
# its saved parse (a few seconds a command): named alike and without --vars, a command
# reuses the parse of `make manifest` (dbt_project/target/partial_parse.msgpack).
UNSET_WAREHOUSE = "../data/warehouse.duckdb"


def dbt_warehouse(root: Path) -> Path:
    """The warehouse ``start_dbt(..., root)`` builds: root/data/warehouse.duckdb."""
    (root / "data").mkdir(parents=True, exist_ok=True)
    return root / "data" / "warehouse.duckdb"


def start_dbt(
    command: str,
    root: Path,
    *args: str,
    window: tuple[date, date] | None = None,
    project: Path = DBT_DIR,
) -> dbt_forked.DbtProcess:
    """``dbt <command> <args>`` on the project (or a copy of it, ``project``) and
    ``dbt_warehouse(root)``, from root/dbt (its target, logs and output, dbt.out, there),
    over ``window`` (inclusive dates; None: every date) as the dbt asset passes it;
    ``finish_dbt`` waits for it."""
    con = duckdb.connect(str(dbt_warehouse(root)))
    try:
        write_dbt_window(con, window)
    finally:
        con.close()
    work = root / "dbt"
    target = work / "target"
    target.mkdir(parents=True, exist_ok=True)
    parsed = DBT_DIR / "target" / "partial_parse.msgpack"
    if parsed.exists() and not (target / parsed.name).exists():
        shutil.copyfile(parsed, target / parsed.name)
    return dbt_forked.start(
        [command, *args,
         "--profiles-dir", str(DBT_DIR), "--project-dir", str(project),
         "--target-path", str(target), "--log-path", str(work / "logs")],
        cwd=work,
        env={**os.environ, "SOCIALMART_WAREHOUSE": UNSET_WAREHOUSE},
        output=work / "dbt.out",
    )  # fmt: skip


def finish_dbt(process: dbt_forked.DbtProcess, root: Path) -> None:
    assert process.wait(timeout=1200) == 0, (root / "dbt" / "dbt.out").read_text()[-3000:]
