"""A deterministic account matrix: accounts, contents, daily metrics and people.

Every number is a pure function of ``(seed, scale, history_start)`` and the key it
describes (hash-seeded, not drawn in sequence), so any day can be served in any order and
the ground truth the tests compare against is the same numbers the server served.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property

import polars as pl

from devtools.simulator import model as m
from devtools.simulator.model import LIVE_PLATFORMS, PLATFORMS, ROLES, SCALES, USER_ID_TYPE
from ingestion.settings import SHANGHAI


def days(start: date, end: date) -> Iterator[date]:
    """``start`` … ``end``, both included."""
    return (start + timedelta(days=n) for n in range((end - start).days + 1))


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
            account_name=m.account_name(platform, i),
            role=ROLES[i % 3],
            base_followers=m.base_followers(lambda tag: self._u(tag, platform, i)),
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
        key = (account.account_id, day)

        def u(tag: str) -> float:
            return self._u(tag, *key)

        content_id = m.content_id(
            platform,
            lambda n, tag: self._hex(n, tag, *key),
            lambda base, span: base + int(u("content_id") * span),
            slot=0,
        )
        form = m.content_form(platform, u)
        issue = (day - self.history_start).days + 1
        seconds = m.published_second(u)
        return SimContent(
            platform=platform,
            account_id=account.account_id,
            content_id=content_id,
            title=m.title(account.account_name, issue, u),
            form=form,
            published_at=datetime.combine(day, time(), SHANGHAI) + timedelta(seconds=seconds),
            duration_seconds=m.duration_seconds(platform, form, u),
            peak_views=m.peak_views(platform, u, SCALES[self.scale].audience),
        )

    def contents_of(self, account: SimAccount, until: date) -> list[SimContent]:
        """Contents the account published from history start up to and including ``until``."""
        key = (account.account_id, until)
        if key not in self._contents:
            found = (self._content_on(account, d) for d in days(self.history_start, until))
            self._contents[key] = [c for c in found if c is not None]
        return self._contents[key]

    # -- daily metrics --------------------------------------------------------------------
    def content_day(self, c: SimContent, day: date) -> dict[str, int]:
        """The content's metrics on one business day (zeros before publish)."""
        age = (day - c.publish_date).days

        def u(tag: str) -> float:
            return self._u(c.content_id, day, tag)

        if age < 0:
            return dict.fromkeys(m.CONTENT_METRICS, 0)
        views = m.content_views(c.peak_views, age, u)
        return m.content_metrics(c.platform, views, c.duration_seconds, u)

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
        return m.follower_flows(a.base_followers, lambda tag: self._u(tag, a.account_id, day))

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
            total = a.base_followers
            for d in days(self.history_start, day):
                k = (a.account_id, d)
                if k not in self._followers:
                    new, unf = self._flows(a, d)
                    self._followers[k] = total + new - unf
                total = self._followers[k]
        return self._followers[key]

    # -- people ---------------------------------------------------------------------------
    @cached_property
    def persons(self) -> list[SimPerson]:
        """People and every identifier they have (``model.person_ids``): the identity
        ground truth."""
        out = []
        oa_accounts = [a.account_id for a in self.accounts_of("wechat_oa")]
        for i in range(SCALES[self.scale].persons):

            def u(tag: str, i: int = i) -> float:
                return self._u("person", i, tag)

            ids: dict[str, str] = {}
            drawn = m.person_ids(i, u, lambda n, tag, i=i: self._hex(n, tag, i))
            for id_type, (has, value) in drawn.items():
                if has:
                    ids[id_type] = value
                if id_type == "wechat_unionid" and has:
                    for account in oa_accounts:
                        if self._u("person", i, "follows", account) < m.OA_FOLLOW_RATE:
                            ids[f"wechat_openid:{account}"] = m.openid(
                                lambda n, tag, i=i, a=account: self._hex(n, tag, i, a)
                            )
            out.append(SimPerson(m.person_id(i), ids))
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

    def comments_until(self, c: SimContent, day: date) -> list[dict[str, object]]:
        """Every comment on a content from its publishing to the end of ``day``."""
        return [x for d in days(c.publish_date, day) for x in self.comments_on(c, d)]

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
            x = m.comment(lambda tag, n=n: self._u(tag, c.content_id, day, n))
            person = authors[int(x["author"] * len(authors))]
            out.append(
                {
                    "comment_id": self._hex(8, "comment", c.content_id, day, n),
                    "user_id": person.ids[id_type],
                    "text": x["text"],
                    "created_at": datetime.combine(day, time(), SHANGHAI)
                    + timedelta(seconds=x["second"]),
                    "likes": x["likes"],
                }
            )
        return out

    # -- private domain and commerce ---------------------------------------------------------
    def _contact(self, p: SimPerson) -> dict[str, int | bool]:
        staff = len(self.accounts_of("wecom"))
        return m.contact(lambda tag: self._u(tag, p.person_id), staff)

    def wecom_contacts(self, staff: SimAccount) -> list[tuple[SimPerson, date]]:
        """The staff member's external contacts and the day each was added."""
        staff_ids = [a.account_id for a in self.accounts_of("wecom")]
        out = []
        for p in self.persons_with("wecom_external_userid"):
            x = self._contact(p)
            if staff_ids[int(x["staff"])] == staff.account_id:
                out.append((p, self.history_start + timedelta(days=int(x["added"]))))
        return out

    def wecom_remark_phones(self, p: SimPerson) -> list[str]:
        """The phone a staff member noted on the contact card, when they noted one."""
        phone = p.ids.get("phone")
        return [phone] if phone and self._contact(p)["noted"] else []

    def linking_records(self, start: date, end: date) -> list[tuple[str, dict[str, str]]]:
        """Ground truth of deterministic links: every record served for ``start``…``end``
        that names two or more identifiers of one person, as (person_id, {id_type: value}),
        phones and emails in clear. Comments name one identifier and link nothing.
        """
        out: list[tuple[str, dict[str, str]]] = []
        by_id = {p.person_id: p for p in self.persons}
        for day in days(start, end):
            for o in self.orders_on(day):
                person = by_id[str(o["person_id"])]
                if o["phone"] and o["phone"] == person.ids.get("phone"):
                    ids = {"douyin_open_id": str(o["buyer_id"]), "phone": str(o["phone"])}
                    out.append((person.person_id, ids))
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
            if self._u("orders", p.person_id, day) >= SCALES[self.scale].order_rate:
                continue
            x = m.order(lambda tag, p=p: self._u(tag, p.person_id, day))
            attributed, room = None, None
            if x["channel"] < m.ORDER_CONTENT_SHARE and douyin:
                account = douyin[int(x["account"] * len(douyin))]
                contents = self.contents_of(account, day)
                if contents:
                    attributed = contents[int(x["content"] * len(contents))].content_id
            elif x["channel"] < m.ORDER_ATTRIBUTED_SHARE:
                sessions = [s for s in self.live_sessions(day) if s["platform"] == "douyin"]
                room = str(sessions[0]["room_id"]) if sessions else None
            out.append(
                {
                    "order_id": str(x["order_id"]),
                    "shop_id": shop.account_id,
                    "buyer_id": p.ids["douyin_open_id"],
                    "phone": m.PLACEHOLDER_PHONE if x["placeholder_phone"] else p.ids.get("phone"),
                    "amount_fen": x["amount_fen"],
                    "paid_at": datetime.combine(day, time(), SHANGHAI)
                    + timedelta(seconds=x["paid_second"]),
                    "content_id": attributed,
                    "room_id": room,
                    "person_id": p.person_id,
                }
            )
        return out

    def live_sessions(self, day: date) -> list[dict[str, object]]:
        """Live sessions of the day on the platforms that stream (main accounts only)."""
        out = []
        for a in self.accounts:
            if a.platform not in LIVE_PLATFORMS or a.role != ROLES[0]:
                continue
            if self._u("live", a.account_id, day) >= m.LIVE_RATE:
                continue
            x = m.live_session(a.base_followers, lambda tag, a=a: self._u(tag, a.account_id, day))
            start = datetime.combine(day, time(19), SHANGHAI) + timedelta(minutes=x["start_minute"])
            out.append(
                {
                    "platform": a.platform,
                    "account_id": a.account_id,
                    "room_id": str(x["room_id"]),
                    "started_at": start,
                    "ended_at": start + timedelta(minutes=x["minutes"]),
                    **{k: x[k] for k in ("viewers", "peak_online", "new_followers", "orders")},
                    "gmv_fen": x["gmv_fen"],
                }
            )
        return out

    def ad_spend(self, day: date) -> list[dict[str, object]]:
        """Paid promotion per account and campaign (巨量引擎, 磁力引擎, B站花火, 聚光, 广点通)."""
        out = []
        for a in self.accounts:
            if self._u("ads_on", a.account_id, day) >= m.ADS_RATE:
                continue
            campaign = m.campaign_id(lambda tag, a=a: self._u(tag, a.account_id))
            out.append(
                {
                    "platform": a.platform,
                    "account_id": a.account_id,
                    "campaign_id": str(campaign),
                    "campaign_name": f"{a.account_name}-拉新计划",
                    **m.ad_day(lambda tag, a=a: self._u(tag, a.account_id, day)),
                }
            )
        return out

    def crm_members(self, day: date) -> list[tuple[SimPerson, date]]:
        """CRM members who had joined by ``day``, with their join date."""
        out = []
        for p in self.persons_with("crm_member_id"):
            joined = self.history_start + timedelta(days=int(self.member(p)["joined"]))
            if joined <= day:
                out.append((p, joined))
        return out

    def member(self, p: SimPerson) -> dict[str, object]:
        """A CRM member's join day (from history start), tier and points."""
        return m.member(lambda tag: self._u(tag, p.person_id))

    # -- ground truth ---------------------------------------------------------------------
    def truth(self, start: date, end: date) -> dict[str, pl.DataFrame]:
        """Every account, content and daily number of the window, in conformed names."""
        accounts, contents, content_daily, account_daily = [], [], [], []
        for a in self.accounts:
            key = {"platform": a.platform, "account_id": a.account_id}
            accounts.append({**key, "account_name": a.account_name, "role": a.role})
            account_daily += [
                {**key, "business_date": d, **self.account_day(a, d)} for d in days(start, end)
            ]
            for c in self.contents_of(a, end):
                key_c = {**key, "content_id": c.content_id}
                contents.append(
                    {
                        **key_c,
                        "form": c.form,
                        "publish_date": c.publish_date,
                        "duration_seconds": c.duration_seconds,
                    }
                )
                content_daily += [
                    {**key_c, "business_date": d, **self.content_day(c, d)}
                    for d in days(max(start, c.publish_date), end)
                ]
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
