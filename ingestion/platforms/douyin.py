"""Douyin open platform (open.douyin.com): fans, video list, per-video daily series, comments.

Shapes from docs/sources/douyin_shop_kuaishou.md (cited below by section, e.g. A.5):
envelope ``{"data": {"error_code", "description", ...}, "extra": {"error_code",
"sub_error_code", "description", "sub_description", "logid", "now"}}``; auth by the
``access-token`` header plus the account's ``open_id`` (A.0). A day's per-video numbers come
from the dated series ``/data/external/item/{play,like,comment,share}/`` (A.5); the undated
30-day ``/data/external/item/base/`` (A.4) rides along as a snapshot (the only source of the
average play duration). Item data exist only for videos of the last 30 days and are ready
around 10:00 the next day (A.4 readiness); older days only replay from landing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from ingestion.accounts import Account
from ingestion.credentials import OAuth
from ingestion.cursors import CursorStore
from ingestion.errors import (
    BadResponseError,
    DayNotReadyError,
    DayUnavailableError,
    PlatformError,
)
from ingestion.http import ApiClient, Page
from ingestion.platforms.base import ApiSource
from ingestion.schema import RecordSchema
from ingestion.settings import SHANGHAI

DEFAULT_BASE_URL = "https://open.douyin.com"
FANS = "/data/external/user/fans/"
VIDEO_LIST = "/api/douyin/v1/video/video_list/"
ITEM_BASE = "/data/external/item/base/"
AUTH_CODES = {2190002, 2190008, 2190015}  # token invalid / expired / not the open_id's (A.0)
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
# Codes by what to do (A.0 common status codes [DY-STATUS], old codes [XF-DY]; A.7):
BUSY_CODES = {2100004, 28001005, 28001006}  # 系统繁忙 / 网络调用错误: retry
THROTTLE_CODES = {28003018, 28001052}  # 请求频率过高 / 异常风险: back off and retry
QUOTA_CODES = {2190001, 28003017}  # quota 已用完: stop the platform's run, resume next run
# The account lacks a scope, or the app a capability: that entity of that account is
# skipped with the reason recorded (a person must grant it), the rest of the day loads.
SCOPE_CODES = {
    2190003: "the user has not authorised this API's scope",
    28001012: "the user has not authorised this API's scope",
    2190004: "the app lacks this capability",
    28001018: "the app lacks this capability",
    28001019: "the capability is banned or offline",
    28001056: "this API is offline",
}
# Comment errors of one video (2111001-2111007, e.g. 2111002 获取评论失败 [XF-DY], A.6):
# that video's comments are skipped with the reason recorded.
ITEM_CODES = set(range(2111001, 2111008))
FANS_DATE_TYPE = 30  # A.2: 7/15/30; the longest window serves any of the last 30 days
# A.5: date_type 7/15 everywhere, 30 on the current page only: the smallest that reaches
# the business date is asked for.
ITEM_DATE_TYPES = (7, 15, 30)
SERIES = ("play", "like", "comment", "share")  # A.5: result_list[{date, <metric>}]
ITEM_SERIES = "/data/external/item/{}/"
ITEM_HORIZON_DAYS = 30  # A.4: item data exist only for videos created within 30 days
PAGE_SIZE = 10  # the video list's documented default page size
COMMENT_LIST = "/item/comment/list/"
COMMENT_PAGE = 20  # A.6: no stated limit for this path; the sibling reply list says <= 20
# Comments are asked only of a video whose comment count (the video list's
# statistics.comment_count, A.3) moved since the last loaded day, or, with no cursor yet,
# of a video of the last 30 days (the item horizon): an assumption, docs/platforms.md
COMMENT_WINDOW_DAYS = ITEM_HORIZON_DAYS
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
    # One record per video per day: the four series' values of the day, and the base's
    # 30-day snapshot as fetched (A.4) under ``base``.
    "video_daily": RecordSchema(
        required=("open_id", "item_id", "date"),
        counts=SERIES,
        rates=("base.avg_play_duration",),
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


def _code(value: Any) -> int | None:
    """A code as int: samples send ints or numeric strings alike (A.0 "Numeric types")."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class DouyinClient(ApiClient):
    platform = "douyin"
    busy_codes = frozenset(BUSY_CODES)
    throttle_codes = frozenset(THROTTLE_CODES)
    quota_codes = frozenset(QUOTA_CODES)
    auth_codes = frozenset(AUTH_CODES)

    def check_body(self, body: Any, request: str) -> None:
        """Success is data.error_code == 0 and extra.error_code / sub_error_code == 0 where
        present (A.0 "Success test", SKIT ``DouyinOpenResponse.IsSuccessful``); the comment
        list may carry its codes in ``extra`` only (A.6)."""
        data = body.get("data") if isinstance(body, dict) else None
        extra = body.get("extra") if isinstance(body, dict) else None
        extra = extra if isinstance(extra, dict) else {}
        found = [
            (where, key, _code(place[key]))
            for where, place, key in (
                ("data", data if isinstance(data, dict) else {}, "error_code"),
                ("extra", extra, "error_code"),
                ("extra", extra, "sub_error_code"),
            )
            if key in place
        ]
        for where, key, code in found:
            if code != 0:
                place = data if where == "data" else extra
                text = place.get("sub_description" if key == "sub_error_code" else "description")
                self.raise_for_code(code, f"{request}: {where}.{key} {code}: {text or ''}")
        if not isinstance(data, dict) or not found:
            raise BadResponseError(f"{request}: no data.error_code or extra.error_code in body")


class DouyinSource(ApiSource):
    client_class = DouyinClient
    platform = "douyin"
    schemas = SCHEMAS
    snapshot_only = False
    auth = AUTH
    ready_at = time(10, 0)  # item data, "around 10:00" the next day (A.4 readiness)
    lookback_days = 2  # no source states a revision window: docs/platforms.md assumptions
    account_field = "open_id"
    quota_note = "quota exhausted (2190001: the app's calls, not busy)"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.skipped_entities: set[str] = set()  # entities the last fetch could not take
        # videos asked for the day that the platform no longer reports (aged past 30 days
        # since the day was first loaded, as a look-back finds them): raw keeps their rows
        self.kept_items: dict[str, dict[str, set[str]]] = {}
        # per video: its comment count and newest comment time as of the last loaded day
        self.cursors = CursorStore(self.paths.cursors, self.platform, COMMENT_WINDOW_DAYS)
        self.fetched_cursors: dict[str, dict[str, int]] = {}
        self.stored_cursors: dict[str, dict[str, int]] = {}

    def fetch(self, day: date, accounts: list[Account]) -> Iterator[Page]:
        self.skipped_entities = set()
        # videos whose comments were not asked (unchanged, or an error): raw keeps their rows
        self.kept_items = {"video_daily": {"item_id": set()}, "comments": {"item_id": set()}}
        self.fetched_cursors, self.stored_cursors = {}, self.cursors.latest_before(day)
        yield from self.each_account(day, accounts, self._account)

    def _account(self, day: date, account: Account) -> Iterator[Page]:
        headers = {"access-token": self.token(account)}
        open_id = account.account_id
        fans = self._entity(
            account, "fans_daily", FANS, {"open_id": open_id, "date_type": FANS_DATE_TYPE}, headers
        )
        if fans is not None:
            served = [row.get("date") for row in fans.body["data"].get("result_list") or []]
            if served and day.isoformat() > max(served):
                raise DayNotReadyError(
                    f"douyin account {open_id}: fans served up to {max(served)}; {day} is not "
                    "ready yet (a later run fetches it)"
                )
            if day.isoformat() not in served:
                raise DayUnavailableError(
                    f"douyin serves {min(served, default='no day')}..{max(served, default='')} "
                    f"now; {day} can only be replayed from landing files"
                )
            yield fans
        videos: dict[str, date | None] = {}  # item_id → its publication day
        comment_counts: dict[str, int] = {}  # item_id → its comments now (A.3 statistics)
        try:
            for page in self._video_pages(open_id, headers):
                for v in page.body["data"].get("list") or []:
                    videos[v["item_id"]] = _shanghai_day(v.get("create_time"))
                    count = _code((v.get("statistics") or {}).get("comment_count"))
                    comment_counts[v["item_id"]] = -1 if count is None else count
                yield page
        except PlatformError as exc:
            if not self._skip_scope(account, "videos", exc):
                raise
            return
        # A.4: only videos created within the 30 days up to the day have item data.
        horizon = day - timedelta(days=ITEM_HORIZON_DAYS)
        recent = [i for i, made in videos.items() if made is not None and horizon < made <= day]
        try:
            dailies = list(
                self.client.map_concurrently(
                    lambda item_id: self._item_day(open_id, item_id, day, headers), recent
                )
            )
        except PlatformError as exc:
            if not self._skip_scope(account, "video_daily", exc):
                raise
        else:
            not_ready = [p for p in dailies if p is None]
            if not_ready:
                self.skipped_entities.add("video_daily")
                self.skip_reasons.append(
                    f"douyin account {open_id}: item data of {day} not ready for "
                    f"{len(not_ready)} of {len(recent)} videos (ready ~{self.ready_at:%H:%M} the "
                    "next day); raw keeps what it has, a later run fetches the day"
                )
            else:
                self.kept_items["video_daily"]["item_id"].update(
                    p.params["item_id"]
                    for p in dailies
                    if not p.body["play"]["data"].get("result_list")
                )
                yield from dailies
        for n, (item_id, made) in enumerate(videos.items()):
            key, count = f"{open_id}/{item_id}", comment_counts[item_id]
            if not self._comments_due(key, made, count, day):
                self.kept_items["comments"]["item_id"].add(item_id)
                if key in self.stored_cursors:  # carried to this day: still the newest
                    self.fetched_cursors[key] = self.stored_cursors[key]
                else:  # an old video first seen: from now on its count tells
                    self.fetched_cursors[key] = {"count": count, "newest": 0}
                continue
            try:
                pages = list(self._comments(open_id, item_id, day, headers))
            except PlatformError as exc:
                self.kept_items["comments"]["item_id"].add(item_id)
                if exc.code in ITEM_CODES:
                    self.skip_reasons.append(
                        f"douyin account {open_id}: comments of video {item_id} skipped: {exc}"
                    )
                    continue
                if not self._skip_scope(account, "comments", exc):
                    raise
                self.kept_items["comments"]["item_id"].update(list(videos)[n:])
                break
            times = [
                int(c.get("create_time") or 0)
                for p in pages
                for c in p.body["data"].get("list") or []
            ]
            self.fetched_cursors[key] = {"count": count, "newest": max(times, default=0)}
            yield from pages

    def _comments_due(self, key: str, made: date | None, count: int, day: date) -> bool:
        """Whether a video's comments must be asked for ``day``: its count moved since the
        stored cursor, or the cursor knows a comment from ``day`` on (fetched by an earlier
        run after midnight); with no cursor, a video of the last ``COMMENT_WINDOW_DAYS``."""
        cursor = self.stored_cursors.get(key)
        if cursor is None:
            return made is not None and day - made < timedelta(days=COMMENT_WINDOW_DAYS)
        start = datetime.combine(day, time(), SHANGHAI).timestamp()
        return count != cursor["count"] or count < 0 or cursor["newest"] >= start

    def mark_loaded(self, day: date) -> None:
        """The day's comments are in raw: the next day's run asks only videos that moved."""
        self.cursors.record(day, self.fetched_cursors)

    def _entity(
        self, account: Account, entity: str, path: str, params: dict[str, Any], headers: dict
    ) -> Page | None:
        try:
            return self._get(entity, path, params, headers)
        except PlatformError as exc:
            if not self._skip_scope(account, entity, exc):
                raise
            return None

    def _skip_scope(self, account: Account, entity: str, exc: PlatformError) -> bool:
        """Record a missing scope or capability (a person must grant it); False for any
        other error."""
        reason = SCOPE_CODES.get(_code(exc.code) or 0)
        if reason is None:
            return False
        self.skip_reasons.append(
            f"douyin account {account.account_id}: {entity} skipped: {reason} "
            f"({exc.code}); grant it in the Douyin open platform console. {exc}"
        )
        return True

    def _video_pages(self, open_id: str, headers: dict[str, str]) -> Iterator[Page]:
        cursor = 0
        while True:
            params = {"open_id": open_id, "cursor": cursor, "count": PAGE_SIZE}
            page = self._get("videos", VIDEO_LIST, params, headers)
            yield page
            data = page.body["data"]
            if not data.get("has_more"):
                return
            cursor = data["cursor"]

    def _item_day(
        self, open_id: str, item_id: str, day: date, headers: dict[str, str]
    ) -> Page | None:
        """One video's four series and its base, landed together as one page; None when
        the platform has not finished the day yet (its newest served date is earlier)."""
        params = {"open_id": open_id, "item_id": item_id}
        wanted = day.isoformat()
        for date_type in ITEM_DATE_TYPES:
            query = {**params, "date_type": date_type}
            play = self.client.get_json(ITEM_SERIES.format("play"), query, headers)
            served = [r.get("date") for r in play["data"].get("result_list") or []]
            if not served or min(served) <= wanted:
                break
        if served and max(served) < wanted:
            return None
        bodies = {"play": play}
        path = ITEM_SERIES.format("{" + ",".join((*SERIES, "base")) + "}")
        if not served:  # a video the platform no longer reports: nothing more to ask
            return Page(self.platform, "video_daily", path, query, bodies)
        for metric in SERIES[1:]:
            bodies[metric] = self.client.get_json(ITEM_SERIES.format(metric), query, headers)
        bodies["base"] = self.client.get_json(ITEM_BASE, params, headers)
        return Page(self.platform, "video_daily", path, query, bodies)

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
        params = page["params"]
        context = {k: params[k] for k in ("open_id", "item_id") if k in params}
        if page["entity"] == "video_daily":
            return _video_day(page["body"], context, day)
        data = page["body"]["data"]
        if page["entity"] == "videos":
            return [{"open_id": params["open_id"], **v} for v in data.get("list") or []]
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


def _video_day(bodies: dict[str, Any], context: dict[str, Any], day: date) -> list[dict[str, Any]]:
    """The day's row of each series merged into one record (fields the platform adds are
    kept); none when no series has the day (a video the platform does not report)."""
    record: dict[str, Any] = {**context, "date": day.isoformat()}
    found = False
    for metric in SERIES:
        for row in (bodies.get(metric) or {"data": {}})["data"].get("result_list") or []:
            if row.get("date") == day.isoformat():
                record |= row
                found = True
    if not found:
        return []
    record["base"] = bodies["base"]["data"].get("result")
    return [record]
