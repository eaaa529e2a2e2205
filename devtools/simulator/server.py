"""The simulator's HTTP server: the platforms' open APIs (Douyin, Bilibili, 抖店 …) on loopback.

Paths, headers, envelopes, error codes and pagination follow the real open platforms
(open.douyin.com, member.bilibili.com/arcopen), so the production clients run unchanged
against it. Control endpoints under ``/__sim__/`` move the clock and switch faults on.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from time import sleep
from time import time as time_now
from typing import Any
from urllib.parse import parse_qs, urlparse
from uuid import uuid4

from devtools.simulator import tokens
from devtools.simulator.exports import write_exports
from devtools.simulator.model import STRING_PLAY_RATE, oa_readers, subscribe_time
from devtools.simulator.world import SimAccount, SimContent, World, days
from ingestion.settings import SHANGHAI


@dataclass
class Faults:
    """What goes wrong on one platform, as real APIs do.

    Transport faults are rates: each request draws once, so a retry can succeed. Shape
    faults change every response: repeated items across pages, an unknown new field, a
    missing optional field, counts abbreviated ("1.2万"), and a share of records with an
    unreadable count (which ingestion must quarantine).
    """

    rate_429: float = 0.0
    rate_5xx: float = 0.0
    rate_timeout: float = 0.0
    rate_truncated: float = 0.0
    retry_after: str = "0"
    timeout_seconds: float = 1.5
    repeat_across_pages: bool = False
    new_field: bool = False
    drop_optional: bool = False
    abbreviate_counts: bool = False
    bad_record_rate: float = 0.0
    latency_seconds: float = 0.0  # every response waits this long, as over a real network
    # WeChat OA: share of articles whose comment/list answers 88000 (no comment privilege)
    no_comment_privilege_rate: float = 0.0
    # Douyin: path → a documented error code every call of it answers (2190001 quota used
    # up, 2190003 scope not authorised, 2190004 capability missing, 2111002 comments failed)
    douyin_codes: dict[str, int] = field(default_factory=dict)
    # Douyin: day (ISO) → plays added to every video's play of that day, as a platform
    # revising a recent day after first serving it (what a look-back re-fetch picks up)
    revised_plays: dict[str, int] = field(default_factory=dict)
    # Weibo: account id → the rate-limit code every call with its token answers (10022 IP,
    # 10023 user, 10024 user per API: docs/sources/bilibili_weibo_wechat.md B.4)
    weibo_codes: dict[str, int] = field(default_factory=dict)
    # 抖店: orders refunded after their day, cancelled from then on (order_status 4 已取消,
    # B.2), as a look-back re-fetch finds them
    refunded_orders: list[str] = field(default_factory=list)


# Fields the shape faults touch: the counts that can be abbreviated or broken, and the
# fields a platform may leave out.
COUNT_FIELDS = {
    "play",
    "total_like",
    "play_count",
    "view",
    "like",
    "new_fans",
    "total_fans",
    "follower",
}
OPTIONAL_FIELDS = {"title", "avg_play_duration", "desc", "tag", "cover"}


@dataclass
class SimState:
    world: World
    today: date
    inbox: Path | None = None
    faults: dict[str, Faults] = field(default_factory=dict)
    served: dict[str, int] = field(default_factory=dict)
    bili_nonces: set[str] = field(default_factory=set)  # signature nonces seen (anti-replay)
    requests: list[dict[str, str]] = field(default_factory=list)  # the platforms' log
    # the platforms' time of day (Asia/Shanghai) on ``today``: the data team's mid-morning,
    # when every platform has closed yesterday (WeChat datacube after 08:00, Douyin ~10:00)
    clock: time = time(10, 30)
    _counter: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.tokens = tokens.TokenAuthority(self.world)  # what the token endpoints issued

    @property
    def yesterday(self) -> date:
        return self.today - timedelta(days=1)

    def now(self) -> datetime:
        """The platform's clock: ``clock`` (early morning by default) of ``today``, Shanghai."""
        return datetime.combine(self.today, self.clock, SHANGHAI)

    def set_today(self, today: date) -> None:
        with self._lock:
            self.today = today
        if self.inbox is not None:
            write_exports(self.world, self.inbox, today - timedelta(days=1))

    def next_draw(self, platform: str) -> float:
        with self._lock:
            self._counter += 1
            self.served[platform] = self.served.get(platform, 0) + 1
            n = self._counter
        return self.world._u("fault", n)


# Douyin item data (docs/sources/douyin_shop_kuaishou.md A.4, A.5): the series paths and
# the world's metric each serves; ready ~10:00 the next day; videos of the last 30 days.
ITEM_SERIES = {
    "/data/external/item/play/": ("play", "views"),
    "/data/external/item/like/": ("like", "likes"),
    "/data/external/item/comment/": ("comment", "comments"),
    "/data/external/item/share/": ("share", "shares"),
}
TOTALS = ("views", "likes", "comments", "shares", "watch_seconds")
# The documented texts of the codes a fault can answer (A.0 codes tables, A.6)
DOUYIN_CODES = {
    2190001: "quota已用完",
    28003017: "quota已用完",
    2190003: "用户未授权该API",
    2190004: "应用未获得该能力",
    2111002: "获取评论失败",
}
ITEM_READY_AT = time(10, 0)
ITEM_HORIZON_DAYS = 30
ONE_DAY = timedelta(days=1)


class _Reply(Exception):
    def __init__(
        self, status: int, body: Any, headers: dict[str, str] | None = None, truncate: bool = False
    ):
        self.status, self.body, self.headers = status, body, headers or {}
        self.truncate = truncate


def _douyin_ok(data: dict[str, Any], state: SimState) -> dict[str, Any]:
    # docs/sources/douyin_shop_kuaishou.md A.0: codes in data and in extra, all 0 on success
    # (fixtures/douyin/item_play.json, item_comment_list.json, video_list.json)
    data = {"error_code": 0, "description": "", **data}
    return {
        "data": data,
        "extra": {
            "description": "",
            "error_code": 0,
            "logid": state.now().strftime("%Y%m%d%H%M%S") + "0102250801402",
            "now": int(state.now().timestamp() * 1000),
            "sub_description": "",
            "sub_error_code": 0,
        },
    }


def _douyin_item(world: World, account: SimAccount, day: date, item_id: str | None) -> SimContent:
    """The account's content named by a request's ``item_id``."""
    for c in world.contents_of(account, day):
        if c.content_id == item_id:
            return c
    raise _douyin_error(2100005, "参数不合法: item_id")


def _douyin_error(code: int, description: str) -> _Reply:
    # A.0 error samples (fixtures/douyin/data_error_*.json): the code in data and extra
    return _Reply(
        200,
        {
            "data": {"error_code": code, "description": description},
            "extra": {
                "error_code": code,
                "description": description,
                "sub_error_code": 0,
                "sub_description": "",
            },
        },
    )


def _bili_ok(data: Any) -> dict[str, Any]:
    # Envelope: code/message/ttl/request_id (bilibili-openplatform/SignatureAlgorithm_DotnetDemo
    # Program.cs BaseResp; https://apifox.com/apidoc/docs-site/1106400/doc-895951 samples)
    return {"code": 0, "message": "0", "ttl": 1, "request_id": uuid4().hex, "data": data}


def _bili_error(code: int, message: str) -> _Reply:
    return _Reply(200, {"code": code, "message": message, "ttl": 1, "request_id": uuid4().hex})


def bilibili_app(world: World) -> tuple[str, str]:
    """The simulated open platform's app: (client_id, client_secret) it signs calls with."""
    return tokens.app_of(world, "bilibili")


# docs/sources/bilibili_weibo_wechat.md B.4 (small-tou/Rabbit.js copy of Error_code)
WEIBO_LIMITS = {
    10022: "IP requests out of rate limit",
    10023: "User requests out of rate limit",
    10024: "User requests for (%s) out of rate limit",
}


class _Handler(BaseHTTPRequestHandler):
    server: SimServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms stall

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header tells clients the platform's time; snapshot clients rely on it.
        return format_datetime(self.server.state.now().astimezone(UTC), usegmt=True)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        state = self.server.state
        url = urlparse(self.path)
        q = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if not url.path.startswith("/__sim__/"):
            with state._lock:
                state.requests.append({"method": method, "path": url.path, **q})
        try:
            if url.path.startswith("/__sim__/"):
                body = self._control(method, url.path, state)
            elif url.path in tokens.PATHS:
                body = state.tokens.answer(url.path, {**q, **self._form()})
            elif url.path.startswith(("/data/external/", "/api/douyin/", "/item/")):
                truncate = self._inject("douyin", state)
                body = _mutate(
                    self._douyin(url.path, q, state), state.faults.get("douyin"), q, state
                )
                self._send(200, body, truncate=truncate)
                return
            elif url.path.startswith("/openapi/"):
                truncate = self._inject("kuaishou", state)
                body = _mutate_list(
                    self._kuaishou(url.path, q, state),
                    state.faults.get("kuaishou"),
                    "video_list",
                    state,
                )
                self._send(200, body, truncate=truncate)
                return
            elif url.path.startswith("/2/"):
                truncate = self._inject("weibo", state)
                self._send(200, self._weibo(url.path, q, state), truncate=truncate)
                return
            elif url.path.startswith("/cgi-bin/externalcontact/"):
                truncate = self._inject("wecom", state)
                self._send(
                    200, self._wecom(url.path, q, self._json_body(), state), truncate=truncate
                )
                return
            elif url.path.startswith(("/order/", "/token/")):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                truncate = self._inject("shop", state)
                self._send(200, self._shop(url.path, q, raw, state), truncate=truncate)
                return
            elif url.path.startswith(("/datacube/", "/cgi-bin/")):
                truncate = self._inject("wechat_oa", state)
                body = self._wechat(url.path, q, self._json_body(), state)
                self._send(200, body, truncate=truncate)
                return
            elif url.path.startswith("/arcopen/"):
                length = int(self.headers.get("Content-Length") or 0)
                self._bili_body = self.rfile.read(length) if length else b""
                truncate = self._inject("bilibili", state)
                body = _mutate(
                    self._bilibili(url.path, q, state), state.faults.get("bilibili"), q, state
                )
                self._send(200, body, truncate=truncate)
                return
            else:
                raise _Reply(404, {"message": f"no route {url.path}"})
            self._send(200, body)
        except _Reply as r:
            self._send(r.status, r.body, r.headers, r.truncate)

    def _send(
        self, status: int, body: Any, headers: dict[str, str] | None = None, truncate: bool = False
    ) -> None:
        raw = json.dumps(body, ensure_ascii=False).encode()
        if truncate:
            raw = raw[: len(raw) // 2]  # the connection dropped mid-body
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)

    # -- control --------------------------------------------------------------------------
    def _control(self, method: str, path: str, state: SimState) -> Any:
        if path == "/__sim__/health":
            return {"ok": True, "today": state.today.isoformat()}
        if path == "/__sim__/requests":  # every platform request served, in order
            return {"requests": list(state.requests)}
        length = int(self.headers.get("Content-Length") or 0)
        payload = json.loads(self.rfile.read(length) or b"{}")
        if path == "/__sim__/clock" and method == "POST":
            if payload.get("time"):
                state.clock = time.fromisoformat(payload["time"])
            state.set_today(date.fromisoformat(payload["today"]))
            return {"today": state.today.isoformat()}
        if path == "/__sim__/faults" and method == "POST":
            state.faults = {k: Faults(**v) for k, v in payload.items()}
            return {"faults": sorted(state.faults)}
        if path == "/__sim__/tokens" and method == "POST":
            state.tokens.configure(payload)
            return {"tokens": sorted(payload)}
        if path == "/__sim__/authorise" and method == "POST":  # a person's consent
            return {"code": state.tokens.code_for(payload["platform"], payload["account_id"])}
        raise _Reply(404, {"message": f"no control route {path}"})

    def _inject(self, platform: str, state: SimState) -> bool:
        """Raise a transport fault, or return whether to truncate the body."""
        f = state.faults.get(platform)
        draw = state.next_draw(platform)
        if f is None:
            return False
        if f.latency_seconds:
            sleep(f.latency_seconds)
        edge = f.rate_429
        if draw < edge:
            raise _Reply(429, {"message": "too many requests"}, {"Retry-After": f.retry_after})
        edge += f.rate_5xx
        if draw < edge:
            raise _Reply(503, {"message": "service unavailable"})
        edge += f.rate_timeout
        if draw < edge:
            sleep(f.timeout_seconds)  # longer than the client waits
        edge += f.rate_truncated
        return draw < edge

    # -- Douyin ---------------------------------------------------------------------------
    def _douyin(self, path: str, q: dict[str, str], state: SimState) -> Any:
        world = state.world
        account = world.account("douyin", q.get("open_id", ""))
        if account is None:
            raise _douyin_error(2100005, "参数不合法: open_id")
        if not state.tokens.accepts("douyin", account.account_id, self.headers.get("access-token")):
            raise _douyin_error(2190008, "access_token过期,请刷新或重新授权")
        code = getattr(state.faults.get("douyin"), "douyin_codes", {}).get(path)
        if code is not None:
            raise _douyin_error(code, DOUYIN_CODES.get(code, ""))
        if path == "/data/external/user/fans/":
            days = self._window(q)
            return _douyin_ok(
                {
                    "result_list": [
                        {
                            "date": d.isoformat(),
                            "new_fans": world.account_day(account, d)["new_followers"],
                            "total_fans": world.followers(account, d),
                        }
                        for d in days
                    ]
                },
                state,
            )
        if path == "/api/douyin/v1/video/video_list/":
            items = sorted(
                world.contents_of(account, state.yesterday),
                key=lambda c: c.published_at,
                reverse=True,
            )
            cursor, count = int(q.get("cursor") or 0), min(int(q.get("count") or 10), 20)
            page = items[cursor : cursor + count]
            return _douyin_ok(
                {
                    "list": [self._douyin_video(c, state) for c in page],
                    "cursor": cursor + len(page),
                    "has_more": cursor + len(page) < len(items),
                },
                state,
            )
        if path == "/item/comment/list/":
            content = _douyin_item(world, account, state.yesterday, q.get("item_id"))
            comments = world.comments_until(content, state.yesterday)
            comments.sort(key=lambda c: c["created_at"], reverse=True)
            cursor, count = int(q.get("cursor") or 0), min(int(q.get("count") or 10), 50)
            page = comments[cursor : cursor + count]
            return _douyin_ok(
                {
                    "list": [
                        {
                            "comment_id": c["comment_id"],
                            "comment_user_id": c["user_id"],
                            "content": c["text"],
                            "create_time": int(c["created_at"].timestamp()),
                            "digg_count": c["likes"],
                            "reply_comment_total": 0,
                            "top": False,
                        }
                        for c in page
                    ],
                    "cursor": cursor + len(page),
                    "has_more": cursor + len(page) < len(comments),
                },
                state,
            )
        if path == "/data/external/item/base/":
            # A.4: open_id and item_id only; one undated 30-day total in data.result
            content = _douyin_item(world, account, state.yesterday, q.get("item_id"))
            window = self._item_window(content, ITEM_HORIZON_DAYS)
            total = {k: sum(world.content_day(content, d)[k] for d in window) for k in TOTALS}
            views = total["views"]
            result = {
                "total_play": views,
                "total_like": total["likes"],
                "total_comment": total["comments"],
                "total_share": total["shares"],
                "avg_play_duration": round(total["watch_seconds"] / views, 2) if views else 0,
            }
            return _douyin_ok({"result": result}, state)
        metric = ITEM_SERIES.get(path)
        if metric is not None:
            # A.5: result_list[{date, <metric>}] for the last date_type days
            content = _douyin_item(world, account, state.yesterday, q.get("item_id"))
            rows = []
            for d in self._item_window(content, self._date_type(q)):
                value = world.content_day(content, d)[metric[1]]
                if metric[0] == "play":
                    value += getattr(state.faults.get("douyin"), "revised_plays", {}).get(
                        d.isoformat(), 0
                    )
                # The real API sends some counts as strings: so do we, deterministically.
                as_str = world._u("str", content.content_id, d) < STRING_PLAY_RATE
                rows.append({"date": d.isoformat(), metric[0]: str(value) if as_str else value})
            return _douyin_ok({"result_list": rows}, state)
        raise _Reply(404, {"message": f"no route {path}"})

    def _date_type(self, q: dict[str, str]) -> int:
        date_type = int(q.get("date_type") or 0)
        if date_type not in (7, 15, 30):  # A.2 / A.5: required, 7, 15 or 30
            raise _douyin_error(2100005, "参数不合法: date_type")
        return date_type

    def _window(self, q: dict[str, str]) -> list[date]:
        y = self.server.state.yesterday
        return [y - timedelta(days=i) for i in range(self._date_type(q) - 1, -1, -1)]

    def _item_window(self, content: SimContent, length: int) -> list[date]:
        """The days item data cover: ``length`` days up to the newest finished one (A.4:
        refreshed ~10:00 the next day), none for a video older than 30 days (A.4: data
        exist only for videos created within 30 days)."""
        state = self.server.state
        newest = state.yesterday if state.clock >= ITEM_READY_AT else state.yesterday - ONE_DAY
        if content.publish_date <= state.yesterday - timedelta(days=ITEM_HORIZON_DAYS):
            return []
        return [newest - timedelta(days=i) for i in range(length - 1, -1, -1)]

    def _douyin_video(self, c: Any, state: SimState) -> dict[str, Any]:
        total = state.world.content_cumulative(c, state.yesterday)
        return {
            "item_id": c.content_id,
            "title": c.title,
            "create_time": int(c.published_at.timestamp()),
            "video_status": 1,
            "is_top": False,
            "media_type": 4,
            "statistics": {
                "play_count": total["views"],
                "digg_count": total["likes"],
                "comment_count": total["comments"],
                "share_count": total["shares"],
                "forward_count": 0,
                "download_count": 0,
            },
        }

    # -- WeCom and the shop --------------------------------------------------------------
    def _wecom(self, path: str, q: dict[str, str], body: dict[str, Any], state: SimState) -> Any:
        staff = state.world.account("wecom", (body.get("userid_list") or [""])[0])
        if staff is None or body.get("userid_list") != [staff.account_id]:
            raise _Reply(200, {"errcode": 60111, "errmsg": "invalid string value `userid`"})
        if not state.tokens.accepts("wecom", staff.account_id, q.get("access_token")):
            raise _Reply(200, {"errcode": 40014, "errmsg": "invalid access_token"})
        if path != "/cgi-bin/externalcontact/batch/get_by_user":
            raise _Reply(404, {"errcode": 40066, "errmsg": "invalid url"})
        world = state.world
        contacts = [
            (p, added) for p, added in world.wecom_contacts(staff) if added <= state.yesterday
        ]
        start = int(body.get("cursor") or 0)
        limit = min(int(body.get("limit") or 50), 100)
        page = contacts[start : start + limit]
        more = start + limit < len(contacts)
        out = []
        for person, added in page:
            remark = world.wecom_remark_phones(person)
            out.append(
                {
                    "external_contact": {
                        "external_userid": person.ids["wecom_external_userid"],
                        "name": f"客户{person.person_id[-4:]}",
                        "type": 1,
                        "gender": 2,
                        "unionid": person.ids["wechat_unionid"],
                    },
                    "follow_info": {
                        "userid": staff.account_id,
                        "remark": "",
                        "createtime": int(datetime.combine(added, time(10), SHANGHAI).timestamp()),
                        "remark_mobiles": remark,
                        "add_way": 1,
                        "tag_id": [],
                    },
                }
            )
        return {
            "errcode": 0,
            "errmsg": "ok",
            "external_contact_list": out,
            "next_cursor": str(start + limit) if more else "",
        }

    def _shop(self, path: str, q: dict[str, str], raw: bytes, state: SimState) -> Any:
        """抖店 as docs/sources/douyin_shop_kuaishou.md B.0-B.3 describe it: signed POSTs,
        the new envelope, encrypted phones and ``order.batchDecrypt``; the token calls
        (B.1) are signed alike, without an access token."""
        method = path.strip("/").replace("/", ".")
        if self.command != "POST" or method not in SHOP_METHODS:
            raise _Reply(404, _shop_error(70000, "isp.api-service-off", "接口已下线"))
        _shop_check_signature(state.world, method, q, raw)
        if method.startswith("token."):
            answer = state.tokens.shop(method, json.loads(raw or b"{}"))
            return answer if "code" in answer else _shop_ok(answer)
        shop = self._token_account("shop", state, q.get("access_token"))
        if shop is None:
            raise _Reply(200, _shop_error(40003, "isv.access-token-expired", "access_token已过期"))
        params = json.loads(raw or b"{}")
        if method == "order.batchDecrypt":
            return _shop_ok({"decrypt_infos": _shop_decrypt(state, params), "custom_err": {}})
        start = datetime.fromtimestamp(int(params["create_time_start"]), SHANGHAI)
        end = datetime.fromtimestamp(int(params["create_time_end"]), SHANGHAI)
        orders = [
            o
            for day in days(start.date(), min(end.date(), state.yesterday))
            for o in state.world.orders_on(day)
            if start <= o["paid_at"] <= end
        ]
        page, size = int(params.get("page") or 0), min(int(params.get("size") or 20), 100)
        chunk = orders[page * size : (page + 1) * size]
        refunded = set(getattr(state.faults.get("shop"), "refunded_orders", []))
        return _shop_ok(
            {
                "shop_order_list": [
                    {
                        "shop_id": int(shop.account_id),
                        "order_id": o["order_id"],
                        **(
                            {"order_status": 4, "order_status_desc": "已取消"}
                            if str(o["order_id"]) in refunded
                            else {"order_status": 3, "order_status_desc": "已发货"}
                        ),
                        "doudian_open_id": o["buyer_id"],
                        "encrypt_post_tel": _shop_cipher(state.world, o["order_id"], o["phone"]),
                        "mask_post_tel": _mask(o["phone"]),
                        "pay_amount": o["amount_fen"],
                        "order_amount": o["amount_fen"],
                        "create_time": int(o["paid_at"].timestamp()) - 60,
                        "pay_time": int(o["paid_at"].timestamp()),
                        "b_type": 2,  # 下单端 抖音: the orders are placed in the Douyin app
                        "b_type_desc": "抖音",
                        "c_biz": 1 if o["content_id"] or o["room_id"] else 0,
                        "sku_order_list": [
                            {
                                "product_name": "品牌爆款",
                                "item_num": 1,
                                "pay_amount": o["amount_fen"],
                                "video_id": o["content_id"] or "",
                                "room_id": o["room_id"] or "",
                            }
                        ],
                    }
                    for o in chunk
                ],
                "total": len(orders),
                "page": page,
                "size": size,
            }
        )

    # -- Kuaishou ---------------------------------------------------------------------------
    def _token_account(self, platform: str, state: SimState, token: str | None):
        return next(
            (
                a
                for a in state.world.accounts_of(platform)
                if state.tokens.accepts(platform, a.account_id, token)
            ),
            None,
        )

    def _kuaishou(self, path: str, q: dict[str, str], state: SimState) -> Any:
        account = self._token_account("kuaishou", state, q.get("access_token"))
        if account is None:
            # 100200108 access_token 过期 (https://apifox.com/apidoc/project-462993/doc-355272)
            raise _Reply(200, {"result": 100200108, "error_msg": "access_token过期"})
        world, day = state.world, state.yesterday
        if path == "/openapi/user_info":
            return {
                "result": 1,
                "user_info": {
                    "name": account.account_name,
                    "sex": "F",
                    "fan": world.followers(account, day),
                    "follow": 12,
                    "head": "",
                    "bigHead": "",
                    "city": "上海",
                },
            }
        if path == "/openapi/photo/list":
            items = sorted(
                world.contents_of(account, day), key=lambda c: c.published_at, reverse=True
            )
            ids = [c.content_id for c in items]
            cursor = q.get("cursor") or ""
            start = ids.index(cursor) + 1 if cursor in ids else 0
            count = min(int(q.get("count") or 20), 200)
            page = items[start : start + count]
            # cursor = the oldest photo_id of the previous page; no cursor in the answer
            # (zhuovi/XiaoFeng.KuaiShou OpenAPI.cs, Model/VideoListModel.cs)
            return {
                "result": 1,
                "video_list": [
                    self._kuaishou_photo(c, world.content_cumulative(c, day)) for c in page
                ],
            }
        raise _Reply(404, {"result": 404, "error_msg": "no such api"})

    @staticmethod
    def _kuaishou_photo(c: Any, total: dict[str, int]) -> dict[str, Any]:
        return {
            "photo_id": c.content_id,
            "caption": c.title,
            "cover": "",
            "play_url": "",
            "create_time": int(c.published_at.timestamp() * 1000),
            "view_count": total["views"],
            "like_count": total["likes"],
            "comment_count": total["comments"],
            "pending": False,
        }

    # -- Weibo ------------------------------------------------------------------------------
    def _weibo(self, path: str, q: dict[str, str], state: SimState) -> Any:
        account = self._token_account("weibo", state, q.get("access_token"))
        if account is None:
            raise _Reply(403, {"error": "expired_token", "error_code": 21327, "request": path})
        faults = state.faults.get("weibo")
        code = faults.weibo_codes.get(account.account_id) if faults else None
        if code:  # B.4: error_code as a string, the Error_code page's text
            raise _Reply(
                403, {"error": WEIBO_LIMITS[code], "error_code": str(code), "request": path}
            )
        world, day = state.world, state.yesterday
        user = {
            "id": int(account.account_id),
            "idstr": account.account_id,
            "screen_name": account.account_name,
            "followers_count": world.followers(account, day),
            "friends_count": 80,
            "statuses_count": len(world.contents_of(account, day)),
        }
        page, count = max(int(q.get("page") or 1), 1), min(int(q.get("count") or 20), 100)
        if path == "/2/users/show.json":
            return user
        if path == "/2/statuses/user_timeline.json":
            items = sorted(
                world.contents_of(account, day), key=lambda c: c.published_at, reverse=True
            )
            chunk = items[(page - 1) * count : page * count]
            return {
                "statuses": [
                    self._weibo_status(c, world.content_cumulative(c, day), user) for c in chunk
                ],
                "total_number": len(items),
                "previous_cursor": 0,
                "next_cursor": 0,
            }
        if path == "/2/comments/show.json":
            content = next(
                (c for c in world.contents_of(account, day) if c.content_id == q.get("id")), None
            )
            if content is None:
                raise _Reply(
                    400,
                    {"error": "target weibo does not exist!", "error_code": 20101, "request": path},
                )
            # B.3: ids grow with time (a comment's second, then the world's id), and
            # since_id answers only the comments with a greater id
            since_id = int(q.get("since_id") or 0)
            comments = [
                {**c, "id": _weibo_id(c)}
                for c in world.comments_until(content, day)
                if _weibo_id(c) > since_id
            ]
            comments.sort(key=lambda c: c["created_at"], reverse=True)
            chunk = comments[(page - 1) * count : page * count]
            return {
                "comments": [
                    {
                        "created_at": c["created_at"].strftime("%a %b %d %H:%M:%S %z %Y"),
                        "id": c["id"],
                        "idstr": str(c["id"]),
                        "text": c["text"],
                        "user": {"id": int(c["user_id"]), "idstr": c["user_id"]},
                    }
                    for c in chunk
                ],
                "total_number": len(comments),
            }
        raise _Reply(404, {"error": "api not found", "error_code": 10014, "request": path})

    @staticmethod
    def _weibo_status(c: Any, total: dict[str, int], user: dict[str, Any]) -> dict[str, Any]:
        return {
            "created_at": c.published_at.strftime("%a %b %d %H:%M:%S %z %Y"),
            "id": int(c.content_id),
            "idstr": c.content_id,
            "mid": c.content_id,
            "text": c.title,
            "source": "微博 weibo.com",
            "reposts_count": total["shares"],
            "comments_count": total["comments"],
            "attitudes_count": total["likes"],
            "user": user,
        }

    # -- WeChat Official Account ----------------------------------------------------------
    def _json_body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}") if length else {}

    def _form(self) -> dict[str, str]:
        """A token call's body: a form, or JSON (Douyin's SDKs post JSON; both are taken)."""
        if "json" in (self.headers.get("Content-Type") or ""):
            return {k: str(v) for k, v in self._json_body().items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        return {k: v[-1] for k, v in parse_qs(raw).items()}

    def _wechat(self, path: str, q: dict[str, str], body: dict[str, Any], state: SimState) -> Any:
        world = state.world
        account = next(
            (
                a
                for a in world.accounts_of("wechat_oa")
                if state.tokens.accepts("wechat_oa", a.account_id, q.get("access_token"))
            ),
            None,
        )
        if account is None:
            raise _Reply(
                200,
                {
                    "errcode": 40001,
                    "errmsg": "invalid credential, access_token is invalid or not latest",
                },
            )
        if path.startswith("/datacube/"):
            try:
                begin = date.fromisoformat(body["begin_date"])
                end = date.fromisoformat(body["end_date"])
            except (KeyError, ValueError) as exc:
                raise _Reply(200, {"errcode": 61500, "errmsg": "date format error"}) from exc
            span = 1 if path.endswith("getarticlesummary") else 7
            if end < begin or (end - begin).days >= span or end > state.yesterday:
                raise _Reply(200, {"errcode": 61501, "errmsg": "date range error"})
            # "请于每天上午8点后查询公众号前一天的数据": before 08:00 Beijing time of the next
            # day the day is not complete and its lists are empty (analysis_data overview,
            # https://developers.weixin.qq.com/doc/subscription/guide/product/analysis_data/analysis_data.html)
            ready_at = datetime.combine(end + timedelta(days=1), time(8, 0), SHANGHAI)
            if state.now() < ready_at:
                return {"list": []}
            days = [begin + timedelta(days=i) for i in range((end - begin).days + 1)]
            return {"list": [row for d in days for row in self._datacube(path, account, d, world)]}
        if path == "/cgi-bin/user/get":
            openids = [
                p.ids[f"wechat_openid:{account.account_id}"]
                for p in world.persons_with(f"wechat_openid:{account.account_id}")
            ]
            start = openids.index(q["next_openid"]) + 1 if q.get("next_openid") in openids else 0
            page = openids[start : start + 10_000]
            return {
                "total": len(openids),
                "count": len(page),
                "data": {"openid": page},
                "next_openid": page[-1] if page else "",
            }
        if path == "/cgi-bin/user/info/batchget":
            key = f"wechat_openid:{account.account_id}"
            by_openid = {p.ids[key]: p for p in world.persons_with(key)}
            out = []
            for item in body.get("user_list", [])[:100]:
                person = by_openid.get(item.get("openid"))
                if person is None:
                    out.append({"subscribe": 0, "openid": item.get("openid")})
                    continue
                out.append(
                    {
                        "subscribe": 1,
                        "openid": item["openid"],
                        "language": "zh_CN",
                        "subscribe_time": subscribe_time(
                            lambda tag, p=person: world._u(tag, p.person_id)
                        ),
                        "unionid": person.ids["wechat_unionid"],
                        "remark": "",
                        "subscribe_scene": "ADD_SCENE_SEARCH",
                    }
                )
            return {"user_info_list": out}
        if path == "/cgi-bin/comment/list":
            msgid = f"{body.get('msg_data_id')}_{int(body.get('index', 0)) + 1}"
            content = next(
                (c for c in world.contents_of(account, state.yesterday) if c.content_id == msgid),
                None,
            )
            # Errors: api_openarticlecomment error table (research notes C.5)
            if content is None:
                raise _Reply(200, {"errcode": 88001, "errmsg": "msg_data is not exists"})
            f = state.faults.get("wechat_oa")
            if f and world._u("no-comment-privilege", msgid) < f.no_comment_privilege_rate:
                raise _Reply(200, {"errcode": 88000, "errmsg": "without comment privilege"})
            # count must be < 50 (api_listcomment); the refusal's code has no public source:
            # 40097 "invalid args" is an assumption (docs/platforms.md)
            if int(body.get("count", 0)) >= 50:
                raise _Reply(200, {"errcode": 40097, "errmsg": "invalid args: count"})
            comments = world.comments_until(content, state.yesterday)
            begin, count = int(body.get("begin", 0)), int(body.get("count", 0))
            page = comments[begin : begin + count]
            return {
                "errcode": 0,
                "errmsg": "ok",
                "total": len(comments),
                "comment": [
                    {
                        "user_comment_id": int(c["comment_id"][:8], 16),
                        "openid": c["user_id"],
                        "create_time": int(c["created_at"].timestamp()),
                        "content": c["text"],
                        "comment_type": 0,
                        "reply": {},
                    }
                    for c in page
                ],
            }
        raise _Reply(404, {"errcode": 40066, "errmsg": "invalid url"})

    def _datacube(self, path: str, account: SimAccount, d: date, world: World):
        if path.endswith("getarticlesummary"):
            for c in world.contents_of(account, d):
                m = world.content_day(c, d)
                if m["views"]:
                    readers, sharers = oa_readers(m["views"], m["shares"])
                    yield {
                        "ref_date": d.isoformat(),
                        "msgid": c.content_id,
                        "title": c.title,
                        "int_page_read_user": readers,
                        "int_page_read_count": m["views"],
                        "ori_page_read_user": 0,
                        "ori_page_read_count": 0,
                        "share_user": sharers,
                        "share_count": m["shares"],
                        "add_to_fav_user": m["saves"],
                        "add_to_fav_count": m["saves"],
                    }
        elif path.endswith("getusersummary"):
            f = world.account_day(account, d)
            yield {
                "ref_date": d.isoformat(),
                "user_source": 0,
                "new_user": f["new_followers"],
                "cancel_user": f["unfollows"],
            }
        elif path.endswith("getusercumulate"):
            yield {"ref_date": d.isoformat(), "cumulate_user": world.followers(account, d)}

    # -- Bilibili -------------------------------------------------------------------------
    def _bilibili(self, path: str, q: dict[str, str], state: SimState) -> Any:
        account = self._bili_account(state)
        world, day = state.world, state.yesterday
        if path == "/arcopen/fn/data/user/stat":
            contents = world.contents_of(account, day)
            return _bili_ok(
                {
                    "following": 37,
                    "follower": world.followers(account, day),
                    "arc_passed_total": len(contents),
                }
            )
        if path == "/arcopen/fn/archive/viewlist":
            items = sorted(
                world.contents_of(account, day), key=lambda c: c.published_at, reverse=True
            )
            pn, ps = max(int(q.get("pn") or 1), 1), min(int(q.get("ps") or 20), 50)
            page = items[(pn - 1) * ps : pn * ps]
            return _bili_ok(
                {
                    "list": [
                        {
                            "resource_id": c.content_id,
                            "title": c.title,
                            "cover": "",
                            "tid": 201,
                            "tag": "品牌,日常",
                            "desc": "",
                            "copyright": 1,
                            "ctime": int(c.published_at.timestamp()) - 600,
                            "ptime": int(c.published_at.timestamp()),
                            "video_info": {
                                "cid": 0,
                                "filename": "",
                                "duration": c.duration_seconds,
                            },
                            "addit_info": {"state": 0, "state_desc": "", "reject_reason": ""},
                        }
                        for c in page
                    ],
                    "page": {"pn": pn, "ps": ps, "total": len(items)},
                }
            )
        if path == "/arcopen/fn/data/arc/stat":
            content = next(
                (
                    c
                    for c in world.contents_of(account, day)
                    if c.content_id == q.get("resource_id")
                ),
                None,
            )
            if content is None:
                raise _Reply(200, {"code": -404, "message": "啥都木有", "ttl": 1})
            t = world.content_cumulative(content, day)
            return _bili_ok(
                {
                    "view": t["views"],
                    "danmaku": t["danmaku"],
                    "reply": t["comments"],
                    "favorite": t["saves"],
                    "coin": t["coins"],
                    "share": t["shares"],
                    "like": t["likes"],
                }
            )
        if path == "/arcopen/fn/data/arc/inc-stats":
            totals: dict[str, int] = {}
            for c in world.contents_of(account, day):
                for k, v in world.content_day(c, day).items():
                    totals[k] = totals.get(k, 0) + v
            g = totals.get
            return _bili_ok(
                {
                    "inc_click": g("views", 0),
                    "inc_dm": g("danmaku", 0),
                    "inc_reply": g("comments", 0),
                    "inc_fav": g("saves", 0),
                    "inc_coin": g("coins", 0),
                    "inc_share": g("shares", 0),
                    "inc_like": g("likes", 0),
                    "inc_elec": 0,
                }
            )
        raise _Reply(404, {"code": -404, "message": "啥都木有", "ttl": 1})

    def _bili_account(self, state: SimState) -> SimAccount:
        self._bili_check_signature(state)
        token = self.headers.get("access-token", "")
        for account in state.world.accounts_of("bilibili"):
            if state.tokens.accepts("bilibili", account.account_id, token):
                return account
        raise _bili_error(127001, "access_token 验证错误")

    def _bili_check_signature(self, state: SimState) -> None:
        """Signature v2.0 as the open platform checks it (bilibili-openplatform/
        SignatureAlgorithm_DotnetDemo README 签名机制 + Program.cs): every x-bili-* header
        present, the client id known, the timestamp within 10 minutes of the platform's
        clock, a fresh nonce, the body's MD5, and the HMAC-SHA256 of the sorted x-bili-*
        headers. Codes from 状态码 (https://apifox.com/apidoc/docs-site/1106400/doc-895951):
        127000 missing auth parameters, 127004 client_id invalid, 127012 鉴权错误 (no public
        source gives a signature-specific code)."""
        h = {k.lower(): v for k, v in self.headers.items()}
        needed = [
            "x-bili-accesskeyid",
            "x-bili-content-md5",
            "x-bili-signature-method",
            "x-bili-signature-nonce",
            "x-bili-signature-version",
            "x-bili-timestamp",
            "authorization",
            "access-token",
        ]
        if any(not h.get(name) for name in needed):
            raise _bili_error(127000, "缺少鉴权参数")
        client_id, secret = bilibili_app(state.world)
        if h["x-bili-accesskeyid"] != client_id:
            raise _bili_error(127004, "client_id 验证错误")
        if h["x-bili-signature-method"] != "HMAC-SHA256" or h["x-bili-signature-version"] != "2.0":
            raise _bili_error(127012, "鉴权错误: signature method or version")
        try:
            stamp = int(h["x-bili-timestamp"])
        except ValueError:
            stamp = 0
        # The demo's clients stamp real time; the simulated clock only sets the business day.
        if abs(stamp - time_now()) > 600:
            raise _bili_error(127012, "鉴权错误: timestamp")
        if h["x-bili-content-md5"] != hashlib.md5(self._bili_body).hexdigest():
            raise _bili_error(127012, "鉴权错误: content-md5")
        nonce = h["x-bili-signature-nonce"]
        with state._lock:
            replay = nonce in state.bili_nonces
            state.bili_nonces.add(nonce)
        if replay:
            raise _bili_error(127012, "鉴权错误: nonce used")
        # Written apart from the client's signer, so a client that drifts is refused.
        to_sign = "\n".join(f"{k}:{h[k]}" for k in sorted(h) if k.startswith("x-bili-"))
        expected = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(h["authorization"], expected):
            raise _bili_error(127012, "鉴权错误: signature")


SHOP_METHODS = ("order.searchList", "order.batchDecrypt", "token.create", "token.refresh")


def shop_app(world: World) -> tuple[str, str]:
    """(app_key, app_secret) of the simulated 抖店 app."""
    return tokens.app_of(world, "shop")


def _shop_ok(data: dict[str, Any]) -> dict[str, Any]:
    return {"code": 10000, "msg": "success", "sub_code": "", "sub_msg": "", "data": data}


def _shop_error(code: int, sub_code: str, sub_msg: str) -> dict[str, Any]:
    # main codes and sub_codes from the official 平台基础错误码汇总 (B.0 [DD-ERR])
    messages = {40001: "缺少必选参数", 40003: "非法的参数", 70000: "接口已下线"}
    return {"code": code, "msg": messages.get(code, ""), "sub_code": sub_code, "sub_msg": sub_msg}


def _shop_check_signature(world: World, method: str, q: dict[str, str], body: bytes) -> None:
    """The checks B.0 documents: the common query parameters present (40001
    isv.signature-missing / isv.app-id-missing), the app known, the timestamp within 10
    minutes, and ``sign`` equal to the HMAC-SHA256 (or MD5) of secret + the sorted
    parameters + secret over the exact body (40003 isv.signature-invalid). Written apart
    from the client's signer, so a client that drifts is refused."""
    app_key, secret = shop_app(world)
    if not q.get("sign"):
        raise _Reply(200, _shop_error(40001, "isv.signature-missing", "缺少签名"))
    if not q.get("app_key"):
        raise _Reply(200, _shop_error(40001, "isv.app-id-missing", "缺少app_key"))
    if q["app_key"] != app_key:
        raise _Reply(200, _shop_error(40003, "isv.app-id-invalid", "app_key无效"))
    if q.get("method") != method or q.get("v") != "2":
        raise _Reply(200, _shop_error(40003, "isv.parameter-format-invalid", "method或v错误"))
    try:
        skew = abs(int(q.get("timestamp") or "") - time_now())
    except ValueError:
        skew = None
    if skew is None:
        raise _Reply(200, _shop_error(40003, "isv.timestamp-format-error", "时间戳格式错误"))
    if skew > 600:  # the demo stamps real time; the simulated clock only sets the day
        raise _Reply(200, _shop_error(40003, "isv.timestamp-invalid", "时间戳已过期"))
    params = {"app_key": app_key, "method": method, "param_json": body.decode()}
    params |= {"timestamp": q["timestamp"], "v": "2"}
    text = (secret + "".join(k + params[k] for k in sorted(params)) + secret).encode()
    if q.get("sign_method") == "md5":
        expected = hashlib.md5(text).hexdigest()
    else:
        expected = hmac.new(secret.encode(), text, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(q["sign"], expected):
        raise _Reply(200, _shop_error(40003, "isv.signature-invalid", "签名校验失败"))


def _shop_keystream(world: World, order_id: str) -> bytes:
    return hashlib.sha256(f"{world._hex(16, 'shop-cipher')}:{order_id}".encode()).digest()


def _shop_cipher(world: World, order_id: str, phone: object) -> str:
    """An order's encrypted phone: opaque, and only this platform's decrypt reads it."""
    if not phone:
        return ""
    stream = _shop_keystream(world, order_id)
    data = bytes(b ^ stream[i] for i, b in enumerate(str(phone).encode()))
    return "#" + base64.b64encode(data).decode() + "#"


def _shop_decrypt(state: SimState, params: dict[str, Any]) -> list[dict[str, Any]]:
    infos = params.get("cipher_infos") or []
    if not isinstance(infos, list) or len(infos) > 50:
        raise _Reply(200, _shop_error(40004, "isv.parameter-invalid", "cipher_infos至多50个"))
    out = []
    for info in infos:
        auth_id, cipher = str(info.get("auth_id")), str(info.get("cipher_text"))
        item = {"auth_id": auth_id, "cipher_text": cipher, "data_type": 3}
        try:
            data = base64.b64decode(cipher.strip("#"), validate=True)
            stream = _shop_keystream(state.world, auth_id)
            phone = bytes(b ^ stream[i] for i, b in enumerate(data)).decode()
        except (ValueError, IndexError):
            phone = ""
        if not phone.isdigit():  # the wrong order's cipher, or not a cipher at all
            item |= {"decrypt_text": "", "err_no": 300008, "err_msg": "解密失败"}
        else:
            item |= {"decrypt_text": phone, "is_virtual_tel": False, "err_no": 0, "err_msg": ""}
        out.append(item)
    return out


def _mask(phone: object) -> str:
    text = str(phone or "")
    return text[:1] + "*" * (len(text) - 3) + text[-2:] if len(text) > 3 else ""


def _abbreviate(value: int) -> str:
    return f"{value / 10_000:.1f}万" if value % 2 else f"{value / 10_000:.1f}w"


def _mutate(body: Any, f: Faults | None, q: dict[str, str], state: SimState) -> Any:
    """Apply the platform's shape faults to a successful response body."""
    if f is None or not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        return body
    data = body["data"]
    if isinstance(data.get("list"), list):
        items = data["list"]
    elif isinstance(data.get("result_list"), list):
        items = data["result_list"]
    elif isinstance(data.get("result"), dict):  # Douyin's item base: one object (A.4)
        items = [data["result"]]
    else:
        items = [data]
    if f.repeat_across_pages and isinstance(data.get("list"), list) and items:
        # A new item arrived between two page requests: the last item of the previous page
        # shows up again at the top of this one.
        cursor, pn = int(q.get("cursor") or 0), int(q.get("pn") or 1)
        if cursor > 0 or pn > 1:
            items.insert(0, dict(items[0]))
    for item in items:
        if not isinstance(item, dict):
            continue
        if f.new_field:
            item["sm_new_field"] = {"since": "2026-11", "value": 1}
        if f.drop_optional:
            for key in OPTIONAL_FIELDS & item.keys():
                del item[key]
        for key in COUNT_FIELDS & item.keys():
            value = item[key]
            if f.abbreviate_counts and isinstance(value, int) and value >= 10_000:
                item[key] = _abbreviate(value)
            key_draw = state.world._u("bad", json.dumps(item, sort_keys=True), key)
            if key_draw < f.bad_record_rate:
                item[key] = "N/A"
    return body


def _mutate_list(body: Any, f: Faults | None, key: str, state: SimState) -> Any:
    """Shape faults for envelopes whose item list sits at the top level."""
    if f is None or not isinstance(body, dict) or not isinstance(body.get(key), list):
        return body
    _mutate({"data": {"list": body[key]}}, f, {}, state)
    return body


class SimServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, state: SimState, host: str = "127.0.0.1", port: int = 0):
        super().__init__((host, port), _Handler)
        self.state = state

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="simulator", daemon=True)
        thread.start()
        return thread


def _weibo_id(comment: dict[str, Any]) -> int:
    """A Weibo comment id that grows with time, as since_id needs: its second, then 7
    digits of the world's id."""
    return int(comment["created_at"].timestamp()) * 10**7 + int(comment["comment_id"], 16) % 10**7
