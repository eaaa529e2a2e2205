"""Every API platform's client on hand-written responses in that platform's real shape:
envelope, error codes, paging, and what lands as records. (Douyin and Bilibili: see
test_platform_parsers.py.)"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import httpx
import pytest

from ingestion.accounts import Account
from ingestion.errors import (
    AuthError,
    DayUnavailableError,
    QuotaExhaustedError,
    RateLimitedError,
)
from ingestion.http import HttpPolicy
from ingestion.platforms import EXPORT_KINDS
from ingestion.platforms.export_files import ExportSource
from ingestion.platforms.kuaishou import KuaishouSource
from ingestion.platforms.shop import ShopSource
from ingestion.platforms.wechat_oa import WechatOaSource
from ingestion.platforms.wecom import WecomSource
from ingestion.platforms.weibo import WeiboSource
from tests.helpers import rejected_reasons

DAY = date(2026, 11, 20)
MORNING_AFTER = "Fri, 20 Nov 2026 18:30:00 GMT"  # 02:30 on the 21st in Shanghai
AFTER_DATACUBE_READY = "Sat, 21 Nov 2026 01:30:00 GMT"  # 09:30 on the 21st in Shanghai
FAST = HttpPolicy(requests_per_second=0, max_attempts=1, concurrency=1)


def transport(
    route: Callable[[httpx.Request], object],
    seen: list[httpx.Request],
    date_header: str = MORNING_AFTER,
):
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = route(request)
        status = 403 if isinstance(body, dict) and body.get("error_code") == 21327 else 200
        return httpx.Response(status, json=body, headers={"Date": date_header})

    return httpx.MockTransport(handler)


def pages(source, account: Account, day: date = DAY) -> list[dict]:
    return [p.to_json() for p in source.fetch(day, [account])]


def test_wechat_oa_datacube_comments_and_followers():
    seen: list[httpx.Request] = []

    def route(r: httpx.Request):
        path = r.url.path
        if path == "/datacube/getarticlesummary":
            return {
                "list": [
                    {
                        "ref_date": "2026-11-20",
                        "msgid": "2247483650_1",
                        "title": "秋冬上新",
                        "int_page_read_user": 900,
                        "int_page_read_count": 1200,
                        "share_user": 30,
                        "share_count": 41,
                        "add_to_fav_user": 12,
                        "add_to_fav_count": 12,
                    }
                ]
            }
        if path == "/datacube/getusersummary":
            return {
                "list": [
                    {"ref_date": "2026-11-20", "user_source": 0, "new_user": 30, "cancel_user": 4},
                    {"ref_date": "2026-11-20", "user_source": 30, "new_user": 5, "cancel_user": 0},
                ]
            }
        if path == "/datacube/getusercumulate":
            return {"list": [{"ref_date": "2026-11-20", "cumulate_user": 25031}]}
        if path == "/cgi-bin/comment/list":
            return {
                "errcode": 0,
                "errmsg": "ok",
                "total": 2,
                "comment": [
                    {
                        "user_comment_id": 1,
                        "openid": "oLVP-a",
                        "create_time": 1795161600,
                        "content": "好看",
                        "comment_type": 0,
                    },
                    {
                        "user_comment_id": 2,
                        "openid": "oLVP-b",
                        "create_time": 1795075200,
                        "content": "前一天的",
                        "comment_type": 0,
                    },
                ],
            }
        if path == "/cgi-bin/user/get":
            if r.url.params["next_openid"] == "":
                return {
                    "total": 2,
                    "count": 1,
                    "data": {"openid": ["oLVP-a"]},
                    "next_openid": "oLVP-a",
                }
            if r.url.params["next_openid"] == "oLVP-a":
                return {
                    "total": 2,
                    "count": 1,
                    "data": {"openid": ["oLVP-b"]},
                    "next_openid": "oLVP-b",
                }
            return {"total": 2, "count": 0, "next_openid": ""}
        if path == "/cgi-bin/user/info/batchget":
            return {
                "user_info_list": [
                    {
                        "subscribe": 1,
                        "openid": "oLVP-a",
                        "unionid": "o6_u1",
                        "subscribe_time": 1700000000,
                    }
                ]
            }
        raise AssertionError(path)

    source = WechatOaSource(
        "http://wx.test",
        {"SOCIALMART_WECHAT_OA_TOKEN": "tok"},
        policy=FAST,
        transport=transport(route, seen, AFTER_DATACUBE_READY),
    )
    got = pages(source, Account("wechat_oa", "gh_1", "公众号", "主号"))
    by_entity = {}
    for page in got:
        by_entity.setdefault(page["entity"], []).extend(source.extract(page, DAY))
    assert [c["user_comment_id"] for c in by_entity["comments"]] == [1]  # only the day's
    assert by_entity["followers"][0]["unionid"] == "o6_u1"
    assert sum(r["new_user"] for r in by_entity["user_summary"]) == 35
    assert all(r.url.params["access_token"] == "tok" for r in seen)
    assert all("tok" not in str(p) for p in got)
    assert sum(r.url.path == "/cgi-bin/user/get" for r in seen) == 3  # next_openid to the end


def test_wechat_invalid_token_and_frequency_limit():
    for code, error in (
        (40001, AuthError),
        (45011, RateLimitedError),
        (45009, QuotaExhaustedError),
    ):
        source = WechatOaSource(
            "http://wx.test",
            {"SOCIALMART_WECHAT_OA_TOKEN": "t"},
            policy=FAST,
            transport=transport(lambda r, c=code: {"errcode": c, "errmsg": "x"}, []),
        )
        with pytest.raises(error, match=str(code)):
            pages(source, Account("wechat_oa", "gh_1", "n", "主号"))


def test_kuaishou_photo_list_pages_by_cursor():
    def route(r: httpx.Request):
        if r.url.path == "/openapi/user_info":
            return {"result": 1, "user_info": {"name": "官方", "fan": "12.5w", "follow": 3}}
        if "cursor" not in r.url.params:
            return {
                "result": 1,
                "video_list": [
                    {
                        "photo_id": "p1",
                        "caption": "新品",
                        "create_time": 1763600000000,
                        "view_count": 1000,
                        "like_count": 50,
                        "comment_count": 3,
                    }
                ],
            }
        if r.url.params["cursor"] == "p2":
            return {"result": 1, "video_list": []}
        assert r.url.params["cursor"] == "p1"  # the oldest photo of the previous page
        return {
            "result": 1,
            "video_list": [
                {
                    "photo_id": "p2",
                    "caption": "开箱",
                    "create_time": 1763500000000,
                    "view_count": "1.1万",
                    "like_count": 70,
                    "comment_count": 9,
                }
            ],
        }

    source = KuaishouSource(
        "http://ks.test",
        {"SOCIALMART_KUAISHOU_TOKEN": "t"},
        policy=FAST,
        transport=transport(route, []),
    )
    got = pages(source, Account("kuaishou", "3xabc", "n", "主号"))
    photos = [r for p in got if p["entity"] == "photos" for r in source.extract(p, DAY)]
    assert [p["photo_id"] for p in photos] == ["p1", "p2"]
    info = source.extract(got[0], DAY)[0]
    assert info["fan"] == "12.5w" and info["account_id"] == "3xabc"
    with pytest.raises(DayUnavailableError):
        pages(source, Account("kuaishou", "3xabc", "n", "主号"), date(2026, 11, 18))


def test_kuaishou_expired_token():
    source = KuaishouSource(
        "http://ks.test",
        {"SOCIALMART_KUAISHOU_TOKEN": "t"},
        policy=FAST,
        transport=transport(lambda r: {"result": 100200101, "error_msg": "access_token已过期"}, []),
    )
    assert pages(source, Account("kuaishou", "3x", "n", "主号")) == []  # left out, with why
    assert "kuaishou account 3x: refused" in source.refused[0]
    assert "100200101" in source.refused[0]


def test_weibo_timeline_and_comments_page_to_total_number():
    def route(r: httpx.Request):
        path, page = r.url.path, int(r.url.params.get("page", 1))
        if path == "/2/users/show.json":
            return {"id": 5507020672, "idstr": "5507020672", "followers_count": 7751}
        if path == "/2/statuses/user_timeline.json":
            statuses = [
                {
                    "idstr": f"49{page}",
                    "created_at": "Thu Nov 19 20:15:00 +0800 2026",
                    "text": "新品",
                    "reposts_count": 3,
                    "comments_count": 2,
                    "attitudes_count": "1.2万",
                }
            ]
            return {"statuses": statuses, "total_number": 2}
        return {
            "comments": [
                {
                    "idstr": "c1",
                    "created_at": "Fri Nov 20 09:00:00 +0800 2026",
                    "text": "好看",
                    "user": {"id": 6001, "idstr": "6001"},
                },
                {
                    "idstr": "c0",
                    "created_at": "Thu Nov 19 23:59:00 +0800 2026",
                    "text": "早",
                    "user": {"id": 6002, "idstr": "6002"},
                },
            ],
            "total_number": 2,
        }

    source = WeiboSource(
        "http://wb.test",
        {"SOCIALMART_WEIBO_TOKEN": "t"},
        policy=FAST,
        transport=transport(route, []),
    )
    got = pages(source, Account("weibo", "5507020672", "n", "主号"))
    statuses = [r for p in got if p["entity"] == "statuses" for r in source.extract(p, DAY)]
    comments = [r for p in got if p["entity"] == "comments" for r in source.extract(p, DAY)]
    assert [s["idstr"] for s in statuses] == ["491", "492"]
    assert [c["idstr"] for c in comments] == ["c1", "c1"]  # one per status, the day's only
    assert comments[0]["user"]["idstr"] == "6001"


def test_weibo_expired_token_leaves_the_account_out():
    source = WeiboSource(
        "http://wb.test",
        {"SOCIALMART_WEIBO_TOKEN": "t"},
        policy=FAST,
        transport=transport(
            lambda r: {"error": "expired_token", "error_code": 21327, "request": r.url.path}, []
        ),
    )
    assert pages(source, Account("weibo", "1", "n", "主号")) == []  # left out, with why
    assert "weibo account 1: refused" in source.refused[0] and "21327" in source.refused[0]


def test_wecom_contacts_page_by_next_cursor():
    def route(r: httpx.Request):
        import json

        body = json.loads(r.content)
        first = body["cursor"] == ""
        contact = {
            "external_contact": {
                "external_userid": "wm1" if first else "wm2",
                "unionid": "o6_u1",
                "type": 1,
            },
            "follow_info": {
                "userid": "staff01",
                "createtime": 1763600000,
                "remark_mobiles": ["13800138000"],
            },
        }
        return {
            "errcode": 0,
            "errmsg": "ok",
            "external_contact_list": [contact],
            "next_cursor": "c2" if first else "",
        }

    source = WecomSource(
        "http://wecom.test",
        {"SOCIALMART_WECOM_TOKEN": "t"},
        policy=FAST,
        transport=transport(route, []),
    )
    got = pages(source, Account("wecom", "staff01", "客服", ""))
    contacts = [r for p in got for r in source.extract(p, DAY)]
    assert [c["external_contact"]["external_userid"] for c in contacts] == ["wm1", "wm2"]


def test_shop_orders_page_and_window():
    seen: list[httpx.Request] = []

    def route(r: httpx.Request):
        page = json.loads(r.content)["page"]  # param_json is the POST body
        orders = [
            {
                "order_id": f"69{page}",
                "doudian_open_id": "buyer",
                "pay_amount": 15900,
                "pay_time": 1763625600,
                "create_time": 1763625500,
                "sku_order_list": [{"video_id": "@v1", "room_id": ""}],
            }
        ]
        return {
            "code": 10000,
            "msg": "success",
            "data": {
                "shop_order_list": orders if page < 2 else [],
                "total": 101,
                "page": page,
                "size": 100,
            },
        }

    source = ShopSource(
        "http://shop.test",
        {
            "SOCIALMART_SHOP_TOKEN": "t",
            "SOCIALMART_SHOP_APP_KEY": "k",
            "SOCIALMART_SHOP_APP_SECRET": "s",
            "SOCIALMART_HASH_KEY": "a-secret-of-16-chars",
        },
        policy=FAST,
        transport=transport(route, seen),
    )
    got = pages(source, Account("shop", "4463798", "店", ""))
    assert [p["params"]["page"] for p in got] == [0, 1]
    window = json.loads(seen[0].content)
    assert window["create_time_start"] == 1795104000  # 2026-11-20 00:00 Asia/Shanghai
    assert window["create_time_end"] == window["create_time_start"] + 86_399
    assert source.extract(got[0], DAY)[0]["shop_id"] == "4463798"


@pytest.mark.parametrize(
    ("platform", "header", "row", "entity"),
    [
        (
            "wechat_channels",
            "日期,账号ID,视频ID,视频描述,发布时间,播放量,喜欢,推荐,评论,分享,新增关注,完播率,平均播放时长(秒)",
            "2026-11-20,sph1,export/ab,新品,2026/11/18 20:15,1.5万,300,40,12,8,3,22.5%,14.1",
            "video_daily",
        ),
        (
            "zhihu",
            "日期,账号ID,内容ID,标题,内容类型,发布时间,阅读量,赞同,喜欢,评论,收藏,分享",
            "2026-11-20,z1,123,如何挑选通勤包？,回答,2026-11-02 10:00,5300,210,40,18,66,9",
            "content_daily",
        ),
        (
            "crm",
            "日期,会员ID,手机号,邮箱,unionid,注册时间,会员等级,积分",
            "2026-11-20,M1,13800138000,a@b.com,o6_u1,2026-01-02 10:00:00,金卡,300",
            "members",
        ),
    ],
)
def test_exports_of_each_platform_in_gbk(tmp_path: Path, platform, header, row, entity):
    folder = tmp_path / platform
    folder.mkdir()
    (folder / "export.csv").write_bytes(f"{header}\n{row}\n".encode("gbk"))
    source = ExportSource(platform, EXPORT_KINDS[platform], tmp_path)
    account = row.split(",")[1] if platform != "crm" else "crm"
    got = [p.to_json() for p in source.fetch(DAY, [Account(platform, account, "n", "主号")])]
    assert [p["entity"] for p in got] == [entity]
    record = source.extract(got[0], DAY)[0]
    assert record["日期"] == "2026-11-20"
    assert source.schemas[entity].problems(record) == []


def test_an_unreadable_export_is_moved_aside_and_the_rest_still_load(tmp_path: Path):
    folder = tmp_path / "zhihu"
    folder.mkdir()
    (folder / "good.csv").write_text(
        "日期,账号ID,关注者总数,新增关注,取消关注\n2026-11-20,z1,100,3,1\n", encoding="utf-8"
    )
    (folder / "bad.xlsx").write_bytes(b"truncated download")
    source = ExportSource("zhihu", EXPORT_KINDS["zhihu"], tmp_path)
    got = [p.to_json() for p in source.fetch(DAY, [Account("zhihu", "z1", "n", "主号")])]
    assert [p["params"]["file"] for p in got] == ["good.csv"]
    assert list(rejected_reasons(folder)) == ["bad.xlsx"]
    assert "bad.xlsx" in source.rejected_files[0]
