"""A deterministic account matrix: accounts, contents, daily metrics and people.

Every number is a pure function of ``(seed, scale, history_start)`` and the key it
describes (hash-seeded, not drawn in sequence), so any day can be served in any order and
the ground truth the tests compare against is the same numbers the server served.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property, partial

import polars as pl

from ingestion.platforms import PLATFORMS as TABLE
from ingestion.settings import SHANGHAI

# The social platforms of the platform table, by delivery.
API_PLATFORMS = tuple(k for k, p in TABLE.items() if p.social and p.delivery == "api")
EXPORT_PLATFORMS = tuple(k for k, p in TABLE.items() if p.social and p.delivery == "export")
VIDEO_FORMS = ("short_video", "long_video", "video_note")
LIVE_PLATFORMS = ("douyin", "kuaishou", "bilibili", "wechat_channels")
PLATFORMS = API_PLATFORMS + EXPORT_PLATFORMS
ROLES = ("主号", "辅助号", "知识号")


@dataclass(frozen=True)
class Scale:
    accounts_per_platform: int
    publish_probability: float  # chance an account publishes on a given day
    persons: int


SCALES = {
    "tiny": Scale(accounts_per_platform=2, publish_probability=0.3, persons=50),
    "small": Scale(accounts_per_platform=3, publish_probability=0.35, persons=300),
    "medium": Scale(accounts_per_platform=25, publish_probability=0.5, persons=20_000),
}

# Platform character: typical peak views of a new content, interaction rates, video length.
_PROFILE = {
    "douyin": dict(peak=4000, like=0.06, comment=0.004, share=0.003, save=0.0, dur=(15, 90)),
    "kuaishou": dict(peak=3000, like=0.05, comment=0.004, share=0.002, save=0.0, dur=(10, 120)),
    "bilibili": dict(peak=2500, like=0.05, comment=0.003, share=0.002, save=0.02, dur=(180, 1200)),
    "weibo": dict(peak=2000, like=0.02, comment=0.003, share=0.004, save=0.0, dur=(0, 0)),
    "wechat_oa": dict(peak=1200, like=0.03, comment=0.002, share=0.02, save=0.01, dur=(0, 0)),
    "wechat_channels": dict(
        peak=2500, like=0.04, comment=0.003, share=0.01, save=0.0, dur=(15, 180)
    ),
    "xiaohongshu": dict(peak=1500, like=0.07, comment=0.006, share=0.004, save=0.03, dur=(20, 120)),
    "zhihu": dict(peak=800, like=0.04, comment=0.005, share=0.003, save=0.02, dur=(0, 0)),
}


@dataclass(frozen=True)
class SimAccount:
    platform: str
    account_id: str
    account_name: str
    role: str
    base_followers: int


@dataclass(frozen=True)
class SimContent:
    platform: str
    account_id: str
    content_id: str
    title: str
    form: str
    published_at: datetime  # aware, Asia/Shanghai
    duration_seconds: int | None
    peak_views: int

    @property
    def publish_date(self) -> date:
        return self.published_at.date()


@dataclass(frozen=True)
class SimPerson:
    person_id: str
    ids: dict[str, str]


# The identifier type of a platform's commenting user ids (the platform table's).
USER_ID_TYPE = {k: p.user_id_type for k, p in TABLE.items() if p.social and p.user_id_type}
# Topic words of titles, one per content: brand story, tutorial, review, new product, offer,
# live preview (the seed content_taxonomy maps them to categories and funnel stages).
CONTENT_TOPICS = (
    "品牌故事",
    "使用教程",
    "真实测评",
    "新品发布",
    "限时优惠",
    "直播预告",
    "会员福利",
)
# What some buyers type when they will not give their number: it belongs to nobody.
PLACEHOLDER_PHONE = "138-0013-8000"
COMMENT_TEXTS = (
    "太好看了，已下单！",
    "质量太差了，退货",
    "求链接",
    "客服不回复，差评",
    "这个颜色绝了",
    "发货太慢了",
    "是不是假货？用了过敏，要去曝光",  # the rare comment that needs the crisis team
)


@dataclass
class World:
    seed: int = 42
    scale: str = "small"
    history_start: date = date(2026, 9, 1)
    _cumulative: dict[tuple[str, date], dict[str, int]] = field(default_factory=dict, repr=False)
    _followers: dict[tuple[str, date], int] = field(default_factory=dict, repr=False)
    _contents: dict[tuple[str, date], list[SimContent]] = field(default_factory=dict, repr=False)
    _comments: dict[tuple[str, date], list[dict[str, object]]] = field(
        default_factory=dict, repr=False
    )
    _people_index: dict[tuple[str, str], list[SimPerson]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.scale not in SCALES:
            raise ValueError(f"unknown scale {self.scale!r}; choose one of {sorted(SCALES)}")

    # -- randomness --------------------------------------------------------------------
    def _u(self, *key: object) -> float:
        """A uniform number in [0, 1) fixed by the key."""
        digest = hashlib.blake2b(repr((self.seed, *key)).encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2**64

    def _hex(self, n: int, *key: object) -> str:
        return hashlib.blake2b(repr((self.seed, *key)).encode(), digest_size=n).hexdigest()

    def token(self, platform: str, account_id: str) -> str:
        """The access token the simulated platform issued to one authorised account."""
        return "sim-" + self._hex(12, "token", platform, account_id)

    # -- accounts and contents ------------------------------------------------------------
    @cached_property
    def accounts(self) -> list[SimAccount]:
        n = SCALES[self.scale].accounts_per_platform
        return [self.account_at(platform, i) for platform in PLATFORMS for i in range(n)]

    def account_at(self, platform: str, i: int) -> SimAccount:
        """The platform's ``i``-th account (the scale generator asks for more than a scale has)."""
        return SimAccount(
            platform=platform,
            account_id=self._account_id(platform, i),
            account_name=f"{platform}-品牌{['官方', '小助手', '研究所'][i % 3]}{i + 1}",
            role=ROLES[i % 3],
            base_followers=int(5_000 + 200_000 * self._u("followers", platform, i) ** 2),
        )

    def _account_id(self, platform: str, i: int) -> str:
        """Ids in each platform's own form (open_id, mid, uid, gh_ original id, ...)."""
        u = self._u("account", platform, i)
        return {
            "douyin": "_000" + self._hex(14, "open_id", i),
            "kuaishou": "3x" + self._hex(7, "ks_user", i),
            "bilibili": str(10_000_000 + int(u * 90_000_000)),
            "weibo": str(5_000_000_000 + int(u * 2_000_000_000)),
            "wechat_oa": "gh_" + self._hex(6, "gh", i),
            "wechat_channels": "sph" + self._hex(8, "finder", i),
            "xiaohongshu": self._hex(12, "xhs_user", i),
            "zhihu": self._hex(16, "zhihu_token", i),
        }[platform]

    @cached_property
    def sources(self) -> list[SimAccount]:
        """The private-domain and commerce systems: WeCom staff, the shop, the CRM."""
        return [
            *(
                SimAccount("wecom", f"staff{i + 1:02d}", f"企业微信客服{i + 1}", "", 0)
                for i in range(2)
            ),
            SimAccount("shop", "4463798", "品牌抖店旗舰店", "", 0),
            SimAccount("crm", "crm", "会员中心", "", 0),
            SimAccount("live", "live", "直播场次导出", "", 0),
            SimAccount("ads", "ads", "广告投放报表", "", 0),
        ]

    def accounts_of(self, platform: str) -> list[SimAccount]:
        return [a for a in (*self.accounts, *self.sources) if a.platform == platform]

    def account(self, platform: str, account_id: str) -> SimAccount | None:
        return next((a for a in self.accounts_of(platform) if a.account_id == account_id), None)

    def _content_on(self, account: SimAccount, day: date) -> SimContent | None:
        p = SCALES[self.scale].publish_probability
        if self._u("publish", account.account_id, day) >= p:
            return None
        platform = account.platform
        prof = _PROFILE[platform]
        key = (account.account_id, day)
        u_id, u_form = self._u("content_id", *key), self._u("form", *key)
        content_id, form = {
            "douyin": ("@" + self._hex(18, "item", *key), "short_video"),
            "kuaishou": (str(5_200_000_000_000_000 + int(u_id * 1e15)), "short_video"),
            "bilibili": ("BV1" + self._hex(5, "bvid", *key)[:9], "long_video"),
            "weibo": (str(4_950_000_000_000_000 + int(u_id * 1e14)), "post"),
            "wechat_oa": (f"{2_247_483_000 + int(u_id * 1e6)}_1", "article"),
            "wechat_channels": ("export/" + self._hex(16, "feed", *key), "short_video"),
            "xiaohongshu": (
                self._hex(12, "note", *key),
                "video_note" if u_form < 0.45 else "image_note",
            ),
            "zhihu": (str(100_000_000 + int(u_id * 1e9)), "answer" if u_form < 0.6 else "article"),
        }[platform]
        has_duration = form in VIDEO_FORMS
        lo, hi = prof["dur"]
        # Heavy tail: most contents near the platform's typical peak, a few hits 20-50x.
        u = self._u("peak", *key)
        peak = int(prof["peak"] * (0.3 + min(1 / max(1 - u, 1e-3) ** 0.9, 60)))
        seconds = int(self._u("publish_time", *key) * 86_400)
        return SimContent(
            platform=platform,
            account_id=account.account_id,
            content_id=content_id,
            title=self._title(account, day, key),
            form=form,
            published_at=datetime.combine(day, time(), SHANGHAI) + timedelta(seconds=seconds),
            duration_seconds=int(lo + (hi - lo) * self._u("dur", *key)) if has_duration else None,
            peak_views=peak,
        )

    def _title(self, account: SimAccount, day: date, key: tuple[object, ...]) -> str:
        """A title with a topic word (the mart's taxonomy reads it) and, on some, an ad label."""
        topic = CONTENT_TOPICS[int(self._u("topic", *key) * len(CONTENT_TOPICS))]
        ad = "【广告】" if self._u("ad", *key) < 0.1 else ""
        return f"{ad}{account.account_name}｜{topic} 第{(day - self.history_start).days + 1}期"

    def contents_of(self, account: SimAccount, until: date) -> list[SimContent]:
        """Contents the account published from history start up to and including ``until``."""
        key = (account.account_id, until)
        if key in self._contents:
            return self._contents[key]
        out = []
        day = self.history_start
        while day <= until:
            content = self._content_on(account, day)
            if content is not None:
                out.append(content)
            day += timedelta(days=1)
        self._contents[key] = out
        return out

    # -- daily metrics --------------------------------------------------------------------
    def content_day(self, c: SimContent, day: date) -> dict[str, int]:
        """The content's metrics on one business day (zeros before publish)."""
        age = (day - c.publish_date).days
        names = (
            "impressions",
            "views",
            "likes",
            "comments",
            "shares",
            "saves",
            "coins",
            "danmaku",
            "completions",
            "watch_seconds",
            "follows",
        )
        if age < 0:
            return dict.fromkeys(names, 0)
        prof = _PROFILE[c.platform]
        u = lambda *k: self._u(c.content_id, day, *k)  # noqa: E731
        views = int(c.peak_views * 0.62**age * (0.75 + 0.5 * u("v")))
        likes = int(views * prof["like"] * (0.6 + 0.8 * u("l")))
        comments = int(views * prof["comment"] * (0.5 + u("c")))
        shares = int(views * prof["share"] * (0.5 + u("s")))
        saves = int(views * prof["save"] * (0.5 + u("f")))
        bili = c.platform == "bilibili"
        coins = int(views * 0.01 * (0.5 + u("coin"))) if bili else 0
        danmaku = int(views * 0.008 * (0.5 + u("dm"))) if bili else 0
        duration = c.duration_seconds
        completion = 0.0 if duration is None else 0.55 * math.exp(-duration / 400) + 0.1
        completions = int(views * completion * (0.8 + 0.4 * u("done")))
        watch = int(views * (duration or 30) * (0.25 + 0.3 * u("w")))
        impressions = int(views * (4 + 6 * u("imp")))
        follows = int(views * 0.002 * (0.5 + u("fo")))
        return dict(
            zip(
                names,
                (
                    impressions,
                    views,
                    likes,
                    comments,
                    shares,
                    saves,
                    coins,
                    danmaku,
                    completions,
                    watch,
                    follows,
                ),
                strict=True,
            )
        )

    def content_cumulative(self, c: SimContent, day: date) -> dict[str, int]:
        """Lifetime totals as of the end of ``day`` (what snapshot endpoints return)."""
        key = (c.content_id, day)
        if key not in self._cumulative:
            today = self.content_day(c, day)
            if day <= c.publish_date:
                total = today
            else:
                prev = self.content_cumulative(c, day - timedelta(days=1))
                total = {k: prev[k] + today[k] for k in today}
            self._cumulative[key] = total
        return self._cumulative[key]

    def _flows(self, a: SimAccount, day: date) -> tuple[int, int]:
        """New followers and unfollows of one account on one day."""
        new = int(a.base_followers * 0.004 * (0.4 + 1.2 * self._u("new", a.account_id, day)))
        return new, int(new * 0.35 * self._u("unf", a.account_id, day))

    def account_day(self, a: SimAccount, day: date) -> dict[str, int]:
        new, unfollows = self._flows(a, day)
        return {
            "new_followers": new,
            "unfollows": unfollows,
            "followers_total": self.followers(a, day),
        }

    def followers(self, a: SimAccount, day: date) -> int:
        """Followers at the end of ``day``."""
        if day < self.history_start:
            return a.base_followers
        key = (a.account_id, day)
        if key not in self._followers:
            # Iterate forward from the latest cached day: no deep recursion on long histories.
            d = self.history_start
            total = a.base_followers
            while d <= day:
                k = (a.account_id, d)
                if k not in self._followers:
                    new, unf = self._flows(a, d)
                    self._followers[k] = total + new - unf
                total = self._followers[k]
                d += timedelta(days=1)
        return self._followers[key]

    # -- people ---------------------------------------------------------------------------
    @cached_property
    def persons(self) -> list[SimPerson]:
        """People and every identifier they have: the identity ground truth.

        Platform ids come from the platforms they use; WeChat users have one unionid and an
        openid per Official Account they follow; some are WeCom contacts, some shoppers with
        a phone, some CRM members (with phone and sometimes email).
        """
        out = []
        oa_accounts = [a.account_id for a in self.accounts_of("wechat_oa")]
        for i in range(SCALES[self.scale].persons):
            u = partial(self._u, "person", i)
            ids: dict[str, str] = {}
            if u("douyin") < 0.6:
                ids["douyin_open_id"] = "_000" + self._hex(14, "fan_open_id", i)
            if u("kuaishou") < 0.4:
                ids["kuaishou_user_id"] = str(1_000_000_000 + int(u("ks_id") * 8e9))
            if u("bilibili") < 0.4:
                ids["bilibili_mid"] = str(100_000_000 + int(u("mid") * 9e8))
            if u("weibo") < 0.4:
                ids["weibo_uid"] = str(6_000_000_000 + int(u("uid") * 1e9))
            if u("xiaohongshu") < 0.5:
                ids["xiaohongshu_user_id"] = self._hex(12, "xhs_fan", i)
            if u("zhihu") < 0.3:
                ids["zhihu_user_id"] = self._hex(16, "zhihu_fan", i)
            if u("wechat") < 0.7:
                ids["wechat_unionid"] = "o6_bm" + self._hex(12, "unionid", i)
                for account in oa_accounts:
                    if u("follows", account) < 0.5:
                        ids[f"wechat_openid:{account}"] = "oLVP" + self._hex(
                            12, "openid", i, account
                        )
                if u("wecom") < 0.3:
                    ids["wecom_external_userid"] = "wmqfasd" + self._hex(10, "external", i)
            if u("phone") < 0.6:
                ids["phone"] = f"1{3 + int(u('p0') * 6)}{int(u('p1') * 1e9):09d}"
            if "phone" in ids and u("crm") < 0.35:
                ids["crm_member_id"] = f"M{i:08d}"
                if u("email") < 0.5:
                    ids["email"] = f"fan{i}@example.com"
            out.append(SimPerson(f"P{i:07d}", ids))
        return out

    def persons_with(self, id_type: str) -> list[SimPerson]:
        key = ("persons_with", id_type)
        if key not in self._people_index:
            self._people_index[key] = [p for p in self.persons if id_type in p.ids]
        return self._people_index[key]

    def comments_on(self, c: SimContent, day: date) -> list[dict[str, object]]:
        """The day's comments on a content, each by a person using that platform."""
        key = (c.content_id, day)
        if key not in self._comments:
            self._comments[key] = self._make_comments(c, day)
        return self._comments[key]

    def _make_comments(self, c: SimContent, day: date) -> list[dict[str, object]]:
        id_type = USER_ID_TYPE.get(c.platform)
        if id_type is None:
            return []
        if c.platform == "wechat_oa":
            id_type = f"wechat_openid:{c.account_id}"
        authors = self.persons_with(id_type)
        if not authors:
            return []
        out = []
        for n in range(self.content_day(c, day)["comments"]):
            person = authors[int(self._u("author", c.content_id, day, n) * len(authors))]
            negative = self._u("tone", c.content_id, day, n) < 0.08
            seconds = int(self._u("at", c.content_id, day, n) * 86_400)
            out.append(
                {
                    "comment_id": self._hex(8, "comment", c.content_id, day, n),
                    "user_id": person.ids[id_type],
                    "text": COMMENT_TEXTS[
                        (6 if self._u("crisis", c.content_id, day, n) < 0.05 else 1)
                        if negative
                        else int(self._u("txt", c.content_id, day, n) * 3) * 2 % 6
                    ],
                    "created_at": datetime.combine(day, time(), SHANGHAI)
                    + timedelta(seconds=seconds),
                    "likes": int(self._u("clikes", c.content_id, day, n) * 20),
                }
            )
        return out

    # -- private domain and commerce ---------------------------------------------------------
    def wecom_contacts(self, staff: SimAccount) -> list[tuple[SimPerson, date]]:
        """The staff member's external contacts and the day each was added."""
        staff_ids = [a.account_id for a in self.accounts_of("wecom")]
        out = []
        for p in self.persons_with("wecom_external_userid"):
            owner = staff_ids[int(self._u("owner", p.person_id) * len(staff_ids))]
            if owner == staff.account_id:
                added = self.history_start + timedelta(
                    days=int(self._u("added", p.person_id) * 120) - 60
                )
                out.append((p, added))
        return out

    def wecom_remark_phones(self, p: SimPerson) -> list[str]:
        """The phone a staff member noted on the contact card, when they noted one."""
        phone = p.ids.get("phone")
        return [phone] if phone and self._u("remark", p.person_id) < 0.7 else []

    def linking_records(self, start: date, end: date) -> list[tuple[str, dict[str, str]]]:
        """Ground truth of deterministic links: every record served for ``start``…``end``
        that names two or more identifiers of one person, as (person_id, {id_type: value}),
        phones and emails in clear. Comments name one identifier and link nothing.
        """
        out: list[tuple[str, dict[str, str]]] = []
        by_id = {p.person_id: p for p in self.persons}
        day = start
        while day <= end:
            for o in self.orders_on(day):
                person = by_id[str(o["person_id"])]
                if o["phone"] and o["phone"] == person.ids.get("phone"):
                    out.append(
                        (
                            person.person_id,
                            {"douyin_open_id": str(o["buyer_id"]), "phone": str(o["phone"])},
                        )
                    )
            day += timedelta(days=1)
        for staff in self.accounts_of("wecom"):
            for p, added in self.wecom_contacts(staff):
                if added <= end:
                    ids = {t: p.ids[t] for t in ("wecom_external_userid", "wechat_unionid")}
                    for phone in self.wecom_remark_phones(p):
                        ids["phone"] = phone
                    out.append((p.person_id, ids))
        for p, _joined in self.crm_members(end):
            keep = ("crm_member_id", "phone", "email", "wechat_unionid")
            out.append((p.person_id, {t: p.ids[t] for t in keep if t in p.ids}))
        for account in self.accounts_of("wechat_oa"):
            key = f"wechat_openid:{account.account_id}"
            for p in self.persons_with(key):
                out.append(
                    (p.person_id, {key: p.ids[key], "wechat_unionid": p.ids["wechat_unionid"]})
                )
        return out

    def orders_on(self, day: date) -> list[dict[str, object]]:
        """The shop's paid orders of one day: buyer, phone, amount and what sold it."""
        shop = self.accounts_of("shop")[0]
        douyin = self.accounts_of("douyin")
        out = []
        for p in self.persons_with("douyin_open_id"):
            if self._u("orders", p.person_id, day) >= 0.05:
                continue
            key = (p.person_id, day)
            amount = int(2_990 + self._u("amount", *key) * 57_000)
            channel = self._u("channel", *key)
            attributed, room = None, None
            if channel < 0.7 and douyin:
                account = douyin[int(self._u("acct", *key) * len(douyin))]
                contents = self.contents_of(account, day)
                if contents:
                    attributed = contents[int(self._u("pick", *key) * len(contents))].content_id
            elif channel < 0.9:
                sessions = [x for x in self.live_sessions(day) if x["platform"] == "douyin"]
                room = str(sessions[0]["room_id"]) if sessions else None
            paid_at = datetime.combine(day, time(), SHANGHAI) + timedelta(
                seconds=int(self._u("paid", *key) * 86_400)
            )
            out.append(
                {
                    "order_id": str(6_900_000_000_000_000_000 + int(self._u("oid", *key) * 1e17)),
                    "shop_id": shop.account_id,
                    "buyer_id": p.ids["douyin_open_id"],
                    "phone": self._order_phone(p, key),
                    "amount_fen": amount,
                    "paid_at": paid_at,
                    "content_id": attributed,
                    "room_id": room,
                    "person_id": p.person_id,
                }
            )
        return out

    def _order_phone(self, p: SimPerson, key: tuple[str, date]) -> str | None:
        if self._u("order_phone", *key) < 0.05:
            return PLACEHOLDER_PHONE
        return p.ids.get("phone")

    def live_sessions(self, day: date) -> list[dict[str, object]]:
        """Live sessions of the day on the platforms that stream (main accounts only)."""
        out = []
        for a in self.accounts:
            if a.platform not in LIVE_PLATFORMS or a.role != "主号":
                continue
            if self._u("live", a.account_id, day) >= 0.4:
                continue
            key = (a.account_id, day)
            start = datetime.combine(day, time(19), SHANGHAI) + timedelta(
                minutes=int(self._u("live_start", *key) * 90)
            )
            viewers = int(a.base_followers * (0.05 + 0.2 * self._u("viewers", *key)))
            orders = int(viewers * 0.01 * (0.5 + self._u("live_orders", *key)))
            out.append(
                {
                    "platform": a.platform,
                    "account_id": a.account_id,
                    "room_id": str(7_300_000_000_000_000_000 + int(self._u("room", *key) * 1e15)),
                    "started_at": start,
                    "ended_at": start + timedelta(minutes=60 + int(self._u("len", *key) * 120)),
                    "viewers": viewers,
                    "peak_online": int(viewers * 0.08),
                    "new_followers": int(viewers * 0.004),
                    "orders": orders,
                    "gmv_fen": orders * int(5_000 + self._u("aov", *key) * 20_000),
                }
            )
        return out

    def ad_spend(self, day: date) -> list[dict[str, object]]:
        """Paid promotion per account and campaign (巨量引擎, 磁力引擎, B站花火, 聚光, 广点通)."""
        out = []
        for a in self.accounts:
            if self._u("ads_on", a.account_id, day) >= 0.5:
                continue
            key = (a.account_id, day)
            impressions = int(20_000 + self._u("ad_imp", *key) * 200_000)
            clicks = int(impressions * (0.005 + 0.02 * self._u("ctr", *key)))
            out.append(
                {
                    "platform": a.platform,
                    "account_id": a.account_id,
                    "campaign_id": str(
                        1_780_000_000_000_000 + int(self._u("cid", a.account_id) * 1e12)
                    ),
                    "campaign_name": f"{a.account_name}-拉新计划",
                    "spend_fen": int(clicks * (40 + 160 * self._u("cpc", *key))),
                    "impressions": impressions,
                    "clicks": clicks,
                    "conversions": int(clicks * 0.05 * self._u("cvr", *key)),
                }
            )
        return out

    def crm_members(self, day: date) -> list[tuple[SimPerson, date]]:
        """CRM members who had joined by ``day``, with their join date."""
        out = []
        for p in self.persons_with("crm_member_id"):
            joined = self.history_start + timedelta(
                days=int(self._u("join", p.person_id) * 150) - 90
            )
            if joined <= day:
                out.append((p, joined))
        return out

    # -- ground truth ---------------------------------------------------------------------
    def truth(self, start: date, end: date) -> dict[str, pl.DataFrame]:
        """Every account, content and daily number of the window, in conformed names."""
        accounts, contents, content_daily, account_daily = [], [], [], []
        for a in self.accounts:
            accounts.append(
                {
                    "platform": a.platform,
                    "account_id": a.account_id,
                    "account_name": a.account_name,
                    "role": a.role,
                }
            )
            day = start
            while day <= end:
                account_daily.append(
                    {
                        "platform": a.platform,
                        "account_id": a.account_id,
                        "business_date": day,
                        **self.account_day(a, day),
                    }
                )
                day += timedelta(days=1)
            for c in self.contents_of(a, end):
                contents.append(
                    {
                        "platform": c.platform,
                        "account_id": c.account_id,
                        "content_id": c.content_id,
                        "form": c.form,
                        "publish_date": c.publish_date,
                        "duration_seconds": c.duration_seconds,
                    }
                )
                day = max(start, c.publish_date)
                while day <= end:
                    content_daily.append(
                        {
                            "platform": c.platform,
                            "account_id": c.account_id,
                            "content_id": c.content_id,
                            "business_date": day,
                            **self.content_day(c, day),
                        }
                    )
                    day += timedelta(days=1)
        return {
            "accounts": pl.DataFrame(accounts),
            "contents": pl.DataFrame(contents),
            "content_daily": pl.DataFrame(content_daily),
            "account_daily": pl.DataFrame(account_daily),
            "persons": pl.DataFrame(
                [
                    {"person_id": p.person_id, "id_type": t, "id_value": v}
                    for p in self.persons
                    for t, v in p.ids.items()
                ],
                schema={"person_id": pl.String, "id_type": pl.String, "id_value": pl.String},
            ),
        }
