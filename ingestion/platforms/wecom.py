"""WeCom 企业微信 (qyapi.weixin.qq.com): each staff member's external contacts (客户联系).

Envelope ``{"errcode": 0, "errmsg": "ok", ...}``; auth by the ``access_token`` query
parameter of the customer-contact app. ``externalcontact/batch/get_by_user`` pages by
``cursor`` / ``next_cursor`` and returns each contact with its ``unionid`` (when the
contact is a WeChat user) and the staff member's ``follow_info`` (remark phone numbers,
added time). The list is a snapshot of now; remark phones are hashed before loading.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from ingestion.accounts import Account
from ingestion.http import Page
from ingestion.platforms.base import ApiSource, require_snapshot_of
from ingestion.platforms.wechat_oa import WechatClient
from ingestion.schema import RecordSchema

DEFAULT_BASE_URL = "https://qyapi.weixin.qq.com"
BATCH_GET = "/cgi-bin/externalcontact/batch/get_by_user"
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


class WecomSource(ApiSource):
    client_class = WecomClient
    platform = "wecom"
    schemas = SCHEMAS
    snapshot_only = True

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
