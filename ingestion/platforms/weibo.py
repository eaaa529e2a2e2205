"""Weibo open API (api.weibo.com/2): the account's profile, timeline and comments.

Success is the bare object; an error is ``{"error", "error_code", "request"}`` (often with
HTTP 400/403). Auth by the ``access_token`` query parameter; timelines and comments page by
``page`` + ``count`` against ``total_number``. ``created_at`` looks like
``"Thu Nov 20 16:00:00 +0800 2025"``. Counts (followers, reposts, comments, attitudes) are
totals of now, so a day is fetched the morning after; comments carry their own time and
are kept for the day they were written.
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
from ingestion.settings import SHANGHAI
from ingestion.values import parse_timestamp

DEFAULT_BASE_URL = "https://api.weibo.com"
USER_SHOW = "/2/users/show.json"
USER_TIMELINE = "/2/statuses/user_timeline.json"
COMMENTS_SHOW = "/2/comments/show.json"
AUTH_CODES = {21314, 21315, 21316, 21317, 21327, 21332}
THROTTLE_CODES = {10022, 10023, 10024}
BUSY_CODES = {10001, 10009}
PAGE_SIZE = 50

SCHEMAS = {
    "user": RecordSchema(
        required=("account_id", "idstr"),
        counts=("followers_count", "friends_count", "statuses_count"),
    ),
    "statuses": RecordSchema(
        required=("account_id", "idstr", "created_at"),
        timestamps=("created_at",),
        counts=("reposts_count", "comments_count", "attitudes_count"),
    ),
    "comments": RecordSchema(
        required=("account_id", "status_id", "idstr", "user.idstr"), timestamps=("created_at",)
    ),
}


class WeiboClient(ApiClient):
    platform = "weibo"
    busy_codes = frozenset(BUSY_CODES)
    throttle_codes = frozenset(THROTTLE_CODES)
    auth_codes = frozenset(AUTH_CODES)

    def check_body(self, body: Any, request: str) -> None:
        if not isinstance(body, dict):
            raise BadResponseError(f"{request}: body is not an object")
        if "error_code" not in body:
            return
        code = body["error_code"]
        message = f"{request}: error_code {code}: {body.get('error', '')}"
        self.raise_for_code(code, message)


class WeiboSource(ApiSource):
    client_class = WeiboClient
    platform = "weibo"
    schemas = SCHEMAS
    snapshot_only = True

    def fetch(self, day: date, accounts: list[Account]) -> Iterator[Page]:
        for account in accounts:
            auth = {"access_token": self.token(account)}
            ctx = {"account_id": account.account_id}
            user, served_at = self.client.get_json_dated(
                USER_SHOW, {**auth, "uid": account.account_id}, {}
            )
            require_snapshot_of(self.platform, served_at, day)
            yield Page(self.platform, "user", USER_SHOW, ctx, user)
            status_ids: list[str] = []
            for body, query in self._pages(
                USER_TIMELINE, {**auth, "uid": account.account_id}, "statuses"
            ):
                status_ids += [s["idstr"] for s in body.get("statuses") or []]
                yield Page(self.platform, "statuses", USER_TIMELINE, {**ctx, **query}, body)
            for status_id in dict.fromkeys(status_ids):
                for body, query in self._pages(
                    COMMENTS_SHOW, {**auth, "id": status_id}, "comments"
                ):
                    yield Page(
                        self.platform,
                        "comments",
                        COMMENTS_SHOW,
                        {**ctx, "status_id": status_id, **query},
                        body,
                    )

    def _pages(self, path: str, params: dict[str, Any], key: str):
        page = 1
        seen = 0
        while True:
            query = {"page": page, "count": PAGE_SIZE}
            body = self.client.get_json(path, {**params, **query}, {})
            yield body, query
            got = len(body.get(key) or [])
            seen += got
            if got == 0 or seen >= int(body.get("total_number", 0)):
                return
            page += 1

    def extract(self, page: dict[str, Any], day: date) -> list[dict[str, Any]]:
        params, body, entity = page["params"], page["body"], page["entity"]
        ctx = {"account_id": params["account_id"]}
        if entity == "user":
            return [{**ctx, **body}]
        if entity == "statuses":
            return [{**ctx, **s} for s in body.get("statuses") or []]
        return [
            {**ctx, "status_id": params["status_id"], **c}
            for c in body.get("comments") or []
            if _day_of(c.get("created_at")) == day
        ]


def _day_of(value: Any) -> date | None:
    try:
        moment = parse_timestamp(value)
    except ValueError:
        return None
    return moment.astimezone(SHANGHAI).date() if moment else None
