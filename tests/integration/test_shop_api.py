"""抖店 against documented-shape payloads: the sign of the worked example, the signed POST
with its query parameters, phones decrypted and hashed before landing, per-item decrypt
errors, and the envelope's codes (docs/sources/douyin_shop_kuaishou.md B.0-B.3)."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from ingestion.accounts import Account, read_accounts
from ingestion.errors import AuthError, ConfigError, RateLimitedError
from ingestion.platforms import build_source
from ingestion.platforms.shop import ShopSource, param_json, sign
from ingestion.runner import ingest_day
from tests.integration.contract import ENV as HASH_ENV
from tests.integration.contract import FAST, doc, mock, raw_rows, run_day

DAY = date(2024, 5, 2)  # the fixture's order was created 2024-05-02 17:33 Beijing time
NOW = "Fri, 03 May 2024 01:00:00 GMT"
ACCOUNT = Account("shop", "1234567", "示例品牌官方旗舰店", "主号")
APP_KEY, SECRET = "1234567890123456789", "test_app_secret"
ENV = {
    **HASH_ENV,
    "SOCIALMART_SHOP_TOKEN": "shop-token",
    "SOCIALMART_SHOP_APP_KEY": APP_KEY,
    "SOCIALMART_SHOP_APP_SECRET": SECRET,
}
CLEAR_PHONE = "13912345678"
CIPHER = doc("doudian/order_search_list.json")["data"]["shop_order_list"][0]["encrypt_post_tel"]


def test_the_sign_of_the_worked_example():
    ex = doc("doudian/sign_example.json")
    # the rule as documented, written out here: secret + k1 v1 k2 v2 … (sorted) + secret
    signed = {k: ex[k] for k in ("app_key", "method", "param_json", "timestamp", "v")}
    text = ex["app_secret"] + "".join(k + signed[k] for k in sorted(signed)) + ex["app_secret"]
    assert text == ex["string_to_sign"]
    key = ex["app_secret"].encode()
    assert hmac.new(key, text.encode(), hashlib.sha256).hexdigest() == ex["sign_hmac_sha256"]
    assert hashlib.md5(text.encode()).hexdigest() == ex["sign_md5"]
    business = json.loads(ex["param_json"])
    assert param_json(business) == ex["param_json"] == ex["request_body"]
    args = (ex["app_key"], ex["app_secret"], ex["method"], ex["param_json"], ex["timestamp"])
    assert sign(*args) == ex["sign_hmac_sha256"]
    assert sign(*args, sign_method="md5") == ex["sign_md5"]


def decrypted(phone: str = CLEAR_PHONE, **item: Any) -> dict[str, Any]:
    body = doc("doudian/order_batch_decrypt.json")
    info = body["data"]["decrypt_infos"][0]
    info.update(decrypt_text=phone, is_virtual_tel=False, phone_no_a="", phone_no_b="", data_type=5)
    info.update(item)
    return body


def signed_rightly(request: httpx.Request) -> bool:
    """Whether the request's ``sign`` is the documented one (B.0), worked out here."""
    q = request.url.params
    signed = {"app_key": q["app_key"], "method": q["method"], "timestamp": q["timestamp"]}
    signed |= {"v": q["v"], "param_json": request.content.decode()}
    text = SECRET + "".join(k + signed[k] for k in sorted(signed)) + SECRET
    return q["sign"] == hmac.new(SECRET.encode(), text.encode(), hashlib.sha256).hexdigest()


BAD_SIGN = {"code": 40003, "msg": "非法的参数", "sub_code": "isv.signature-invalid"}


def documented(decrypt: dict[str, Any]):
    def route(request: httpx.Request) -> Any:
        if not signed_rightly(request):
            return BAD_SIGN
        if request.url.path == "/order/batchDecrypt":
            return decrypt
        return doc("doudian/order_search_list.json")

    return route


def test_calls_are_signed_posts_with_the_documented_query(tmp_path: Path):
    seen: list[httpx.Request] = []
    transport = mock(documented(decrypted()), NOW, seen)
    source = ShopSource("http://shop.test", ENV, policy=FAST, transport=transport)
    assert run_day(source, DAY, ACCOUNT, tmp_path).rows == {"orders": 1}
    search, decrypt = seen
    assert (search.method, search.url.path) == ("POST", "/order/searchList")
    assert (decrypt.method, decrypt.url.path) == ("POST", "/order/batchDecrypt")
    for request, method in ((search, "order.searchList"), (decrypt, "order.batchDecrypt")):
        q = dict(request.url.params)
        assert set(q) == {
            "app_key",
            "method",
            "access_token",
            "timestamp",
            "v",
            "sign",
            "sign_method",
        }
        assert (q["app_key"], q["method"], q["access_token"]) == (APP_KEY, method, "shop-token")
        assert (q["v"], q["sign_method"]) == ("2", "hmac-sha256") and q["timestamp"].isdigit()
    body = json.loads(search.content)
    assert search.content == json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    assert body["page"] == 0 and body["size"] == 100
    assert body["create_time_end"] - body["create_time_start"] == 86_399
    order_id = "4781320682406083640"
    assert json.loads(decrypt.content) == {
        "cipher_infos": [{"auth_id": order_id, "cipher_text": CIPHER}]
    }


def landed(home: Path) -> str:
    files = sorted(home.rglob("*.jsonl.gz"))
    assert files, "a landing file was written"
    return "\n".join(gzip.decompress(p.read_bytes()).decode() for p in files)


def landed_and_loaded(home: Path, day: date = DAY) -> str:
    rows = raw_rows(home, "shop", "orders", day)
    return landed(home) + "\n" + json.dumps(rows, ensure_ascii=False)


def test_the_phone_is_decrypted_and_lands_only_hashed(tmp_path: Path):
    transport = mock(documented(decrypted()), NOW)
    run_day(
        ShopSource("http://shop.test", ENV, policy=FAST, transport=transport),
        DAY,
        ACCOUNT,
        tmp_path,
    )
    (row,) = raw_rows(tmp_path, "shop", "orders", DAY)
    key = HASH_ENV["SOCIALMART_HASH_KEY"].encode()
    expected = hmac.new(key, f"phone:{CLEAR_PHONE}".encode(), hashlib.sha256).hexdigest()
    assert row["post_tel_hash"] == expected and "post_tel_missing" not in row
    assert row["order_id"] == "4781320682406083640" and row["pay_amount"] == 8900
    everything = landed_and_loaded(tmp_path)
    assert row["post_tel_hash"] in everything
    for secret in ("#EXAMPLECIPHER", CLEAR_PHONE, "1********00"):
        assert secret not in everything


@pytest.mark.parametrize(
    ("decrypt", "reason"),
    [
        (doc("doudian/order_batch_decrypt_item_error.json"), "decrypt err_no 300008: 解密失败"),
        (doc("doudian/order_batch_decrypt.json"), "virtual number"),  # "18400913965-7576"
        (decrypted(auth_id="another-order"), "decrypt: not answered"),
    ],
)
def test_a_phone_that_cannot_be_decrypted_is_empty_with_its_reason(
    tmp_path: Path, decrypt: dict[str, Any], reason: str
):
    transport = mock(documented(decrypt), NOW)
    source = ShopSource("http://shop.test", ENV, policy=FAST, transport=transport)
    assert run_day(source, DAY, ACCOUNT, tmp_path).rows == {"orders": 1}  # the day loads
    (row,) = raw_rows(tmp_path, "shop", "orders", DAY)
    assert row["post_tel_hash"] is None and row["post_tel_missing"] == reason
    everything = landed_and_loaded(tmp_path)
    assert "#EXAMPLECIPHER" not in everything and "18400913965" not in everything


@pytest.mark.parametrize(
    ("fixture", "error", "code"),
    [
        ("doudian/error_access_token_expired.json", AuthError, "40003 isv.access-token-expired"),
        ("doudian/error_legacy_token_expired.json", AuthError, "30002"),
        ("doudian/error_rate_limited.json", RateLimitedError, "60000"),
    ],
)
def test_documented_error_codes_raise_the_matching_error(fixture: str, error: type, code: str):
    transport = mock(lambda request: doc(fixture), NOW)
    source = ShopSource("http://shop.test", ENV, policy=FAST, transport=transport)
    with pytest.raises(error, match=code):
        list(source.fetch(DAY, [ACCOUNT]))


def test_a_refused_decrypt_fails_the_day_with_the_platform_code():
    def route(request: httpx.Request) -> Any:
        if request.url.path == "/order/batchDecrypt":
            return {
                "code": 30001,
                "msg": "操作权限不足",
                "sub_code": "isv.app-permissions-insufficient",
            }
        return doc("doudian/order_search_list.json")

    source = ShopSource("http://shop.test", ENV, policy=FAST, transport=mock(route, NOW))
    with pytest.raises(AuthError, match="30001 isv.app-permissions-insufficient"):
        list(source.fetch(DAY, [ACCOUNT]))


def test_a_wrong_secret_is_refused_and_missing_app_settings_are_named():
    wrong = {**ENV, "SOCIALMART_SHOP_APP_SECRET": "not-the-secret"}
    transport = mock(documented(decrypted()), NOW)
    with pytest.raises(AuthError, match="isv.signature-invalid"):
        list(
            ShopSource("http://shop.test", wrong, policy=FAST, transport=transport).fetch(
                DAY, [ACCOUNT]
            )
        )
    bare = {k: v for k, v in ENV.items() if "APP_" not in k}
    with pytest.raises(ConfigError, match="SOCIALMART_SHOP_APP_KEY"):
        list(
            ShopSource("http://shop.test", bare, policy=FAST, transport=transport).fetch(
                DAY, [ACCOUNT]
            )
        )


def test_simulated_orders_load_with_phones_that_link_to_the_crm(simulator, sim_env):
    days = [date(2026, 11, 14) + timedelta(days=n) for n in range(6)]  # 8 orders at "tiny"
    home, world = simulator.paths.home, simulator.world
    key = sim_env["SOCIALMART_HASH_KEY"].encode()
    accounts = read_accounts(simulator.paths.accounts)
    linked = 0

    def connect() -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(simulator.paths.warehouse))

    for day in days:
        source = build_source("shop", simulator.paths, sim_env)
        try:
            result = ingest_day(source, day, accounts, simulator.paths, "r1", connect, sim_env)
        finally:
            source.close()
        orders = world.orders_on(day)
        assert result.rows == ({"orders": len(orders)} if orders else {})
        loaded = {r["order_id"]: r for r in raw_rows(home, "shop", "orders", day)}
        crm = {p.person_id: p.ids["phone"] for p, _ in world.crm_members(day)}
        for order in orders:
            phone = crm.get(order["person_id"])
            if phone and order["phone"] == phone:  # a buyer who is a CRM member, own number
                expected = hmac.new(key, f"phone:{phone}".encode(), hashlib.sha256).hexdigest()
                assert loaded[order["order_id"]]["post_tel_hash"] == expected
                linked += 1
        everything = landed_and_loaded(home, day)
        assert "encrypt_post_tel" not in everything
        assert not [o["phone"] for o in orders if o["phone"] and o["phone"] in everything]
    assert linked > 0


def test_the_simulator_refuses_a_wrong_signature(simulator, sim_env):
    env = {**sim_env, "SOCIALMART_SHOP_APP_SECRET": "not-the-secret"}
    source = build_source("shop", simulator.paths, env)
    try:
        with pytest.raises(AuthError, match="40003 isv.signature-invalid"):
            shops = [a for a in read_accounts(simulator.paths.accounts) if a.platform == "shop"]
            list(source.fetch(date(2026, 11, 19), shops))
    finally:
        source.close()
