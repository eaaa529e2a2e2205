"""The publish a run makes: the same one whether the run prepared it while its gates ran
(``serving.ahead``, started when dbt is done) or makes it in the publish step."""

from __future__ import annotations

import threading

import dagster as dg

from orchestration.resources import Warehouse
from serving import ahead
from serving.publishing import (
    Prepared,
    Published,
    personal_columns,
    prepare,
    stamped_columns,
    unique_keys,
)


def prepare_publish(
    warehouse: Warehouse, run_id: str, manifest: dict, cancelled: threading.Event | None = None
) -> Prepared:
    """This run's publish of the warehouse, made but not yet seen (``Prepared.swap``)."""
    paths = warehouse.settings.paths()
    return prepare(
        warehouse.path(),
        paths.serving_db,
        paths.serving_parquet,
        run_id,
        personal_columns(manifest),
        stamped=stamped_columns(manifest),
        unique=unique_keys(manifest),
        cancelled=cancelled,
        **warehouse.limits(),
    )


def prepare_ahead(warehouse: Warehouse, run_id: str, manifest: dict) -> None:
    """Start this run's publish in a thread, to be taken by its publish step once every
    gate passed; only when nothing but reads of the warehouse comes between."""
    ahead.start(
        warehouse.settings.paths().serving_db,
        run_id,
        lambda cancelled: prepare_publish(warehouse, run_id, manifest, cancelled),
    )


def cancel_ahead(warehouse: Warehouse, run_id: str) -> None:
    """A gate of the run failed: its publish will not be made; stop and remove it."""
    ahead.cancel(warehouse.settings.paths().serving_db, run_id)


def publish_run(
    warehouse: Warehouse, run_id: str, manifest: dict, log: dg.DagsterLogManager
) -> tuple[Published, bool]:
    """Make this run's publish seen (its gates passed): the one prepared while they ran,
    else one made now (the run started none, or another publish replaced the served file
    meanwhile); and whether it was the prepared one."""
    prepared = ahead.take(warehouse.settings.paths().serving_db, run_id)
    if prepared is not None and prepared.current():
        return prepared.swap(), True
    if prepared is None:
        log.info("no publish was prepared while the gates ran: making it now")
    else:
        log.info("the served file changed since the publish was prepared: again")
        prepared.discard()
    return prepare_publish(warehouse, run_id, manifest).swap(), False
