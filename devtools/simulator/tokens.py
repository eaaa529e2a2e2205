"""The simulated platforms' token endpoints: what they issue, how long it lives, rotation.

Each platform's endpoint, parameters, answer and error codes follow the sources cited beside
the client's token calls (``ingestion/platforms/<key>.py``, research notes in docs/sources):

- WeChat OA ``GET /cgi-bin/token`` and WeCom ``GET /cgi-bin/gettoken``: a token per app;
  a new WeChat token cuts the previous one to 5 more minutes.
- Douyin ``POST /oauth/access_token/`` and ``/oauth/refresh_token/``: the refresh token keeps
  its value and its expiry (``refresh_expires_in`` counts down); ``/oauth/renew_refresh_token/``
  replaces it with one of a new lifetime, at most ``RENEWALS`` times (then 10020).
- Kuaishou ``GET /oauth2/access_token`` and ``/oauth2/refresh_token``, Bilibili
  ``POST /x/account-oauth2/v1/token`` and ``/refresh_token``: the refresh token rotates (the
  old one dies at once) and the new one inherits the old expiry.
- Weibo ``POST /oauth2/access_token`` (told from Kuaishou's path by its ``client_id``) and
  ``POST /oauth2/get_token_info`` (docs/sources/bilibili_weibo_wechat.md B.1): no refresh
  token; ``expires_in`` a string; the token info's ``expire_in`` counts down.
- 抖店 ``token.create`` / ``token.refresh`` (signed POSTs checked by the server; B.1 of
  docs/sources/douyin_shop_kuaishou.md): access 7 d, refresh 14 d; a refresh more than an
  hour before the access token expires returns the same pair, within the last hour a new
  pair (the old one lives one more hour), after expiry a new pair (the old one dies).

Authorisation codes come from ``POST /__sim__/authorise`` (what a person's consent on the
platform's page yields), single use. Lifetimes are the documented ones unless a test asks
for others (``POST /__sim__/tokens``): a short ``refresh_seconds`` makes an expiry alert
due, and ``access_uses`` lets an access token answer that many calls and then be refused as
expired, so a token expires in the middle of a run without a test waiting for a clock.
Expiry is judged on real time (as the clients' own), not the simulated business clock.
The static tokens of ``World.token`` stay valid, for the demo.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from time import time as time_now
from typing import Any
from uuid import uuid4

from devtools.simulator.world import World

OAUTH = ("douyin", "kuaishou", "bilibili", "shop", "weibo")
APP_TOKENS = ("wechat_oa", "wecom")
# (access, refresh) lifetimes in seconds: WeChat/WeCom 7,200 s; Douyin 15 d / 30 d; Kuaishou
# 48 h / 180 d; Bilibili publishes neither (the simulator's choice: 30 d / 180 d); 抖店 7 d /
# 14 d (B.1); Weibo publishes no access lifetime (the simulator's choice: 30 d; no refresh).
DOCUMENTED = {
    "wechat_oa": (7200, 0),
    "wecom": (7200, 0),
    "douyin": (1_296_000, 2_592_000),
    "kuaishou": (172_800, 15_552_000),
    "bilibili": (2_592_000, 15_552_000),
    "weibo": (2_592_000, 0),
    "shop": (604_800, 1_209_600),
}
SHOP_GRACE = 3600  # B.1: the hour around an access token's expiry
PATHS = {
    "/cgi-bin/token": "wechat_oa",
    "/cgi-bin/gettoken": "wecom",
    "/oauth/access_token/": "douyin",
    "/oauth/refresh_token/": "douyin",
    "/oauth/renew_refresh_token/": "douyin",
    "/oauth2/access_token": "kuaishou",
    "/oauth2/refresh_token": "kuaishou",
    "/x/account-oauth2/v1/token": "bilibili",
    "/x/account-oauth2/v1/refresh_token": "bilibili",
    "/oauth2/get_token_info": "weibo",
}
RENEWALS = 5  # Douyin's renew_refresh_token, per authorisation
CORP = "*"  # a WeCom token is the corp app's: it serves every staff member


def app_of(world: World, platform: str, account_id: str = "") -> tuple[str, str]:
    """(app id, secret) of the simulated app: WeChat OA has one per account, the others
    one per platform (WeCom: the corp's customer-contact app; Bilibili: the app that also
    signs every call)."""
    if platform == "bilibili":
        return world._hex(8, "bilibili-client-id"), world._hex(16, "bilibili-client-secret")
    owner = account_id if platform == "wechat_oa" else ""
    return world._hex(8, "app-id", platform, owner), world._hex(16, "app-secret", platform, owner)


@dataclass
class Lifetimes:
    access_seconds: float
    refresh_seconds: float
    access_uses: int = 0  # 0: no limit


@dataclass
class Issued:
    platform: str
    owner: str  # account id, or CORP
    expires_at: float
    uses_left: int | None = None
    renewals: int = 0  # of a refresh token (Douyin)
    pair: str = ""  # of a refresh token: the access token issued with it (抖店)


@dataclass
class TokenAuthority:
    world: World
    lifetimes: dict[str, Lifetimes] = field(default_factory=dict)
    access: dict[str, Issued] = field(default_factory=dict)
    refresh: dict[str, Issued] = field(default_factory=dict)
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → (platform, owner)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def configure(self, settings: dict[str, dict[str, float]]) -> None:
        with self._lock:
            for platform, values in settings.items():
                access, refresh = DOCUMENTED[platform]
                self.lifetimes[platform] = Lifetimes(
                    float(values.get("access_seconds", access)),
                    float(values.get("refresh_seconds", refresh)),
                    int(values.get("access_uses", 0)),
                )

    def code_for(self, platform: str, account_id: str) -> str:
        code = uuid4().hex
        with self._lock:
            self.codes[code] = (platform, account_id)
        return code

    def accepts(self, platform: str, account_id: str, token: str | None) -> bool:
        """Whether ``token`` authorises a call for the account (and counts the call)."""
        if not token:
            return False
        if token == self.world.token(platform, account_id):
            return True
        with self._lock:
            issued = self.access.get(token)
            if issued is None or issued.platform != platform:
                return False
            if issued.owner not in (account_id, CORP) or issued.expires_at <= time_now():
                return False
            if issued.uses_left is not None:
                if issued.uses_left <= 0:
                    return False
                issued.uses_left -= 1
            return True

    def _lifetimes(self, platform: str) -> Lifetimes:
        access, refresh = DOCUMENTED[platform]
        return self.lifetimes.get(platform) or Lifetimes(access, refresh)

    def _issue(self, platform: str, owner: str) -> str:
        """A new access token for ``owner`` (under the lock)."""
        life = self._lifetimes(platform)
        token = f"{platform[:2]}-at-{uuid4().hex}"
        self.access[token] = Issued(
            platform, owner, time_now() + life.access_seconds, life.access_uses or None
        )
        return token

    def _new_refresh(self, platform: str, owner: str, expires_at: float, renewals: int = 0) -> str:
        token = f"{platform[:2]}-rt-{uuid4().hex}"
        self.refresh[token] = Issued(platform, owner, expires_at, renewals=renewals)
        return token

    def _renew_refresh(self, p: dict[str, str]) -> dict[str, Any]:
        issued = self.refresh.get(p.get("refresh_token", ""))
        if p.get("client_key") != app_of(self.world, "douyin")[0]:
            return _error("douyin", "client")
        if issued is None or issued.expires_at <= time_now():
            return _error("douyin", "refresh")
        if issued.renewals >= RENEWALS:
            return _error("douyin", "renewals")
        del self.refresh[p["refresh_token"]]
        life = DOCUMENTED["douyin"][1]  # "新的 refresh_token 有效期为 30 天", whatever the test set
        new = self._new_refresh("douyin", issued.owner, time_now() + life, issued.renewals + 1)
        data = {"refresh_token": new, "expires_in": int(life), "error_code": 0, "description": ""}
        return {"data": data, "message": "success"}

    def shop(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        """``token.create`` / ``token.refresh``: the data of the answer, or the error
        (code, sub_code, sub_msg) of 平台基础错误码汇总 (B.0)."""
        with self._lock:
            now = time_now()
            if method == "token.create":
                shops = {int(a.account_id): a.account_id for a in self.world.accounts_of("shop")}
                if p.get("grant_type") == "authorization_self":
                    owner = shops.get(p.get("shop_id"))  # type: ignore[arg-type]
                    if owner is None:
                        return _error("shop", "no-authorization")
                elif p.get("grant_type") == "authorization_code":
                    found = self.codes.pop(str(p.get("code")), None)
                    if found is None or found[0] != "shop":
                        return _error("shop", "code")
                    owner = found[1]
                else:
                    return _error("shop", "grant")
                return self._shop_pair(owner, now)
            old = self.refresh.get(str(p.get("refresh_token")))
            if p.get("grant_type") != "refresh_token":
                return _error("shop", "grant")
            if old is None or old.platform != "shop" or old.expires_at <= now:
                return _error("shop", "refresh")
            access = self.access.get(old.pair)
            alive = access is not None and access.uses_left != 0 and access.expires_at > now
            if alive and access is not None and access.expires_at - now > SHOP_GRACE:
                return self._shop_answer(old.pair, str(p["refresh_token"]), old.owner, now)
            end = now + SHOP_GRACE if alive else now  # the old pair: one more hour, or none
            if access is not None:
                access.expires_at = min(access.expires_at, end)
            if alive:
                old.expires_at = min(old.expires_at, end)
            else:
                del self.refresh[str(p["refresh_token"])]
            return self._shop_pair(old.owner, now)

    def _shop_pair(self, owner: str, now: float) -> dict[str, Any]:
        access = self._issue("shop", owner)
        refresh = self._new_refresh("shop", owner, now + self._lifetimes("shop").refresh_seconds)
        self.refresh[refresh].pair = access
        return self._shop_answer(access, refresh, owner, now)

    def _shop_answer(self, access: str, refresh: str, owner: str, now: float) -> dict[str, Any]:
        return {
            "access_token": access,
            "expires_in": max(0, int(self.access[access].expires_at - now)),
            "refresh_token": refresh,
            "scope": "SCOPE",
            "shop_id": int(owner),
            "shop_name": next(a.account_name for a in self.world.accounts_of("shop")),
            "authority_id": owner,
            "auth_subject_type": "MiniApp",
        }

    # -- the endpoints ---------------------------------------------------------------------
    def answer(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        weibo = path == "/oauth2/get_token_info" or "client_id" in params
        platform = "weibo" if path.startswith("/oauth2/") and weibo else PATHS[path]
        with self._lock:
            if platform == "weibo":
                return self._weibo(path, params)
            if platform in APP_TOKENS:
                return self._app_token(platform, params)
            if path == "/oauth/renew_refresh_token/":
                return self._renew_refresh(params)
            return self._oauth(platform, path, params)

    def _weibo(self, path: str, p: dict[str, str]) -> dict[str, Any]:
        now = time_now()
        if path == "/oauth2/get_token_info":
            issued = self.access.get(p.get("access_token", ""))
            if issued is None or issued.platform != "weibo" or issued.expires_at <= now:
                return _error("weibo", "token")
            life = self._lifetimes("weibo").access_seconds
            return {
                "uid": int(issued.owner),
                "appkey": int(app_of(self.world, "weibo")[0], 16),
                "scope": None,
                "create_at": int(issued.expires_at - life),
                "expire_in": int(issued.expires_at - now),
            }
        if (p.get("client_id"), p.get("client_secret")) != app_of(self.world, "weibo"):
            return _error("weibo", "client")
        if p.get("grant_type") != "authorization_code":
            return _error("weibo", "grant")
        if not p.get("redirect_uri"):
            return _error("weibo", "request")
        found = self.codes.pop(p.get("code", ""), None)
        if found is None or found[0] != "weibo":
            return _error("weibo", "code")
        access = self._issue("weibo", found[1])
        life = str(int(self.access[access].expires_at - now))
        return {"access_token": access, "expires_in": life, "remind_in": life, "uid": found[1]}

    def _app_token(self, platform: str, p: dict[str, str]) -> dict[str, Any]:
        if platform == "wechat_oa":
            owners = [a.account_id for a in self.world.accounts_of("wechat_oa")]
            apps = {app_of(self.world, platform, o): o for o in owners}
            app_id, secret = p.get("appid", ""), p.get("secret", "")
        else:
            apps = {app_of(self.world, platform): CORP}
            app_id, secret = p.get("corpid", ""), p.get("corpsecret", "")
        owner = next((o for (i, _), o in apps.items() if i == app_id), None)
        if owner is None:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if (app_id, secret) not in apps:
            return {"errcode": 40001, "errmsg": "invalid credential"}
        if platform == "wechat_oa":  # the previous token lives 5 more minutes
            for issued in self.access.values():
                if issued.platform == platform and issued.owner == owner:
                    issued.expires_at = min(issued.expires_at, time_now() + 300)
        token = self._issue(platform, owner)
        body = {"access_token": token, "expires_in": int(self._lifetimes(platform).access_seconds)}
        return {"errcode": 0, "errmsg": "ok", **body} if platform == "wecom" else body

    def _oauth(self, platform: str, path: str, p: dict[str, str]) -> dict[str, Any]:
        app_id, secret = app_of(self.world, platform)
        given_id = p.get("client_key") or p.get("app_id") or p.get("client_id")
        given_secret = p.get("client_secret") or p.get("app_secret")
        douyin_refresh = path == "/oauth/refresh_token/"  # the only call without the secret
        if given_id != app_id or (not douyin_refresh and given_secret != secret):
            return _error(platform, "client")
        now = time_now()
        if p.get("grant_type") == "authorization_code":
            found = self.codes.pop(p.get("code", ""), None)
            if found is None or found[0] != platform:
                return _error(platform, "code")
            owner = found[1]
            refresh_token = self._new_refresh(
                platform, owner, now + self._lifetimes(platform).refresh_seconds
            )
        elif p.get("grant_type") == "refresh_token":
            old = p.get("refresh_token", "")
            issued = self.refresh.get(old)
            if issued is None or issued.platform != platform or issued.expires_at <= now:
                return _error(platform, "refresh")
            owner, refresh_token = issued.owner, old  # Douyin: same value, same expiry
            if platform != "douyin":  # rotation: the old dies, the new inherits its expiry
                del self.refresh[old]
                refresh_token = self._new_refresh(platform, owner, issued.expires_at)
        else:
            return _error(platform, "grant")
        access = self._issue(platform, owner)
        life = int(self.access[access].expires_at - now)
        refresh_left = int(self.refresh[refresh_token].expires_at - now)
        if platform == "douyin":
            data = {
                "access_token": access,
                "expires_in": life,
                "refresh_token": refresh_token,
                "refresh_expires_in": refresh_left,
                "open_id": owner,
                "scope": "user_info,data.external.user,data.external.item",
                "error_code": 0,
                "description": "",
            }
            return {"data": data, "message": "success"}
        if platform == "kuaishou":
            return {
                "result": 1,
                "access_token": access,
                "expires_in": life,
                "refresh_token": refresh_token,
                "refresh_token_expires_in": refresh_left,
                "open_id": owner,
                "scopes": ["user_info", "user_video_info"],
            }
        data = {
            "access_token": access,
            "expires_in": int(now) + life,  # an absolute Unix second
            "refresh_token": refresh_token,
            "scopes": ["USER_INFO", "ATC_DATA", "ATC_BASE"],
        }
        return {"code": 0, "message": "0", "ttl": 1, "data": data}


# (platform, what was wrong) → the platform's documented code and message
ERRORS = {
    ("douyin", "client"): (10013, "client_key或client_secret错误"),
    ("douyin", "code"): (10007, "授权码过期"),
    ("douyin", "refresh"): (10010, "refresh_token过期"),
    ("douyin", "grant"): (10002, "参数错误"),
    ("douyin", "renewals"): (10020, "超过刷新次数限制"),
    ("kuaishou", "client"): (100200101, "无效的client"),
    ("kuaishou", "code"): (100200105, "code错误"),
    ("kuaishou", "refresh"): (100200113, "refresh_token过期"),
    ("kuaishou", "grant"): (100200104, "grantType不支持"),
    ("bilibili", "client"): (122001, "client_secret 错误"),
    ("bilibili", "code"): (122002, "code 未找到"),
    ("bilibili", "refresh"): (122007, "refreshToken不合法"),
    ("bilibili", "grant"): (127100, "请求参数错误"),
    # Weibo's OAuth2 错误码 (docs/platforms.md, weibo.py): error, error_code, description
    ("weibo", "request"): (21323, "invalid_request"),
    ("weibo", "client"): (21324, "invalid_client"),
    ("weibo", "code"): (21325, "invalid_grant"),
    ("weibo", "token"): (21327, "expired_token"),
    ("weibo", "grant"): (21328, "unsupported_grant_type"),
    # 50001 平台处理失败 and its dop.token-generate-failed sub_codes (B.0 [DD-ERR])
    ("shop", "code"): (50001, "dop.token-generate-failed:code-invalid"),
    ("shop", "refresh"): (50001, "dop.token-generate-failed:token-expired"),
    ("shop", "grant"): (50001, "dop.token-generate-failed:grant-type-invalid"),
    ("shop", "no-authorization"): (50001, "dop.token-generate-failed:no-authorization"),
}


def _error(platform: str, what: str) -> dict[str, Any]:
    code, message = ERRORS[(platform, what)]
    if platform == "shop":
        return {"code": code, "msg": "平台处理失败", "sub_code": message, "sub_msg": message}
    if platform == "douyin":
        return {"data": {"error_code": code, "description": message}, "message": "error"}
    if platform == "kuaishou":
        return {"result": code, "error_msg": message}
    if platform == "weibo":
        return {"error": message, "error_code": code, "error_description": message}
    return {"code": code, "message": message, "ttl": 1}
