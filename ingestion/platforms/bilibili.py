"""Bilibili open platform (member.bilibili.com/arcopen/fn): user, archives, archive stats.

Envelope: ``{"code": 0, "message": "0", "ttl": 1, "request_id": "...", "data": ...}``
(research notes A.3: bilibili-openplatform/SignatureAlgorithm_DotnetDemo
``Signature_Algorithm_Demo/Program.cs`` ``BaseResp``; apifox mirror of the open-platform doc
https://apifox.com/apidoc/docs-site/1106400/doc-895951). Every call is signed (v2.0, see
``sign_headers``) with the app's client id and secret, and carries the account's OAuth
``access-token`` header (the token names the account); archives page by ``pn``/``ps``
with ``data.page.total`` (https://apifox.com/apidoc/docs-site/1106400/api-23727647).
Bilibili serves only snapshots of *now* (cumulative stats and yesterday's increments), so
a day can be fetched only on the following morning; an earlier day can be replayed from
landing, never re-fetched.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

import httpx

from ingestion.accounts import Account
from ingestion.credentials import OAuth
from ingestion.errors import BadResponseError, ConfigError
from ingestion.http import ApiClient, HttpPolicy, Page
from ingestion.platforms.base import ApiSource, require_snapshot_of
from ingestion.schema import RecordSchema

DEFAULT_BASE_URL = "https://member.bilibili.com"
USER_STAT = "/arcopen/fn/data/user/stat"
VIEWLIST = "/arcopen/fn/archive/viewlist"
ARC_STAT = "/arcopen/fn/data/arc/stat"
ARC_INC = "/arcopen/fn/data/arc/inc-stats"
CLIENT_ID = "SOCIALMART_BILIBILI_CLIENT_ID"  # the app's client_id (access key id)
CLIENT_SECRET = "SOCIALMART_BILIBILI_CLIENT_SECRET"  # the app's app_secret (signing key)
# OAuth (research notes A.2) on its own host, https://api.bilibili.com, unsigned, form bodies:
# POST /x/account-oauth2/v1/token client_id, client_secret, grant_type=authorization_code,
# code (bilibili-openplatform/OpenPlatform_CSharpDemo OpenPlatform_Authorization/AccessToken.cs;
# https://apifox.com/apidoc/docs-site/1106400/api-23688085) and /x/account-oauth2/v1/refresh_token
# client_id, client_secret, grant_type=refresh_token, refresh_token: each refresh token works
# once (…/api-23689934). Answer {code, message, ttl, data: {access_token, expires_in,
# refresh_token, scopes}}, ``expires_in`` the Unix second the token expires (the doc sample
# 1630220614, casdoor/casdoor idp/bilibili.go). No refresh-token lifetime is published.
OAUTH_BASE_URL = "SOCIALMART_BILIBILI_OAUTH_BASE_URL"
DEFAULT_OAUTH_BASE_URL = "https://api.bilibili.com"
OAUTH_TOKEN = "/x/account-oauth2/v1/token"
OAUTH_REFRESH = "/x/account-oauth2/v1/refresh_token"
# 122000 client_id 错误, 122001 client_secret 错误, 122002 code 未找到, 122007 refreshToken 不合法
OAUTH_REFUSED = {122000, 122001, 122002, 122007}
AUTH = OAuth(
    CLIENT_ID,
    CLIENT_SECRET,
    OAUTH_TOKEN,
    OAUTH_REFRESH,
    "client_id",
    "client_secret",
    frozenset(OAUTH_REFUSED),
    envelope="data",
    absolute_expiry=True,
)
# Status codes: apifox mirror of 状态码, https://apifox.com/apidoc/docs-site/1106400/doc-895951
# 127000 missing auth params, 127001 access_token invalid, 127004 client_id invalid,
# 127012 鉴权错误 (what the simulator answers to a bad signature: the signature-specific
# code has no public source), 127011 scope not authorised by the user.
AUTH_CODES = {127000, 127001, 127004, 127011, 127012, -101}
QUOTA_CODES = {127009}  # api请求次数达到上限: no numeric limit is published
BUSY_CODES = {127201}  # 系统繁忙，请稍后再试
THROTTLE_CODES = {-412, -509, -799}
# inc-stats: the doc's sample spells the reply increment ``icn_reply``
# (https://s.apifox.cn/apidoc/docs-site/1106400/api-23909532); SDKs use ``inc_reply``
# (ArtisanCloud/MediaX pkg/client/bilibili/b/accessTokenClient/data/schema/getVideoStatIncrement.go)
INC_REPLY_SPELLINGS = ("inc_reply", "icn_reply")
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


SIGNATURE_METHOD = "HMAC-SHA256"
SIGNATURE_VERSION = "2.0"


def sign_headers(
    client_id: str,
    client_secret: str,
    access_token: str,
    content: bytes = b"",
    *,
    nonce: str | None = None,
    timestamp: str | None = None,
) -> dict[str, str]:
    """The headers of one signed call, signature v2.0.

    Source: 接口签名实现标准, bilibili-openplatform/SignatureAlgorithm_DotnetDemo @ 6376523a
    (``README.md``; ``Signature_Algorithm_Demo/Program.cs``: ``CommonHeader.ToSortedString``,
    ``HmacSHA256``, ``BiliVersion = "2.0"``), also bilibili-openplatform/OpenPlatform_CSharpDemo
    ``Signature/Signature/Program.cs``. The string to sign is the ``x-bili-*`` headers only,
    sorted by name, ``name:value`` joined by ``\n`` without a trailing newline; the
    signature is the lowercase hex HMAC-SHA256 of it keyed by the app secret, sent bare in
    ``Authorization``. ``x-bili-content-md5`` is the MD5 of the body (of "" for a GET);
    the timestamp is Unix seconds (the platform discards calls 10 minutes off); the nonce
    is a fresh GUID per call. ``access-token`` is sent but not signed.
    """
    signed = {
        "x-bili-accesskeyid": client_id,
        "x-bili-content-md5": hashlib.md5(content).hexdigest(),
        "x-bili-signature-method": SIGNATURE_METHOD,
        "x-bili-signature-nonce": nonce or str(uuid.uuid4()),
        "x-bili-signature-version": SIGNATURE_VERSION,
        "x-bili-timestamp": timestamp or str(int(time.time())),
    }
    return {
        **signed,
        "access-token": access_token,
        "Authorization": signature(client_secret, signed),
    }


def string_to_sign(headers: Mapping[str, str]) -> str:
    bili = {k.lower(): v for k, v in headers.items() if k.lower().startswith("x-bili-")}
    return "\n".join(f"{k}:{bili[k]}" for k in sorted(bili))


def signature(client_secret: str, headers: Mapping[str, str]) -> str:
    data = string_to_sign(headers).encode()
    return hmac.new(client_secret.encode(), data, hashlib.sha256).hexdigest()


class BilibiliClient(ApiClient):
    platform = "bilibili"
    throttle_codes = frozenset(THROTTLE_CODES)
    quota_codes = frozenset(QUOTA_CODES)
    busy_codes = frozenset(BUSY_CODES)
    auth_codes = frozenset(AUTH_CODES)

    def sign(
        self, method: str, path: str, headers: dict[str, str], content: bytes
    ) -> dict[str, str]:
        if "access-token" not in headers:
            return headers  # OAuth token calls are not signed (research notes A.2)
        if self.app is None:
            raise ConfigError(f"bilibili: set {CLIENT_ID} and {CLIENT_SECRET} to sign calls")
        token = headers.pop("access-token", "")
        stamp = str(int(self.clock()))
        return {**headers, **sign_headers(*self.app, token, content, timestamp=stamp)}

    def check_body(self, body: Any, request: str) -> None:
        if not isinstance(body, dict) or "code" not in body:
            raise BadResponseError(f"{request}: no code in body")
        code = body["code"]
        if code == 0:
            if "data" not in body:
                raise BadResponseError(f"{request}: code 0 but no data")
            return
        rid = f" (request_id {body['request_id']})" if body.get("request_id") else ""
        message = f"{request}: code {code}: {body.get('message', '')}{rid}"
        self.raise_for_code(code, message)


class BilibiliSource(ApiSource):
    client_class = BilibiliClient
    platform = "bilibili"
    schemas = SCHEMAS
    snapshot_only = True
    auth = AUTH
    app_settings = (CLIENT_ID, CLIENT_SECRET)
    quota_note = "call quota reached (127009)"

    def oauth_client(
        self, policy: HttpPolicy | None, transport: httpx.BaseTransport | None
    ) -> ApiClient:
        url = (self.environ.get(OAUTH_BASE_URL) or "").strip() or DEFAULT_OAUTH_BASE_URL
        return BilibiliClient(url, policy=policy, transport=transport)

    def fetch(self, day: date, accounts: list[Account]) -> Iterator[Page]:
        yield from self.each_account(day, accounts, self._fetch_account)

    def _fetch_account(self, day: date, account: Account) -> Iterator[Page]:
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
            if not data.get("list") or pn * int(page.get("ps", 50)) >= int(page.get("total", 0)):
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
        if page["entity"] == "arc_inc_stats":
            data = dict(data)
            for spelling in INC_REPLY_SPELLINGS[1:]:
                if spelling in data:
                    data.setdefault("inc_reply", data.pop(spelling))
        return [{**ctx, **data}]
