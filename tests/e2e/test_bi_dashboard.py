"""The dashboard end to end: a small pipeline publishes the mart, ``bi/superset_ctl.py``
starts Superset on it as ``make bi`` does, and Debian's Chromium opens every page.

Each page must render every chart with no error panel; the matrix page's numbers and the
account ranking for the last published day must equal the published KPI tables (read here
with duckdb); a publish that renames a new file over the served one must show on the next
refresh. Screenshots stay in data/docs/ (bi_<n>.png).
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from devtools.simulator.harness import start_simulator
from ingestion.settings import REPO_ROOT
from orchestration.partitions import days_between
from orchestration.runs import ingestion_keys, run_pipeline
from serving.chromium import CHROMIUM, CHROMIUM_FLAGS
from tests.helpers import require_chromium

pytestmark = [pytest.mark.e2e, pytest.mark.ui]

WARM_UP, END = date(2026, 11, 16), date(2026, 11, 18)
BI_PYTHON = REPO_ROOT / "bi" / ".venv" / "bin" / "python"
CTL = REPO_ROOT / "bi" / "superset_ctl.py"
SCREENSHOTS = REPO_ROOT / "data" / "docs"
PAGES = ["今日矩阵", "平台对比", "账号排行", "内容记分卡", "转化漏斗", "用户"]
# the pages' charts and their error panels as Superset 6 draws them
CHART = ".dashboard-component-chart-holder"
ERROR = ".ant-alert-error, .alert-danger"
LOADING = "[data-test='loading-indicator'], .loading"
DRAWN = "svg, canvas, table, .header-line, .ant-alert, .ant-empty"
# nothing leaves the machine: every host but loopback fails to resolve
OFFLINE = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


@dataclass
class Dashboard:
    url: str
    home: Path
    password: str

    @property
    def served(self) -> Path:
        return self.home / "serving" / "socialmart.duckdb"

    def published(self, sql: str) -> list[tuple]:
        con = duckdb.connect(str(self.served), read_only=True)
        try:
            return con.sql(sql).fetchall()
        finally:
            con.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_ctl(home: Path, *args: str) -> subprocess.Popen:
    if not BI_PYTHON.exists():
        pytest.fail("bi/.venv is missing: `make test` installs it (make bi/.venv/bin/.installed)")
    return subprocess.Popen(
        [str(BI_PYTHON), str(CTL), *args, "--home", str(home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )


def finish_ctl(process: subprocess.Popen) -> str:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, f"superset_ctl {process.args[2:]}: {out}\n{err}"
    return out


def ctl(home: Path, *args: str) -> str:
    return finish_ctl(start_ctl(home, *args))


def dashboard_keys() -> list[dg.AssetKey]:
    from orchestration.definitions import defs

    pages = {dg.AssetKey(["serving", "dbt_docs"]), dg.AssetKey(["serving", "reports"])}
    return [key for key in defs.resolve_all_asset_keys() if key not in pages]


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    """`make demo` then `make bi`, in small: three days published, Superset on them."""
    home = tmp_path_factory.mktemp("bi") / "home"
    # Superset's metadata needs no mart: made while the pipeline builds one
    preparing = start_ctl(home, "prepare")
    sim = start_simulator(
        home, today=WARM_UP + timedelta(days=1), scale="tiny", history_start=date(2026, 10, 1)
    )
    saved = os.environ.copy()
    os.environ.update(sim.environ())
    # dbt's unit tests check SQL on fixed inputs: the simulated week's build runs them
    os.environ["DBT_EXCLUDE_RESOURCE_TYPES"] = "unit_test"
    try:
        with dg.DagsterInstance.ephemeral() as instance:
            for day in days_between(WARM_UP, END):
                sim.set_today(day + timedelta(days=1))
                run_pipeline(instance, day, asset_selection=ingestion_keys())
            # what the dashboard reads: everything but the docs and reports pages (the
            # simulated week's build writes those, tests/e2e/test_pipeline_e2e.py)
            run_pipeline(instance, WARM_UP, END, asset_selection=dashboard_keys())
    except BaseException:
        preparing.kill()
        preparing.communicate()
        raise
    finally:
        os.environ.clear()
        os.environ.update(saved)
        sim.stop()
    finish_ctl(preparing)
    port = free_port()
    started = ctl(home, "start", "--port", str(port))
    try:
        password = (home / "bi" / "admin_password").read_text().strip()
        assert f"http://127.0.0.1:{port}/superset/dashboard/socialmart/" in started
        yield Dashboard(f"http://127.0.0.1:{port}", home, password)
    finally:
        stopped = ctl(home, "stop")
        assert "stopped" in stopped, stopped


@pytest.fixture(scope="module")
def page(dashboard: Dashboard) -> Iterator[Page]:
    require_chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*CHROMIUM_FLAGS, *OFFLINE], timeout=60_000
        )
        try:
            tab = chromium.new_page(
                viewport={"width": 1600, "height": 1200}, timezone_id="Asia/Shanghai"
            )
            tab.set_default_timeout(60_000)
            tab.goto(f"{dashboard.url}/login/")
            tab.locator("#username").fill("admin")
            tab.locator("#password").fill(dashboard.password)
            tab.locator("#password").press("Enter")
            tab.wait_for_url(lambda url: "/login" not in url)
            yield tab
        finally:
            chromium.close()


def open_page(tab: Page, title: str) -> list[str]:
    """Open the dashboard's tab ``title`` and wait until every chart on it has drawn (or
    failed); return the texts of the error panels shown."""
    tab.get_by_role("tab", name=title).click()
    drawn = """([chartSel, loadingSel, drawnSel, errorSel]) => {
        const shown = [...document.querySelectorAll(chartSel)].filter(c => c.offsetParent);
        const done = shown.length > 0 && shown.every(
            c => !c.querySelector(loadingSel) && c.querySelector(drawnSel));
        return done && shown.flatMap(
            c => [...c.querySelectorAll(errorSel)].map(e => e.innerText));
    }"""
    arg = [CHART, LOADING, DRAWN, ERROR]
    tab.wait_for_function(drawn, arg=arg)
    # the page settles (the filter state joins the URL and the grid may draw again): ask
    # again once nothing is loading
    tab.wait_for_load_state("networkidle")
    return tab.wait_for_function(drawn, arg=arg).json_value()


def chart(tab: Page, title: str):
    """The shown chart whose header is ``title``."""
    return tab.locator(f"{CHART}:visible").filter(has=tab.get_by_text(title, exact=True))


def test_every_page_renders_without_errors(page: Page, dashboard: Dashboard):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{dashboard.url}/superset/dashboard/socialmart/")
    for n, title in enumerate(PAGES, start=1):
        errors = open_page(page, title)
        page.screenshot(path=str(SCREENSHOTS / f"bi_{n}.png"), full_page=True)
        assert errors == [], f"{title}: {errors}"
        # at least two charts shown; the grid may draw again after the wait, so this polls
        expect(page.locator(f"{CHART}:visible").nth(1), title).to_be_visible()


def test_matrix_numbers_equal_the_published_kpi_tables(page: Page, dashboard: Dashboard):
    views, rate, followers, gmv, day = dashboard.published(
        """select views, engagement_rate, gross_new_followers, total_gmv_yuan, business_date
        from kpi.kpi_matrix_daily order by business_date desc limit 1"""
    )[0]
    assert day == END
    page.goto(f"{dashboard.url}/superset/dashboard/socialmart/")
    assert open_page(page, PAGES[0]) == []
    # formatted independently of Superset: d3's ",d", ".2%" and ",.2f" as Python writes them
    assert f"{views:,}" in chart(page, "播放/阅读量").inner_text()
    assert f"{rate:.2%}" in chart(page, "互动率").inner_text()
    assert f"{followers:,}" in chart(page, "新增粉丝").inner_text()
    assert f"{gmv:,.2f}" in chart(page, "总GMV(元)").inner_text()
    statuses = dashboard.published(
        f"""select status, count(*) from kpi.kpi_status
        where business_date = '{END}' and scope in ('matrix', 'platform') group by 1"""
    )
    cells = chart(page, "KPI 达标(红黄绿)").locator("tbody td").all_inner_texts()
    for status, count in statuses:
        assert cells.count(status) == count, (status, cells)
    # KPIs by their Chinese names (kpi_targets), as the operations plan writes them
    names = dashboard.published(
        f"""select distinct kpi_name from kpi.kpi_status
        where business_date = '{END}' and scope = 'matrix'"""
    )
    assert names and all(name in cells for (name,) in names), (names, cells)


def test_accounts_ranked_by_role_for_the_day(page: Page, dashboard: Dashboard):
    page.goto(f"{dashboard.url}/superset/dashboard/socialmart/")
    assert open_page(page, "账号排行") == []
    for role in ("主号", "辅助号", "知识号"):
        ranked = dashboard.published(
            f"""select a.account_name from kpi.kpi_account_daily as k
            join mart.dim_account as a using (account_key)
            where k.business_date = '{END}' and a.account_role = '{role}'
            order by k.views desc nulls last"""
        )
        rows = chart(page, f"{role} 排行").locator("tbody tr")
        assert rows.count() == len(ranked), role
        if ranked:
            assert ranked[0][0] in rows.first.inner_text(), role


def test_a_new_publish_is_seen_on_the_next_refresh(page: Page, dashboard: Dashboard):
    """A publish builds a new file and renames it over the served one (docs/serving.md):
    Superset must read the new file, not keep the old one open."""
    (views,) = dashboard.published(
        f"select views from kpi.kpi_matrix_daily where business_date = '{END}'"
    )[0]
    changed = views + 1_234_567
    staged = dashboard.served.with_name("socialmart.duckdb.next")
    shutil.copyfile(dashboard.served, staged)
    con = duckdb.connect(str(staged))
    try:
        con.execute(
            f"update kpi.kpi_matrix_daily set views = {changed} where business_date = '{END}'"
        )
    finally:
        con.close()
    os.replace(staged, dashboard.served)
    page.goto(f"{dashboard.url}/superset/dashboard/socialmart/")
    assert open_page(page, PAGES[0]) == []
    assert f"{changed:,}" in chart(page, "播放/阅读量").inner_text()


def test_superset_knows_only_the_published_mart_read_only(dashboard: Dashboard):
    """One database in Superset: the served file, opened read-only (never the warehouse)."""
    con = sqlite3.connect(dashboard.home / "bi" / "superset.db")
    try:
        uris = [uri for (uri,) in con.execute("select sqlalchemy_uri from dbs")]
    finally:
        con.close()
    assert uris == [f"duckdb:///{dashboard.served.resolve()}?access_mode=read_only"]
