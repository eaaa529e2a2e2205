"""Export files as the creator centres produce them, one workbook per account, day and table
(Xiaohongshu's real downloads: xhs_exports.py).

Xiaohongshu 专业号数据中心, WeChat Channels 视频号助手 and the Zhihu creator centre have no
public data API: an operations person downloads these files and drops them into the inbox.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from devtools.simulator.model import EXPORT_PLATFORMS, channels_recommends, zhihu_favourites
from devtools.simulator.world import SimAccount, SimContent, World
from devtools.simulator.xhs_exports import write_xiaohongshu
from ingestion.platforms import PLATFORMS as TABLE

Row = tuple[Any, ...]


def _rate(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


def _channels_video(day: date, c: SimContent, m: dict[str, int]) -> Row:
    return (
        day.isoformat(),
        c.account_id,
        c.content_id,
        c.title,
        c.published_at.strftime("%Y/%m/%d %H:%M"),
        m["views"],
        m["likes"],
        channels_recommends(m["likes"]),
        m["comments"],
        m["shares"],
        m["follows"],
        _rate(m["completions"], m["views"]),
        round(m["watch_seconds"] / m["views"], 1) if m["views"] else 0,
    )


def _zhihu_content(day: date, c: SimContent, m: dict[str, int]) -> Row:
    return (
        day.isoformat(),
        c.account_id,
        c.content_id,
        c.title,
        "回答" if c.form == "answer" else "文章",
        c.published_at.strftime("%Y-%m-%d %H:%M"),
        m["views"],
        m["likes"],
        zhihu_favourites(m["likes"]),
        m["comments"],
        m["saves"],
        m["shares"],
    )


def _followers(day: date, a: SimAccount, f: dict[str, int], net: bool) -> Row:
    extra = (f["new_followers"] - f["unfollows"],) if net else ()
    return (
        day.isoformat(),
        a.account_id,
        f["followers_total"],
        f["new_followers"],
        f["unfollows"],
        *extra,
    )


def _zhihu_followers(day: date, f: dict[str, int]) -> Row:
    """关注者 → 导出 as BZ's normalizer reads it (docs/sources/exports.md §3c, sample
    export_samples/zhihu/account_daily_followers_LOWCONF.xls.csv): no account column, so
    it is dropped in the account's inbox folder."""
    net = f["new_followers"] - f["unfollows"]
    return (day.isoformat(), f["followers_total"], f["new_followers"], f["unfollows"], net)


ZHIHU_FOLLOWERS = ("日期", "关注者总数", "新增关注者", "减少关注者", "关注者变化")


# platform → (content table, headers, row), (account table, headers, with 净增关注)
TABLES: dict[
    str, tuple[tuple[str, tuple[str, ...], Callable], tuple[str, tuple[str, ...], bool]]
] = {
    "wechat_channels": (
        (
            "作品数据",
            (
                "日期",
                "账号ID",
                "视频ID",
                "视频描述",
                "发布时间",
                "播放量",
                "喜欢",
                "推荐",
                "评论",
                "分享",
                "新增关注",
                "完播率",
                "平均播放时长(秒)",
            ),
            _channels_video,
        ),
        ("关注者数据", ("日期", "账号ID", "关注者总数", "新增关注", "取消关注", "净增关注"), True),
    ),
    "zhihu": (
        (
            "内容数据",
            (
                "日期",
                "账号ID",
                "内容ID",
                "标题",
                "内容类型",
                "发布时间",
                "阅读量",
                "赞同",
                "喜欢",
                "评论",
                "收藏",
                "分享",
            ),
            _zhihu_content,
        ),
        ("关注者数据", ZHIHU_FOLLOWERS, False),  # written by _zhihu_followers
    ),
}


def write_crm_export(world: World, inbox: Path, day: date) -> Path:
    """The CRM's member snapshot, as a GBK CSV exported from Excel."""
    folder = inbox / "crm"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"会员数据_{day.strftime('%Y%m%d')}.csv"
    if path.exists():  # downloaded once, as _write's files
        return path
    tmp = path.with_name("." + path.name + ".part")
    with tmp.open("w", encoding="gbk", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["日期", "会员ID", "手机号", "邮箱", "unionid", "注册时间", "会员等级", "积分"]
        )
        for person, joined in world.crm_members(day):
            ids, member = person.ids, world.member(person)
            writer.writerow(
                [
                    day.isoformat(),
                    ids["crm_member_id"],
                    ids["phone"],
                    ids.get("email", ""),
                    ids.get("wechat_unionid", ""),
                    f"{joined.isoformat()} 10:00:00",
                    member["tier"],
                    member["points"],
                ]
            )
    tmp.replace(path)
    return path


# The name the exports' 平台 column gives a platform (the platform table's).
PLATFORM_NAMES = {k: p.short_zh or p.name_zh for k, p in TABLE.items() if p.social}


def write_live_export(world: World, inbox: Path, day: date) -> Path:
    rows = [
        (
            day.isoformat(),
            PLATFORM_NAMES[x["platform"]],
            x["account_id"],
            x["room_id"],
            x["started_at"].strftime("%Y-%m-%d %H:%M:%S"),
            x["ended_at"].strftime("%Y-%m-%d %H:%M:%S"),
            x["viewers"],
            x["peak_online"],
            x["new_followers"],
            x["orders"],
            f"{x['gmv_fen'] / 100:.2f}",
        )
        for x in world.live_sessions(day)
    ]
    return _write_sheet(inbox / "live", day, "直播场次", LIVE_HEADERS, rows)


def write_ads_export(world: World, inbox: Path, day: date) -> Path:
    rows = [
        (
            day.isoformat(),
            PLATFORM_NAMES[x["platform"]],
            x["account_id"],
            x["campaign_id"],
            x["campaign_name"],
            f"{x['spend_fen'] / 100:.2f}",
            x["impressions"],
            x["clicks"],
            x["conversions"],
        )
        for x in world.ad_spend(day)
    ]
    return _write_sheet(inbox / "ads", day, "投放报表", ADS_HEADERS, rows, sheet="投放数据")


def _write_sheet(
    folder: Path, day: date, name: str, headers: tuple[str, ...], rows: list[Row], sheet: str = ""
) -> Path:
    """A day's workbook ``<name>_<yyyymmdd>.xlsx`` in ``folder``, one sheet (``name``)."""
    folder.mkdir(parents=True, exist_ok=True)
    return _write(folder / f"{name}_{day.strftime('%Y%m%d')}.xlsx", sheet or name, headers, rows)


LIVE_HEADERS = (
    "日期",
    "平台",
    "账号ID",
    "直播间ID",
    "开播时间",
    "关播时间",
    "观看人次",
    "最高在线人数",
    "新增粉丝",
    "成交订单数",
    "成交金额(元)",
)
ADS_HEADERS = (
    "日期",
    "平台",
    "账号ID",
    "计划ID",
    "计划名称",
    "消耗(元)",
    "展示数",
    "点击数",
    "转化数",
)


def write_exports(world: World, inbox: Path, day: date) -> list[Path]:
    """Write the day's exports of every export platform's accounts; return the paths."""
    written = []
    stamp = day.strftime("%Y%m%d")
    for platform in EXPORT_PLATFORMS:
        if platform == "xiaohongshu":  # its real downloads: xhs_exports.py
            written += write_xiaohongshu(world, inbox, day)
            continue
        (content_name, content_headers, content_row), (acct_name, acct_headers, net) = TABLES[
            platform
        ]
        folder = inbox / platform
        folder.mkdir(parents=True, exist_ok=True)
        for account in world.accounts_of(platform):
            rows = [
                content_row(day, c, world.content_day(c, day))
                for c in world.contents_of(account, day)
            ]
            written.append(
                _write(
                    folder / f"{content_name}_{account.account_id}_{stamp}.xlsx",
                    content_name,
                    content_headers,
                    rows,
                )
            )
            followers = world.account_day(account, day)
            if platform == "zhihu":  # its real layout: the account is the folder
                mine = folder / account.account_id
                mine.mkdir(exist_ok=True)
                path = mine / f"{acct_name}_{stamp}.xlsx"
                rows = [_zhihu_followers(day, followers)]
                written.append(_write(path, acct_name, ZHIHU_FOLLOWERS, rows))
                continue
            written.append(
                _write(
                    folder / f"{acct_name}_{account.account_id}_{stamp}.xlsx",
                    acct_name,
                    acct_headers,
                    [_followers(day, account, followers, net)],
                )
            )
    written.append(write_crm_export(world, inbox, day))
    written.append(write_live_export(world, inbox, day))
    written.append(write_ads_export(world, inbox, day))
    return written


def _write(path: Path, sheet: str, headers: tuple[str, ...], rows: list[Row]) -> Path:
    if path.exists():
        # A day's export is downloaded once: the clock passing the same day again (the
        # demo, then `make dev`) leaves the file, and the inbox's record of it, alone.
        return path
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    tmp = path.with_name("." + path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)  # a reader never sees a half-written workbook
    return path
