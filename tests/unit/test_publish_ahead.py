"""A publish prepared ahead (while the gates run): nothing of it is seen before the swap,
a cancelled or discarded one leaves nothing, and the thread hands over its result or
its error."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import duckdb
import pytest

from serving import ahead
from serving.publishing import Cancelled, PublishError, prepare, publish
from tests.unit.test_publishing import make_warehouse


def served_state(serving: Path, parquet: Path) -> tuple[str, str]:
    return hashlib.sha256(serving.read_bytes()).hexdigest(), os.readlink(parquet)


def people(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("select count(*) from mart.bridge_user_identity").fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def published(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A warehouse of 2 people, published; then grown to 5 people."""
    warehouse, serving, parquet = tmp_path / "wh.duckdb", tmp_path / "s.duckdb", tmp_path / "pq"
    make_warehouse(warehouse, people=2)
    publish(warehouse, serving, parquet, "run-1")
    warehouse.unlink()
    make_warehouse(warehouse, people=5)
    return warehouse, serving, parquet


def test_a_prepared_publish_is_seen_only_once_swapped(published):
    warehouse, serving, parquet = published
    before = served_state(serving, parquet)

    prepared = prepare(warehouse, serving, parquet, "run-2")

    assert served_state(serving, parquet) == before  # readers still see run-1's
    assert people(serving) == 2
    assert prepared.tmp.exists() and prepared.folder.is_dir() and prepared.current()
    result = prepared.swap()
    assert result.tables["mart.bridge_user_identity"] == 5
    assert people(serving) == 5
    assert os.readlink(parquet) == prepared.folder.name


def test_a_discarded_or_cancelled_publish_leaves_the_served_mart_and_nothing_else(published):
    warehouse, serving, parquet = published
    before = served_state(serving, parquet)
    files = sorted(p.name for p in serving.parent.iterdir())

    prepare(warehouse, serving, parquet, "run-2").discard()
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        prepare(warehouse, serving, parquet, "run-3", cancelled=stop)

    assert served_state(serving, parquet) == before
    assert sorted(p.name for p in serving.parent.iterdir()) == files


def test_a_publish_prepared_on_a_served_file_since_replaced_is_not_current(published):
    warehouse, serving, parquet = published
    prepared = prepare(warehouse, serving, parquet, "run-2")
    publish(warehouse, serving, parquet, "run-3")  # another publish in between
    assert not prepared.current()
    prepared.discard()


def test_ahead_hands_over_the_prepared_publish_or_its_error(published):
    warehouse, serving, parquet = published
    ahead.start(serving, "run-2", lambda stop: prepare(warehouse, serving, parquet, "run-2"))
    prepared = ahead.take(serving, "run-2")
    assert prepared is not None
    prepared.swap()
    assert people(serving) == 5
    assert ahead.take(serving, "run-2") is None  # taken once; a run that started none

    empty = warehouse.with_name("empty.duckdb")
    duckdb.connect(str(empty)).close()
    ahead.start(serving, "run-3", lambda stop: prepare(empty, serving, parquet, "run-3"))
    with pytest.raises(PublishError, match="nothing to publish"):
        ahead.take(serving, "run-3")
    assert not list(serving.parent.glob(".s.duckdb.*"))  # its hidden file is gone
    assert people(serving) == 5  # and the served mart is the last swapped in


def test_a_failed_gate_cancels_the_runs_prepared_publish(published):
    warehouse, serving, parquet = published
    before = served_state(serving, parquet)
    release = threading.Event()

    def slow(stop: threading.Event):
        release.wait(10)  # the gate fails while it is still at work
        return prepare(warehouse, serving, parquet, "run-2", cancelled=stop)

    ahead.start(serving, "run-2", slow)
    canceller = threading.Thread(target=ahead.cancel, args=(serving, "run-2"))
    canceller.start()
    release.set()
    canceller.join(10)

    assert not canceller.is_alive()
    assert ahead.take(serving, "run-2") is None
    assert served_state(serving, parquet) == before
    assert not list(serving.parent.glob(".s.duckdb.*"))
    assert sorted(p.name for p in serving.parent.glob("pq-*")) == [before[1]]


def test_a_new_run_cancels_the_prepared_publish_of_one_that_never_published(published):
    warehouse, serving, parquet = published
    ahead.start(serving, "old", lambda stop: prepare(warehouse, serving, parquet, "old"))
    ahead.start(serving, "new", lambda stop: prepare(warehouse, serving, parquet, "new"))
    assert ahead.take(serving, "old") is None
    prepared = ahead.take(serving, "new")
    assert prepared is not None and prepared.current()
    prepared.swap()
    assert len(list(serving.parent.glob("pq-*"))) == 2  # run-1's and this one's
