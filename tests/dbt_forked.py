"""dbt commands for the tests, each forked from a process that has imported dbt already.

A test suite runs dbt some fifty times; a fresh ``dbt`` process spends about 2.7 of its
4.7 seconds (a small selection on a tiny warehouse) importing dbt. The standard library's
forkserver imports it once per pytest process (``set_forkserver_preload``) and forks each
command from there, as the ``dbt`` executable would run it: same arguments, working folder
and environment, output to a file. Only the standard library is imported here: this
module is what each forked command imports.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
from collections.abc import Mapping, Sequence
from multiprocessing.process import BaseProcess
from pathlib import Path

PRELOAD = ["dbt.cli.main"]


def _context() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def _run(args: list[str], cwd: str, env: dict[str, str], output: str) -> None:
    """The forked command: ``dbt <args>`` in ``cwd`` with ``env``, writing to ``output``."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    fd = os.open(output, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import cli

    try:
        cli.main(args=args, prog_name="dbt")  # exits with dbt's exit code
    finally:
        # a forked process ends in os._exit, without the interpreter's shutdown that closes
        # the warehouse dbt-duckdb keeps open: closed here, its writes checkpointed into the
        # file as when a dbt process exits (a copy of the file alone then holds them)
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()


class DbtProcess:
    """A started dbt command; ``wait`` returns its exit code as ``Popen.wait`` does."""

    def __init__(self, process: BaseProcess, args: Sequence[str]) -> None:
        self._process = process
        self.args = list(args)

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(["dbt", *self.args], timeout or 0)
        return self._process.exitcode


def start(args: Sequence[str], cwd: Path, env: Mapping[str, str], output: Path) -> DbtProcess:
    """``dbt <args>`` started in ``cwd`` with ``env``, its output appended to ``output``."""
    process = _context().Process(
        target=_run, args=(list(args), str(cwd), dict(env), str(output)), name="dbt"
    )
    process.start()
    return DbtProcess(process, args)
