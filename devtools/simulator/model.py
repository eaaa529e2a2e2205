"""The simulated world, described once: its scales, parameters and formulas.

``World`` (per key, for the HTTP simulator and the tests' ground truth) and the scale
generator (set-wise in DuckDB, for the benchmark) both evaluate these. A formula takes
``u``, the uniform draws of the key it describes (``u("views")`` is in [0, 1)), and numbers
that are Python values or SQL columns (``expr``), so the arithmetic here is the only copy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from devtools.simulator.expr import (
    Draw,
    HexId,
    Num,
    by_key,
    choose,
    concat,
    exp,
    greatest,
    is_in,
    item,
    least,
    left,
    trunc,
    when_present,
    zero_padded,
)
from ingestion.platforms import PLATFORMS as TABLE

# The social platforms of the platform table, by delivery.
API_PLATFORMS = tuple(k for k, p in TABLE.items() if p.social and p.delivery == "api")
EXPORT_PLATFORMS = tuple(k for k, p in TABLE.items() if p.social and p.delivery == "export")
PLATFORMS = API_PLATFORMS + EXPORT_PLATFORMS
VIDEO_FORMS = ("short_video", "long_video", "video_note")
LIVE_PLATFORMS = ("douyin", "kuaishou", "bilibili", "wechat_channels")
# The identifier type of a platform's commenting user ids (the platform table's).
USER_ID_TYPE = {k: p.user_id_type for k, p in TABLE.items() if p.social and p.user_id_type}
ROLES = ("主号", "辅助号", "知识号")
ACCOUNT_NAMES = ("官方", "小助手", "研究所")


@dataclass(frozen=True)
class Scale:
    """A world's size. ``World`` reads the first three and ``audience``; the rest are the
    scale generator's, which cannot replay a year of a large matrix day by day."""

    name: str
    accounts_per_platform: int
    publish_probability: float  # per account, day and posting slot
    persons: int
    days: int  # history length the benchmark builds
    posts_per_day: int = 1  # posting slots per account and day
    tracked_days: int = 30  # a content is listed and reported this long (Douyin's window)
    audience: float = 1.0  # multiplier of the platforms' typical peak views
    order_rate: float = 0.05  # orders per Douyin user and day
    oa_follow_slots: int | None = None  # None: every Official Account, each OA_FOLLOW_RATE

    @property
    def accounts(self) -> int:
        return self.accounts_per_platform * len(PLATFORMS)


SCALES = {
    "tiny": Scale("tiny", 2, 0.3, 50, days=5),
    "small": Scale("small", 3, 0.35, 300, days=14),
    "medium": Scale("medium", 25, 0.5, 20_000, days=60),
    # 8 × 250 accounts × 365 days: ~2M contents, ~60M content-days, ~10M identifiers
    "large": Scale(
        "large", 250, 0.913, 3_000_000, 365, 3, audience=0.1, order_rate=0.005, oa_follow_slots=2
    ),
}


@dataclass(frozen=True)
class Profile:
    """A platform's character: typical peak views of a new content, interaction rates per
    view, video length range in seconds (0, 0: no videos)."""

    peak: int
    like: float
    comment: float
    share: float
    save: float
    dur_lo: int
    dur_hi: int


PROFILE = {
    "douyin": Profile(4000, 0.06, 0.004, 0.003, 0.0, 15, 90),
    "kuaishou": Profile(3000, 0.05, 0.004, 0.002, 0.0, 10, 120),
    "bilibili": Profile(2500, 0.05, 0.003, 0.002, 0.02, 180, 1200),
    "weibo": Profile(2000, 0.02, 0.003, 0.004, 0.0, 0, 0),
    "wechat_oa": Profile(1200, 0.03, 0.002, 0.02, 0.01, 0, 0),
    "wechat_channels": Profile(2500, 0.04, 0.003, 0.01, 0.0, 15, 180),
    "xiaohongshu": Profile(1500, 0.07, 0.006, 0.004, 0.03, 20, 120),
    "zhihu": Profile(800, 0.04, 0.005, 0.003, 0.02, 0, 0),
}
# A form per platform, or (share of the first, first, second) where a platform has two.
FORMS: dict[str, str | tuple[float, str, str]] = {
    "douyin": "short_video",
    "kuaishou": "short_video",
    "bilibili": "long_video",
    "weibo": "post",
    "wechat_oa": "article",
    "wechat_channels": "short_video",
    "xiaohongshu": (0.45, "video_note", "image_note"),
    "zhihu": (0.6, "answer", "article"),
}
# Topic words of titles, one per content: brand story, tutorial, review, new product, offer,
# live preview (the seed content_taxonomy maps them to categories and funnel stages).
TOPICS = ("品牌故事", "使用教程", "真实测评", "新品发布", "限时优惠", "直播预告", "会员福利")
AD_LABEL, AD_RATE = "【广告】", 0.1
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
CRM_TIERS = ("普通", "银卡", "金卡")
DECAY = 0.62  # a content's daily views shrink by this factor a day
OA_FOLLOW_RATE = 0.5  # a WeChat user follows each Official Account with this chance
WECOM_ADDED_SPAN, CRM_JOINED_SPAN = 120, 150  # days over which contacts and members arrive
LIVE_RATE, ADS_RATE = 0.4, 0.5  # chance of a live session / of paid promotion on a day
ORDER_CONTENT_SHARE, ORDER_ATTRIBUTED_SHARE = 0.7, 0.9  # sold by a content; + by a live room
STRING_PLAY_RATE = 0.2  # Douyin's daily data gives some play counts as strings


# -- accounts ---------------------------------------------------------------------------------
def base_followers(u: Draw) -> Num:
    return trunc(5_000 + 200_000 * u("followers") ** 2)


def account_name(platform: str, i: int) -> str:
    return f"{platform}-品牌{ACCOUNT_NAMES[i % 3]}{i + 1}"


def follower_flows(base: Num, u: Draw) -> tuple[Num, Num]:
    """New followers and unfollows of one account on one day."""
    new = trunc(base * 0.004 * (0.4 + 1.2 * u("new")))
    return new, trunc(new * 0.35 * u("unf"))


# -- contents ---------------------------------------------------------------------------------
def content_id(platform: str, hexid: HexId, number: Callable[[int, float], Num], slot: Num) -> Num:
    """A content's id in the platform's own form. ``number(base, span)`` is a number from
    ``base`` (the world draws one within ``span``; the scale generator numbers contents, so
    that millions of them never collide); ``slot`` is the content's posting slot of the day
    (an Official Account article's index in its mass send)."""
    ids: dict[str, Callable[[], Num]] = {
        "douyin": lambda: concat("@", hexid(18, "item")),
        "kuaishou": lambda: concat(number(5_200_000_000_000_000, 1e15)),
        "bilibili": lambda: concat("BV1", left(hexid(5, "bvid"), 9)),
        "weibo": lambda: concat(number(4_950_000_000_000_000, 1e14)),
        "wechat_oa": lambda: concat(number(2_247_483_000, 1e6), "_", slot + 1),
        "wechat_channels": lambda: concat("export/", hexid(16, "feed")),
        "xiaohongshu": lambda: hexid(12, "note"),
        "zhihu": lambda: concat(number(100_000_000, 1e9)),
    }
    return ids[platform]()


def content_form(platform: Num, u: Draw) -> Num:
    def form(p: str) -> Num:
        f = FORMS[p]
        return f if isinstance(f, str) else choose(u("form") < f[0], f[1], f[2])

    return by_key(platform, PLATFORMS, form)


def title(account: Num, issue: Num, u: Draw) -> Num:
    """A title with a topic word (the mart's taxonomy reads it) and, on some, an ad label."""
    topic = item(TOPICS, trunc(u("topic") * len(TOPICS)))
    ad = choose(u("ad") < AD_RATE, AD_LABEL, "")
    return concat(ad, account, "｜", topic, " 第", issue, "期")


def published_second(u: Draw) -> Num:
    """Seconds after local midnight of the publish day."""
    return trunc(u("publish_time") * 86_400)


def duration_seconds(platform: Num, form: Num, u: Draw) -> Num:
    def seconds(p: str) -> Num:
        lo, hi = PROFILE[p].dur_lo, PROFILE[p].dur_hi
        return trunc(lo + (hi - lo) * u("dur"))

    return choose(is_in(form, VIDEO_FORMS), by_key(platform, PLATFORMS, seconds), None)


def peak_views(platform: Num, u: Draw, audience: float = 1.0) -> Num:
    """Heavy tail: most contents near the platform's typical peak, a few hits 20-50x."""
    peak = by_key(platform, PLATFORMS, lambda p: PROFILE[p].peak)
    return trunc(peak * audience * (0.3 + least(1 / greatest(1 - u("peak"), 1e-3) ** 0.9, 60)))


def content_views(peak: Num, age: Num, u: Draw) -> Num:
    """Views on the ``age``-th day after publishing (0: the publish day)."""
    return trunc(peak * DECAY**age * (0.75 + 0.5 * u("v")))


CONTENT_METRICS = ("impressions", "views", "likes", "comments", "shares", "saves", "coins")
CONTENT_METRICS += ("danmaku", "completions", "watch_seconds", "follows")


def content_metrics(platform: Num, views: Num, duration: Num, u: Draw) -> dict[str, Num]:
    """The day's other numbers of a content with ``views`` views."""

    def rate(field: str) -> Num:
        return by_key(platform, PLATFORMS, lambda p: getattr(PROFILE[p], field))

    is_bili = is_in(platform, ("bilibili",))
    completion = when_present(duration, lambda d: 0.55 * exp(-d / 400) + 0.1, 0.0)
    watch_per_view = when_present(duration, lambda d: d, 30)
    return {
        "impressions": trunc(views * (4 + 6 * u("imp"))),
        "views": views,
        "likes": trunc(views * rate("like") * (0.6 + 0.8 * u("l"))),
        "comments": trunc(views * rate("comment") * (0.5 + u("c"))),
        "shares": trunc(views * rate("share") * (0.5 + u("s"))),
        "saves": trunc(views * rate("save") * (0.5 + u("f"))),
        "coins": choose(is_bili, trunc(views * 0.01 * (0.5 + u("coin"))), 0),
        "danmaku": choose(is_bili, trunc(views * 0.008 * (0.5 + u("dm"))), 0),
        "completions": trunc(views * completion * (0.8 + 0.4 * u("done"))),
        "watch_seconds": trunc(views * watch_per_view * (0.25 + 0.3 * u("w"))),
        "follows": trunc(views * 0.002 * (0.5 + u("fo"))),
    }


# Numbers some reports derive from a content's day (the platforms publish no formula).
def channels_recommends(likes: Num) -> Num:
    """视频号's 推荐 (recommendations) beside its likes."""
    return likes // 3


def zhihu_favourites(likes: Num) -> Num:
    """知乎's 喜欢 beside its 赞同 (upvotes)."""
    return likes // 4


def zhihu_question(answer_id: Num) -> Num:
    """The question an answer's link names (/question/<q>/answer/<id>)."""
    return answer_id // 97


def oa_readers(views: Num, shares: Num) -> tuple[Num, Num]:
    """Official Account articles: distinct readers and sharers of the day's reads, shares."""
    return trunc(views * 0.8), trunc(shares * 0.9)


# -- people -----------------------------------------------------------------------------------
def person_ids(i: Num, u: Draw, hexid: HexId) -> dict[str, tuple[Num, Num]]:
    """A person's identifiers but the per-Official-Account openids: ``{id_type: (has it,
    value)}``. Platform ids come from the platforms they use; WeChat users have a unionid
    (and an openid per OA they follow, ``openid``); some are WeCom contacts, some shoppers
    with a phone, some CRM members (with phone and sometimes email)."""
    wechat, phone = u("wechat") < 0.7, u("phone") < 0.6
    crm = phone & (u("crm") < 0.35)
    return {
        "douyin_open_id": (u("douyin") < 0.6, concat("_000", hexid(14, "fan_open_id"))),
        "kuaishou_user_id": (u("kuaishou") < 0.4, concat(1_000_000_000 + trunc(u("ks_id") * 8e9))),
        "bilibili_mid": (u("bilibili") < 0.4, concat(100_000_000 + trunc(u("mid") * 9e8))),
        "weibo_uid": (u("weibo") < 0.4, concat(6_000_000_000 + trunc(u("uid") * 1e9))),
        "xiaohongshu_user_id": (u("xiaohongshu") < 0.5, hexid(12, "xhs_fan")),
        "zhihu_user_id": (u("zhihu") < 0.3, hexid(16, "zhihu_fan")),
        "wechat_unionid": (wechat, concat("o6_bm", hexid(12, "unionid"))),
        "wecom_external_userid": (
            wechat & (u("wecom") < 0.3),
            concat("wmqfasd", hexid(10, "external")),
        ),
        "phone": (
            phone,
            concat("1", 3 + trunc(u("p0") * 6), zero_padded(trunc(u("p1") * 1e9), 9)),
        ),
        "crm_member_id": (crm, concat("M", zero_padded(i, 8))),
        "email": (crm & (u("email") < 0.5), concat("fan", i, "@example.com")),
    }


def person_id(i: Num) -> Num:
    return concat("P", zero_padded(i, 7))


def openid(hexid: HexId) -> Num:
    """A WeChat user's openid under one Official Account (``hexid`` keyed by both)."""
    return concat("oLVP", hexid(12, "openid"))


def subscribe_time(u: Draw) -> Num:
    return 1_700_000_000 + trunc(u("sub") * 6e7)


def comment(u: Draw) -> dict[str, Num]:
    """One comment: which text, when (seconds into the day), and its likes; ``author`` is
    the share of the platform's commenting users to skip to its author."""
    negative = u("tone") < 0.08
    crisis = u("crisis") < 0.05
    index = choose(negative, choose(crisis, 6, 1), trunc(u("txt") * 3) * 2 % 6)
    return {
        "text": item(COMMENT_TEXTS, index),
        "second": trunc(u("at") * 86_400),
        "likes": trunc(u("clikes") * 20),
        "author": u("author"),
    }


def contact(u: Draw, staff: int, span: int = WECOM_ADDED_SPAN) -> dict[str, Num]:
    """A WeCom contact: the staff member's index, the day added (from history start) and
    whether the staff member noted the person's phone."""
    return {
        "staff": trunc(u("owner") * staff),
        "added": trunc(u("added") * span) - 60,
        "noted": u("remark") < 0.7,
    }


def member(u: Draw, span: int = CRM_JOINED_SPAN) -> dict[str, Num]:
    """A CRM member: the day joined (from history start), tier and points."""
    return {
        "joined": trunc(u("join") * span) - 90,
        "tier": item(CRM_TIERS, trunc(u("tier") * 3)),
        "points": trunc(u("points") * 5000),
    }


# -- commerce ---------------------------------------------------------------------------------
def order(u: Draw) -> dict[str, Num]:
    """A paid order: amount, what sold it (``channel`` against the ORDER_ shares), which
    Douyin account and which of its listed contents (shares to skip), the phone typed."""
    return {
        "order_id": 6_900_000_000_000_000_000 + trunc(u("oid") * 1e17),
        "amount_fen": trunc(2_990 + u("amount") * 57_000),
        "channel": u("channel"),
        "account": u("acct"),
        "content": u("pick"),
        "placeholder_phone": u("order_phone") < 0.05,
        "paid_second": trunc(u("paid") * 86_400),
    }


def live_session(base: Num, u: Draw) -> dict[str, Num]:
    """A live session of an account with ``base`` followers (it starts at 19:00 + start)."""
    viewers = trunc(base * (0.05 + 0.2 * u("viewers")))
    orders = trunc(viewers * 0.01 * (0.5 + u("live_orders")))
    return {
        "room_id": 7_300_000_000_000_000_000 + trunc(u("room") * 1e15),
        "start_minute": trunc(u("live_start") * 90),
        "minutes": 60 + trunc(u("len") * 120),
        "viewers": viewers,
        "peak_online": trunc(viewers * 0.08),
        "new_followers": trunc(viewers * 0.004),
        "orders": orders,
        "gmv_fen": orders * trunc(5_000 + u("aov") * 20_000),
    }


def ad_day(u: Draw) -> dict[str, Num]:
    """A day of paid promotion of one account."""
    impressions = trunc(20_000 + u("ad_imp") * 200_000)
    clicks = trunc(impressions * (0.005 + 0.02 * u("ctr")))
    return {
        "spend_fen": trunc(clicks * (40 + 160 * u("cpc"))),
        "impressions": impressions,
        "clicks": clicks,
        "conversions": trunc(clicks * 0.05 * u("cvr")),
    }


def campaign_id(u: Draw) -> Num:
    return 1_780_000_000_000_000 + trunc(u("cid") * 1e12)
