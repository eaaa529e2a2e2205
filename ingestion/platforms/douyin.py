"""Douyin open platform (open.douyin.com): fans, video list and per-video daily data.

Envelope: ``{"data": {"error_code": 0, "description": "", ...}, "extra": {"logid", "now"}}``;
auth by the ``access-token`` header plus the account's ``open_id``; the video list pages by
``cursor`` + ``has_more``; the data endpoints return a ``result_list`` of dated rows for the
last ``date_type`` (7/15/30) days, so any of the last 30 days can be fetched again;
older days only replay from landing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from ingestion.accounts import Account
from ingestion.credentials import OAuth
from ingestion.errors import (
    BadResponseError,
    DayUnavailableError,
)
from ingestion.http import ApiClient, Page
from ingestion.platforms.base import ApiSource
from ingestion.schema import RecordSchema
from ingestion.settings import SHANGHAI

DEFAULT_BASE_URL = "https://open.douyin.com"
FANS = "/data/external/user/fans/"
VIDEO_LIST = "/api/douyin/v1/video/video_list/"
ITEM_BASE = "/data/external/item/base/"
AUTH_CODES = {2190002, 2190004, 2190008, 2190015}  # token invalid / expired / revoked
# … and the codes that say "refresh" (research notes A.0 "Token-expiry codes"): 28001003
# access_token无效, 28001008 access_token过期 (状态码排查工具, .../dop/develop/openapi/status-code),
# 10008 access_token无效或过期 (old refresh-access-token page)
AUTH_CODES |= {28001003, 28001008, 10008}
# OAuth (research notes A.1): POST form bodies, answers {"data": {..., "error_code"}, "message"}.
# /oauth/access_token/ client_key, client_secret, code, grant_type=authorization_code →
# access_token, expires_in (15 d), refresh_token, refresh_expires_in (30 d), open_id
# (https://developer.open-douyin.com/docs/resource/zh-CN/dop/develop/openapi/account-permission/get-access-token);
# /oauth/refresh_token/ client_key, grant_type=refresh_token, refresh_token (no secret) → the
# same fields; the refresh token keeps its expiry (…/account-permission/refresh-access-token).
OAUTH_TOKEN = "/oauth/access_token/"
OAUTH_REFRESH = "/oauth/refresh_token/"
CLIENT_KEY = "SOCIALMART_DOUYIN_CLIENT_KEY"
CLIENT_SECRET = "SOCIALMART_DOUYIN_CLIENT_SECRET"
# 10003/10013/10014 client_key or secret wrong, 10007 code expired (10 min, single use),
# 10010 refresh_token expired: re-authorise (zhuovi/XiaoFeng.DouYin AccessTokenErrorCode.cs)
# 10004 no renew_refresh_token permission, 10020 renewed 5 times already (refresh-token page)
OAUTH_REFUSED = {10003, 10004, 10007, 10010, 10013, 10014, 10020}
# POST /oauth/renew_refresh_token/ client_key, refresh_token → data.refresh_token (new; the
# old one dies), data.expires_in (30 d); at most 5 times, with the app's permission
# (https://developer.open-douyin.com/docs/resource/zh-CN/dop/develop/openapi/account-permission/refresh-token)
RENEW_REFRESH = "/oauth/renew_refresh_token/"
AUTH = OAuth(
    CLIENT_KEY,
    CLIENT_SECRET,
    OAUTH_TOKEN,
    OAUTH_REFRESH,
    "client_key",
    "client_secret",
    frozenset(OAUTH_REFUSED),
    envelope="data",
    refresh_takes_secret=False,
    refresh_lifetime="refresh_expires_in",
    renew_refresh_path=RENEW_REFRESH,
)
BUSY_CODES = {2100004, 2190001}  # system busy: retry
DATE_TYPE = 30  # the longest window: one request serves any of the last 30 days
PAGE_SIZE = 10  # the video list's documented default page size
COMMENT_LIST = "/item/comment/list/"
COMMENT_PAGE = 50
SCHEMAS = {
    "fans_daily": RecordSchema(
        required=("open_id", "date"), counts=("new_fans", "total_fans"), dates=("date",)
    ),
    "videos": RecordSchema(
        required=("open_id", "item_id"),
        timestamps=("create_time",),
        counts=tuple(
            f"statistics.{k}" for k in ("play_count", "digg_count", "comment_count", "share_count")
        ),
    ),
    "video_daily": RecordSchema(
        required=("open_id", "item_id", "date"),
        counts=("total_play", "total_like", "total_comment", "total_share"),
        rates=("avg_play_duration",),
        dates=("date",),
    ),
    "comments": RecordSchema(
        required=("open_id", "item_id", "comment_id", "comment_user_id"),
        timestamps=("create_time",),
        counts=("digg_count",),
    ),
}


def _shanghai_day(unix_seconds: Any) -> date | None:
    try:
        return datetime.fromtimestamp(int(unix_seconds), SHANGHAI).date()
    except (TypeError, ValueError):
        return None


class DouyinClient(ApiClient):
    platform = "douyin"
    busy_codes = frozenset(BUSY_CODES)
    auth_codes = frozenset(AUTH_CODES)

    def check_body(self, body: Any, request: str) -> None:
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or "error_code" not in data:
            raise BadResponseError(f"{request}: no data.error_code in body")
        code = data["error_code"]
        if code == 0:
            return
        message = f"{request}: error_code {code}: {data.get('description', '')}"
        self.raise_for_code(code, message)


class DouyinSource(ApiSource):
    client_class = DouyinClient
    platform = "douyin"
    schemas = SCHEMAS
    snapshot_only = False
    auth = AUTH

    def fetch(self, day: date, accounts: list[Account]) -> Iterator[Page]:
        for account in accounts:
            headers = {"access-token": self.token(account)}
            params = {"open_id": account.account_id, "date_type": DATE_TYPE}
            fans = self._get("fans_daily", FANS, params, headers)
            served = [row.get("date") for row in fans.body["data"].get("result_list") or []]
            if day.isoformat() not in served:
                raise DayUnavailableError(
                    f"douyin serves {min(served, default='no day')}..{max(served, default='')} "
                    f"now; {day} can only be replayed from landing files"
                )
            yield fans
            item_ids: list[str] = []
            cursor = 0
            while True:
                page = self._get(
                    "videos",
                    VIDEO_LIST,
                    {"open_id": account.account_id, "cursor": cursor, "count": PAGE_SIZE},
                    headers,
                )
                data = page.body["data"]
                item_ids += [v["item_id"] for v in data.get("list") or []]
                yield page
                if not data.get("has_more"):
                    break
                cursor = data["cursor"]
            # Unique ids only: a video repeated across pages is fetched once.
            yield from self.client.map_concurrently(
                lambda item_id, h=headers, a=account: self._get(
                    "video_daily",
                    ITEM_BASE,
                    {"open_id": a.account_id, "item_id": item_id, "date_type": DATE_TYPE},
                    h,
                ),
                dict.fromkeys(item_ids),
            )
            for item_id in dict.fromkeys(item_ids):
                yield from self._comments(account.account_id, item_id, day, headers)

    def _comments(self, open_id: str, item_id: str, day: date, headers: dict[str, str]):
        """Newest first: page only until the comments are older than the day."""
        cursor = 0
        while True:
            params = {
                "open_id": open_id,
                "item_id": item_id,
                "cursor": cursor,
                "count": COMMENT_PAGE,
                "sort_type": "time",
            }
            page = self._get("comments", COMMENT_LIST, params, headers)
            yield page
            data = page.body["data"]
            listed = data.get("list") or []
            oldest = min((_shanghai_day(c.get("create_time")) or day for c in listed), default=day)
            if not data.get("has_more") or not listed or oldest < day:
                return
            cursor = data["cursor"]

    def _get(self, entity: str, path: str, params: dict[str, Any], headers: dict[str, str]) -> Page:
        body = self.client.get_json(path, params, headers)
        return Page(self.platform, entity, path, params, body)

    def extract(self, page: dict[str, Any], day: date) -> list[dict[str, Any]]:
        data = page["body"]["data"]
        params = page["params"]
        if page["entity"] == "videos":
            return [{"open_id": params["open_id"], **v} for v in data.get("list") or []]
        context = {k: params[k] for k in ("open_id", "item_id") if k in params}
        if page["entity"] == "comments":
            return [
                {**context, **c}
                for c in data.get("list") or []
                if _shanghai_day(c.get("create_time")) == day
            ]
        return [
            {**context, **row}
            for row in data.get("result_list") or []
            if row.get("date") == day.isoformat()
        ]
