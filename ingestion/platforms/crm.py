"""The brand's CRM member export (会员数据): member id, phone, email, unionid, join time.

A daily snapshot file of all members, as CRMs export it (CSV, often GBK from Excel).
Phone and email are hashed before loading; the member id and the WeChat unionid of the
member card link the member to the rest of the matrix.
"""

from __future__ import annotations

from ingestion.platforms.export_files import ExportKind
from ingestion.schema import RecordSchema

KINDS = {
    "members": ExportKind(
        "会员ID",
        RecordSchema(
            required=("日期", "会员ID"),
            timestamps=("注册时间",),
            counts=("积分",),
            dates=("日期",),
            personal=(("手机号", "phone"), ("邮箱", "email")),
        ),
        account_column=None,
        key=("会员ID",),
    ),
}
