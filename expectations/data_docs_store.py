"""The file store of an offline Data Docs site (its own module: importing GX takes seconds,
and only GX loads this one, by the name the site's configuration gives)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from great_expectations.data_context.store.tuple_store_backend import (
    TupleFilesystemStoreBackend,
)

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
