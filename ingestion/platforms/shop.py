"""The brand's Douyin shop (抖店 open platform, openapi-fxg.jinritemai.com): paid orders.

Sources: docs/sources/douyin_shop_kuaishou.md B.0-B.3 (the official Go SDK vendored in
zsmhub/doudian-sdk: ``core/doudian_op_api_client.go``, ``utils/sign_util.go``,
``api/order_searchList``, ``api/order_batchDecrypt``; SKIT.FlurlHttpClient.ByteDance.DouyinShop).

Every call is a POST to the method's path (``order.searchList`` → ``/order/searchList``)
whose body is the business parameters as canonical JSON (``param_json``: keys sorted, no
spaces), with ``app_key``, ``method``, ``access_token``, ``timestamp`` (unix seconds),
``v=2``, ``sign`` and ``sign_method`` in the query; ``sign`` is computed by ``sign``.
Envelope ``{"code": 10000, "msg", "sub_code", "sub_msg", "log_id", "data"}``, or the legacy
``{"err_no": 0, "message", "data"}``. Orders page by ``page`` (from 0) and ``size`` (≤ 100)
within a ``create_time_start``..``create_time_end`` window, so any past day can be fetched
again. Amounts are in 分.

The buyer's phone arrives encrypted (``encrypt_post_tel``); ``order.batchDecrypt`` turns it
into clear text, which is hashed in memory (``ingestion.privacy``) before the page is
landed: landing, raw and DuckDB hold ``post_tel_hash`` and never the ciphertext or the
number. An order whose phone cannot be decrypted (a per-item ``err_no``) or is a virtual
number (it reaches the buyer for a while but names nobody) lands with no hash and the
reason in ``post_tel_missing``.

The shop's token (B.1) comes from ``token.create`` and renews with ``token.refresh``, both
signed calls without an access token (``ShopAuth``): access 7 days, refresh 14 days.
Orders change after they are created (paid, cancelled by a refund, shipped): each daily
run fetches the ``lookback_days`` before its day again by creation time, and staging keeps
each order's latest version.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from ingestion.accounts import Account
from ingestion.credentials import DAY_SECONDS, App, Grant, OAuth, refusals, seconds
from ingestion.errors import AuthError, BadResponseError, ConfigError
from ingestion.http import ApiClient, Page
from ingestion.platforms.base import ApiSource
from ingestion.privacy import hash_key, pseudonymise
from ingestion.schema import RecordSchema
from ingestion.settings import SHANGHAI

DEFAULT_BASE_URL = "https://openapi-fxg.jinritemai.com"
APP_KEY = "SOCIALMART_SHOP_APP_KEY"  # the 抖店 app's app_key
APP_SECRET = "SOCIALMART_SHOP_APP_SECRET"  # its app_secret: the signing key
ORDER_SEARCH = "order.searchList"
BATCH_DECRYPT = "order.batchDecrypt"
PAGE_SIZE = 100  # searchList's maximum
DECRYPT_BATCH = 50  # batchDecrypt's maximum cipher_infos per call (B.3)
SIGN_METHOD = "hmac-sha256"  # what the official SDK always sends
# token.create / token.refresh (B.1; zsmhub/doudian-sdk core/create_token_request.go,
# core/refresh_token_request.go, core/access_token_builder.go): POST /token/create with
# param_json {code, grant_type: authorization_code} (a shop that authorised the app) or
# {code: "", grant_type: authorization_self, shop_id} (a self-built app's own shop), and
# POST /token/refresh with {grant_type: refresh_token, refresh_token}; both signed, without
# access_token. data: access_token, expires_in (seconds, "默认有效期：7天"), refresh_token
# ("有效期：14 天", no field states it), scope, shop_id, shop_name, authority_id.
TOKEN_CREATE = "token.create"
TOKEN_REFRESH = "token.refresh"
REFRESH_DAYS = 14
# 50001 平台处理失败 with dop.token-generate-failed:{code-expired, code-invalid,
# app-secret-invalid, grant-type-invalid, no-authorization, token-expired, token-invalid}
# (B.0 [DD-ERR]): a person must authorise the shop again or fix the app's secret
TOKEN_REFUSED = frozenset({50001})
# Codes (B.0, the official 平台基础错误码汇总 as transcribed in iMactool/jinritemai, and the
# legacy err_no table of Lesible/retrofit-doudian-sdk ErrorCode.java): 30001 操作权限不足,
# 30002 IP 不可信; 40003's token sub_codes; legacy 1 请登录, 2 无权限, 11 签名校验失败,
# 30001-30007 token and authorisation. 60000 / legacy 9: throttled. 20000/20001 / legacy
# 7, 8: busy.
AUTH_CODES = {30001, 30002, 1, 2, 11, 30003, 30004, 30005, 30006, 30007}
TOKEN_SUB_CODES = {
    "isv.access-token-expired",
    "isv.access-token-no-existed",
    "isv.access-token-invalid",
    "isv.signature-invalid",
    "isv.signature-missing",
    "isv.access-token-missing",
}
THROTTLE_CODES = {60000, 9}
BUSY_CODES = {20000, 20001, 7, 8}
# fields that hold the buyer's personal data encrypted or masked: none of them is landed
UNLANDED = (
    "encrypt_post_tel",
    "encrypt_post_receiver",
    "mask_post_tel",
    "mask_post_receiver",
    "mask_post_addr",
    "post_tel",
    "post_receiver",
)

SCHEMAS = {
    "orders": RecordSchema(
        required=("shop_id", "order_id", "doudian_open_id", "pay_amount", "pay_time"),
        counts=("pay_amount",),
        timestamps=("pay_time", "create_time"),
        # landing files written before phones were hashed at fetch still carry it in clear
        personal=(("post_tel", "phone"),),
    ),
}


def param_json(params: Mapping[str, Any]) -> str:
    """The business parameters as the platform signs them: compact JSON, keys sorted at
    every level, no ASCII or HTML escaping (B.0 step 1)."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sign(
    app_key: str,
    app_secret: str,
    method: str,
    params_json: str,
    timestamp: str,
    sign_method: str = SIGN_METHOD,
) -> str:
    """The ``sign`` of one call (B.0 steps 2-5): the app secret, then ``app_key``,
    ``method``, ``param_json``, ``timestamp`` and ``v`` each followed by its value, then the
    secret again; hex HMAC-SHA256 keyed by the secret, or hex MD5. The access token is not
    signed."""
    pattern = f"app_key{app_key}method{method}param_json{params_json}timestamp{timestamp}v2"
    text = f"{app_secret}{pattern}{app_secret}".encode()
    if sign_method == "md5":
        return hashlib.md5(text).hexdigest()
    return hmac.new(app_secret.encode(), text, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ShopAuth(OAuth):
    """抖店's token calls (B.1): signed like every call, answered in the shop envelope.

    Refreshing within the access token's last hour or after it expired returns a new pair
    (the old refresh token then dies); earlier, the same pair with its expiry unchanged
    (B.1 rotation rules, [DD-REFRESH-TIPS]). So a returned refresh token equal to the stored
    one keeps its expiry, and a new one lives ``REFRESH_DAYS`` from now (no field says)."""

    def exchange(self, client: ApiClient, app: App, code: str, account_id: str) -> Grant:
        if code:
            params: dict[str, Any] = {"code": code, "grant_type": "authorization_code"}
        elif account_id.isdigit():  # shop_id is an int64
            params = {"code": "", "grant_type": "authorization_self", "shop_id": int(account_id)}
        else:
            raise ConfigError(f"shop account {account_id}: a shop id is a number")
        return self._token(client, TOKEN_CREATE, params, None, "the authorisation")

    def refresh(self, client: ApiClient, app: App, grant: Grant) -> Grant:
        params = {"grant_type": "refresh_token", "refresh_token": grant.refresh_token}
        return self._token(client, TOKEN_REFRESH, params, grant, "the refresh token")

    def _token(
        self,
        client: ApiClient,
        method: str,
        params: dict[str, Any],
        previous: Grant | None,
        what: str,
    ) -> Grant:
        assert isinstance(client, ShopClient)
        now = time.time()
        with refusals(self.refused, f"shop refused {what}"):
            data = client.call(method, params, None)["data"]
        refresh = str(data["refresh_token"])
        kept = previous is not None and previous.refresh_token == refresh
        return Grant(
            str(data["access_token"]),
            now + seconds(data["expires_in"]),
            refresh,
            previous.refresh_expires_at if kept and previous else now + REFRESH_DAYS * DAY_SECONDS,
            str(data.get("shop_id") or ""),
            now,
        )


AUTH = ShopAuth(
    APP_KEY,
    APP_SECRET,
    "/token/create",
    "/token/refresh",
    "app_key",
    "app_secret",
    TOKEN_REFUSED,
    refresh_renews=True,
    self_grant=True,
)


class ShopClient(ApiClient):
    platform = "shop"
    busy_codes = frozenset(BUSY_CODES)
    throttle_codes = frozenset(THROTTLE_CODES)
    auth_codes = frozenset(AUTH_CODES)

    def encode(self, body: dict[str, Any]) -> bytes:
        return param_json(body).encode()  # byte for byte what was signed

    def call(self, method: str, params: dict[str, Any], access_token: str | None) -> Any:
        """One signed POST of an open-platform method; the parsed body on success. The
        token calls go without ``access_token`` (B.1)."""
        if self.app is None:
            raise ConfigError(f"shop: set {APP_KEY} and {APP_SECRET} to sign calls")
        app_key, secret = self.app
        # signed once per call: a retry within the platform's ±10 min skew is accepted
        stamp = str(int(self.clock()))
        query = {
            "app_key": app_key,
            "method": method,
            **({"access_token": access_token} if access_token else {}),
            "timestamp": stamp,
            "v": "2",
            "sign": sign(app_key, secret, method, param_json(params), stamp),
            "sign_method": SIGN_METHOD,
        }
        return self.post_json("/" + method.replace(".", "/"), query, params, {})

    def check_body(self, body: Any, request: str) -> None:
        if not isinstance(body, dict) or ("code" not in body and "err_no" not in body):
            raise BadResponseError(f"{request}: no code in body")
        code = body.get("code", body.get("err_no"))
        if code in (10000, 0):
            if not isinstance(body.get("data"), dict):
                raise BadResponseError(f"{request}: code {code} but no data")
            return
        sub_code = body.get("sub_code") or ""
        text = body.get("msg") or body.get("message") or ""
        message = f"{request}: code {code} {sub_code}: {text} {body.get('sub_msg') or ''}".rstrip()
        if sub_code in TOKEN_SUB_CODES:
            raise AuthError(message, code=code)  # 40001/40003: the token or the app refused
        self.raise_for_code(code, message)


class ShopSource(ApiSource):
    client_class = ShopClient
    platform = "shop"
    schemas = SCHEMAS
    snapshot_only = False
    app_settings = (APP_KEY, APP_SECRET)
    auth = AUTH
    # an order created on a day is paid, cancelled by a refund or shipped in the days after
    # (order_status, update_time: B.2); no source states how long: docs/platforms.md
    lookback_days = 2

    def fetch(self, day: date, accounts: list[Account]) -> Iterator[Page]:
        start = datetime.combine(day, clock_time(), SHANGHAI)
        window = {
            "create_time_start": int(start.timestamp()),
            "create_time_end": int((start + timedelta(days=1)).timestamp()) - 1,
        }
        key = hash_key(self.environ)  # refused before any call when the key is missing
        for account in accounts:
            token = self.token(account)
            page = 0
            while True:
                params = {**window, "page": page, "size": PAGE_SIZE}
                body = self.client.call(ORDER_SEARCH, params, token)
                orders = body["data"].get("shop_order_list") or []
                self._hash_phones(orders, token, key)
                yield Page(
                    self.platform,
                    "orders",
                    "/order/searchList",
                    {"shop_id": account.account_id, **params},
                    body,
                )
                if not orders or (page + 1) * PAGE_SIZE >= int(body["data"].get("total", 0)):
                    break
                page += 1

    def extract(self, page: dict[str, Any], day: date) -> list[dict[str, Any]]:
        ctx = {"shop_id": page["params"]["shop_id"]}
        return [{**ctx, **o} for o in page["body"]["data"].get("shop_order_list") or []]

    def _hash_phones(self, orders: list[dict[str, Any]], token: str, key: bytes) -> None:
        """Replace each order's encrypted phone by its hash, in place, before landing."""
        ciphers = [
            {"auth_id": str(o["order_id"]), "cipher_text": o["encrypt_post_tel"]}
            for o in orders
            if o.get("encrypt_post_tel")
        ]
        answers: dict[tuple[str, str], dict[str, Any]] = {}
        for i in range(0, len(ciphers), DECRYPT_BATCH):
            batch = {"cipher_infos": ciphers[i : i + DECRYPT_BATCH]}
            body = self.client.call(BATCH_DECRYPT, batch, token)
            for info in body["data"].get("decrypt_infos") or []:
                answers[(str(info.get("auth_id")), str(info.get("cipher_text")))] = info
        for order in orders:
            cipher = order.get("encrypt_post_tel")
            info = answers.get((str(order.get("order_id")), str(cipher))) if cipher else None
            phone, missing = phone_of(info) if cipher else (None, "no phone")
            for field in UNLANDED:
                order.pop(field, None)
            if isinstance(order.get("post_addr"), dict):
                order["post_addr"].pop("encrypt_detail", None)  # the street address
            order["post_tel_hash"] = pseudonymise(phone, "phone", key) if phone else None
            if missing:
                order["post_tel_missing"] = missing


def phone_of(info: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    """(the clear phone, None) from one ``decrypt_infos`` item, or (None, why not)."""
    if info is None:
        return None, "decrypt: not answered"
    if info.get("err_no"):
        return None, f"decrypt err_no {info['err_no']}: {info.get('err_msg') or ''}".strip()
    if info.get("is_virtual_tel"):
        # "<phone_no_a>-<phone_no_b>": a temporary number of the platform, nobody's own (B.3)
        return None, "virtual number"
    text = str(info.get("decrypt_text") or "").strip()
    return (text, None) if text else (None, "decrypt: empty text")
