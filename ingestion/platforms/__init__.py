"""The platform registry: every platform socialmart ingests, built from one table.

Orchestration builds its assets from ``PLATFORMS``; adding a platform means adding a
module under ``ingestion/platforms/`` and a line here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ingestion.errors import ConfigError
from ingestion.http import HttpPolicy
from ingestion.platforms import crm, live_ads, wechat_channels, xiaohongshu, zhihu
from ingestion.platforms.base import Source
from ingestion.platforms.bilibili import DEFAULT_BASE_URL as BILIBILI_URL
from ingestion.platforms.bilibili import BilibiliSource
from ingestion.platforms.douyin import DEFAULT_BASE_URL as DOUYIN_URL
from ingestion.platforms.douyin import DouyinSource
from ingestion.platforms.export_files import ExportSource
from ingestion.platforms.kuaishou import DEFAULT_BASE_URL as KUAISHOU_URL
from ingestion.platforms.kuaishou import KuaishouSource
from ingestion.platforms.shop import DEFAULT_BASE_URL as SHOP_URL
from ingestion.platforms.shop import ShopSource
from ingestion.platforms.wechat_oa import DEFAULT_BASE_URL as WECHAT_URL
from ingestion.platforms.wechat_oa import WechatOaSource
from ingestion.platforms.wecom import DEFAULT_BASE_URL as WECOM_URL
from ingestion.platforms.wecom import WecomSource
from ingestion.platforms.weibo import DEFAULT_BASE_URL as WEIBO_URL
from ingestion.platforms.weibo import WeiboSource
from ingestion.settings import Paths


@dataclass(frozen=True)
class PlatformInfo:
    key: str
    name: str
    entities: tuple[str, ...]
    delivery: str  # "api" or "export"
    default_base_url: str | None = None
    social: bool = True  # False for the private-domain and commerce sources


PLATFORMS: dict[str, PlatformInfo] = {
    "douyin": PlatformInfo("douyin", "抖音 Douyin", DouyinSource.entities, "api", DOUYIN_URL),
    "kuaishou": PlatformInfo(
        "kuaishou", "快手 Kuaishou", KuaishouSource.entities, "api", KUAISHOU_URL
    ),
    "bilibili": PlatformInfo(
        "bilibili", "B站 Bilibili", BilibiliSource.entities, "api", BILIBILI_URL
    ),
    "weibo": PlatformInfo("weibo", "微博 Weibo", WeiboSource.entities, "api", WEIBO_URL),
    "wechat_oa": PlatformInfo(
        "wechat_oa", "公众号 WeChat Official Account", WechatOaSource.entities, "api", WECHAT_URL
    ),
    "wechat_channels": PlatformInfo(
        "wechat_channels", "视频号 WeChat Channels", tuple(wechat_channels.KINDS), "export"
    ),
    "xiaohongshu": PlatformInfo(
        "xiaohongshu", "小红书 Xiaohongshu", tuple(xiaohongshu.KINDS), "export"
    ),
    "zhihu": PlatformInfo("zhihu", "知乎 Zhihu", tuple(zhihu.KINDS), "export"),
    "wecom": PlatformInfo(
        "wecom", "企业微信 WeCom", WecomSource.entities, "api", WECOM_URL, social=False
    ),
    "shop": PlatformInfo(
        "shop", "抖店 Douyin shop", ShopSource.entities, "api", SHOP_URL, social=False
    ),
    "crm": PlatformInfo("crm", "CRM 会员", tuple(crm.KINDS), "export", social=False),
    "live": PlatformInfo(
        "live", "直播场次 live sessions", tuple(live_ads.LIVE_KINDS), "export", social=False
    ),
    "ads": PlatformInfo(
        "ads", "广告投放 ad spend", tuple(live_ads.ADS_KINDS), "export", social=False
    ),
}
SOCIAL_PLATFORMS = tuple(k for k, info in PLATFORMS.items() if info.social)
EXPORT_KINDS = {
    "wechat_channels": wechat_channels.KINDS,
    "xiaohongshu": xiaohongshu.KINDS,
    "zhihu": zhihu.KINDS,
    "crm": crm.KINDS,
    "live": live_ads.LIVE_KINDS,
    "ads": live_ads.ADS_KINDS,
}


def base_url(key: str, environ: Mapping[str, str]) -> str:
    info = PLATFORMS[key]
    return environ.get(f"SOCIALMART_{key.upper()}_BASE_URL") or info.default_base_url or ""


def http_policy(key: str, environ: Mapping[str, str]) -> HttpPolicy:
    """Per-platform limits from ``SOCIALMART_<P>_RATE_LIMIT`` (requests/s),
    ``_CONCURRENCY`` (requests in flight) and ``_TIMEOUT`` (seconds)."""
    prefix = f"SOCIALMART_{key.upper()}_"
    default = HttpPolicy()
    settings = {
        "RATE_LIMIT": ("requests_per_second", float),
        "CONCURRENCY": ("concurrency", int),
        "TIMEOUT": ("timeout_seconds", float),
    }
    values = {}
    for suffix, (field, kind) in settings.items():
        raw = environ.get(prefix + suffix)
        try:
            values[field] = kind(raw) if raw else getattr(default, field)
        except ValueError as exc:
            raise ConfigError(f"{prefix}{suffix}={raw!r} is not a number") from exc
    return HttpPolicy(**values)


def build_source(key: str, paths: Paths, environ: Mapping[str, str]) -> Source:
    if key == "douyin":
        return DouyinSource(base_url(key, environ), environ, policy=http_policy(key, environ))
    if key == "bilibili":
        return BilibiliSource(base_url(key, environ), environ, policy=http_policy(key, environ))
    if key == "kuaishou":
        return KuaishouSource(base_url(key, environ), environ, policy=http_policy(key, environ))
    if key == "weibo":
        return WeiboSource(base_url(key, environ), environ, policy=http_policy(key, environ))
    if key == "wecom":
        return WecomSource(base_url(key, environ), environ, policy=http_policy(key, environ))
    if key == "shop":
        return ShopSource(base_url(key, environ), environ, policy=http_policy(key, environ))
    if key == "wechat_oa":
        return WechatOaSource(base_url(key, environ), environ, policy=http_policy(key, environ))
    if key in EXPORT_KINDS:
        return ExportSource(key, EXPORT_KINDS[key], paths.inbox)
    raise KeyError(f"unknown platform {key!r}; known: {sorted(PLATFORMS)}")
