"""WeChat Official Account (api.weixin.qq.com): datacube statistics, followers, comments.

Envelope: ``{"errcode": 0, "errmsg": "ok", ...}`` (success may omit errcode); auth by the
``access_token`` query parameter of the account's app. The datacube endpoints are POSTs of
``{"begin_date", "end_date"}`` and serve past days; the follower list pages by
``next_openid`` and ``user/info/batchget`` adds each follower's ``unionid`` (the id shared
across the brand's WeChat apps); comments page by ``begin``/``count`` per article.
The follower list is a snapshot of now: it is fetched only for yesterday.

Sources (research notes §C): datacube readiness "请于每天上午8点后查询公众号前一天的数据"
(https://developers.weixin.qq.com/doc/subscription/guide/product/analysis_data/analysis_data.html,
https://developers.weixin.qq.com/doc/service/api/wedata/user/api_getusersummary): before
08:00 Beijing time of the next day the datacube answers empty lists, which mean "not
ready", never zero; the day's datacube and comments are then left as raw has them.
comment/list (https://developers.weixin.qq.com/doc/service/api/leaving/api_listcomment):
``count`` must be < 50; 88000 (no comment privilege), 88001 (msg_data does not exist, e.g.
an article that was not mass-sent) and 88002 (limited for safety)
(https://developers.weixin.qq.com/doc/subscription/api/leaving/api_openarticlecomment.html)
skip that article with a recorded reason; the rest of the day loads.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from datetime import date, datetime, time, timedelta
from time import time as time_now
from typing import Any

from ingestion.accounts import Account
from ingestion.credentials import App, ClientCredential, Grant, refusals, seconds
from ingestion.errors import BadResponseError, PlatformError
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
# Renewed on 40001 (invalid or not latest), 40014 (invalid), 42001 (expired): research notes
# C.1 (global codes; WxJava WxConsts.ACCESS_TOKEN_ERROR_CODES refreshes on the same three).
AUTH_CODES = {40001, 40014, 42001}
# GET /cgi-bin/token?grant_type=client_credential&appid&secret → {access_token, expires_in}
# (https://developers.weixin.qq.com/doc/service/api/base/api_getaccesstoken; sample:
# fudiwei/DotNetCore.SKIT.FlurlHttpClient.Wechat CgibinTokenResponse.json): 7,200 s, and a
# new token invalidates the previous one after 5 minutes, so one token per app is shared.
TOKEN = "/cgi-bin/token"
APPID = "SOCIALMART_WECHAT_OA_APPID"  # per account: …_<ACCOUNT>; the OA's AppID
APPSECRET = "SOCIALMART_WECHAT_OA_APPSECRET"
# 40001 wrong AppSecret, 40013 invalid AppID, 40164 caller IP not whitelisted, 40243
# AppSecret frozen (research notes C.1): a person must fix the app, not the run.
APP_REFUSED = {40001, 40013, 40164, 40243}
# 45009: the API's daily quota is used up ("reach max api daily quota limit"): waiting
# cannot help, the run stops and the next one resumes (API_Call_Limits page); 45011 is the
# short-term frequency limit, which a back-off can wait out.
QUOTA_CODES = {45009}
THROTTLE_CODES = {45011}
BUSY_CODES = {-1}
BATCH = 100  # batchget takes at most 100 openids
COMMENT_PAGE = 49  # comment/list refuses count >= 50 (api_listcomment)
# comment/list codes that concern one article, not the account (api_openarticlecomment)
ARTICLE_SKIP_CODES = {
    88000: "without comment privilege",
    88001: "msg_data is not exists (not a mass-sent article)",
    88002: "article is limit for safety",
}
DATACUBE_READY_AT = time(8, 0)  # Beijing time, the day after (analysis_data overview)
DATACUBE_ENTITIES = ("article_daily", "user_summary", "user_cumulate", "comments")

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
        # openid is absent when the commenter used a non-WeChat identity (api_listcomment)
        required=("account_id", "msg_data_id", "user_comment_id"),
        timestamps=("create_time",),
    ),
}


class WechatClient(ApiClient):
    platform = "wechat_oa"
    busy_codes = frozenset(BUSY_CODES)
    throttle_codes = frozenset(THROTTLE_CODES)
    quota_codes = frozenset(QUOTA_CODES)
    auth_codes = frozenset(AUTH_CODES)

    def check_body(self, body: Any, request: str) -> None:
        if not isinstance(body, dict):
            raise BadResponseError(f"{request}: body is not an object")
        code = body.get("errcode", 0)
        if code == 0:
            return
        message = f"{request}: errcode {code}: {body.get('errmsg', '')}"
        self.raise_for_code(code, message)


def fetch_token(client: ApiClient, app: App) -> Grant:
    """An app's access token from its id and secret (WeChat OA and WeCom alike)."""
    now = time_now()
    query = {"grant_type": "client_credential", "appid": app.app_id, "secret": app.secret}
    with refusals(APP_REFUSED, f"wechat_oa app {app.app_id}: the token was refused"):
        body = client.get_json(TOKEN, query, {})
    return Grant(body["access_token"], now + seconds(body["expires_in"]), obtained_at=now)


class WechatOaSource(ApiSource):
    client_class = WechatClient
    platform = "wechat_oa"
    schemas = SCHEMAS
    snapshot_only = False
    auth = ClientCredential(APPID, APPSECRET, fetch_token)
    ready_at = DATACUBE_READY_AT
    lookback_days = 2  # no source states a revision window: docs/platforms.md assumptions

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.skipped_entities: set[str] = set()  # entities the last fetch could not take
        self.skip_reasons: list[str] = []  # why, and which items were skipped

    def fetch(self, day: date, accounts: list[Account]) -> Iterator[Page]:
        window = {"begin_date": day.isoformat(), "end_date": day.isoformat()}
        self.skipped_entities = set()
        self.skip_reasons = []
        for account in accounts:
            auth = {"access_token": self.token(account)}
            ctx = {"account_id": account.account_id}
            cumulate, served_at = self.client.post_json_dated(USER_CUMULATE, auth, window, {})
            ready_at = datetime.combine(day + timedelta(days=1), DATACUBE_READY_AT, SHANGHAI)
            if served_at < ready_at or not cumulate.get("list"):
                # Empty lists before the day is complete: "not ready", never zero.
                self.skipped_entities |= set(DATACUBE_ENTITIES)
                self.skip_reasons.append(
                    f"wechat_oa account {account.account_id}: datacube for {day} not ready "
                    f"(served {served_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M} Beijing time; "
                    f"ready after {ready_at:%Y-%m-%d %H:%M}); raw keeps what it has"
                )
            else:
                yield Page(
                    self.platform, "user_cumulate", USER_CUMULATE, {**ctx, **window}, cumulate
                )
                articles = self.client.post_json(ARTICLE_SUMMARY, auth, window, {})
                yield Page(
                    self.platform, "article_daily", ARTICLE_SUMMARY, {**ctx, **window}, articles
                )
                body = self.client.post_json(USER_SUMMARY, auth, window, {})
                yield Page(self.platform, "user_summary", USER_SUMMARY, {**ctx, **window}, body)
                for msgid in dict.fromkeys(a["msgid"] for a in articles.get("list") or []):
                    if not (yield from self._comments(auth, ctx, msgid)):
                        break  # 88000: the account has no comment privilege at all
            yield from self._followers(auth, ctx, day)

    def _comments(
        self, auth: dict[str, str], ctx: dict[str, str], msgid: str
    ) -> Generator[Page, None, bool]:
        """One article's comments; an error about the article alone skips it, recorded.
        Returns False when the account itself has no comment privilege (88000)."""
        try:
            pages = list(self._comment_pages(auth, ctx, msgid))
        except PlatformError as exc:
            if exc.code not in ARTICLE_SKIP_CODES:
                raise
            self.skip_reasons.append(
                f"wechat_oa account {ctx['account_id']}: comments of article {msgid} skipped: "
                f"{exc.code} {ARTICLE_SKIP_CODES[exc.code]}"
            )
            return exc.code != 88000
        yield from pages
        return True

    def _comment_pages(
        self, auth: dict[str, str], ctx: dict[str, str], msgid: str
    ) -> Iterator[Page]:
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
            self.skipped_entities.add("followers")
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
