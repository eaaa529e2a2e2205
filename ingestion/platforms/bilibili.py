"""Bilibili open platform (member.bilibili.com/arcopen/fn): user, archives, archive stats.

Envelope: ``{"code": 0, "message": "0", "ttl": 1, "data": ...}``; auth by the account's
OAuth ``access-token`` header (the token names the account); archives page by ``pn``/``ps``
with ``data.page.total``. Bilibili serves only snapshots of *now* (cumulative stats and
yesterday's increments), so a day can be fetched only on the following morning; an earlier
day can be replayed from landing, never re-fetched.
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

DEFAULT_BASE_URL = "https://member.bilibili.com"
USER_STAT = "/arcopen/fn/data/user/stat"
VIEWLIST = "/arcopen/fn/archive/viewlist"
ARC_STAT = "/arcopen/fn/data/arc/stat"
ARC_INC = "/arcopen/fn/data/arc/inc-stats"
AUTH_CODES = {-101, -111, 10002, 10003}
THROTTLE_CODES = {-412, -509, -799}
SCHEMAS = {
    "user_stat": RecordSchema(
        required=("account_id",), counts=("follower", "following", "arc_passed_total")
    ),
    "archives": RecordSchema(
        required=("account_id", "resource_id"),
        timestamps=("ptime",),
        counts=("video_info.duration",),
    ),
    "arc_stat": RecordSchema(
        required=("account_id", "resource_id"),
        counts=("view", "like", "reply", "share", "favorite", "coin", "danmaku"),
    ),
    "arc_inc_stats": RecordSchema(
        required=("account_id",),
        counts=(
            "inc_click",
            "inc_like",
            "inc_reply",
            "inc_share",
            "inc_fav",
            "inc_coin",
            "inc_dm",
            "inc_elec",
        ),
    ),
}


class BilibiliClient(ApiClient):
    platform = "bilibili"
    throttle_codes = frozenset(THROTTLE_CODES)
    auth_codes = frozenset(AUTH_CODES)

    def check_body(self, body: Any, request: str) -> None:
        if not isinstance(body, dict) or "code" not in body:
            raise BadResponseError(f"{request}: no code in body")
        code = body["code"]
        if code == 0:
            if "data" not in body:
                raise BadResponseError(f"{request}: code 0 but no data")
            return
        message = f"{request}: code {code}: {body.get('message', '')}"
        self.raise_for_code(code, message)


class BilibiliSource(ApiSource):
    client_class = BilibiliClient
    platform = "bilibili"
    schemas = SCHEMAS
    snapshot_only = True

    def fetch(self, day: date, accounts: list[Account]) -> Iterator[Page]:
        for account in accounts:
            headers = {"access-token": self.token(account)}
            stat, served_at = self.client.get_json_dated(USER_STAT, {}, headers)
            require_snapshot_of(self.platform, served_at, day)
            ctx = {"account_id": account.account_id}
            yield Page(self.platform, "user_stat", USER_STAT, ctx, stat)
            yield Page(
                self.platform,
                "arc_inc_stats",
                ARC_INC,
                ctx,
                self.client.get_json(ARC_INC, {}, headers),
            )
            resource_ids: list[str] = []
            pn = 1
            while True:
                params = {"pn": pn, "ps": 50, "status": "all"}
                body = self.client.get_json(VIEWLIST, params, headers)
                yield Page(self.platform, "archives", VIEWLIST, {**ctx, **params}, body)
                data = body["data"]
                resource_ids += [a["resource_id"] for a in data.get("list") or []]
                page = data.get("page") or {}
                if not data.get("list") or pn * int(page.get("ps", 50)) >= int(
                    page.get("total", 0)
                ):
                    break
                pn += 1
            yield from self.client.map_concurrently(
                lambda rid, h=headers, c=ctx: Page(
                    self.platform,
                    "arc_stat",
                    ARC_STAT,
                    {**c, "resource_id": rid},
                    self.client.get_json(ARC_STAT, {"resource_id": rid}, h),
                ),
                dict.fromkeys(resource_ids),
            )

    def extract(self, page: dict[str, Any], day: date) -> list[dict[str, Any]]:
        data = page["body"]["data"]
        ctx = {k: v for k, v in page["params"].items() if k in ("account_id", "resource_id")}
        if page["entity"] == "archives":
            return [{**ctx, **a} for a in data.get("list") or []]
        return [{**ctx, **data}]
