"""The brand's Douyin shop (抖店 open platform, openapi-fxg.jinritemai.com): paid orders.

Envelope ``{"code": 10000, "msg": "success", "data": {...}}`` (10000 is success); auth by the
shop's ``access-token`` header. ``/order/searchList`` pages by ``page`` (from 0) and
``size`` within a ``create_time_start``..``create_time_end`` window (unix seconds), so any
past day can be fetched again. Amounts are in 分; the buyer's phone arrives in clear here
(as a shop API gives it to the merchant) and is hashed before loading.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from ingestion.accounts import Account
from ingestion.errors import (
    BadResponseError,
)
from ingestion.http import ApiClient, Page
from ingestion.platforms.base import ApiSource
from ingestion.schema import RecordSchema
from ingestion.settings import SHANGHAI

DEFAULT_BASE_URL = "https://openapi-fxg.jinritemai.com"
ORDER_SEARCH = "/order/searchList"
AUTH_CODES = {30001, 30002}
THROTTLE_CODES = {50002}
BUSY_CODES = {20000, 50000}
PAGE_SIZE = 100

SCHEMAS = {
    "orders": RecordSchema(
        required=("shop_id", "order_id", "doudian_open_id", "pay_amount", "pay_time"),
        counts=("pay_amount",),
        timestamps=("pay_time", "create_time"),
        personal=(("post_tel", "phone"),),
    ),
}


class ShopClient(ApiClient):
    platform = "shop"
    busy_codes = frozenset(BUSY_CODES)
    throttle_codes = frozenset(THROTTLE_CODES)
    auth_codes = frozenset(AUTH_CODES)

    def check_body(self, body: Any, request: str) -> None:
        if not isinstance(body, dict) or "code" not in body:
            raise BadResponseError(f"{request}: no code in body")
        code = body["code"]
        if code == 10000:
            if not isinstance(body.get("data"), dict):
                raise BadResponseError(f"{request}: code 10000 but no data")
            return
        message = f"{request}: code {code}: {body.get('msg', '')} {body.get('sub_msg', '')}"
        self.raise_for_code(code, message)


class ShopSource(ApiSource):
    client_class = ShopClient
    platform = "shop"
    schemas = SCHEMAS
    snapshot_only = False

    def fetch(self, day: date, accounts: list[Account]) -> Iterator[Page]:
        start = datetime.combine(day, time(), SHANGHAI)
        window = {
            "create_time_start": int(start.timestamp()),
            "create_time_end": int((start + timedelta(days=1)).timestamp()) - 1,
        }
        for account in accounts:
            headers = {"access-token": self.token(account)}
            page = 0
            while True:
                query = {**window, "page": page, "size": PAGE_SIZE}
                body = self.client.get_json(ORDER_SEARCH, query, headers)
                yield Page(
                    self.platform,
                    "orders",
                    ORDER_SEARCH,
                    {"shop_id": account.account_id, **query},
                    body,
                )
                data = body["data"]
                got = len(data.get("shop_order_list") or [])
                if got == 0 or (page + 1) * PAGE_SIZE >= int(data.get("total", 0)):
                    break
                page += 1

    def extract(self, page: dict[str, Any], day: date) -> list[dict[str, Any]]:
        ctx = {"shop_id": page["params"]["shop_id"]}
        return [{**ctx, **o} for o in page["body"]["data"].get("shop_order_list") or []]
