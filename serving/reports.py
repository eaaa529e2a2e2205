"""每日数据快报: the report of a business date (and the weekly / monthly reviews), written as
HTML and PNG under ``<home>/reports/<date>/`` and posted to the team's robot
(docs/requirements.md R-K8; docs/reports.md).

The published mart is the only input, read as published: headline KPIs from
``kpi_matrix_<grain>`` against the same period one step back, targets from ``kpi_status``,
movers from ``kpi_platform_<grain>`` / ``kpi_account_<grain>`` and the swing alerts' 溯源
contributors, top content from ``fct_content_daily``, open comment alerts with their reply
deadlines from ``kpi_alerts``. No KPI is computed here; the only arithmetic is the
difference between two published values and its ratio, for display.

Run by hand: ``python -m serving.reports --date 2026-11-30 [--post]``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import jinja2

from ingestion.settings import Paths
from serving.alerting import Webhook, image_body, post, send
from serving.charts import bar_chart
from serving.chromium import CHROMIUM, screenshot

# The CJK font the page asks for by name (fonts-wqy-zenhei, installed with Chromium): a
# named font, not a generic family, so a machine without it is noticed (fc-list :lang=zh).
CJK_FONT = "WenQuanYi Zen Hei"
PAGE_WIDTH = 1000
# (column, label, format): the headline KPIs, each a column of every kpi_matrix_* table
HEADLINES = (
    ("views", "播放量", "int"),
    ("interactions", "互动量", "int"),
    ("engagement_rate", "互动率", "pct"),
    ("net_new_followers", "净增粉丝", "int"),
    ("orders", "订单数", "int"),
    ("total_gmv_yuan", "总GMV (元)", "yuan"),  # with the unattributed orders, as roi
    ("roi", "ROI", "ratio"),
)
TOP = 5  # platforms, accounts and contents shown per list
MAX_COMMENTS = 10  # comment alerts listed by deadline; the rest counted
# Where DingTalk and Feishu readers find the PNG (they cannot take the image itself)
BASE_URL_SETTING = "SOCIALMART_REPORT_BASE_URL"


class ReportError(Exception):
    """No published mart, or nothing published for the report's date."""


@dataclass(frozen=True)
class Period:
    grain: str  # daily, weekly, monthly
    start: date
    end: date

    @property
    def name(self) -> str:
        return {"daily": "每日数据快报", "weekly": "周报", "monthly": "月报"}[self.grain]

    @property
    def label(self) -> str:
        if self.grain == "daily":
            return self.end.isoformat()
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    @property
    def folder(self) -> str:
        return {"daily": "", "weekly": "weekly", "monthly": "monthly"}[self.grain]

    def previous(self) -> Period:
        """The period compared with: the same weekday a week before, last week, last month."""
        if self.grain == "daily":
            day = self.end - timedelta(days=7)
            return Period("daily", day, day)
        if self.grain == "weekly":
            return Period("weekly", self.start - timedelta(days=7), self.end - timedelta(days=7))
        end = self.start - timedelta(days=1)
        return Period("monthly", end.replace(day=1), end)


def periods_for(day: date) -> list[Period]:
    """The reports a business date completes: its own; the ISO week when it is a Sunday
    (posted on Monday); the month when it is the month's last day (posted on the 1st)."""
    periods = [Period("daily", day, day)]
    if day.isoweekday() == 7:
        periods.append(Period("weekly", day - timedelta(days=6), day))
    if (day + timedelta(days=1)).day == 1:
        periods.append(Period("monthly", day.replace(day=1), day))
    return periods


def _where(period: Period) -> tuple[str, list[Any]]:
    """The filter that picks a period's row of a kpi_*_<grain> table."""
    if period.grain == "daily":
        return "business_date = ?", [period.end]
    return "period_start = ?", [period.start]


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any]) -> list[dict]:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _one(con: duckdb.DuckDBPyConnection, table: str, period: Period) -> dict | None:
    where, params = _where(period)
    rows = _rows(con, f"select * from kpi.{table}_{period.grain} where {where}", params)
    return rows[0] if rows else None


def change(value: float | None, before: float | None) -> float | None:
    """(value - before) / before of two published values, for display; None when unknown."""
    if value is None or before is None or before == 0:
        return None
    return (value - before) / before


def headlines(con: duckdb.DuckDBPyConnection, period: Period) -> list[dict]:
    now = _one(con, "kpi_matrix", period) or {}
    before = _one(con, "kpi_matrix", period.previous()) or {}
    return [
        {
            "kpi": column,
            "label": label,
            "format": fmt,
            "value": now.get(column),
            "before": before.get(column),
            "change": change(now.get(column), before.get(column)),
        }
        for column, label, fmt in HEADLINES
    ]


def movers(con: duckdb.DuckDBPyConnection, period: Period, level: str) -> list[dict]:
    """Platforms or accounts by their move in views against the compared period."""
    key, names = {
        "platform": (
            "platform",
            "select platform as key, platform_name as name from mart.dim_platform",
        ),
        "account": (
            "account_key",
            "select account_key as key, account_name || ' (' || platform || ')' as name "
            "from mart.dim_account",
        ),
    }[level]
    where, params = _where(period)
    where_before, params_before = _where(period.previous())
    table = f"kpi.kpi_{level}_{period.grain}"
    return _rows(
        con,
        f"""
        with now as (select {key} as key, views from {table} where {where}),
        before as (select {key} as key, views as views_before from {table} where {where_before}),
        names as ({names})
        select coalesce(names.name, key) as name, views, views_before,
               coalesce(views, 0) - coalesce(views_before, 0) as views_change
        from now full join before using (key) left join names using (key)
        order by abs(views_change) desc, key
        limit {TOP}
        """,
        [*params, *params_before],
    )


def report_data(con: duckdb.DuckDBPyConnection, period: Period) -> dict[str, Any]:
    """Everything the template shows, read from the published mart."""
    span = [period.start, period.end]
    status = _rows(
        con,
        """
        select s.kpi_name as kpi, s.value, s.comparator, s.target_value, s.status
        from kpi.kpi_status as s
        where s.scope = 'matrix' and s.business_date = ?
        order by case s.status when 'red' then 0 when 'amber' then 1 when 'green' then 2
                 else 3 end, s.kpi
        """,
        [period.end],
    )
    status_counts = _rows(
        con,
        "select status, count(*) as n from kpi.kpi_status where business_date = ? group by all",
        [period.end],
    )
    swings = _rows(
        con,
        """
        select severity, message, contributors
        from kpi.kpi_alerts
        where alert_type = 'swing' and scope in ('matrix', 'platform')
          and business_date between ? and ?
        order by case severity when 'critical' then 0 when 'warning' then 1 else 2 end,
                 business_date desc, group_key, group_rank
        limit 8
        """,
        span,
    )
    contents = _rows(
        con,
        f"""
        select coalesce(c.title, d.content_key) as title, p.platform_name as platform,
               sum(d.views) as views, sum(d.likes) as likes, sum(d.comments) as comments,
               sum(d.shares) as shares
        from mart.fct_content_daily as d
        left join mart.dim_content as c using (content_key)
        left join mart.dim_platform as p on p.platform = d.platform
        where d.business_date between ? and ?
        group by all
        having sum(d.views) is not null
        order by views desc, title
        limit {TOP}
        """,
        span,
    )
    comments = _rows(
        con,
        """
        select severity, alert_level, scope_name,
               strftime(timezone('Asia/Shanghai', respond_by), '%Y-%m-%d %H:%M') as respond_by,
               message
        from kpi.kpi_alerts
        where alert_type = 'negative_comment' and business_date between ? and ?
        order by respond_by, alert_id
        """,
        span,
    )
    where, params = _where(period)
    platforms = _rows(
        con,
        f"""
        select coalesce(p.platform_name, k.platform) as name, k.views, k.engagement_rate
        from kpi.kpi_platform_{period.grain} as k
        left join mart.dim_platform as p using (platform)
        where {where}
        order by k.views desc nulls last, k.platform
        """,
        params,
    )
    trend = _trend(con, period)
    counts = {row["status"]: row["n"] for row in status_counts}
    charts = [
        bar_chart("播放量趋势", [(label, v) for label, v in trend], CJK_FONT),
        bar_chart("各平台播放量", [(p["name"], p["views"]) for p in platforms], CJK_FONT),
        bar_chart(
            "各平台互动率 (%)",
            [
                (p["name"], None if p["engagement_rate"] is None else 100 * p["engagement_rate"])
                for p in platforms
            ],
            CJK_FONT,
            decimals=2,
        ),
        bar_chart(
            "目标达成 (各层级指标数)",
            [(s, counts.get(s, 0)) for s in ("green", "amber", "red", "no_data")],
            CJK_FONT,
        ),
    ]
    return {
        "period": period,
        "compared": period.previous(),
        "headlines": headlines(con, period),
        "status": status,
        "platform_movers": movers(con, period, "platform"),
        "account_movers": movers(con, period, "account"),
        "swings": swings,
        "contents": contents,
        "comments": comments[:MAX_COMMENTS],
        "comments_total": len(comments),
        "charts": charts,
        "font": CJK_FONT,
        "width": PAGE_WIDTH,
    }


def _trend(con: duckdb.DuckDBPyConnection, period: Period) -> list[tuple[str, float | None]]:
    """Matrix views of the period and the ones before it (14 days, 8 weeks or 6 months)."""
    if period.grain == "daily":
        rows = con.execute(
            "select strftime(business_date, '%m-%d'), views from kpi.kpi_matrix_daily "
            "where business_date between ? and ? order by business_date",
            [period.end - timedelta(days=13), period.end],
        ).fetchall()
    else:
        count, fmt = (8, "%m-%d") if period.grain == "weekly" else (6, "%Y-%m")
        rows = con.execute(
            f"select strftime(period_start, '{fmt}'), views from kpi.kpi_matrix_{period.grain} "
            f"where period_start <= ? order by period_start desc limit {count}",
            [period.start],
        ).fetchall()[::-1]
    return [(label, views) for label, views in rows]


# -- formatting (the template's filters) ---------------------------------------------------------
def fmt_value(value: float | None, fmt: str) -> str:
    if value is None:
        return "–"
    if fmt == "pct":
        return f"{100 * value:.2f}%"
    if fmt == "yuan":
        return f"{value:,.2f}"
    if fmt == "ratio":
        return f"{value:.2f}"
    return f"{int(value):,}"


def fmt_change(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:+.1f}%"


TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.filters.update(value=fmt_value, change=fmt_change)


def render_html(data: Mapping[str, Any]) -> str:
    return TEMPLATES.get_template("report.html.j2").render(**data)


@dataclass(frozen=True)
class ReportFiles:
    period: Period
    html: Path
    png: Path | None  # None: no Chromium on this machine, the HTML only
    data: dict[str, Any]


def report_dir(reports: Path, period: Period) -> Path:
    return reports / period.end.isoformat() / period.folder


def write_report(serving_db: Path, reports: Path, period: Period) -> ReportFiles:
    """Render one report from the published file into ``reports/<end date>[/weekly|monthly]``."""
    if not serving_db.exists():
        raise ReportError(f"no published mart at {serving_db}: run the pipeline first")
    con = duckdb.connect(str(serving_db), read_only=True)
    try:
        first, last = con.execute(
            "select min(business_date), max(business_date) from kpi.kpi_matrix_daily"
        ).fetchone()
        if first is None or not first <= period.end <= last:
            raise ReportError(
                f"{serving_db} has nothing published for {period.end} "
                f"(kpi.kpi_matrix_daily runs from {first} to {last})"
            )
        data = report_data(con, period)
    finally:
        con.close()
    folder = report_dir(reports, period)
    folder.mkdir(parents=True, exist_ok=True)
    html = folder / "report.html"
    html.write_text(render_html(data), encoding="utf-8")
    # without Chromium (a laptop's demo) the HTML alone; .ci/run installs it
    png = screenshot(html, folder / "report.png", PAGE_WIDTH) if CHROMIUM.exists() else None
    return ReportFiles(period, html, png, data)


# -- the robot message ---------------------------------------------------------------------------
def summary(files: ReportFiles) -> tuple[str, list[str]]:
    """The message's title and lines: headlines with their change, targets missed, comments."""
    data = files.data
    period: Period = files.period
    title = f"socialmart {period.name} {period.label}"
    lines = [
        f"{h['label']} {fmt_value(h['value'], h['format'])} ({fmt_change(h['change'])} "
        f"vs {period.previous().label})"
        for h in data["headlines"]
    ]
    missed = [s for s in data["status"] if s["status"] in ("red", "amber")]
    if missed:
        lines.append("未达标: " + ", ".join(f"{s['kpi']} ({s['status']})" for s in missed))
    if data["comments_total"]:
        first = data["comments"][0]["respond_by"]
        lines.append(f"负面评论预警 {data['comments_total']} 条, 最早回复时限 {first} (北京时间)")
    return title, lines


def deliver(hook: Webhook, files: ReportFiles, base_url: str | None) -> int:
    """Post the report in the form the robot takes; returns the messages sent.

    WeCom: markdown, then the PNG itself. DingTalk: markdown with the PNG as a markdown image
    when ``base_url`` says where the reports folder is served, else its path. Feishu: text
    with the link or path (a custom bot cannot upload an image).
    """
    title, lines = summary(files)
    shown = files.png or files.html
    relative = shown.relative_to(shown.parents[2 if files.period.folder else 1])
    where = f"{base_url.rstrip('/')}/{relative.as_posix()}" if base_url else str(shown)
    if hook.kind == "wecom" and files.png:
        send(hook, title, lines)
        post(hook, image_body(files.png.read_bytes()))
        return 2
    if hook.kind == "dingtalk" and base_url and files.png:
        lines = [*lines, f"![{title}]({where})"]
    else:
        lines = [*lines, f"完整报告: {where}"]
    send(hook, title, lines)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m serving.reports",
        description="Render the reports a business date completes from the published mart.",
    )
    parser.add_argument("--date", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    parser.add_argument("--post", action="store_true", help="post to SOCIALMART_ALERT_WEBHOOK_URL")
    args = parser.parse_args(argv)
    paths = Paths.from_env()
    hook = Webhook.from_env(os.environ) if args.post else None
    for period in periods_for(args.date):
        try:
            files = write_report(paths.serving_db, paths.reports, period)
        except ReportError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"{period.name} {period.label}: {files.html} {files.png or '(no Chromium: no PNG)'}")
        if hook:
            deliver(hook, files, os.environ.get(BASE_URL_SETTING) or None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
