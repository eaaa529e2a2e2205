"""The platform table: every fact about each source socialmart ingests, declared once.

A platform's entry says its key, its names (Chinese and English, and the short names
exports and people use), how it is delivered (an API client or export files), whether it
is a social platform or a data source, its entities, how its content and follower numbers
map onto the conformed columns (``metrics``), which dbt models feed the conformed unions
(``feeds``), how its users' ids are typed, and, for an export platform, each export
table's layout. Python reads ``PLATFORMS`` directly (ingestion, the account registry, the
simulator, tests); dbt gets it generated (``ingestion.platforms.dbt_inputs``: the seeds
``platforms`` and ``platform_metric_mapping``, the macro ``platform_table()`` its models
loop over, the sources of the export platforms).

Adding a platform: its client module under ``ingestion/platforms/`` (or, for an export
platform, its export layouts), one entry here, ``make platforms``, and for an API platform
its staging folder.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from ingestion.errors import Problem, ProblemsError
from ingestion.http import HttpPolicy
from ingestion.platforms import (
    bilibili,
    crm,
    douyin,
    kuaishou,
    live_ads,
    shop,
    wechat_channels,
    wechat_oa,
    wecom,
    weibo,
    xiaohongshu,
    zhihu,
)
from ingestion.platforms.base import ApiSource, Source
from ingestion.platforms.export_files import SNAPSHOTS, ExportKind, ExportSource
from ingestion.settings import Paths

# The conformed per-content daily columns, then the per-account daily ones.
CONTENT_COLUMNS = (
    "impressions",
    "views",
    "likes",
    "comments",
    "shares",
    "saves",
    "coins",
    "danmaku",
    "completed_views",
    "avg_watch_seconds",
    "follows_gained",
)
FOLLOWER_COLUMNS = ("followers_total", "new_followers", "unfollows")
SNAPSHOTS_MODEL = "int_snapshots__content_daily"  # days from lifetime totals, every platform
EXPORTS_MODEL = {
    "content_daily": "stg_exports__content_daily",
    SNAPSHOTS: "stg_exports__content_snapshots",  # cumulative lists, differenced by day
    "account_daily": "stg_exports__account_daily",
}
# A cumulative list's average watch time is differenced as total watch seconds (views ×
# average) and divided by the day's views.
SNAPSHOT_AVERAGE = "watch_seconds / nullif(views, 0)"


@dataclass(frozen=True)
class Metric:
    """One source field mapped onto a conformed column (a row of platform_metric_mapping)."""

    entity: str
    field: str
    column: str
    how: str
    sql: str = ""  # the conformed value in the feed model's columns, when not the column itself


@dataclass(frozen=True)
class Feeds:
    """The dbt models that give an API platform's rows to the conformed unions (export
    platforms share the generic export staging models)."""

    contents: str  # one row per content (or per content and day: the latest day is kept)
    content_daily: str
    followers: str
    comments: str = ""
    # content_daily holds lifetime totals (<metric>_total), snapshots of each morning: a
    # day's numbers are the difference of two (int_snapshots__content_daily)
    lifetime_totals: bool = False


@dataclass(frozen=True)
class PlatformInfo:
    key: str
    name_zh: str  # as dim_platform shows it
    name_en: str
    api: type[ApiSource] | None = None  # the client of an API platform …
    default_base_url: str | None = None
    exports: dict[str, ExportKind] | None = None  # … or the export tables of a file one
    social: bool = True  # False for the private-domain and commerce sources
    short_zh: str = ""  # the name exports (平台) and people use, when not name_zh
    aliases: tuple[str, ...] = ()  # other names of it in exports
    listed: bool = True  # a row of dim_platform; False for reports about other platforms
    metrics: tuple[Metric, ...] = ()  # API platforms; export layouts give their own
    feeds: Feeds | None = None
    user_id_type: str = ""  # the identifier type of its users' ids (commenters, members)
    user_ids_per_account: bool = False  # an id is unique within one account only
    # 抖店 下单端 (b_type) codes of orders placed in this platform's app: their sku
    # video_id / room_id are this platform's content / live room (docs/sources
    # douyin_shop_kuaishou.md B.2)
    shop_b_types: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The label messages and descriptions use: "抖音 Douyin"."""
        return f"{self.short_zh or self.name_zh} {self.name_en}"

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the platform goes by (exports' 平台 column, people)."""
        found = (self.name_zh, self.short_zh, *self.aliases)
        return tuple(dict.fromkeys(n for n in found if n))

    @property
    def delivery(self) -> str:
        return "api" if self.api else "export"

    @property
    def entities(self) -> tuple[str, ...]:
        return tuple(self.api.schemas) if self.api else tuple(self.exports or {})

    @property
    def lookback_days(self) -> int:
        """Days before a daily run's day it fetches again (an export covers what it covers)."""
        return self.api.lookback_days if self.api else 0

    def layouts(self) -> dict[str, tuple[str, ExportKind]]:
        """Grain → (entity, kind) of the export tables with a layout."""
        return {
            kind.layout.grain: (entity, kind)
            for entity, kind in (self.exports or {}).items()
            if kind.layout is not None
        }

    def metric_mapping(self) -> tuple[Metric, ...]:
        """The platform's rows of platform_metric_mapping: declared, or read off its export
        layouts."""
        if self.metrics:
            return self.metrics
        rows = []
        for entity, kind in self.layouts().values():
            layout = kind.layout
            assert layout is not None
            if layout.grain == SNAPSHOTS:
                rows += _snapshot_metrics(entity, layout.columns)
                continue
            for column, header in layout.columns.items():
                if column == "completion_rate":
                    views = layout.columns["views"]
                    how = f"round({views} × {header})"
                    rows.append(
                        Metric(
                            entity, header, "completed_views", how, "round(views * completion_rate)"
                        )
                    )
                elif column == "avg_watch_seconds":
                    rows.append(Metric(entity, header, column, "seconds"))
                elif column == "followers_total":
                    rows.append(Metric(entity, header, column, "end of day"))
                else:
                    rows.append(Metric(entity, header, column, "daily value"))
        return tuple(rows)

    def conformed_feeds(self) -> Feeds | None:
        """The models that feed the conformed unions: declared, or the generic export ones."""
        if self.feeds or not self.social:
            return self.feeds
        layouts = self.layouts()
        content = next((g for g in ("content_daily", SNAPSHOTS) if g in layouts), None)
        if content is None or set(layouts) != {content, "account_daily"}:
            return None
        return Feeds(
            contents=EXPORTS_MODEL[content],
            content_daily=EXPORTS_MODEL[content],
            followers=EXPORTS_MODEL["account_daily"],
            lifetime_totals=content == SNAPSHOTS,
        )


def _metrics(entity: str, how: str, **fields: str) -> tuple[Metric, ...]:
    """Rows of platform_metric_mapping: conformed column=source field, all read one way."""
    return tuple(Metric(entity, field, column, how) for column, field in fields.items())


DAILY = "daily value"
DIFFERENCE = "difference of lifetime totals"
MORNING_AFTER = "snapshot the morning after"


def _snapshot_metrics(entity: str, columns: Mapping[str, str]) -> list[Metric]:
    """The metric mapping of a cumulative list: every column a difference of two days'."""
    rows = []
    for column, header in columns.items():
        if column == "completion_rate":
            how = f"{DIFFERENCE}: round({columns['views']} × {header})"
            rows.append(Metric(entity, header, "completed_views", how))
        elif column == "avg_watch_seconds":
            how = f"{DIFFERENCE}: {columns['views']} × {header}, over the day's views"
            rows.append(Metric(entity, header, column, how, SNAPSHOT_AVERAGE))
        else:
            rows.append(Metric(entity, header, column, DIFFERENCE))
    return rows


PLATFORMS: dict[str, PlatformInfo] = {
    info.key: info
    for info in (
        PlatformInfo(
            "douyin",
            "抖音",
            "Douyin",
            douyin.DouyinSource,
            douyin.DEFAULT_BASE_URL,
            metrics=_metrics(
                "video_daily",
                DAILY,
                views="play",
                likes="like",
                comments="comment",
                shares="share",
            )
            # the base endpoint's 30-day average as of the fetch (douyin_shop_kuaishou.md A.4)
            + _metrics("video_daily", "seconds", avg_watch_seconds="base.avg_play_duration")
            + _metrics("fans_daily", "end of day", followers_total="total_fans")
            + _metrics("fans_daily", DAILY, new_followers="new_fans"),
            feeds=Feeds(
                "stg_douyin__videos",
                "stg_douyin__video_daily",
                "stg_douyin__fans_daily",
                "stg_douyin__comments",
            ),
            user_id_type="douyin_open_id",
            shop_b_types=("2", "11"),  # 抖音, 抖音极速版
        ),
        PlatformInfo(
            "kuaishou",
            "快手",
            "Kuaishou",
            kuaishou.KuaishouSource,
            kuaishou.DEFAULT_BASE_URL,
            metrics=_metrics(
                "photos",
                DIFFERENCE,
                views="view_count",
                likes="like_count",
                comments="comment_count",
            )
            + _metrics("user_info", MORNING_AFTER, followers_total="fan"),
            feeds=Feeds(
                "stg_kuaishou__photos",
                "stg_kuaishou__photo_stat",
                "stg_kuaishou__user_info",
                lifetime_totals=True,
            ),
            user_id_type="kuaishou_user_id",
        ),
        PlatformInfo(
            "bilibili",
            "哔哩哔哩",
            "Bilibili",
            bilibili.BilibiliSource,
            bilibili.DEFAULT_BASE_URL,
            short_zh="B站",
            metrics=_metrics(
                "arc_stat",
                DIFFERENCE,
                views="view",
                likes="like",
                comments="reply",
                shares="share",
                saves="favorite",
            )
            + _metrics(
                "arc_stat",
                f"{DIFFERENCE} (kept beside engagement)",
                coins="coin",
                danmaku="danmaku",
            )
            + _metrics("user_stat", MORNING_AFTER, followers_total="follower"),
            feeds=Feeds(
                "stg_bilibili__archives",
                "stg_bilibili__arc_stat",
                "stg_bilibili__user_stat",
                lifetime_totals=True,
            ),
            user_id_type="bilibili_mid",
        ),
        PlatformInfo(
            "weibo",
            "微博",
            "Weibo",
            weibo.WeiboSource,
            weibo.DEFAULT_BASE_URL,
            metrics=_metrics(
                "statuses",
                DIFFERENCE,
                likes="attitudes_count",
                comments="comments_count",
                shares="reposts_count",
            )
            + _metrics("user", MORNING_AFTER, followers_total="followers_count"),
            feeds=Feeds(
                "stg_weibo__statuses",
                "stg_weibo__status_stat",
                "stg_weibo__user",
                "stg_weibo__comments",
                lifetime_totals=True,
            ),
            user_id_type="weibo_uid",
        ),
        PlatformInfo(
            "wechat_oa",
            "微信公众号",
            "WeChat Official Account",
            wechat_oa.WechatOaSource,
            wechat_oa.DEFAULT_BASE_URL,
            short_zh="公众号",
            metrics=_metrics(
                "article_daily",
                DAILY,
                views="int_page_read_count",
                shares="share_count",
                saves="add_to_fav_count",
            )
            + _metrics("comments", "count of the day's comments", comments="user_comment_id")
            + _metrics("user_cumulate", "end of day", followers_total="cumulate_user")
            + _metrics(
                "user_summary",
                "sum over user_source",
                new_followers="new_user",
                unfollows="cancel_user",
            ),
            feeds=Feeds(
                "stg_wechat_oa__article_daily",
                "int_wechat_oa__article_daily",
                "stg_wechat_oa__user_daily",
                "stg_wechat_oa__comments",
            ),
            user_id_type="wechat_openid",
            user_ids_per_account=True,  # an openid is unique within one Official Account
        ),
        PlatformInfo(
            "wechat_channels",
            "微信视频号",
            "WeChat Channels",
            exports=wechat_channels.KINDS,
            short_zh="视频号",
        ),
        PlatformInfo(
            "xiaohongshu",
            "小红书",
            "Xiaohongshu",
            exports=xiaohongshu.KINDS,
            user_id_type="xiaohongshu_user_id",
        ),
        PlatformInfo("zhihu", "知乎", "Zhihu", exports=zhihu.KINDS, user_id_type="zhihu_user_id"),
        PlatformInfo(
            "wecom",
            "企业微信",
            "WeCom",
            wecom.WecomSource,
            wecom.DEFAULT_BASE_URL,
            social=False,
            user_id_type="wecom_external_userid",
        ),
        PlatformInfo(
            "shop", "抖店", "Douyin shop", shop.ShopSource, shop.DEFAULT_BASE_URL, social=False
        ),
        PlatformInfo(
            "crm",
            "会员CRM",
            "CRM",
            exports=crm.KINDS,
            social=False,
            short_zh="会员",
            user_id_type="crm_member_id",
        ),
        # Reports about the social platforms (each row names its 平台): not platforms.
        PlatformInfo(
            "live",
            "直播场次",
            "live sessions",
            exports=live_ads.LIVE_KINDS,
            social=False,
            listed=False,
        ),
        PlatformInfo(
            "ads",
            "广告投放",
            "ad spend",
            exports=live_ads.ADS_KINDS,
            social=False,
            listed=False,
        ),
    )
}


def social_platforms() -> tuple[str, ...]:
    return tuple(k for k, info in PLATFORMS.items() if info.social)


def source_keys() -> tuple[str, ...]:
    """The data sources: their registry rows name a feed, not a social account (no role)."""
    return tuple(k for k, info in PLATFORMS.items() if not info.social)


SOCIAL_PLATFORMS = social_platforms()
EXPORT_KINDS = {k: info.exports for k, info in PLATFORMS.items() if info.exports}


def base_url(key: str, environ: Mapping[str, str]) -> str:
    info = PLATFORMS[key]
    return environ.get(f"SOCIALMART_{key.upper()}_BASE_URL") or info.default_base_url or ""


def http_policy(key: str, environ: Mapping[str, str]) -> HttpPolicy:
    """Per-platform limits from ``SOCIALMART_<P>_RATE_LIMIT`` (requests/s, 0: no limit),
    ``_CONCURRENCY`` (requests in flight), ``_TIMEOUT`` (seconds) and ``_BACKOFF`` (the
    seconds a first retry waits at most; each later one doubles it)."""
    policy, problems = read_http_policy(key, environ)
    if problems:
        raise ProblemsError(problems)
    return policy


# setting suffix → (HttpPolicy field, type, smallest value allowed, what it means)
POLICY_SETTINGS: dict[str, tuple[str, type[int] | type[float], float, str]] = {
    "RATE_LIMIT": ("requests_per_second", float, 0, "requests per second, 0 for no limit"),
    "CONCURRENCY": ("concurrency", int, 1, "requests in flight, a whole number from 1"),
    "TIMEOUT": ("timeout_seconds", float, 0.001, "seconds per request, more than 0"),
    "BACKOFF": ("backoff_seconds", float, 0, "seconds a first retry waits at most, 0 or more"),
}


def read_http_policy(key: str, environ: Mapping[str, str]) -> tuple[HttpPolicy, list[Problem]]:
    """The policy a platform's settings give, and a Problem for each setting that is not a
    number in its range (the default is used in its place)."""
    default = HttpPolicy()
    values: dict[str, float | int] = {}
    problems = []
    for suffix, (field, kind, least, meaning) in POLICY_SETTINGS.items():
        name = f"SOCIALMART_{key.upper()}_{suffix}"
        raw = (environ.get(name) or "").strip()
        if not raw:
            continue
        try:
            value = kind(raw)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or value < least:
            problems.append(Problem(f"{raw!r} is not valid: {meaning}", field=name))
        else:
            values[field] = value
    return replace(default, **values), problems


def build_source(key: str, paths: Paths, environ: Mapping[str, str]) -> Source:
    info = PLATFORMS.get(key)
    if info is None:
        raise KeyError(f"unknown platform {key!r}; known: {sorted(PLATFORMS)}")
    if info.api is not None:
        return info.api(
            base_url(key, environ), environ, policy=http_policy(key, environ), paths=paths
        )
    return ExportSource(key, info.exports or {}, paths.inbox)
