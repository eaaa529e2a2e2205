"""dbt docs for people: the warehouse's models, columns, tests, lineage and each column's
classification (public / internal / personal), as one static HTML page under data/docs/."""

import os
import shutil
import tempfile
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.ingestion_assets import DUCKDB_POOL
from orchestration.partitions import daily_partitions
from orchestration.publish_assets import PUBLISHED_KEY
from orchestration.resources import SocialmartSettings

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
def dbt_docs(context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: SocialmartSettings):
    paths = settings.paths()
    os.environ["SOCIALMART_WAREHOUSE"] = str(paths.warehouse)
    site = paths.docs / "dbt"
    with tempfile.TemporaryDirectory(prefix="dbt-docs-") as tmp:
        target = Path(tmp)
        dbt.cli(["docs", "generate", "--static"], target_path=target).wait()
        staged = site.with_name(".dbt.tmp")
        shutil.rmtree(staged, ignore_errors=True)
        staged.mkdir(parents=True)
        shutil.copyfile(target / "static_index.html", staged / "index.html")
        for artifact in ("manifest.json", "catalog.json"):
            shutil.copyfile(target / artifact, staged / artifact)
    shutil.rmtree(site, ignore_errors=True)
    staged.rename(site)
    return dg.MaterializeResult(metadata={"index": dg.MetadataValue.path(str(site / "index.html"))})
