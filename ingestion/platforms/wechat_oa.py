"""WeChat Official Account (api.weixin.qq.com): datacube statistics, followers, comments.

Envelope: ``{"errcode": 0, "errmsg": "ok", ...}`` (success may omit errcode); auth by the
``access_token`` query parameter of the account's app. The datacube endpoints are POSTs of
``{"begin_date", "end_date"}`` and serve past days; the follower list pages by
``next_openid`` and ``user/info/batchget`` adds each follower's ``unionid`` (the id shared
across the brand's WeChat apps); comments page by ``begin``/``count`` per article.
The follower list is a snapshot of now: it is fetched only for yesterday.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from ingestion.accounts import Account
from ingestion.errors import (
    BadResponseError,
)
from ingestion.http import ApiClient, Page
from ingestion.platforms.base import ApiSource, snapshot_day
from ingestion.schema import RecordSchema
from ingestion.settings import SHANGHAI

DEFAULT_BASE_URL = "https://api.weixin.qq.com"
ARTICLE_SUMMARY = "/datacube/getarticlesummary"
USER_SUMMARY = "/datacube/getusersummary"
USER_CUMULATE = "/datacube/getusercumulate"
USER_GET = "/cgi-bin/user/get"
USER_BATCHGET = "/cgi-bin/user/info/batchget"
COMMENT_LIST = "/cgi-bin/comment/list"
AUTH_CODES = {40001, 40014, 42001}
THROTTLE_CODES = {45009, 45011}
BUSY_CODES = {-1}
BATCH = 100  # batchget takes at most 100 openids
COMMENT_PAGE = 50

SCHEMAS = {
    "article_daily": RecordSchema(
        required=("account_id", "ref_date", "msgid"),
        counts=(
            "int_page_read_user",
            "int_page_read_count",
            "share_user",
            "share_count",
            "add_to_fav_user",
            "add_to_fav_count",
        ),
        dates=("ref_date",),
    ),
    "user_summary": RecordSchema(
        required=("account_id", "ref_date"), counts=("new_user", "cancel_user"), dates=("ref_date",)
    ),
    "user_cumulate": RecordSchema(
        required=("account_id", "ref_date", "cumulate_user"),
        counts=("cumulate_user",),
        dates=("ref_date",),
    ),
    "followers": RecordSchema(required=("account_id", "openid"), timestamps=("subscribe_time",)),
    "comments": RecordSchema(
        required=("account_id", "msg_data_id", "user_comment_id", "openid"),
        timestamps=("create_time",),
    ),
}


class WechatClient(ApiClient):
    platform = "wechat_oa"
    busy_codes = frozenset(BUSY_CODES)
    throttle_codes = frozenset(THROTTLE_CODES)
    auth_codes = frozenset(AUTH_CODES)

    def check_body(self, body: Any, request: str) -> None:
        if not isinstance(body, dict):
            raise BadResponseError(f"{request}: body is not an object")
        code = body.get("errcode", 0)
        if code == 0:
            return
        message = f"{request}: errcode {code}: {body.get('errmsg', '')}"
        self.raise_for_code(code, message)


class WechatOaSource(ApiSource):
    client_class = WechatClient
    platform = "wechat_oa"
    schemas = SCHEMAS
    snapshot_only = False

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.skipped_entities: set[str] = set()  # entities the last fetch could not take

    def fetch(self, day: date, accounts: list[Account]) -> Iterator[Page]:
        window = {"begin_date": day.isoformat(), "end_date": day.isoformat()}
        self.skipped_entities = set()
        for account in accounts:
            auth = {"access_token": self.token(account)}
            ctx = {"account_id": account.account_id}
            articles = self.client.post_json(ARTICLE_SUMMARY, auth, window, {})
            yield Page(self.platform, "article_daily", ARTICLE_SUMMARY, {**ctx, **window}, articles)
            for entity, path in (("user_summary", USER_SUMMARY), ("user_cumulate", USER_CUMULATE)):
                body = self.client.post_json(path, auth, window, {})
                yield Page(self.platform, entity, path, {**ctx, **window}, body)
            for item in articles.get("list") or []:
                yield from self._comments(auth, ctx, item["msgid"])
            yield from self._followers(auth, ctx, day)

    def _comments(self, auth: dict[str, str], ctx: dict[str, str], msgid: str) -> Iterator[Page]:
        data_id, _, index = str(msgid).partition("_")
        begin = 0
        while True:
            query = {
                "msg_data_id": data_id,
                "index": int(index or 0) - 1,
                "begin": begin,
                "count": COMMENT_PAGE,
                "type": 0,
            }
            body = self.client.post_json(COMMENT_LIST, auth, query, {})
            yield Page(self.platform, "comments", COMMENT_LIST, {**ctx, **query}, body)
            got = len(body.get("comment") or [])
            begin += got
            if got == 0 or begin >= int(body.get("total", 0)):
                return

    def _followers(self, auth: dict[str, str], ctx: dict[str, str], day: date) -> Iterator[Page]:
        """The follower list is 'now': take it only as the snapshot of yesterday."""
        first, served_at = self.client.get_json_dated(USER_GET, {**auth, "next_openid": ""}, {})
        if snapshot_day(served_at) != day:
            self.skipped_entities = {"followers"}
            return
        openids: list[str] = []
        body = first
        while True:
            openids += (body.get("data") or {}).get("openid") or []
            following = body.get("next_openid")
            if not following or not body.get("count"):
                break
            body = self.client.get_json(USER_GET, {**auth, "next_openid": following}, {})
        for start in range(0, len(openids), BATCH):
            chunk = {
                "user_list": [
                    {"openid": o, "lang": "zh_CN"} for o in openids[start : start + BATCH]
                ]
            }
            info = self.client.post_json(USER_BATCHGET, auth, chunk, {})
            yield Page(self.platform, "followers", USER_BATCHGET, {**ctx, "offset": start}, info)

    def extract(self, page: dict[str, Any], day: date) -> list[dict[str, Any]]:
        body, params, entity = page["body"], page["params"], page["entity"]
        ctx = {"account_id": params["account_id"]}
        if entity == "followers":
            return [{**ctx, **u} for u in body.get("user_info_list") or []]
        if entity == "comments":
            return [
                {**ctx, "msg_data_id": params["msg_data_id"], "index": params["index"], **c}
                for c in body.get("comment") or []
                if _shanghai_date(c.get("create_time")) == day
            ]
        return [
            {**ctx, **row}
            for row in body.get("list") or []
            if row.get("ref_date") == day.isoformat()
        ]


def _shanghai_date(unix_seconds: Any) -> date | None:
    try:
        return datetime.fromtimestamp(int(unix_seconds), SHANGHAI).date()
    except (TypeError, ValueError):
        return None
