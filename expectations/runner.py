"""Runs an expectation suite (a YAML file in ``suites/``) on a date window of a table.

A suite names its table, the date column that bounds it to the run's window, and a list
of Great Expectations 1.x expectations in snake_case with their arguments. Rows are read
from DuckDB once (bounded by the window) and validated through GX's pandas datasource:
GX has no DuckDB dialect.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import yaml

SUITES_DIR = Path(__file__).parent / "suites"
SAMPLE_ROWS = 5


@dataclass(frozen=True)
class Suite:
    name: str
    table: str
    date_column: str | None
    expectations: list[tuple[str, dict[str, Any]]]

    @classmethod
    def load(cls, name: str, folder: Path = SUITES_DIR) -> Suite:
        path = folder / f"{name}.yml"
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        items = []
        for i, entry in enumerate(spec.get("expectations") or [], start=1):
            if not isinstance(entry, dict) or len(entry) != 1:
                raise ValueError(f"{path}: expectation {i} must be one 'type: {{kwargs}}' mapping")
            ((kind, kwargs),) = entry.items()
            items.append((kind, dict(kwargs or {})))
        return cls(name, spec["table"], spec.get("date_column"), items)


@dataclass
class Failure:
    expectation: str
    kwargs: dict[str, Any]
    unexpected_count: int | None
    sample: list[dict[str, Any]] = field(default_factory=list)

    def describe(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.kwargs.items())
        count = "" if self.unexpected_count is None else f": {self.unexpected_count} row(s)"
        return f"{self.expectation}({args}){count}"


@dataclass
class Outcome:
    suite: str
    table: str
    rows_checked: int
    evaluated: int
    failures: list[Failure]

    @property
    def passed(self) -> bool:
        return not self.failures

    def metadata(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "table": self.table,
            "rows_checked": self.rows_checked,
            "expectations_evaluated": self.evaluated,
            "failed_expectations": [f.describe() for f in self.failures],
            "failing_rows_sample": [
                {"expectation": f.expectation, "rows": f.sample} for f in self.failures
            ],
        }


def validate(suite: Suite, warehouse: Path, start: date | None, end: date | None) -> Outcome:
    """Validate ``start``..``end`` (inclusive) of the suite's table; the whole table if None."""
    frame = _read(suite, warehouse, start, end)

    import great_expectations as gx  # ~5 s to import: only when a check actually runs
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    batch = (
        context.data_sources.add_pandas(f"{suite.name}_source")
        .add_dataframe_asset(suite.name)
        .add_batch_definition_whole_dataframe("window")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    gx_suite = gx.ExpectationSuite(name=suite.name)
    for kind, kwargs in suite.expectations:
        gx_suite.add_expectation(ExpectationConfiguration(type=kind, kwargs=kwargs).to_domain_obj())
    result = batch.validate(gx_suite, result_format={"result_format": "COMPLETE"})
    failures = []
    for r in result.results:
        if r.success:
            continue
        config = r.expectation_config
        details = r.result or {}
        index = details.get("unexpected_index_list") or []
        positions = [i for i in index if isinstance(i, int)][:SAMPLE_ROWS]
        sample = json.loads(frame.iloc[positions].to_json(orient="records", date_format="iso"))
        if r.exception_info and r.exception_info.get("raised_exception"):
            sample = [{"error": str(r.exception_info.get("exception_message"))}]
        kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
        failures.append(Failure(config.type, kwargs, details.get("unexpected_count"), sample))
    return Outcome(suite.name, suite.table, len(frame), len(result.results), failures)


def _read(suite: Suite, warehouse: Path, start: date | None, end: date | None):
    query = f"select * from {suite.table}"
    params: list[Any] = []
    if suite.date_column and start and end:
        query += f" where {suite.date_column} between ? and ?"
        params = [start, end]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(query, params).df()
    finally:
        con.close()
