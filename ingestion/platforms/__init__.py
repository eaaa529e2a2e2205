"""The platform registry: every source socialmart ingests, in one table.

Orchestration builds its assets from ``PLATFORMS``; adding a platform means adding a
module under ``ingestion/platforms/`` and a line here.
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
from ingestion.platforms.export_files import ExportKind, ExportSource
from ingestion.settings import Paths


@dataclass(frozen=True)
class PlatformInfo:
    key: str
    name: str
    api: type[ApiSource] | None = None  # the client of an API platform …
    default_base_url: str | None = None
    exports: dict[str, ExportKind] | None = None  # … or the export tables of a file one
    social: bool = True  # False for the private-domain and commerce sources

    @property
    def delivery(self) -> str:
        return "api" if self.api else "export"

    @property
    def entities(self) -> tuple[str, ...]:
        return tuple(self.api.schemas) if self.api else tuple(self.exports or {})


PLATFORMS: dict[str, PlatformInfo] = {
    info.key: info
    for info in (
        PlatformInfo("douyin", "抖音 Douyin", douyin.DouyinSource, douyin.DEFAULT_BASE_URL),
        PlatformInfo(
            "kuaishou", "快手 Kuaishou", kuaishou.KuaishouSource, kuaishou.DEFAULT_BASE_URL
        ),
        PlatformInfo(
            "bilibili", "B站 Bilibili", bilibili.BilibiliSource, bilibili.DEFAULT_BASE_URL
        ),
        PlatformInfo("weibo", "微博 Weibo", weibo.WeiboSource, weibo.DEFAULT_BASE_URL),
        PlatformInfo(
            "wechat_oa",
            "公众号 WeChat Official Account",
            wechat_oa.WechatOaSource,
            wechat_oa.DEFAULT_BASE_URL,
        ),
        PlatformInfo("wechat_channels", "视频号 WeChat Channels", exports=wechat_channels.KINDS),
        PlatformInfo("xiaohongshu", "小红书 Xiaohongshu", exports=xiaohongshu.KINDS),
        PlatformInfo("zhihu", "知乎 Zhihu", exports=zhihu.KINDS),
        PlatformInfo(
            "wecom", "企业微信 WeCom", wecom.WecomSource, wecom.DEFAULT_BASE_URL, social=False
        ),
        PlatformInfo(
            "shop", "抖店 Douyin shop", shop.ShopSource, shop.DEFAULT_BASE_URL, social=False
        ),
        PlatformInfo("crm", "CRM 会员", exports=crm.KINDS, social=False),
        PlatformInfo("live", "直播场次 live sessions", exports=live_ads.LIVE_KINDS, social=False),
        PlatformInfo("ads", "广告投放 ad spend", exports=live_ads.ADS_KINDS, social=False),
    )
}
SOCIAL_PLATFORMS = tuple(k for k, info in PLATFORMS.items() if info.social)
EXPORT_KINDS = {k: info.exports for k, info in PLATFORMS.items() if info.exports}


def base_url(key: str, environ: Mapping[str, str]) -> str:
    info = PLATFORMS[key]
    return environ.get(f"SOCIALMART_{key.upper()}_BASE_URL") or info.default_base_url or ""


def http_policy(key: str, environ: Mapping[str, str]) -> HttpPolicy:
    """Per-platform limits from ``SOCIALMART_<P>_RATE_LIMIT`` (requests/s, 0: no limit),
    ``_CONCURRENCY`` (requests in flight) and ``_TIMEOUT`` (seconds)."""
    policy, problems = read_http_policy(key, environ)
    if problems:
        raise ProblemsError(problems)
    return policy


# setting suffix → (HttpPolicy field, type, smallest value allowed, what it means)
POLICY_SETTINGS: dict[str, tuple[str, type[int] | type[float], float, str]] = {
    "RATE_LIMIT": ("requests_per_second", float, 0, "requests per second, 0 for no limit"),
    "CONCURRENCY": ("concurrency", int, 1, "requests in flight, a whole number from 1"),
    "TIMEOUT": ("timeout_seconds", float, 0.001, "seconds per request, more than 0"),
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
        return info.api(base_url(key, environ), environ, policy=http_policy(key, environ))
    return ExportSource(key, info.exports or {}, paths.inbox)
