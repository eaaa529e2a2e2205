"""Runs an expectation suite (a YAML file in ``suites/``) on a date window of a table.

A suite names what it reads, either a ``table`` or a ``query`` (for checks across
tables: orphan keys, coverage, row volume), the ``date_column`` that bounds it to the
run's window, the ``asset`` its check hangs on (``schema.model`` or ``raw.<platform>.<entity>``;
by default its table), its ``severity`` (``error`` blocks publishing, ``warn`` is shown
but does not) and a list of Great Expectations 1.x expectations in snake_case with their
arguments. Rows are read from DuckDB once (bounded by the window) and validated through
GX's pandas datasource: GX has no DuckDB dialect.

A suite may declare ``thresholds`` (name → value), its limits written once: a query reads
them as DuckDB parameters (``$name``), an expectation argument ``"$name"`` takes the value,
and every failure names them. A query also sees the window as ``$start`` and ``$end`` (the
widest dates when the whole table is validated), so it can read the days before the window
(a trailing level) without scanning the whole table.
"""

from __future__ import annotations

import importlib
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import yaml

from expectations.data_docs import DataDocs
from ingestion.warehouse import DEFAULT_MEMORY_LIMIT, DEFAULT_THREADS, connect

SUITES_DIR = Path(__file__).parent / "suites"
SAMPLE_ROWS = 5
CHUNK_ROWS = 2_000_000  # rows read into pandas at once (a few hundred MB)
WINDOW_TABLE = "suite_window"  # a split suite's rows of the window (_source)


SEVERITIES = ("error", "warn")
WINDOW_PARAMETERS = ("start", "end")  # $start, $end: the window a query is validated on


@dataclass(frozen=True)
class Suite:
    name: str
    table: str  # a table name, or "(<query>)" for a query suite
    date_column: str | None
    expectations: list[tuple[str, dict[str, Any]]]
    asset: tuple[str, ...] = ()
    severity: str = "error"
    split_by_date: bool = False  # rows of different dates are validated apart
    thresholds: dict[str, Any] = field(default_factory=dict)

    @property
    def blocking(self) -> bool:
        return self.severity == "error"

    @classmethod
    def load(cls, name: str, folder: Path = SUITES_DIR) -> Suite:
        path = folder / f"{name}.yml"
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        thresholds = dict(spec.get("thresholds") or {})
        for key in thresholds:
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", str(key)) or key in WINDOW_PARAMETERS:
                raise ValueError(f"{path}: threshold {key!r} is not a usable parameter name")
        items = []
        for i, entry in enumerate(spec.get("expectations") or [], start=1):
            if not isinstance(entry, dict) or len(entry) != 1:
                raise ValueError(f"{path}: expectation {i} must be one 'type: {{kwargs}}' mapping")
            ((kind, kwargs),) = entry.items()
            resolved = {}
            for arg, value in dict(kwargs or {}).items():
                if isinstance(value, str) and value.startswith("$"):
                    if value[1:] not in thresholds:
                        raise ValueError(f"{path}: expectation {i} names no threshold {value}")
                    value = thresholds[value[1:]]
                resolved[arg] = value
            items.append((kind, resolved))
        if ("table" in spec) == ("query" in spec):
            raise ValueError(f"{path}: give exactly one of 'table' and 'query'")
        source = spec["table"] if "table" in spec else f"({spec['query'].strip()})"
        asset = spec.get("asset") or spec.get("table")
        if not asset:
            raise ValueError(f"{path}: a query suite names the 'asset' its check belongs to")
        severity = spec.get("severity", "error")
        if severity not in SEVERITIES:
            raise ValueError(f"{path}: severity must be one of {SEVERITIES}, not {severity!r}")
        split = bool(spec.get("split_by_date", False))
        if split and not spec.get("date_column"):
            raise ValueError(f"{path}: split_by_date needs a date_column")
        return cls(
            name,
            source,
            spec.get("date_column"),
            items,
            tuple(asset.split(".")),
            severity,
            split,
            thresholds,
        )

    def parameters(self, start: date | None, end: date | None) -> dict[str, Any]:
        """The DuckDB parameters its SQL names: the window's dates and the thresholds."""
        values = {"start": start or date.min, "end": end or date.max, **self.thresholds}
        named = set(re.findall(r"\$([a-z_][a-z0-9_]*)\b", self.table))
        return {k: v for k, v in values.items() if k in named}

    def describe_thresholds(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.thresholds.items())

    @classmethod
    def all(cls, folder: Path = SUITES_DIR) -> list[Suite]:
        return [cls.load(p.stem, folder) for p in sorted(folder.glob("*.yml"))]


@dataclass
class Failure:
    expectation: str
    kwargs: dict[str, Any]
    unexpected_count: int | None
    sample: list[dict[str, Any]] = field(default_factory=list)
    thresholds: str = ""  # the suite's declared thresholds, "name=value, ..."

    def describe(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.kwargs.items())
        count = "" if self.unexpected_count is None else f": {self.unexpected_count} row(s)"
        limits = f" [thresholds: {self.thresholds}]" if self.thresholds else ""
        return f"{self.expectation}({args}){count}{limits}"


@dataclass
class Outcome:
    suite: str
    table: str
    rows_checked: int
    evaluated: int
    failures: list[Failure]
    thresholds: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.failures

    def add(self, failure: Failure) -> None:
        """Count a failure; the same expectation failing on another chunk adds to it."""
        for known in self.failures:
            if (known.expectation, known.kwargs) == (failure.expectation, failure.kwargs):
                if known.unexpected_count is not None and failure.unexpected_count is not None:
                    known.unexpected_count += failure.unexpected_count
                known.sample = (known.sample + failure.sample)[:SAMPLE_ROWS]
                return
        self.failures.append(failure)

    def metadata(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "table": self.table,
            "rows_checked": self.rows_checked,
            "expectations_evaluated": self.evaluated,
            "thresholds": self.thresholds,
            "failed_expectations": [f.describe() for f in self.failures],
            "failing_rows_sample": [
                {"expectation": f.expectation, "rows": f.sample} for f in self.failures
            ],
        }


def import_in_background() -> threading.Thread:
    """Start importing Great Expectations in a thread (about 2.5 s of Python, once per
    process), for a caller that will validate later and waits on something else first."""
    thread = threading.Thread(
        target=importlib.import_module, args=("great_expectations",), daemon=True
    )
    thread.start()
    return thread


def validate(
    suite: Suite,
    warehouse: Path,
    start: date | None,
    end: date | None,
    *,
    docs: DataDocs | None = None,
    run_name: str | None = None,
    index: bool = True,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    threads: int = DEFAULT_THREADS,
) -> Outcome:
    """Validate ``start``..``end`` (inclusive) of the suite's table; the whole table if None.

    A ``split_by_date`` suite is read a few consecutive dates at a time, at most
    CHUNK_ROWS rows each, so a year's backfill does not have to fit in memory. With
    ``docs``, each result is kept in that GX project and its Data Docs page is written
    (named by ``run_name``, the Dagster run id), and the site's index is updated unless
    ``index`` is False and every expectation passed (a run that publishes updates it once,
    after all its checks); without, GX runs in memory. The warehouse is opened read-only
    with ``memory_limit`` and ``threads``.
    """
    import great_expectations as gx  # slow to import: only when a check actually runs

    context = docs.context() if docs else gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    outcome = Outcome(suite.name, suite.table, 0, 0, [], dict(suite.thresholds))
    pages: list[Any] = []  # the results kept, and their suite: their Data Docs pages
    con = connect(warehouse, read_only=True, memory_limit=memory_limit, threads=threads)
    try:
        source, params = _source(con, suite, start, end)
        chunks = _chunks(con, suite, source, params, start, end)
        for first, last in chunks:
            frame = _read(con, suite, source, params, first, last)
            name = run_name if len(chunks) == 1 or not run_name else f"{run_name} {first}..{last}"
            result, kept = _run(context, suite, _numeric(frame), docs is not None, name)
            pages += kept
            outcome.rows_checked += len(frame)
            outcome.evaluated = len(result.results)
            for failure in _failures(result, frame):
                failure.thresholds = suite.describe_thresholds()
                outcome.add(failure)
    finally:
        con.close()
    if docs is not None and pages:
        docs.write_pages(pages, index=index or not outcome.passed)
    return outcome


def _failures(result: Any, frame: Any) -> list[Failure]:
    failures = []
    for r in result.results:
        if r.success:
            continue
        config = r.expectation_config
        details = r.result or {}
        index = details.get("partial_unexpected_index_list") or []
        positions = [i for i in index if isinstance(i, int)][:SAMPLE_ROWS]
        if not positions and "unexpected_count" not in details:
            # a table-level expectation (row count): its rows are the sample, e.g. orphans
            positions = list(range(min(SAMPLE_ROWS, len(frame))))
        sample = json.loads(frame.iloc[positions].to_json(orient="records", date_format="iso"))
        if r.exception_info and r.exception_info.get("raised_exception"):
            sample = [{"error": str(r.exception_info.get("exception_message"))}]
        kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
        failures.append(Failure(config.type, kwargs, details.get("unexpected_count"), sample))
    return failures


def _by_date(suite: Suite, start: date | None, end: date | None) -> bool:
    """Whether the window is read a few dates at a time: a ``split_by_date`` suite on more
    than one date (a date is never split, so one date is one range without counting)."""
    return suite.split_by_date and (start is None or start != end)


def _source(
    con: duckdb.DuckDBPyConnection, suite: Suite, start: date | None, end: date | None
) -> tuple[str, dict[str, Any]]:
    """What validate reads the window's rows from, and its parameters: the suite's table
    or query; for a ``split_by_date`` suite and a window of several dates, a temporary
    table of the window's rows, made once (DuckDB spills it to disk beyond its memory
    limit), which is counted by date and read chunk by chunk. A query suite's query then
    runs once, not once to count the rows and again to read them (at `large`, counting
    was 2.2 s of plausible_counts' 5.2 s on a daily run's three dates)."""
    params = suite.parameters(start, end)
    rows = f"select * from {suite.table} as t"
    if suite.date_column and start and end:
        rows += f" where {suite.date_column} between $start and $end"
        params.update(start=start, end=end)
    if not _by_date(suite, start, end):
        return f"({rows})", params
    con.execute(f"create or replace temp table {WINDOW_TABLE} as {rows}", params)
    return WINDOW_TABLE, {}


def _chunks(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    source: str,
    params: dict[str, Any],
    start: date | None,
    end: date | None,
) -> list[tuple[date | None, date | None]]:
    """Consecutive date ranges of at most CHUNK_ROWS rows (one range unless ``_by_date``)."""
    if not _by_date(suite, start, end):
        return [(start, end)]
    counts = con.execute(
        f"select {suite.date_column} as d, count(*) as n from {source} group by 1 order by 1",
        params,
    ).fetchall()
    if not counts:
        return [(start, end)]
    chunks: list[tuple[date | None, date | None]] = []
    first = previous = counts[0][0]
    rows = 0
    for day, n in counts:
        if rows and rows + n > CHUNK_ROWS:
            chunks.append((first, previous))
            first, rows = day, 0
        rows += n
        previous = day
    chunks.append((first, previous))
    return chunks


def _run(
    context: Any, suite: Suite, frame: Any, keep: bool, run_name: str | None
) -> tuple[Any, list[Any]]:
    """The GX validation of ``frame``, and when ``keep``, the identifiers of the result a
    checkpoint stored and of its suite (their pages are written after the last chunk)."""
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
    )
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    gx_suite = gx.ExpectationSuite(name=suite.name)
    for kind, kwargs in suite.expectations:
        gx_suite.add_expectation(ExpectationConfiguration(type=kind, kwargs=kwargs).to_domain_obj())
    # one data source per suite, replaced each run: the frame is the run's window
    source = context.data_sources.add_or_update_pandas(f"{suite.name}_source")
    asset = source.add_dataframe_asset(suite.name)
    batch_definition = asset.add_batch_definition_whole_dataframe("window")
    # SUMMARY: counts and the first rows' positions, not every failing row (memory, docs size)
    result_format = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_ROWS}
    if not keep:
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
        return batch.validate(gx_suite, result_format=result_format), []
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(
            name=suite.name, data=batch_definition, suite=context.suites.add_or_update(gx_suite)
        )
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=suite.name,
            validation_definitions=[definition],
            actions=[],  # the pages: validate's one update after the last chunk
            result_format=result_format,
        )
    )
    run = checkpoint.run(
        batch_parameters={"dataframe": frame}, run_id=RunIdentifier(run_name=run_name)
    )
    ((identifier, validation),) = run.run_results.items()
    return validation, [identifier, ExpectationSuiteIdentifier(name=suite.name)]


def _numeric(frame: Any) -> Any:
    """``frame`` with its integer columns as NumPy int64, or float64 where they may hold
    nulls (pandas' nullable integers) or are unsigned: GX compares numbers column-wise
    only on NumPy's int64 and float64, and on any other type calls a Python function per
    value (at `large`, 1.2 s of staging__content_daily's 2.7 s on a daily run's three
    dates). The failures' samples are taken from the frame as read; the Data Docs pages
    show such a column's unexpected values as floats."""
    import pandas as pd

    converted = {}
    for column, dtype in frame.dtypes.items():
        if not pd.api.types.is_integer_dtype(dtype) or str(dtype) == "int64":
            continue
        signed = pd.api.types.is_signed_integer_dtype(dtype)
        nullable = isinstance(dtype, pd.api.extensions.ExtensionDtype)
        converted[column] = frame[column].astype("int64" if signed and not nullable else "float64")
    return frame.assign(**converted) if converted else frame


def _read(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    source: str,
    params: dict[str, Any],
    first: date | None,
    last: date | None,
):
    """The rows of ``first``..``last`` of ``source`` (``_source``), as a pandas frame."""
    query = f"select * from {source} as w"
    if suite.split_by_date and first and last:
        query += f" where {suite.date_column} between $first and $last"
        params = {**params, "first": first, "last": last}
    return con.execute(query, params).df()
