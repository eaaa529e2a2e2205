"""GX Data Docs work with the network off: the pages load the npm registry's copies of the
scripts and styles GX's templates take from CDNs, copied into the site."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from expectations.data_docs import (
    ASSETS,
    NODE_MODULES,
    VENDOR,
    DataDocs,
    Vendor,
    localize,
    localize_site,
)
from expectations.runner import Suite, validate
from serving.chromium import CHROMIUM
from serving.chromium import CHROMIUM_FLAGS as BROWSER_FLAGS

# and no name resolves, should anything try
CHROMIUM_FLAGS = [*BROWSER_FLAGS, "--host-resolver-rules=MAP * ~NOTFOUND"]
SUITES = {
    "notes": """
table: staging.note_daily
expectations:
  - expect_column_values_to_be_between: {column: views, min_value: 0}
""",
    "note_keys": """
table: staging.note_daily
expectations:
  - expect_compound_columns_to_be_unique: {column_list: [note_id, business_date]}
""",
}


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """Data Docs of two suites validated on a hand-made warehouse (one fails, one passes)."""
    if not Vendor().usable() and not under_ci():
        pytest.skip(f"no assets in {NODE_MODULES} (make install runs npm ci)")
    warehouse = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema staging")
    con.execute(
        """create table staging.note_daily as
        select date '2026-11-01' as business_date, 'n' || i as note_id,
            case when i = 1 then -1 else 10 end as views
        from range(4) as t(i)"""
    )
    con.close()
    folder = tmp_path / "suites"
    folder.mkdir()
    for name, spec in SUITES.items():
        (folder / f"{name}.yml").write_text(spec, encoding="utf-8")
    docs = DataDocs(project=tmp_path / "home", site=tmp_path / "home" / "docs" / "gx")
    for name in SUITES:
        validate(Suite.load(name, folder), warehouse, None, None, docs=docs, run_name=f"run-{name}")
    return docs.site


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if under_ci():
            pytest.fail(f"{CHROMIUM} is missing under CI: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); under CI this fails")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, timeout=60_000
        )
        try:
            yield chromium
        finally:
            chromium.close()


def test_the_index_lists_the_validations_with_the_network_off(site: Path, browser):
    context = browser.new_context(offline=True)
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    # only the site's own files load; anything else is refused (and recorded above)
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort(),
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((site / "index.html").as_uri())

    rows = page.locator("table.ge-index-page-validation-results-table tbody tr")
    rows.first.wait_for(timeout=10_000)
    assert rows.count() == 2
    texts = rows.all_inner_texts()
    assert sorted(name for name in SUITES if any(name in t for t in texts)) == sorted(SUITES)
    assert any("run-notes" in t for t in texts) and any("run-note_keys" in t for t in texts)
    # the status column is Font Awesome's icons: its style sheet and font came along
    failed = page.locator("table.ge-index-page-validation-results-table .ge-failed-icon")
    assert failed.count() == 1 and failed.first.is_visible()
    assert page.locator(".ge-index-page-expectation_suites-table tbody tr").count() == 2

    # a row opens its validation page, four folders down, offline too
    rows.filter(has_text="run-notes").first.click()
    page.wait_for_url("**/validations/notes/run-notes/**")
    page.get_by_text("values must be greater than or equal to").wait_for(timeout=10_000)
    assert page.evaluate("typeof jQuery === 'function' && typeof vegaEmbed === 'function'")

    assert [u for u in requested if not u.startswith(("file:", "data:"))] == []
    assert errors == []
    context.close()


def test_every_cdn_address_of_the_installed_templates_is_served_locally():
    """A GX upgrade that changes an address (or adds one) fails here, not offline."""
    import great_expectations

    templates = Path(great_expectations.__file__).parent / "render" / "view" / "templates"
    loaded = set()
    for template in templates.glob("*.j2"):
        for tag in re.findall(r"<(?:script|link)\b[^>]*>", template.read_text(encoding="utf-8")):
            loaded.update(re.findall(r'(?:src|href)="(https?://[^"]+)"', tag))
    assert loaded == {asset.url for asset in ASSETS}


def test_pages_at_any_depth_load_the_site_copies(tmp_path: Path):
    vendor = Vendor()
    if not vendor.usable():
        pytest.skip(f"no assets in {NODE_MODULES} (make install runs npm ci)")
    jquery, bootstrap = ASSETS[0], ASSETS[2]
    page = (
        f'<script src="{jquery.url}"></script>\n'
        f'<script src="{bootstrap.url}" integrity="sha384-JjSmVgyd0p3pXB1rRibZUAYoIIy6OrQ6VrjIEaF'
        'f/nJGzIxFDsf4x0xIM+B07jRM" crossorigin="anonymous"></script>\n'
        '<img src="https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/'
        'logo-long.png?d=20261101T000000.000000Z&dataContextId=x"/>\n'
        '<a href="https://greatexpectations.io">Great Expectations</a>'
    )
    assert localize(page, "../../", vendor) == (
        f'<script src="../../{VENDOR}/jquery@3.7.1/dist/jquery.min.js"></script>\n'
        f'<script src="../../{VENDOR}/bootstrap@4.3.1/dist/js/bootstrap.min.js"></script>\n'
        '<img src="../../static/images/logo-long.png"/>\n'
        '<a href="https://greatexpectations.io">Great Expectations</a>'
    )


def test_a_file_that_differs_from_the_pinned_hash_stays_on_its_cdn(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    bootstrap = ASSETS[2]
    fake = tmp_path / "node_modules" / bootstrap.package
    (fake / bootstrap.file).parent.mkdir(parents=True)
    (fake / "package.json").write_text('{"version": "4.3.1"}', encoding="utf-8")
    (fake / bootstrap.file).write_text("alert('not bootstrap')", encoding="utf-8")
    tag = f'<script src="{bootstrap.url}" integrity="sha384-JjSmVgyd0p3pXB1rRibZUAYoIIy6OrQ6VrjIEaFf/nJGzIxFDsf4x0xIM+B07jRM" crossorigin="anonymous"></script>'  # noqa: E501
    with caplog.at_level(logging.WARNING):
        assert localize(tag, "", Vendor(tmp_path / "node_modules")) == tag
    assert "kept on the CDN" in caplog.text
    assert "jquery@3.7.1/dist/jquery.min.js" in caplog.text  # not installed there either


def test_pages_built_before_the_site_was_offline_are_rewritten(tmp_path: Path):
    vendor = Vendor()
    if not vendor.usable():
        pytest.skip(f"no assets in {NODE_MODULES} (make install runs npm ci)")
    jquery = ASSETS[0]
    page = tmp_path / "validations" / "notes" / "run" / "20261101T000000Z" / "batch.html"
    page.parent.mkdir(parents=True)
    page.write_text(f'<script src="{jquery.url}"></script>', encoding="utf-8")
    (tmp_path / "index.html").write_text("<p>nothing to load</p>", encoding="utf-8")
    assert localize_site(tmp_path, vendor) == 1
    assert page.read_text(encoding="utf-8") == (
        f'<script src="../../../../{VENDOR}/jquery@3.7.1/dist/jquery.min.js"></script>'
    )
    assert (tmp_path / jquery.local).read_bytes() == vendor.source(jquery).read_bytes()
    assert (tmp_path / VENDOR / "@fortawesome/fontawesome-free@6.6.0/webfonts").is_dir()
