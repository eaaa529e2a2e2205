"""Live sessions and ad spend, as the platforms' commerce and ad consoles export them.

Live: 巨量百应 / 快手小店 / 视频号助手 直播场次 exports (one row per session). Ads: the ad
platforms' daily reports (巨量引擎, 磁力引擎, B站花火, 聚光, 广点通), one row per account,
campaign and day, spend in 元. Both name the platform in Chinese (平台) and the account.
"""

from __future__ import annotations

from ingestion.platforms.export_files import ExportKind
from ingestion.schema import RecordSchema

LIVE_KINDS = {
    "sessions": ExportKind(
        "直播间ID",
        RecordSchema(
            required=("日期", "平台", "账号ID", "直播间ID", "开播时间"),
            counts=("观看人次", "最高在线人数", "新增粉丝", "成交订单数"),
            rates=("成交金额(元)",),
            timestamps=("开播时间", "关播时间"),
            dates=("日期",),
        ),
        account_column=None,
        key=("平台", "账号ID", "直播间ID"),
    ),
}

ADS_KINDS = {
    "spend_daily": ExportKind(
        "消耗(元)",
        RecordSchema(
            required=("日期", "平台", "账号ID", "计划ID", "消耗(元)"),
            counts=("展示数", "点击数", "转化数"),
            rates=("消耗(元)",),
            dates=("日期",),
        ),
        account_column=None,
        key=("平台", "账号ID", "计划ID"),
    ),
}
