"""WeCom 企业微信 (qyapi.weixin.qq.com): each staff member's external contacts (客户联系).

Envelope ``{"errcode": 0, "errmsg": "ok", ...}``; auth by the ``access_token`` query
parameter of the customer-contact app. ``externalcontact/batch/get_by_user`` pages by
``cursor`` / ``next_cursor`` and returns each contact with its ``unionid`` (when the
contact is a WeChat user) and the staff member's ``follow_info`` (remark phone numbers,
added time). The list is a snapshot of now; remark phones are hashed before loading.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from typing import Any

from ingestion.accounts import Account
from ingestion.credentials import App, ClientCredential, Grant, refusals, seconds
from ingestion.http import ApiClient, Page
from ingestion.platforms.base import ApiSource, require_snapshot_of
from ingestion.platforms.wechat_oa import WechatClient
from ingestion.schema import RecordSchema

DEFAULT_BASE_URL = "https://qyapi.weixin.qq.com"
BATCH_GET = "/cgi-bin/externalcontact/batch/get_by_user"
# GET /cgi-bin/gettoken?corpid&corpsecret → {errcode, errmsg, access_token, expires_in}
# (https://developer.work.weixin.qq.com/document/path/91039; sample: SKIT.FlurlHttpClient.Wechat
# CgibinGetTokenResponse.json): one token per app (secret), 7,200 s, may be invalidated early:
# re-fetched on 40014 / 42001 (https://developer.work.weixin.qq.com/document/path/90455).
GETTOKEN = "/cgi-bin/gettoken"
CORPID = "SOCIALMART_WECOM_CORPID"
CORPSECRET = "SOCIALMART_WECOM_CORPSECRET"  # the customer-contact (客户联系) app's secret
# 40001 不合法的secret参数, 40013 不合法的CorpID, 40056 不合法的agentid, 41004 缺少secret参数
# (global codes, path/90455)
APP_REFUSED = {40001, 40013, 40056, 41004}
PAGE_SIZE = 100

SCHEMAS = {
    "contacts": RecordSchema(
        required=("account_id", "external_contact.external_userid"),
        timestamps=("follow_info.createtime",),
        personal=(("follow_info.remark_mobiles", "phone"),),
    ),
}


class WecomClient(WechatClient):
    platform = "wecom"  # the same errcode envelope as the rest of WeChat


def fetch_token(client: ApiClient, app: App) -> Grant:
    now = time.time()
    with refusals(APP_REFUSED, f"wecom corp {app.app_id}: the token was refused"):
        body = client.get_json(GETTOKEN, {"corpid": app.app_id, "corpsecret": app.secret}, {})
    return Grant(body["access_token"], now + seconds(body["expires_in"]), obtained_at=now)


class WecomSource(ApiSource):
    client_class = WecomClient
    platform = "wecom"
    schemas = SCHEMAS
    snapshot_only = True
    auth = ClientCredential(CORPID, CORPSECRET, fetch_token)

    def fetch(self, day: date, accounts: list[Account]) -> Iterator[Page]:
        for account in accounts:  # one registry row per staff userid
            auth = {"access_token": self.token(account)}
            cursor = ""
            first = True
            while True:
                query = {"userid_list": [account.account_id], "cursor": cursor, "limit": PAGE_SIZE}
                if first:
                    body, served_at = self.client.post_json_dated(BATCH_GET, auth, query, {})
                    require_snapshot_of(self.platform, served_at, day)
                    first = False
                else:
                    body = self.client.post_json(BATCH_GET, auth, query, {})
                yield Page(
                    self.platform,
                    "contacts",
                    BATCH_GET,
                    {"account_id": account.account_id, "cursor": cursor},
                    body,
                )
                cursor = body.get("next_cursor") or ""
                if not cursor:
                    break

    def extract(self, page: dict[str, Any], day: date) -> list[dict[str, Any]]:
        ctx = {"account_id": page["params"]["account_id"]}
        return [{**ctx, **c} for c in page["body"].get("external_contact_list") or []]
