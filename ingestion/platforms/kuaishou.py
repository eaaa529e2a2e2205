"""Kuaishou open platform (open.kuaishou.com): user info and the photo (video) list.

Envelope: ``{"result": 1, ...}`` is success, any other ``result`` an error with
``error_msg``; auth by the ``app_id`` + ``access_token`` query parameters
(https://open.kuaishou.com/platformDocs/openAbility/userInformation/publicInformation.html;
zhuovi/XiaoFeng.KuaiShou @ 75bcd261 ``Model/ResultModel.cs``). The photo list answers
``video_list`` (XiaoFeng.KuaiShou ``Model/VideoListModel.cs``) and pages by passing the
oldest ``photo_id`` of the previous page as ``cursor`` with ``count`` ≤ 200 (``OpenAPI.cs``
doc comment); no response-side cursor is documented, so paging stops on an empty page or
a cursor that does not move. 100100402 请求超限 (a user over 1,000 calls a day, the app
over 100,000, or a banned user: ``Enum/ErrorCode.cs``) stops the run, naming the account.
Counts are lifetime totals of now (fans, views, likes,
comments per photo), so like Bilibili a day is fetched the morning after and older days
replay from landing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from ingestion.accounts import Account
from ingestion.credentials import OAuth
from ingestion.errors import BadResponseError
from ingestion.http import ApiClient, Page
from ingestion.platforms.base import ApiSource, require_snapshot_of
from ingestion.schema import RecordSchema

DEFAULT_BASE_URL = "https://open.kuaishou.com"
USER_INFO = "/openapi/user_info"
PHOTO_LIST = "/openapi/photo/list"
# oauth2 codes (https://apifox.com/apidoc/project-462993/doc-355272): 100200102 refused,
# 100200108 access_token expired, 100200109/110/111 cancelled / expired / never authorised
AUTH_RESULTS = {100200101, 100200102, 100200108, 100200109, 100200110, 100200111}
QUOTA_RESULTS = {100100402}
BUSY_RESULTS = {100200500}  # 服务内部错误
PAGE_SIZE = 100  # count: default 20, max 200
# OAuth (research notes C.1): GET /oauth2/access_token app_id, app_secret, code,
# grant_type=authorization_code (https://open.kuaishou.com/platformDocs/openAbility/kwaiLogin)
# and GET /oauth2/refresh_token app_id, app_secret, refresh_token, grant_type=refresh_token
# (https://apifox.com/apidoc/project-462993/api-7075071) → access_token, expires_in (48 h),
# refresh_token, refresh_token_expires_in (180 d), open_id. The refresh token rotates (the
# old one dies at once) and the new one inherits the old expiry: lifetimes are "以接口返回
# 时间为主", so the returned values are the only authority.
OAUTH_TOKEN = "/oauth2/access_token"
OAUTH_REFRESH = "/oauth2/refresh_token"
APP_ID = "SOCIALMART_KUAISHOU_APP_ID"
APP_SECRET = "SOCIALMART_KUAISHOU_APP_SECRET"
# 100200101 invalid client, 100200105 code wrong, 100200109-111 authorisation cancelled /
# expired / never given, 100200113 refresh_token expired (doc-355272)
OAUTH_REFUSED = {100200101, 100200105, 100200109, 100200110, 100200111, 100200113}
AUTH = OAuth(
    APP_ID,
    APP_SECRET,
    OAUTH_TOKEN,
    OAUTH_REFRESH,
    "app_id",
    "app_secret",
    frozenset(OAUTH_REFUSED),
    form=False,
    refresh_lifetime="refresh_token_expires_in",
)

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
    quota_codes = frozenset(QUOTA_RESULTS)
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
    auth = AUTH
    quota_note = (
        "100100402 请求超限 (over 1,000 calls a day for the user or 100,000 for the app, "
        "or the user is banned)"
    )

    def fetch(self, day: date, accounts: list[Account]) -> Iterator[Page]:
        yield from self.each_account(day, accounts, self._account)

    def _account(self, day: date, account: Account) -> Iterator[Page]:
        app_id = self.environ.get(APP_ID, "")
        auth = {"app_id": app_id, "access_token": self.token(account)}
        ctx = {"account_id": account.account_id}
        info, served_at = self.client.get_json_dated(USER_INFO, auth, {})
        require_snapshot_of(self.platform, served_at, day)
        yield Page(self.platform, "user_info", USER_INFO, ctx, info)
        cursor = ""
        while True:
            query = {"count": PAGE_SIZE, **({"cursor": cursor} if cursor else {})}
            body = self.client.get_json(PHOTO_LIST, {**auth, **query}, {})
            yield Page(self.platform, "photos", PHOTO_LIST, {**ctx, **query}, body)
            photos = body.get("video_list") or []
            if not photos:
                break
            oldest = min(photos, key=lambda p: int(p.get("create_time") or 0))
            following = str(oldest.get("photo_id") or "")
            if not following or following == cursor:
                break
            cursor = following

    def extract(self, page: dict[str, Any], day: date) -> list[dict[str, Any]]:
        ctx = {"account_id": page["params"]["account_id"]}
        if page["entity"] == "user_info":
            return [{**ctx, **(page["body"].get("user_info") or {})}]
        return [{**ctx, **p} for p in page["body"].get("video_list") or []]
