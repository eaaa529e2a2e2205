"""dbt docs for people: the warehouse's models, columns, tests, lineage and each column's
classification (public / internal / personal), as one static HTML page under data/docs/."""

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.dbt_assets import manifest_path
from orchestration.partitions import daily_partitions
from orchestration.publish_assets import PUBLISHED_KEY
from orchestration.resources import DUCKDB_POOL, SocialmartSettings, Warehouse

DBT_DOCS_KEY = dg.AssetKey(["serving", "dbt_docs"])


@dg.asset(
    key=DBT_DOCS_KEY,
    deps=[PUBLISHED_KEY],
    partitions_def=daily_partitions,  # runs in the daily job; the docs cover the warehouse
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=DUCKDB_POOL,  # the catalog is read from the warehouse file
    group_name="serving",
    kinds={"dbt", "html"},
    owners=["team:data"],
    description="dbt docs of the warehouse (models, columns with their classification, tests, "
    "lineage) as data/docs/dbt/index.html, one self-contained page; rebuilt after a publish.",
)
def dbt_docs(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    settings: SocialmartSettings,
    warehouse: Warehouse,
):
    paths = settings.paths()
    site = paths.docs / "dbt"
    index = dg.MetadataValue.path(str(site / "index.html"))
    fingerprint = docs_fingerprint(warehouse)
    stamp = site / "fingerprint.txt"
    if stamp.exists() and stamp.read_text(encoding="utf-8") == fingerprint:
        # a daily run changes rows, not models or columns: the page would be the same
        return dg.MaterializeResult(metadata={"index": index, "rebuilt": False})
    staged = site.with_name(".dbt.tmp")
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="dbt-docs-") as tmp:
        target = Path(tmp)
        # the parse the run's dbt build saved, with the same vars: not parsed again
        saved = warehouse.dbt_target() / "partial_parse.msgpack"
        if saved.exists():
            shutil.copyfile(saved, target / saved.name)
        args = ["docs", "generate", "--static", "--vars", json.dumps(warehouse.dbt_vars())]
        dbt.cli(args, target_path=target).wait()
        shutil.copyfile(target / "static_index.html", staged / "index.html")
        for artifact in ("manifest.json", "catalog.json"):
            shutil.copyfile(target / artifact, staged / artifact)
    (staged / "fingerprint.txt").write_text(fingerprint, encoding="utf-8")
    shutil.rmtree(site, ignore_errors=True)
    staged.rename(site)
    return dg.MaterializeResult(metadata={"index": index, "rebuilt": True})


def docs_fingerprint(warehouse: Warehouse) -> str:
    """What the page shows: the project (its parsed manifest) and the warehouse's columns."""
    digest = hashlib.sha256(manifest_path().read_bytes())
    con = warehouse.connect(read_only=True)
    try:
        columns = con.execute(
            "select table_schema, table_name, column_name, data_type "
            "from information_schema.columns where table_catalog = current_database() "
            "order by all"
        ).fetchall()
    finally:
        con.close()
    digest.update(repr(columns).encode())
    return digest.hexdigest()
