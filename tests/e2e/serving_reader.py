"""A BI tool's stand-in: reads the published mart in a loop until told to stop.

Run as ``python -m tests.e2e.serving_reader <serving.duckdb> <parquet dir> <stop file>``; prints
one JSON line: reads done, errors, the publishes seen, and reads that were not whole (a
table whose row count differs from what its publication says).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb


def read_database(path: Path) -> tuple[str, list[str]]:
    """One connection: the publication it sees, and every table whose count disagrees."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        run_id, tables = con.execute("select run_id, tables from meta.publication").fetchone()
        wrong = [
            table
            for table, rows in json.loads(tables).items()
            if con.execute(f"select count(*) from {table}").fetchone()[0] != rows
        ]
        return run_id, wrong
    finally:
        con.close()


def read_parquet(folder: Path) -> tuple[str, list[str]]:
    """The Parquet copy, resolved once as a reader should: one publish's folder. A table
    served by business date is read as a reader of the hive layout does, every partition
    at once; its days must add up to the publication's count, and be dates."""
    folder = folder.resolve()
    publication = json.loads((folder / "_publication.json").read_text(encoding="utf-8"))
    con = duckdb.connect()
    try:
        wrong = []
        for table, rows in publication["tables"].items():
            path = folder / publication["parquet"][table]
            if path.is_dir():
                source = f"read_parquet('{path}/**/*.parquet', hive_partitioning = true)"
                query = f"select count(*), any_value(typeof(business_date)) from {source}"
                found, day_type = con.execute(query).fetchone()
                if day_type not in ("DATE", None):  # None: the table has no rows
                    wrong.append(f"{table}: business_date read as {day_type}")
            else:
                found = con.execute(f"select count(*) from '{path}'").fetchone()[0]
            if found != rows:
                wrong.append(table)
    finally:
        con.close()
    return publication["run_id"], wrong


def main(serving: Path, parquet: Path, stop: Path, limit_seconds: float = 600) -> None:
    reads, errors, seen, torn = 0, [], [], []
    deadline = time.monotonic() + limit_seconds
    while not stop.exists() and time.monotonic() < deadline:
        for reader, target in ((read_database, serving), (read_parquet, parquet)):
            try:
                run_id, wrong = reader(target)
            except Exception as exc:  # every failure is the finding, not a crash
                errors.append(f"{reader.__name__}: {type(exc).__name__}: {exc}")
                continue
            reads += 1
            if not seen or seen[-1] != run_id:
                seen.append(run_id)
            if wrong:
                torn.append({"reader": reader.__name__, "run_id": run_id, "tables": wrong})
    print(json.dumps({"reads": reads, "errors": errors[:10], "publishes": seen, "torn": torn}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
