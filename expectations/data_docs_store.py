"""The file store and section builder of the offline Data Docs site (their own module:
importing GX takes seconds, and only GX loads this one, by the names the site's
configuration gives)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from great_expectations.data_context.store.tuple_store_backend import (
    TupleFilesystemStoreBackend,
)
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)
from great_expectations.render.renderer.site_builder import DefaultSiteSectionBuilder
from great_expectations.render.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from expectations.data_docs import Vendor, localize


class OfflineSiteStoreBackend(TupleFilesystemStoreBackend):
    """GX's file store for a Data Docs site, writing pages that load nothing from a network.

    Named in a site's ``store_backend`` (see ``DataDocs``); GX makes one per
    kind of file (suite pages, validation pages, the index, static files).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.vendor = Vendor()

    def _set(self, key: Any, value: Any, **kwargs: Any) -> Any:
        key = key if isinstance(key, tuple) else key.to_tuple()
        relative = self._convert_key_to_filepath(key)
        if relative.endswith((".html", ".css")):
            site = Path(self.full_base_directory)
            text = value.decode("utf-8") if isinstance(value, bytes) else value
            root = "../" * len(Path(relative).parent.parts)
            value = localize(text, root, self.vendor)
            self.vendor.copy_into(site)
        return super()._set(key, value, **kwargs)


class GivenPagesSectionBuilder(DefaultSiteSectionBuilder):
    """GX's section builder, but a checkpoint's update (pages for given results) does not
    list the whole store to find them: GX's own walks every stored result, twice per update
    (the validations and the profiling sections). A build without given pages is GX's."""

    def build(self, resource_identifiers: Any = None) -> None:
        if not resource_identifiers:
            return super().build(resource_identifiers)
        suites = self.name == "expectations"
        kind = ExpectationSuiteIdentifier if suites else ValidationResultIdentifier
        given = [key for key in resource_identifiers if isinstance(key, kind)]
        store = self.source_store
        self.source_store = _Listing(store, given)
        try:
            return super().build(resource_identifiers)
        finally:
            self.source_store = store


class _Listing:
    """A store whose listing is the given keys; everything else is the store's."""

    def __init__(self, store: Any, keys: list[Any]) -> None:
        self._store, self._keys = store, keys

    def list_keys(self, *args: Any, **kwargs: Any) -> list[Any]:
        return list(self._keys)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


class _CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates, kept for the process. GX makes a new view, with a new
    Jinja environment, for every page it builds, and compiled its templates each time (50
    for a check's two pages): 0.18 s of a check's 0.7 s at `large`. A template whose source
    changed has another key (Jinja's checksum of the source), so it is compiled again."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if (code := self._code.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self._code.clear()


COMPILED_TEMPLATES = _CompiledTemplates()


class CompiledOncePageView(DefaultJinjaPageView):
    """GX's page view, its templates compiled once per process (_CompiledTemplates)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.env.bytecode_cache = COMPILED_TEMPLATES


class CompiledOnceIndexPageView(DefaultJinjaIndexPageView):
    """GX's index page view, its templates compiled once per process."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.env.bytecode_cache = COMPILED_TEMPLATES
