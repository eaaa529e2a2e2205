"""Xiaohongshu 小红书创作服务平台 数据中心 exports (docs/sources/exports.md §1).

Three real downloads, each dropped in the account's folder ``inbox/xiaohongshu/<account_id>/``
(none names its account):

- ``note_daily``: the per-note 数据明细表 workbook (笔记数据 → 详情数据 → 导出数据), one sheet
  per metric by day; the 基础数据 and 互动数据 buttons each download one (its ``数据表``
  keeps both). The note is named by the file, ``<笔记标题>-数据明细表.xlsx``: its noteId (24
  hex, from the detail page's address) when staff add it to the name, else its title. A
  one-sheet table with 日期 and 笔记ID loads here too.
- ``note_list``: the 笔记列表明细表 (内容分析 → 导出数据): each note's totals over a period,
  identified by 笔记标题 + 首次发布时间; kept as range totals (stg_xiaohongshu__note_list),
  never spread over days.
- ``account_daily``: the 近30日 (or 近7日) account workbooks of 账号概览 (观看数据, 涨粉数据,
  互动数据, 发布数据), one sheet per metric by day; a table with 粉丝总数 loads here too.
"""

from __future__ import annotations

from ingestion.exports import PART
from ingestion.platforms.export_files import ExportKind, ExportLayout, FromFileName
from ingestion.schema import RecordSchema

KINDS = {
    "note_daily": ExportKind(
        "笔记ID",
        RecordSchema(
            required=("日期", "账号ID", "笔记ID"),
            counts=("曝光", "观看量", "点赞", "评论", "收藏", "分享", "涨粉", "弹幕"),
            rates=("完播率", "封面点击率", "2秒退出率"),
            durations=("人均观看时长(秒)",),
            timestamps=("首次发布时间",),
            dates=("日期",),
        ),
        layout=ExportLayout(
            "content_daily",
            {
                "impressions": "曝光",
                "views": "观看量",
                "likes": "点赞",
                "comments": "评论",
                "shares": "分享",
                "saves": "收藏",
                "completion_rate": "完播率",
                "avg_watch_seconds": "人均观看时长(秒)",
                "follows_gained": "涨粉",
            },
            content_id="笔记ID",
            title="笔记标题",
            published_at="首次发布时间",
            form_column="体裁",
            forms={"视频": "video_note", "图文": "image_note"},
            listed_in="stg_xiaohongshu__note_list",  # 数据明细表 has neither: the list's
        ),
        key=("账号ID", "笔记ID", PART),
        # 数据明细表 (§1b, CH cloud-hu2000/xhs-data-exporter src/import-xhs-data.js, grade B;
        # sample export_samples/xiaohongshu/note_detail_*.xlsx): sheets 基础数据总览 / 互动数据总览
        # (指标 | 数值), then 日期 | <metric> per metric, dates 2026年1月2日; …数 names, rates in
        # percent under (%), durations in seconds under (s)
        aliases={
            "人均观看时长": "人均观看时长(秒)",
            "平均观看时长(s)": "人均观看时长(秒)",
            "封面点击率(%)": "封面点击率",
            "完播率(%)": "完播率",
            "2秒退出率(%)": "2秒退出率",
            "曝光数": "曝光",
            "观看数": "观看量",
            "点赞数": "点赞",
            "评论数": "评论",
            "收藏数": "收藏",
            "分享数": "分享",
            "笔记分享数": "分享",
            "涨粉数": "涨粉",
            "弹幕数": "弹幕",
        },
        units={"封面点击率(%)": "%", "完播率(%)": "%", "2秒退出率(%)": "%"},
        from_name=FromFileName("-数据明细表", "笔记标题", "笔记ID", r"(?<![0-9a-f])[0-9a-f]{24}"),
        marked_by=("曝光数", "观看数", "点赞数", "评论数", "收藏数", "分享数", "笔记分享数"),
    ),
    "note_list": ExportKind(
        "首次发布时间",
        RecordSchema(
            required=("账号ID", "首次发布时间", "统计结束"),
            counts=("曝光", "观看量", "点赞", "评论", "收藏", "涨粉", "分享", "弹幕"),
            rates=("封面点击率",),
            durations=("人均观看时长",),
            timestamps=("首次发布时间",),
            dates=("日期", "统计开始", "统计结束"),
        ),
        # 笔记列表明细表 (§1a, OP Nanboy-Ronan/OmniPanel app/db/etl/xhs.py + tests/test_xhs.py,
        # U1, U3, U5; grade A; sample export_samples/xiaohongshu/note_list.xlsx): a banner row
        # (最多导出排序后前1000条笔记), then 笔记标题, 首次发布时间 (2026年07月14日07时34分35秒),
        # 体裁, 曝光, 观看量, 封面点击率 (a 0–1 fraction), 点赞, 评论, 收藏, 涨粉, 分享,
        # 人均观看时长 (seconds), 弹幕; no note id, no period in the file
        key=("账号ID", "笔记标题", "首次发布时间", "统计开始"),
        range_totals=True,
    ),
    "account_daily": ExportKind(
        "粉丝总数",
        RecordSchema(
            required=("日期", "账号ID"),
            counts=("粉丝总数", "新增粉丝", "取消关注", "净涨粉", "主页访客", "曝光", "观看")
            + ("点赞", "评论", "收藏", "分享", "总发布", "发布视频", "发布图文"),
            rates=("封面点击率", "视频完播率", "主页转粉率"),
            durations=("平均观看时长", "观看总时长"),
            dates=("日期",),
        ),
        layout=ExportLayout(
            "account_daily",
            {"followers_total": "粉丝总数", "new_followers": "新增粉丝", "unfollows": "取消关注"},
        ),
        key=("账号ID", PART),
        # 近30日 workbooks of 数据概览 (§1c; U6, U7, U5, U8, U12 agree on the sheets, grade A;
        # the 涨粉 labels from U10's fixture only, grade C; samples
        # export_samples/xiaohongshu/account_30d_*.xlsx): 账号总体…数据 (指标 | 数值), then
        # <metric>趋势 sheets of 日期 | 数值, rates as percent numbers; no 粉丝总数 series
        aliases={"新增关注": "新增粉丝"},
        units={"封面点击率": "%", "视频完播率": "%", "主页转粉率": "%"},
        marked_by=("净涨粉", "新增关注", "主页访客", "观看", "点赞", "总发布"),
    ),
}
