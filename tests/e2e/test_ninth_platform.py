"""A ninth, made-up platform added through the platform table alone.

云雀 (Yunque, made up for this test) is an export platform: one entry in the table with
its two export tables' layouts, and nothing else. Its dbt inputs are generated into a
copy of the dbt project (as ``make platforms`` would write them into the repository), a
small export file is dropped in its inbox, and one in-process run ingests it and builds
dbt: its numbers reach ``mart.fct_content_daily`` and ``kpi.kpi_account_daily`` with no
SQL written for it.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_dbt import DbtProject

from ingestion.erasure import ensure_tables
from ingestion.platforms import PLATFORMS, PlatformInfo, dbt_inputs
from ingestion.platforms.export_files import ExportKind, ExportLayout
from ingestion.raw import load_day
from ingestion.runner import raw_tables
from ingestion.schema import RecordSchema
from orchestration.dbt_assets import DbtCli, build_dbt_assets, dbt_executable
from orchestration.ingestion_assets import account_registry, build_platform_asset
from orchestration.partitions import range_tags
from orchestration.resources import SocialmartSettings, Warehouse

pytestmark = pytest.mark.e2e

DAYS = (date(2026, 11, 1), date(2026, 11, 2))
POST_HEADERS = ("日期", "账号ID", "作品ID", "标题", "发布时间", "浏览量", "点赞", "评论")
FANS_HEADERS = ("日期", "账号ID", "粉丝数")

YUNQUE = PlatformInfo(
    "yunque",
    "云雀",
    "Yunque",
    exports={
        "post_daily": ExportKind(
            "作品ID",
            RecordSchema(
                required=("日期", "账号ID", "作品ID", "发布时间", "浏览量"),
                counts=("浏览量", "点赞", "评论"),
                timestamps=("发布时间",),
                dates=("日期",),
            ),
            layout=ExportLayout(
                "content_daily",
                {"views": "浏览量", "likes": "点赞", "comments": "评论"},
                content_id="作品ID",
                title="标题",
                published_at="发布时间",
                form="short_video",
            ),
        ),
        "fans_daily": ExportKind(
            "粉丝数",
            RecordSchema(
                required=("日期", "账号ID", "粉丝数"), counts=("粉丝数",), dates=("日期",)
            ),
            layout=ExportLayout("account_daily", {"followers_total": "粉丝数"}),
        ),
    },
)


def write_csv(path: Path, headers: tuple[str, ...], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        writer.writerows(rows)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory):
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setitem(PLATFORMS, YUNQUE.key, YUNQUE)  # the one entry in the table
    monkeypatch.setenv("SOCIALMART_HASH_KEY", "ninth-platform-test-key-0123456789")
    # dbt's unit tests check SQL on fixed inputs: the simulated week's build runs them
    monkeypatch.setenv("DBT_EXCLUDE_RESOURCE_TYPES", "unit_test")
    tmp = tmp_path_factory.mktemp("ninth")
    home = tmp / "home"
    home.mkdir()
    # what profiles.yml reads (the dbt step sets it too); undone after
    monkeypatch.setenv("SOCIALMART_WAREHOUSE", str(home / "warehouse.duckdb"))
    try:
        # dbt's copy of the table, generated into a copy of the project
        project_dir = tmp / "dbt_project"
        shutil.copytree(
            dbt_inputs.DBT_DIR,
            project_dir,
            ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"),
        )
        dbt_inputs.write(project_dir)
        # its manifest is parsed by build_dbt_assets (manifest_path), as for the repository's
        project = DbtProject(project_dir=project_dir, profiles_dir=project_dir)

        (home / "accounts.csv").write_text(
            "platform,account_id,account_name,role\nyunque,Y1,云雀品牌号,主号\n", encoding="utf-8"
        )
        inbox = home / "inbox" / "yunque"
        write_csv(
            inbox / "作品数据.csv",
            POST_HEADERS,
            [
                [DAYS[0], "Y1", "p1", "新品发布", f"{DAYS[0]} 09:00:00", 1000, 80, 20],
                [DAYS[1], "Y1", "p1", "新品发布", f"{DAYS[0]} 09:00:00", 600, 40, 10],
            ],
        )
        write_csv(
            inbox / "粉丝数据.csv", FANS_HEADERS, [[DAYS[0], "Y1", 500], [DAYS[1], "Y1", 520]]
        )
        # every other platform's raw tables exist and stay empty
        con = duckdb.connect(str(home / "warehouse.duckdb"))
        for key, entity in raw_tables():
            load_day(con, key, [entity], DAYS[0], {}, "setup")
        ensure_tables(con)
        con.close()

        settings = SocialmartSettings(home=str(home))
        result = dg.materialize(
            [
                build_platform_asset(YUNQUE),
                account_registry,
                build_dbt_assets(project, name="yunque_dbt"),
            ],
            resources={
                "settings": settings,
                "warehouse": Warehouse(settings=settings),
                "dbt": DbtCli(project_dir=project, dbt_executable=dbt_executable()),
            },
            tags=range_tags(*DAYS),
            instance=dg.DagsterInstance.ephemeral(),
        )
        assert result.success
        con = duckdb.connect(str(settings.paths().warehouse), read_only=True)
        yield con
        con.close()
    finally:
        monkeypatch.undo()


def test_its_contents_reach_fct_content_daily(warehouse):
    rows = warehouse.execute(
        "select content_key, account_key, business_date, views, likes, comments, shares "
        "from mart.fct_content_daily where platform = 'yunque' order by business_date"
    ).fetchall()
    assert rows == [
        ("yunque:p1", "yunque:Y1", DAYS[0], 1000, 80, 20, None),
        ("yunque:p1", "yunque:Y1", DAYS[1], 600, 40, 10, None),
    ]


def test_its_account_reaches_kpi_account_daily(warehouse):
    rows = warehouse.execute(
        "select account_key, business_date, views, interactions, engagement_rate, "
        "followers_total from kpi.kpi_account_daily where platform = 'yunque' "
        "order by business_date"
    ).fetchall()
    assert rows == [
        ("yunque:Y1", DAYS[0], 1000, 100, pytest.approx(0.1), 500),
        ("yunque:Y1", DAYS[1], 600, 50, pytest.approx(50 / 600), 520),
    ]
    names = warehouse.execute(
        "select platform_name, delivery from mart.dim_platform where platform = 'yunque'"
    ).fetchall()
    assert names == [("云雀", "export")]
