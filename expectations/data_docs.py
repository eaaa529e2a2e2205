"""GX Data Docs that work offline.

GX's page templates load jQuery, Bootstrap, bootstrap-table, vega and Font Awesome from
public CDNs, and its logo from GX's own web host; without a network the index lists no
validation. The same files come from the npm registry:
``docs_assets/package.json`` names the packages at the versions the templates name and
``make install`` puts them in ``docs_assets/node_modules`` (``npm ci``, from the committed
lock). The site's file store (``data_docs_store.OfflineSiteStoreBackend``) copies them
under ``<site>/static/vendor/<package>@<version>/`` and rewrites every page GX writes so
that it loads them from there, by a path relative to the page. Any build therefore stays
offline: a checkpoint's Data Docs update, a whole rebuild, a page of any depth.

A file that is not installed (npm not run) or does not match the hash GX pins for it is left
on its CDN, with a warning: the pages then still work online.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

NODE_MODULES = Path(__file__).parent / "docs_assets" / "node_modules"
VENDOR = "static/vendor"  # inside the site
INDEX_VALIDATIONS = 500  # about a month of every suite's daily validation
# given as the pages to build, it is none of them: an update of the index alone
INDEX_ONLY = "index only"
# validation results (and their pages) older than this are removed: GX lists every stored
# result on each checkpoint's update, so an unbounded store makes every gate slower each day
KEEP_DAYS = 92


@dataclass(frozen=True)
class Asset:
    """A file a GX template loads from a CDN, and where the npm registry has the same bytes."""

    url: str  # exactly as the template writes it
    package: str  # an npm package of docs_assets/package.json
    version: str  # the version package-lock.json installs
    file: str  # the file the URL serves, inside the package
    also: tuple[str, ...] = ()  # folders of the package that the file refers to (fonts)

    @property
    def local(self) -> str:
        """The file's path inside the site."""
        return f"{VENDOR}/{self.package}@{self.version}/{self.file}"


# great_expectations 1.24.1: render/view/templates/{js_script_imports,index_page,page,
# page_minimal}.j2. A bare jsDelivr URL (vega@5) serves the package's "jsdelivr" file of the
# newest release of that major version; the lock pins the newest on the day it was written.
ASSETS = (
    Asset("https://code.jquery.com/jquery-3.7.1.min.js", "jquery", "3.7.1", "dist/jquery.min.js"),
    Asset(
        "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js",
        "popper.js",
        "1.12.9",
        "dist/umd/popper.min.js",
    ),
    Asset(
        "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js",
        "bootstrap",
        "4.3.1",
        "dist/js/bootstrap.min.js",
    ),
    Asset(
        "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css",
        "bootstrap",
        "4.3.1",
        "dist/css/bootstrap.min.css",
    ),
    Asset(
        "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js",
        "bootstrap-table",
        "1.19.1",
        "dist/bootstrap-table.min.js",
    ),
    Asset(
        "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css",
        "bootstrap-table",
        "1.19.1",
        "dist/bootstrap-table.min.css",
    ),
    Asset(
        "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
        "bootstrap-table-filter-control.min.js",
        "bootstrap-table",
        "1.19.1",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
    ),
    # The templates take the filter-control styles from 1.19.0; 1.19.1's files hold the same
    # rules (only the version in the header comment differs), so one release serves both.
    Asset(
        "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
        "bootstrap-table-filter-control.min.css",
        "bootstrap-table",
        "1.19.1",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    ),
    Asset(
        "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
        "bootstrap-table-filter-control.css",
        "bootstrap-table",
        "1.19.1",
        "dist/extensions/filter-control/bootstrap-table-filter-control.css",
    ),
    Asset(
        "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
        "bootstrap-datepicker.min.js",
        "bootstrap-datepicker",
        "1.9.0",
        "dist/js/bootstrap-datepicker.min.js",
    ),
    Asset(
        "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
        "bootstrap-datepicker.min.css",
        "bootstrap-datepicker",
        "1.9.0",
        "dist/css/bootstrap-datepicker.min.css",
    ),
    Asset(
        "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
        "bootstrap-prefers-dark.css",
        "@forevolve/bootstrap-dark",
        "1.1.0",
        "dist/css/bootstrap-prefers-dark.css",
    ),
    Asset(
        "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css",
        "@fortawesome/fontawesome-free",
        "6.6.0",
        "css/all.min.css",
        also=("webfonts",),
    ),
    Asset("https://cdn.jsdelivr.net/npm/vega@5", "vega", "5.33.1", "build/vega.min.js"),
    Asset(
        "https://cdn.jsdelivr.net/npm/vega-lite@5", "vega-lite", "5.23.0", "build/vega-lite.min.js"
    ),
    Asset(
        "https://cdn.jsdelivr.net/npm/vega-embed@6",
        "vega-embed",
        "6.29.0",
        "build/vega-embed.min.js",
    ),
)
# GX's logo (with a timestamp and the project's id in the query) and its dark-mode variant,
# which GX does not ship: both become the logo GX copies into <site>/static/images/.
GX_IMAGE = re.compile(
    r"https://great-expectations-web-assets\.s3\.[\w.-]+\.amazonaws\.com/[\w.-]+\.png"
    r"(?:\?[^\"')\s<>]*)?"
)
GX_LOGO = "static/images/logo-long.png"

_TAG = re.compile(r"<(?:script|link)\b[^>]*>")
_TAG_URL = re.compile(r'\b(?:src|href)="(https?://[^"]+)"')
_INTEGRITY = re.compile(r'\sintegrity="([^"]*)"')
# a file:// page cannot load a crossorigin (CORS) script from file://: the attribute goes,
# and so does the hash, once the local file has been checked against it
_SRI_ATTRIBUTES = re.compile(r'\s+(?:integrity|crossorigin)="[^"]*"')


class Vendor:
    """The installed copies of ASSETS: which exist, match their pins, and are in a site."""

    def __init__(self, node_modules: Path = NODE_MODULES) -> None:
        self.node_modules = node_modules
        self._usable: dict[str, Asset] | None = None
        self._hashes: dict[tuple[str, str], str] = {}
        self._copied: set[Path] = set()

    def usable(self) -> dict[str, Asset]:
        """URL → asset, for the assets installed at their pinned version."""
        if self._usable is None:
            self._usable, missing = {}, []
            for asset in ASSETS:
                if (
                    self._installed_version(asset.package) == asset.version
                    and self.source(asset).is_file()
                ):
                    self._usable[asset.url] = asset
                else:
                    missing.append(f"{asset.package}@{asset.version}/{asset.file}")
            if missing:
                logger.warning(
                    "Data Docs load %s from CDNs: not installed in %s (run `make install`)",
                    ", ".join(missing),
                    self.node_modules,
                )
        return self._usable

    def source(self, asset: Asset) -> Path:
        return self.node_modules / asset.package / asset.file

    def matches(self, asset: Asset, integrity: str) -> bool:
        """Whether the installed file has the subresource-integrity hash a template gives."""
        algorithm, _, expected = integrity.partition("-")
        key = (asset.url, algorithm)
        if key not in self._hashes:
            digest = hashlib.new(algorithm, self.source(asset).read_bytes()).digest()
            self._hashes[key] = base64.b64encode(digest).decode("ascii")
        return self._hashes[key] == expected

    def copy_into(self, site: Path) -> None:
        """Copy the usable assets under <site>/static/vendor (a file already there is kept)."""
        if site in self._copied:
            return
        for asset in self.usable().values():
            _copy_file(self.source(asset), site / asset.local)
            for folder in asset.also:
                source = self.node_modules / asset.package / folder
                target = site / VENDOR / f"{asset.package}@{asset.version}" / folder
                for path in source.rglob("*"):
                    if path.is_file():
                        _copy_file(path, target / path.relative_to(source))
        self._copied.add(site)

    def _installed_version(self, package: str) -> str | None:
        try:
            manifest = json.loads((self.node_modules / package / "package.json").read_bytes())
        except (OSError, ValueError):
            return None
        return manifest.get("version")


def _copy_file(source: Path, target: Path) -> None:
    if target.is_file() and target.stat().st_size == source.stat().st_size:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def localize(text: str, root: str, vendor: Vendor) -> str:
    """``text`` (a page or a style sheet) with CDN URLs replaced by paths into the site.

    ``root`` is the site's folder as seen from the file, "" or "../../" and so on.
    """
    usable = vendor.usable()

    def tag(match: re.Match[str]) -> str:
        html = match.group(0)
        found = _TAG_URL.search(html)
        asset = usable.get(found.group(1)) if found else None
        if asset is None:
            return html
        integrity = _INTEGRITY.search(html)
        if integrity and not vendor.matches(asset, integrity.group(1)):
            logger.warning("%s differs from %s (%s): kept on the CDN", asset.local, asset.url, html)
            return html
        return _SRI_ATTRIBUTES.sub("", html.replace(asset.url, root + asset.local))

    text = _TAG.sub(tag, text)
    return GX_IMAGE.sub(root + GX_LOGO, text)


def localize_site(site: Path, vendor: Vendor | None = None) -> int:
    """Rewrite the pages already in ``site`` (built before it was offline); how many changed."""
    vendor = vendor or Vendor()
    changed = 0
    for path in sorted(site.rglob("*.html")):
        if VENDOR in path.relative_to(site).as_posix():
            continue
        text = path.read_text(encoding="utf-8")
        root = "../" * len(path.relative_to(site).parent.parts)
        new = localize(text, root, vendor)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed += 1
    if changed:
        vendor.copy_into(site)
    return changed


# one GX context per project and process: opening one reads its YAML (0.1-0.3 s per gate)
_CONTEXTS: dict[tuple[Path, Path, int], Any] = {}
# the sites of this process with validation pages written since their index was
_INDEX_BEHIND: set[tuple[Path, Path, int]] = set()


@dataclass(frozen=True)
class DataDocs:
    """A file-backed GX project (validation history) and its Data Docs HTML site."""

    project: Path  # GX keeps suites, checkpoints and validation results in <project>/gx
    site: Path  # the HTML, index.html at its top
    # the index lists the newest validations only: GX reads every result it lists on each
    # update, which grew with the history (at 300 results a third more per checkpoint;
    # a year of daily runs is 16 suites x 365).
    index_limit: int = INDEX_VALIDATIONS
    # results older than this many days are removed, and their pages with them
    keep_days: int = KEEP_DAYS

    @property
    def validations(self) -> Path:
        return self.project / "gx" / "uncommitted" / "validations"

    def context(self) -> Any:
        """The project's GX context, opened once per process; the first opening also
        removes the results past ``keep_days``."""
        if self._key not in _CONTEXTS:
            self.remove_old_results(datetime.now(UTC))
            _CONTEXTS[self._key] = self._open()
        return _CONTEXTS[self._key]

    def write_pages(self, identifiers: list[Any], *, index: bool) -> None:
        """The pages of these validation results and their suites; and the index, which lists
        the newest stored results, when ``index``. A run's passing checks leave it to one
        update after them (``update_index``): it reads every result it lists (0.2 s at
        120 results, 0.5 s at 500), once per check before."""
        self.context().build_data_docs(resource_identifiers=identifiers, build_index=index)
        if index:
            _INDEX_BEHIND.discard(self._key)
        else:
            _INDEX_BEHIND.add(self._key)

    def update_index(self) -> bool:
        """The index page alone (every section is given no page to build), when pages were
        written since it was; whether it was."""
        if self._key not in _INDEX_BEHIND:
            return False
        self.context().build_data_docs(resource_identifiers=[INDEX_ONLY], build_index=True)
        _INDEX_BEHIND.discard(self._key)
        return True

    @property
    def _key(self) -> tuple[Path, Path, int]:
        return (self.project, self.site, self.index_limit)

    def remove_old_results(self, now: datetime) -> int:
        """Delete the validation results run before ``now - keep_days``; how many. Their
        pages go at the next update (GX's index drops pages whose result is gone)."""
        oldest = now - timedelta(days=self.keep_days)
        removed = 0
        # <suite>/<run name>/<run time>/<batch>.json, the run time as GX writes it
        for run_time in self.validations.glob("*/*/*"):
            try:
                ran = datetime.strptime(run_time.name, "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=UTC)
            except ValueError:
                continue  # not a run of GX's layout: leave it
            if ran < oldest:
                shutil.rmtree(run_time)
                removed += 1
                if not any(run_time.parent.iterdir()):
                    run_time.parent.rmdir()
        return removed

    def _open(self) -> Any:
        import great_expectations as gx

        context = gx.get_context(mode="file", project_root_dir=self.project)
        # every section of the site builds only the pages asked for, without listing its
        # store (data_docs_store.GivenPagesSectionBuilder), with views whose templates are
        # compiled once per process
        store = "expectations.data_docs_store"
        given = {"module_name": store, "class_name": "GivenPagesSectionBuilder",
                 "view": {"module_name": store, "class_name": "CompiledOncePageView"}}  # fmt: skip
        sites = {
            "local_site": {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "module_name": "expectations.data_docs_store",
                    "class_name": "OfflineSiteStoreBackend",
                    "base_directory": str(self.site),
                },
                "site_index_builder": {
                    "class_name": "DefaultSiteIndexBuilder",
                    "validation_results_limit": self.index_limit,
                    "view": {"module_name": store, "class_name": "CompiledOnceIndexPageView"},
                },
                "site_section_builders": {
                    section: dict(given) for section in ("expectations", "validations", "profiling")
                },
            }
        }
        if context.variables.data_docs_sites != sites:
            context.variables.data_docs_sites = sites
            context.variables.save()
            if self.site.is_dir():  # pages written before the site was offline
                localize_site(self.site)
        return context
