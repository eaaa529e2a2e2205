"""Export files as the creator centres produce them, one workbook per account, day and table.

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

from devtools.simulator.model import (
    EXPORT_PLATFORMS,
    channels_recommends,
    zhihu_favourites,
    zhihu_question,
)
from devtools.simulator.world import SimAccount, SimContent, World
from ingestion.platforms import PLATFORMS as TABLE

Row = tuple[Any, ...]


def _rate(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


def _xhs_note(day: date, c: SimContent, m: dict[str, int]) -> Row:
    video = c.form == "video_note"
    return (
        day.isoformat(),
        c.account_id,
        c.content_id,
        c.title,
        c.published_at.strftime("%Y-%m-%d %H:%M:%S"),
        "视频" if video else "图文",
        m["impressions"],
        m["views"],
        m["likes"],
        m["comments"],
        m["saves"],
        m["shares"],
        m["follows"],
        round(m["watch_seconds"] / m["views"], 1) if m["views"] else 0,
        _rate(m["completions"], m["views"]) if video else "-",
    )


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "0.00%"


def _ymd(day: date) -> str:
    """视频号's unpadded date: 2026/5/29."""
    return f"{day.year}/{day.month}/{day.day}"


# 视频号助手 数据中心 → 作品数据 → 下载表格 (docs/sources/exports.md §2a, OP etl/channels.py,
# grade A): UTF-8 CSV with BOM, header on row 1, one row per video with its totals since
# publication; no 日期 or account column.
CHANNELS_LIST = (
    "视频描述",
    "视频ID",
    "发布时间",
    "完播率",
    "平均播放时长",
    "播放量",
    "推荐",
    "喜欢",
    "评论量",
    "分享量",
    "关注量",
    "转发聊天和朋友圈",
    "设为铃声",
    "设为状态",
    "设为朋友圈封面",
    "企微链接点击次数",
    "企微链接点击人数",
    "添加到通讯录次数",
    "添加到通讯录人数",
)


def _channels_video(c: SimContent, t: dict[str, int]) -> Row:
    views = t["views"]
    watch = f"{t['watch_seconds'] / views:.2f}秒" if views else "0秒"
    counts = (views, channels_recommends(t["likes"]), t["likes"], t["comments"], t["shares"])
    # the 企微 / 通讯录 counters are blank where they do not apply (OP tests)
    unused = (0, 0, 0, 0, "", "", "", "")
    return (
        c.title,
        c.content_id,
        _ymd(c.publish_date),
        _percent(t["completions"], views),
        watch,
        *counts,
        t["follows"],
        *unused,
    )


# 知乎创作中心 内容分析 → 文章 / 回答 → 导出 (docs/sources/exports.md §3a, OP etl/zhihu.py,
# grade B): a .xls holding UTF-8-BOM CSV text, one content type per file, each content's
# totals since publication, identified by its link; answers add 播放.
ZHIHU_LISTS = {
    "article": (
        "文章",
        ("标题", "发布时间", "链接", "阅读", "点赞", "喜欢", "评论", "收藏", "分享"),
    ),
    "answer": (
        "回答",
        ("标题", "发布时间", "链接", "阅读", "播放", "点赞", "喜欢", "评论", "收藏", "分享"),
    ),
}


def zhihu_link(form: str, content_id: str) -> str:
    if form == "answer":
        question = zhihu_question(int(content_id))
        return f"https://www.zhihu.com/question/{question}/answer/{content_id}"
    return f"https://zhuanlan.zhihu.com/p/{content_id}"


def _zhihu_content(c: SimContent, t: dict[str, int]) -> Row:
    plays = (0,) if c.form == "answer" else ()  # no video in the simulated answers
    return (
        c.title,
        c.publish_date.isoformat(),
        zhihu_link(c.form, c.content_id),
        t["views"],
        *plays,
        t["likes"],
        zhihu_favourites(t["likes"]),
        t["comments"],
        t["saves"],
        t["shares"],
    )


def write_content_lists(world: World, inbox: Path, account: SimAccount, day: date) -> list[Path]:
    """The account's cumulative content lists as downloaded at the end of ``day``, dropped
    in its inbox folder (they name no account) and named with the day they are as of."""
    folder = inbox / account.platform / account.account_id
    folder.mkdir(parents=True, exist_ok=True)
    stamp = day.strftime("%Y%m%d")
    contents = world.contents_of(account, day)
    if account.platform == "wechat_channels":
        rows = [_channels_video(c, world.content_cumulative(c, day)) for c in contents]
        path = folder / f"视频号动态数据明细_{stamp}.csv"
        return [_write_text(path, CHANNELS_LIST, rows, "utf-8-sig")]
    written = []
    for form, (tab, headers) in ZHIHU_LISTS.items():
        mine = [c for c in contents if c.form == form]
        rows = [_zhihu_content(c, world.content_cumulative(c, day)) for c in mine]
        path = folder / f"内容分析_{tab}_{stamp}.xls"
        written.append(_write_text(path, headers, rows, "utf-8-sig"))
    return written


def _followers(day: date, a: SimAccount, f: dict[str, int]) -> Row:
    return (day.isoformat(), a.account_id, f["followers_total"], f["new_followers"], f["unfollows"])


# 视频号助手 数据中心 → 关注者数据 → 下载表格: no public source shows this file (docs/sources/
# exports.md §2b names its figures: 日期, 净增关注, 新增关注, 取消关注, 关注者总数); written as
# the works list is (UTF-8-BOM CSV, unpadded dates, the account by its folder): an
# assumption (docs/platforms.md)
CHANNELS_FOLLOWERS = ("日期", "净增关注", "新增关注", "取消关注", "关注者总数")


def _channels_followers(day: date, f: dict[str, int]) -> Row:
    net = f["new_followers"] - f["unfollows"]
    return (_ymd(day), net, f["new_followers"], f["unfollows"], f["followers_total"])


def _zhihu_followers(day: date, f: dict[str, int]) -> Row:
    """关注者 → 导出 as BZ's normalizer reads it (docs/sources/exports.md §3c, sample
    export_samples/zhihu/account_daily_followers_LOWCONF.xls.csv): no account column, so
    it is dropped in the account's inbox folder."""
    net = f["new_followers"] - f["unfollows"]
    return (day.isoformat(), f["followers_total"], f["new_followers"], f["unfollows"], net)


ZHIHU_FOLLOWERS = ("日期", "关注者总数", "新增关注者", "减少关注者", "关注者变化")


# platform → (content table, headers, row) or None for a cumulative list
# (write_content_lists), (account table, headers)
TABLES: dict[
    str, tuple[tuple[str, tuple[str, ...], Callable] | None, tuple[str, tuple[str, ...]]]
] = {
    "xiaohongshu": (
        (
            "笔记数据",
            (
                "日期",
                "账号ID",
                "笔记ID",
                "笔记标题",
                "首次发布时间",
                "体裁",
                "曝光",
                "观看量",
                "点赞",
                "评论",
                "收藏",
                "分享",
                "涨粉",
                "人均观看时长(秒)",
                "完播率",
            ),
            _xhs_note,
        ),
        ("账号数据", ("日期", "账号ID", "粉丝总数", "新增粉丝", "取消关注")),
    ),
    "wechat_channels": (
        None,  # the works list: write_content_lists
        ("关注者数据", CHANNELS_FOLLOWERS),  # written by _channels_followers
    ),
    "zhihu": (
        None,  # the 文章 / 回答 lists: write_content_lists
        ("关注者数据", ZHIHU_FOLLOWERS),  # written by _zhihu_followers
    ),
}


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def _yuan(fen: int) -> str:
    """Money as the consoles print it: 1,234.56."""
    return f"{fen / 100:,.2f}"


# CRM, live and ad reports: no public source shows these downloads (docs/sources/exports.md
# §4); their forms follow the back-office exports that are documented (a title row above
# the header, Chinese dates, money with separators, a 合计 row, GBK CSV from Excel) and
# are listed as assumptions in docs/platforms.md.
def write_crm_export(world: World, inbox: Path, day: date) -> Path:
    """The CRM's member snapshot, as a GBK CSV exported from Excel, under a title row."""
    folder = inbox / "crm"
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for person, joined in world.crm_members(day):
        ids, member = person.ids, world.member(person)
        rows.append(
            (
                _cn_date(day),
                ids["crm_member_id"],
                ids["phone"],
                ids.get("email", ""),
                ids.get("wechat_unionid", ""),
                f"{_cn_date(joined)} 10:00",
                member["tier"],
                f"{member['points']:,}",
            )
        )
    path = folder / f"会员数据_{day.strftime('%Y%m%d')}.csv"
    return _write_text(path, CRM_HEADERS, rows, "gbk", title=f"会员数据导出 {_cn_date(day)}")


CRM_HEADERS = ("日期", "会员ID", "手机号", "邮箱", "unionid", "注册时间", "会员等级", "积分")


# The name the exports' 平台 column gives a platform (the platform table's).
PLATFORM_NAMES = {k: p.short_zh or p.name_zh for k, p in TABLE.items() if p.social}


def write_live_export(world: World, inbox: Path, day: date) -> Path:
    sessions = world.live_sessions(day)
    rows = [
        (
            _cn_date(day),
            PLATFORM_NAMES[x["platform"]],
            x["account_id"],
            x["room_id"],
            x["started_at"].strftime("%Y/%m/%d %H:%M"),
            x["ended_at"].strftime("%Y/%m/%d %H:%M"),
            x["viewers"],
            x["peak_online"],
            x["new_followers"],
            x["orders"],
            _yuan(x["gmv_fen"]),
        )
        for x in sessions
    ]
    sums = [sum(x[k] for x in sessions) for k in ("viewers", "peak_online", "new_followers")]
    orders = sum(x["orders"] for x in sessions)
    totals = ("合计", "", "", "", "", "", *sums, orders, _yuan(sum(x["gmv_fen"] for x in sessions)))
    return _write_sheet(inbox / "live", day, "直播场次", LIVE_HEADERS, rows, totals=totals)


def write_ads_export(world: World, inbox: Path, day: date) -> Path:
    spend = world.ad_spend(day)
    rows = [
        (
            f"{day.year}/{day.month:02d}/{day.day:02d}",
            PLATFORM_NAMES[x["platform"]],
            x["account_id"],
            x["campaign_id"],
            x["campaign_name"],
            _yuan(x["spend_fen"]),
            x["impressions"],
            x["clicks"],
            x["conversions"],
        )
        for x in spend
    ]
    sums = [sum(x[k] for x in spend) for k in ("impressions", "clicks", "conversions")]
    totals = ("总计", "", "", "", "", _yuan(sum(x["spend_fen"] for x in spend)), *sums)
    path = _write_sheet(
        inbox / "ads", day, "投放报表", ADS_HEADERS, rows, sheet="投放数据", totals=totals
    )
    return path


def _write_sheet(
    folder: Path,
    day: date,
    name: str,
    headers: tuple[str, ...],
    rows: list[Row],
    sheet: str = "",
    totals: Row | None = None,
) -> Path:
    """A day's workbook ``<name>_<yyyymmdd>.xlsx`` in ``folder``, one sheet (``name``): a
    title row naming the day, the header, the rows and a totals row."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}_{day.strftime('%Y%m%d')}.xlsx"
    title = f"{name} 统计时间：{_cn_date(day)}"
    return _write(path, sheet or name, headers, rows, title=title, totals=totals)


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
        content, (acct_name, acct_headers) = TABLES[platform]
        folder = inbox / platform
        folder.mkdir(parents=True, exist_ok=True)
        for account in world.accounts_of(platform):
            if content is None:
                written += write_content_lists(world, inbox, account, day)
            else:
                content_name, content_headers, content_row = content
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
            mine = folder / account.account_id  # the account's folder, for files not naming it
            if platform == "zhihu":
                path = mine / f"{acct_name}_{stamp}.xlsx"
                rows = [_zhihu_followers(day, followers)]
                written.append(_write(path, acct_name, acct_headers, rows))
            elif platform == "wechat_channels":
                path = mine / f"{acct_name}_{stamp}.csv"
                rows = [_channels_followers(day, followers)]
                written.append(_write_text(path, acct_headers, rows, "utf-8-sig"))
            else:
                path = folder / f"{acct_name}_{account.account_id}_{stamp}.xlsx"
                rows = [_followers(day, account, followers)]
                written.append(_write(path, acct_name, acct_headers, rows))
    written.append(write_crm_export(world, inbox, day))
    written.append(write_live_export(world, inbox, day))
    written.append(write_ads_export(world, inbox, day))
    return written


def _write(
    path: Path,
    sheet: str,
    headers: tuple[str, ...],
    rows: list[Row],
    title: str = "",
    totals: Row | None = None,
) -> Path:
    if path.exists():
        # A day's export is downloaded once: the clock passing the same day again (the
        # demo, then `make dev`) leaves the file, and the inbox's record of it, alone.
        return path
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in _lines(headers, rows, title, totals):
        ws.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("." + path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)  # a reader never sees a half-written workbook
    return path


def _write_text(
    path: Path, headers: tuple[str, ...], rows: list[Row], encoding: str, title: str = ""
) -> Path:
    """A CSV text export (written once, as ``_write``'s workbooks)."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("." + path.name + ".part")
    with tmp.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(_lines(headers, rows, title, None))
    tmp.replace(path)
    return path


def _lines(headers: tuple[str, ...], rows: list[Row], title: str, totals: Row | None) -> list[Row]:
    return [*([(title,)] if title else []), headers, *rows, *([totals] if totals else [])]
