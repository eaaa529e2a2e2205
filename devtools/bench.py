"""Benchmarks (docs/requirements.md R-F2), measured in one run with their baselines beside them.

``python -m devtools.bench identity --identifiers 10000000`` builds an identifier graph
shaped like a brand's (people with two to six linked identifiers, cross-links between
people, 10,000-long chains of linked accounts, shared-phone stars), writes it as Parquet,
then clusters the same nodes and edges twice, each in a fresh process so that peak memory
is that solver's alone: the warehouse's DuckDB solver (the dbt model's own function,
integer encoding included) and networkx's connected components. Both must find the same
number of components. The report is printed as a table and written as JSON.

``python -m devtools.bench relink --identifiers 10000000`` measures a new day of the
identity chain's components (docs/identity.md#6-a-new-day) on the same graph: solved from
nothing for day 1, then day 2 (1,000 new identifiers, 1,000 new edges: half between
existing identifiers, half to the new ones) relinked on day 1's result and, as its
baseline, solved from nothing; both, guard included, must give the same rows.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb

from ingestion.settings import REPO_ROOT, Paths

SOLVER = REPO_ROOT / "dbt_project/models/intermediate/identity/int_identity__components.py"
SHARING_RULES = REPO_ROOT / "dbt_project/seeds/identity_sharing_rules.csv"
NEW_ON_DAY_2 = 1_000
ID_TYPES = [
    "douyin_open_id",
    "kuaishou_user_id",
    "bilibili_mid",
    "weibo_uid",
    "wechat_unionid",
    "wecom_external_userid",
    "phone_hash",
    "crm_member_id",
]
CHAIN_LENGTH = 10_000
STAR_LEAVES = 1_000


def load_solver() -> ModuleType:
    spec = importlib.util.spec_from_file_location("int_identity__components", SOLVER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: a child started by a big
    parent inherits the parent's ru_maxrss, while VmHWM is its own."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def write_graph(folder: Path, identifiers: int, seed: int = 7) -> dict[str, int]:
    """Nodes and edges as Parquet; returns their counts.

    5% of the nodes form chains of CHAIN_LENGTH, 2% stars of STAR_LEAVES leaves around a
    shared phone; the rest are people of 2–6 identifiers in a row, 5% of whom are linked to
    another random person.
    """
    chained = identifiers * 5 // 100 // CHAIN_LENGTH * CHAIN_LENGTH
    starred = identifiers * 2 // 100 // (STAR_LEAVES + 1) * (STAR_LEAVES + 1)
    people_start = chained + starred
    con = duckdb.connect()
    types = "[" + ", ".join(f"'{t}'" for t in ID_TYPES) + "]"
    con.execute(
        f"""
        create macro id_type(i) as {types}[cast(hash(i, {seed}) % {len(ID_TYPES)} as bigint) + 1];
        create macro id_value(i) as left(md5(cast(i * {seed} as varchar)), 22);
        create macro person_size(p) as 2 + cast(hash(p, {seed} + 1) % 5 as bigint);
        """
    )
    con.execute(
        f"""
        copy (
            select id_type(i) as id_type, id_value(i) as id_value
            from range({identifiers}) as t(i)
        ) to '{folder / "nodes.parquet"}' (format parquet)
        """
    )
    con.execute(
        f"""
        copy (
            with chains as (
                select i as a, i + 1 as b from range({chained}) as t(i)
                where (i + 1) % {CHAIN_LENGTH} <> 0
            ),
            stars as (
                select {chained} + (i // {STAR_LEAVES + 1}) * {STAR_LEAVES + 1} as a,
                    {chained} + i as b
                from range({starred}) as t(i)
                where i % {STAR_LEAVES + 1} <> 0
            ),
            -- people: consecutive nodes, the block of each person ends where a size says
            numbered as (
                select i, (i - {people_start}) // 6 as block,
                    (i - {people_start}) % 6 as pos
                from range({people_start}, {identifiers}) as t(i)
            ),
            people as (
                select i as a, i + 1 as b from numbered
                where pos + 1 < person_size(block) and i + 1 < {identifiers}
            ),
            cross_links as (
                select i as a,
                    {people_start}
                    + cast(hash(i, {seed} + 2) % ({identifiers} - {people_start}) as bigint) as b
                from numbered
                where pos = 0 and hash(i, {seed} + 3) % 20 = 0
            ),
            edges as (
                select * from chains
                union all select * from stars
                union all select * from people
                union all select * from cross_links
            )
            select id_type(a) as left_type, id_value(a) as left_value,
                id_type(b) as right_type, id_value(b) as right_value
            from edges
        ) to '{folder / "edges.parquet"}' (format parquet)
        """
    )
    edges = con.execute(f"select count(*) from '{folder / 'edges.parquet'}'").fetchall()[0][0]
    return {"identifiers": identifiers, "edges": edges}


def solve_duckdb(folder: Path, memory_limit: str) -> dict[str, Any]:
    solver = load_solver()
    con = duckdb.connect()
    con.execute(f"set memory_limit = '{memory_limit}'")
    con.execute(f"set temp_directory = '{folder / 'spill'}'")
    began = time.perf_counter()
    con.execute(f"create table nodes as select * from '{folder / 'nodes.parquet'}'")
    con.execute(f"create table edges as select * from '{folder / 'edges.parquet'}'")
    result, linked = solver.connected_components(con, "nodes", "edges")
    components = result.aggregate("count(distinct component_key)").fetchall()[0][0]
    return {
        "seconds": round(time.perf_counter() - began, 1),
        "peak_rss_mb": round(peak_rss_mb()),
        "components": components,
        "linked_components": linked,
    }


def solve_networkx(folder: Path) -> dict[str, Any]:
    import networkx as nx
    import polars as pl

    began = time.perf_counter()
    nodes = pl.read_parquet(folder / "nodes.parquet")
    edges = pl.read_parquet(folder / "edges.parquet")
    graph = nx.Graph()
    graph.add_nodes_from((nodes["id_type"] + ":" + nodes["id_value"]).to_list())
    del nodes
    left = (edges["left_type"] + ":" + edges["left_value"]).to_list()
    right = (edges["right_type"] + ":" + edges["right_value"]).to_list()
    del edges
    graph.add_edges_from(zip(left, right, strict=True))
    del left, right
    components = nx.number_connected_components(graph)
    return {
        "seconds": round(time.perf_counter() - began, 1),
        "peak_rss_mb": round(peak_rss_mb()),
        "components": components,
    }


def run_child(engine: str, folder: Path, memory_limit: str) -> dict[str, Any]:
    """One solver in a fresh process, so its peak memory is its own."""
    done = subprocess.run(
        [sys.executable, "-m", "devtools.bench", "_solve", engine, str(folder), memory_limit],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def identity(identifiers: int, memory_limit: str, skip_networkx: bool, out: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="socialmart-bench-") as tmp:
        folder = Path(tmp)
        began = time.perf_counter()
        graph = write_graph(folder, identifiers)
        graph["generate_seconds"] = round(time.perf_counter() - began, 1)
        report: dict[str, Any] = {"graph": graph}
        report["duckdb"] = run_child("duckdb", folder, memory_limit)
        if not skip_networkx:
            report["networkx"] = run_child("networkx", folder, memory_limit)
            a, b = report["duckdb"].get("components"), report["networkx"].get("components")
            report["same_components"] = a is not None and a == b
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print_identity(report)
    print(f"report written to {out}")
    return report


def relink(identifiers: int, memory_limit: str, out: Path) -> dict:
    solver = load_solver()
    with tempfile.TemporaryDirectory(prefix="socialmart-bench-") as tmp:
        folder = Path(tmp)
        graph = write_graph(folder, identifiers)
        con = duckdb.connect()
        con.execute(f"set memory_limit = '{memory_limit}'")
        con.execute(f"set temp_directory = '{folder / 'spill'}'")
        con.execute(f"create table nodes as select * from '{folder / 'nodes.parquet'}'")
        con.execute(
            "create table edges as select *, timestamptz '2026-01-01 00:00:00+00' as linked_at "
            f"from '{folder / 'edges.parquet'}'"
        )
        con.execute(f"create table rules as select * from read_csv('{SHARING_RULES}')")

        def build(previous: str | None, table: str) -> dict[str, Any]:
            """The build on ``previous`` written into ``table`` (a copy of it, when given)."""
            if previous:
                con.execute(f"create table {table} as select * from {previous}")
            began = time.perf_counter()
            rel, mode = solver.relink_components(con, "nodes", "edges", "rules", previous)
            solver.write_build(con, rel, table)
            return {"seconds": round(time.perf_counter() - began, 1), "mode": mode}

        report: dict[str, Any] = {"graph": graph, "day_1": build(None, "day_1")}
        half = NEW_ON_DAY_2 // 2
        con.execute(
            f"""
            create table new_nodes as
            select 'crm_member_id' as id_type, 'new' || i as id_value, i as r
            from range({NEW_ON_DAY_2}) as t(i);
            insert into nodes select id_type, id_value from new_nodes;
            create table picked as
            select id_type, id_value, row_number() over (order by id_type, id_value) - 1 as r
            from (select * from nodes using sample {NEW_ON_DAY_2} rows (reservoir, 42));
            insert into edges
            select a.id_type, a.id_value, b.id_type, b.id_value,
                timestamptz '2026-01-02 00:00:00+00'
            from picked as a join picked as b on b.r = a.r + {half} where a.r < {half}
            union all
            select p.id_type, p.id_value, n.id_type, n.id_value,
                timestamptz '2026-01-02 00:00:00+00'
            from new_nodes as n join picked as p using (r) where n.r < {half};
            """
        )
        report["day_2_relinked"] = build("day_1", "relinked")
        report["day_2_from_nothing"] = build(None, "from_nothing")
        state = "build_mode, build_no, edges_through, edge_count, nodes_through, written_at"
        rows = f"select * exclude ({state}) from {{}}"
        report["rows_differing"] = con.execute(
            f"""select count(*) from (
                ({rows.format("relinked")} except all {rows.format("from_nothing")})
                union all
                ({rows.format("from_nothing")} except all {rows.format("relinked")}))"""
        ).fetchall()[0][0]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"identity components on {graph['identifiers']:,} identifiers, {graph['edges']:,} edges")
    for name in ("day_1", "day_2_relinked", "day_2_from_nothing"):
        print(f"{name:<20} {report[name]['seconds']:>7} s  {report[name]['mode']}")
    print(f"rows differing between relinked and from nothing: {report['rows_differing']}")
    print(f"report written to {out}")
    return report


def print_identity(report: dict[str, Any]) -> None:
    g = report["graph"]
    print(f"identity resolution on {g['identifiers']:,} identifiers, {g['edges']:,} edges")
    print(f"{'solver':<10} {'seconds':>9} {'peak MB':>9} {'components':>12}")
    for name in ("duckdb", "networkx"):
        r = report.get(name)
        if r is None:
            continue
        if "error" in r:
            print(f"{name:<10} failed: {r['error']}")
            continue
        print(f"{name:<10} {r['seconds']:>9} {r['peak_rss_mb']:>9} {r['components']:>12,}")
    if "same_components" in report:
        print(f"same components: {report['same_components']}")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "_solve":
        engine, folder, memory_limit = args[1], Path(args[2]), args[3]
        result = (
            solve_duckdb(folder, memory_limit) if engine == "duckdb" else solve_networkx(folder)
        )
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    ident = sub.add_parser("identity", help="identity resolution vs networkx")
    ident.add_argument("--identifiers", type=int, default=10_000_000)
    ident.add_argument("--memory-limit", default="6GB", help="DuckDB memory_limit")
    ident.add_argument("--skip-networkx", action="store_true")
    again = sub.add_parser("relink", help="a new day relinked vs solved from nothing")
    again.add_argument("--identifiers", type=int, default=10_000_000)
    again.add_argument("--memory-limit", default="6GB", help="DuckDB memory_limit")
    parsed = parser.parse_args(args)
    home = Paths.from_env().home / "bench"
    if parsed.command == "relink":
        relink(parsed.identifiers, parsed.memory_limit, home / "relink.json")
        return
    identity(parsed.identifiers, parsed.memory_limit, parsed.skip_networkx, home / "identity.json")


if __name__ == "__main__":
    main()
