"""Kuaishou open platform (open.kuaishou.com): user info and the photo (video) list.

Envelope: ``{"result": 1, ...}`` is success, any other ``result`` an error with
``error_msg``; auth by the ``app_id`` + ``access_token`` query parameters; the photo list
pages by ``cursor`` + ``count``. Counts are lifetime totals of now (fans, views, likes,
comments per photo), so like Bilibili a day is fetched the morning after and older days
replay from landing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from ingestion.accounts import Account
from ingestion.errors import (
    BadResponseError,
)
from ingestion.http import ApiClient, Page
from ingestion.platforms.base import ApiSource, require_snapshot_of
from ingestion.schema import RecordSchema

DEFAULT_BASE_URL = "https://open.kuaishou.com"
USER_INFO = "/openapi/user_info"
PHOTO_LIST = "/openapi/photo/list"
AUTH_RESULTS = {100200100, 100200101, 100200103}  # token missing / expired / revoked
THROTTLE_RESULTS = {100200500}
BUSY_RESULTS = {100100000}
PAGE_SIZE = 20

SCHEMAS = {
    "user_info": RecordSchema(required=("account_id",), counts=("fan", "follow")),
    "photos": RecordSchema(
        required=("account_id", "photo_id"),
        timestamps=("create_time",),
        counts=("view_count", "like_count", "comment_count"),
    ),
}


class KuaishouClient(ApiClient):
    platform = "kuaishou"
    busy_codes = frozenset(BUSY_RESULTS)
    throttle_codes = frozenset(THROTTLE_RESULTS)
    auth_codes = frozenset(AUTH_RESULTS)

    def check_body(self, body: Any, request: str) -> None:
        if not isinstance(body, dict) or "result" not in body:
            raise BadResponseError(f"{request}: no result in body")
        code = body["result"]
        if code == 1:
            return
        message = f"{request}: result {code}: {body.get('error_msg', '')}"
        self.raise_for_code(code, message)


class KuaishouSource(ApiSource):
    client_class = KuaishouClient
    platform = "kuaishou"
    schemas = SCHEMAS
    snapshot_only = True

    def fetch(self, day: date, accounts: list[Account]) -> Iterator[Page]:
        app_id = self.environ.get("SOCIALMART_KUAISHOU_APP_ID", "")
        for account in accounts:
            auth = {
                "app_id": app_id,
                "access_token": self.token(account),
            }
            ctx = {"account_id": account.account_id}
            info, served_at = self.client.get_json_dated(USER_INFO, auth, {})
            require_snapshot_of(self.platform, served_at, day)
            yield Page(self.platform, "user_info", USER_INFO, ctx, info)
            cursor = ""
            while True:
                query = {"cursor": cursor, "count": PAGE_SIZE}
                body = self.client.get_json(PHOTO_LIST, {**auth, **query}, {})
                yield Page(self.platform, "photos", PHOTO_LIST, {**ctx, **query}, body)
                cursor = body.get("cursor") or ""
                if not body.get("video_list") or not cursor:
                    break

    def extract(self, page: dict[str, Any], day: date) -> list[dict[str, Any]]:
        ctx = {"account_id": page["params"]["account_id"]}
        if page["entity"] == "user_info":
            return [{**ctx, **(page["body"].get("user_info") or {})}]
        return [{**ctx, **p} for p in page["body"].get("video_list") or []]
