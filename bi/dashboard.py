"""The dashboard 统一数据看板, as code: its datasets, pages, charts and filters.

Every dataset reads the published mart's KPI tables as published: a chart shows a column
(``max`` of one row per grain, which is that row's value) or a sum of a count, never a rate
re-derived here (docs/kpis.md: rates are re-derived in the mart, never averaged). The
virtual datasets only add names (platform, account, role) by joining the mart's dimensions.
Pages that show "a day" show the last published day inside the date filter's range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DASHBOARD_TITLE = "统一数据看板"
SLUG = "socialmart"


@dataclass(frozen=True)
class Dataset:
    schema: str
    table: str | None = None  # a physical dataset: the published table itself
    sql: str | None = None  # a virtual dataset: the table joined to its names
    date_column: str | None = None
    description: str | None = None

    def relation(self, key: str) -> str:
        return self.sql if self.sql else f"select * from {self.schema}.{self.table or key}"


def named(table: str, *, accounts: bool = False) -> str:
    """A KPI table with its platform's Chinese name (and the account's name and role)."""
    joins = "left join mart.dim_platform as p using (platform)"
    columns = "coalesce(p.platform_name, '全部平台') as platform_name"
    if accounts:
        joins += "\nleft join mart.dim_account as a using (account_key, platform)"
        columns += ", a.account_name, a.account_role"
    return f"select k.*, {columns}\nfrom kpi.{table} as k\n{joins}"


DATASETS: dict[str, Dataset] = {
    "kpi_matrix_daily": Dataset("kpi", date_column="business_date"),
    "kpi_status": Dataset("kpi", date_column="business_date"),
    "kpi_alerts": Dataset("kpi", date_column="business_date"),
    "platform_daily": Dataset("kpi", sql=named("kpi_platform_daily"), date_column="business_date"),
    "account_daily": Dataset(
        "kpi", sql=named("kpi_account_daily", accounts=True), date_column="business_date"
    ),
    "content_scorecard": Dataset("kpi", sql=named("kpi_content_scorecard", accounts=True)),
    "funnel_daily": Dataset("kpi", sql=named("kpi_funnel_daily"), date_column="business_date"),
    # the funnel's steps as rows, for the funnel chart (a reshaping, no arithmetic)
    "funnel_steps": Dataset(
        "kpi",
        sql="""select f.business_date, f.platform, f.largest_drop_off_step, s.step, s.people
from kpi.kpi_funnel_daily as f,
    lateral (values (1, '曝光', f.exposures), (2, '观看', f.views),
        (3, '互动', f.interactions), (4, '关注', f.follows),
        (5, '私域添加', f.private_domain_adds), (6, '下单', f.orders)) as s(n, step, people)
where f.platform = 'all'""",
        date_column="business_date",
    ),
    "kpi_user_segments": Dataset("kpi"),
    "kpi_retention_cohorts": Dataset("kpi"),
    "kpi_ltv": Dataset("kpi"),
}

# column labels shown in Superset (verbose names), Chinese as the team reads them
LABELS = {
    "business_date": "业务日期",
    "platform": "平台代码",
    "platform_name": "平台",
    "account_name": "账号",
    "account_role": "账号定位",
    "views": "播放/阅读量",
    "interactions": "互动量",
    "engagement_rate": "互动率",
    "gross_new_followers": "新增粉丝",
    "followers_total": "粉丝总数",
    "gmv_yuan": "GMV(元)",
    "total_gmv_yuan": "总GMV(元)",
    "roi": "ROI",
    "roi_label": "ROI",
    "kpi": "指标代码",
    "kpi_name": "指标",
    "scope": "范围",
    "scope_key": "对象",
    "scope_name": "对象",
    "value": "数值",
    "comparator": "比较",
    "target_value": "目标",
    "status": "状态",
    "severity": "级别",
    "alert_type": "预警类型",
    "message": "预警内容",
    "contributors": "溯源(主要贡献)",
    "contributors_share": "贡献占比",
    "title": "内容标题",
    "content_form": "内容形式",
    "topic_category": "话题类别",
    "funnel_stage": "漏斗阶段",
    "publish_date": "发布日期",
    "share_rate": "分享率",
    "completion_rate": "完播率",
    "exposures": "曝光",
    "follows": "关注",
    "private_domain_adds": "私域添加",
    "orders": "订单数",
    "view_rate": "观看率",
    "interact_rate": "互动转化率",
    "follow_rate": "关注转化率",
    "private_domain_rate": "私域转化率",
    "order_rate": "下单转化率",
    "largest_drop_off_step": "最大流失环节",
    "step": "环节",
    "people": "人数",
    "engagement_segment": "互动分层",
    "commerce_segment": "消费分层",
    "lifecycle_stage": "生命周期",
    "cohort_month": "首月",
    "month_offset": "第N月",
    "retention_rate": "留存率",
    "user_group": "人群",
    "users": "人数",
    "buyers": "购买人数",
    "ltv_yuan": "人均LTV(元)",
    "ltv_per_buyer_yuan": "买家LTV(元)",
}


# how a column's numbers are written: rates as percentages, yuan with cents, counts whole
RATES = ["engagement_rate", "share_rate", "contributors_share", "retention_rate"]
RATES += ["view_rate", "interact_rate", "follow_rate", "private_domain_rate", "order_rate"]
YUAN = ["gmv_yuan", "total_gmv_yuan", "ltv_yuan", "ltv_per_buyer_yuan"]
FORMATS = {
    **{name: ".2%" for name in RATES},
    **{name: ",.2f" for name in YUAN},
    # kpi_status mixes units (rates, counts, ratios): four significant decimals at most
    "value": ",.4~f",
    "target_value": ",.4~f",
}


def last_day(table: str) -> dict[str, Any]:
    """The last published day within the dashboard's date range (Jinja: Superset fills
    ``to_dttm`` from the range; without one, the last published day)."""
    return {
        "clause": "WHERE",
        "expressionType": "SQL",
        "sqlExpression": (
            f"business_date = (select max(business_date) from kpi.{table}"
            "{% if to_dttm %} where business_date < cast('{{ to_dttm }}' as timestamp){% endif %})"
        ),
    }


def column(name: str) -> dict[str, Any]:
    """A KPI column as published: ``max`` over the rows of one grain, i.e. that row's value."""
    return {
        "expressionType": "SQL",
        "sqlExpression": f"MAX({name})",
        "label": LABELS.get(name, name),
    }


def total(name: str) -> dict[str, Any]:
    """The sum of a count (views, people), never of a rate."""
    return {"expressionType": "SQL", "sqlExpression": f"SUM({name})", "label": LABELS[name]}


COUNT = {"expressionType": "SQL", "sqlExpression": "COUNT(*)", "label": "人数"}


@dataclass(frozen=True)
class Chart:
    title: str
    viz_type: str
    dataset: str
    params: dict[str, Any]
    width: int | None = None  # grid columns of 12; rows share them equally by default
    height: int = 50
    description: str | None = None


@dataclass(frozen=True)
class Page:
    title: str
    question: str  # what the page answers (docs/bi.md)
    rows: list[list[Chart]] = field(default_factory=list)


def big_number(title: str, name: str, number_format: str) -> Chart:
    return Chart(
        title,
        "big_number_total",
        "kpi_matrix_daily",
        {
            "metric": column(name),
            "adhoc_filters": [last_day("kpi_matrix_daily")],
            "y_axis_format": number_format,
            "header_font_size": 0.3,
            "subheader_font_size": 0.125,
        },
        height=30,
    )


def raw_table(
    title: str,
    dataset: str,
    columns: list[str],
    *,
    filters: list[dict[str, Any]] | None = None,
    order: list[tuple[str, bool]] = (),
    limit: int = 100,
    formatting: list[dict[str, Any]] | None = None,
    height: int = 60,
    width: int | None = None,
) -> Chart:
    return Chart(
        title,
        "table",
        dataset,
        {
            "query_mode": "raw",
            "all_columns": columns,
            "order_by_cols": [f'["{name}", {str(ascending).lower()}]' for name, ascending in order],
            "adhoc_filters": filters or [],
            "row_limit": limit,
            "server_page_length": 0,
            "include_search": False,
            "table_timestamp_format": "%Y-%m-%d",
            "conditional_formatting": formatting or [],
            "column_config": {
                name: {"d3NumberFormat": FORMATS[name]} for name in columns if name in FORMATS
            },
            "show_cell_bars": False,
        },
        height=height,
        width=width,
    )


def where(sql: str) -> dict[str, Any]:
    return {"clause": "WHERE", "expressionType": "SQL", "sqlExpression": sql}


def lines(title: str, name: str, number_format: str) -> Chart:
    return Chart(
        title,
        "echarts_timeseries_line",
        "platform_daily",
        {
            "x_axis": "business_date",
            "time_grain_sqla": "P1D",
            "metrics": [column(name)],
            "groupby": ["platform_name"],
            "adhoc_filters": [],
            "row_limit": 10000,
            "y_axis_format": number_format,
            "show_legend": True,
            "legendType": "scroll",
            "legendOrientation": "top",
            "x_axis_time_format": "%m-%d",
            "rich_tooltip": True,
        },
    )


def bars(title: str, dataset: str, dimension: str, metric: dict[str, Any]) -> Chart:
    return Chart(
        title,
        "echarts_timeseries_bar",
        dataset,
        {
            "x_axis": dimension,
            "metrics": [metric],
            "groupby": [],
            "adhoc_filters": [],
            "row_limit": 100,
            "orientation": "vertical",
            "show_legend": False,
            "show_value": True,
            "x_axis_sort_asc": True,
        },
    )


# green / amber / red as the status says (kpi_status judges; the dashboard only colours)
STATUS_COLOURS = [
    {"column": "status", "operator": "=", "targetValue": value, "colorScheme": colour}
    for value, colour in (("green", "#5AC189"), ("amber", "#FCC700"), ("red", "#E04355"))
]

MATRIX = Page(
    "今日矩阵",
    "How the whole account matrix did on the day: every daily-review KPI against its target "
    "(red / amber / green) and the day's alerts with the contributors behind each swing.",
    [
        [
            big_number("播放/阅读量", "views", ",d"),
            big_number("互动率", "engagement_rate", ".2%"),
            big_number("新增粉丝", "gross_new_followers", ",d"),
            big_number("总GMV(元)", "total_gmv_yuan", ",.2f"),
            big_number("ROI", "roi", ",.2f"),
        ],
        [
            raw_table(
                "KPI 达标(红黄绿)",
                "kpi_status",
                ["scope", "scope_key", "kpi_name", "value", "comparator", "target_value", "status"],
                filters=[last_day("kpi_status"), where("scope in ('matrix', 'platform')")],
                order=[("scope", True), ("scope_key", True), ("kpi", True)],
                formatting=STATUS_COLOURS,
                height=70,
            )
        ],
        [
            raw_table(
                "当日预警",
                "kpi_alerts",
                [
                    "severity",
                    "alert_type",
                    "scope_name",
                    "kpi",
                    "message",
                    "contributors",
                    "contributors_share",
                ],
                filters=[last_day("kpi_alerts")],
                order=[("group_key", True), ("group_rank", True)],
                height=70,
            )
        ],
    ],
)

PLATFORMS = Page(
    "平台对比",
    "How the platforms compare over time: views, engagement rate, followers, GMV and ROI, "
    "one line per platform, as kpi_platform_daily publishes them.",
    [
        [
            lines("播放/阅读量 按平台", "views", ",d"),
            lines("互动率 按平台", "engagement_rate", ".2%"),
        ],
        [
            lines("粉丝总数 按平台", "followers_total", ",d"),
            lines("GMV(元) 按平台", "gmv_yuan", ",.2f"),
            lines("ROI 按平台", "roi", ",.2f"),
        ],
    ],
)

ACCOUNT_COLUMNS = [
    "account_role",
    "account_name",
    "platform_name",
    "views",
    "engagement_rate",
    "gross_new_followers",
    "followers_total",
    "gmv_yuan",
    "roi_label",
]

ACCOUNTS = Page(
    "账号排行",
    "Which accounts lead within each role (主号 / 辅助号 / 知识号) on the day, by views.",
    [
        [
            raw_table(
                f"{role} 排行",
                "account_daily",
                ACCOUNT_COLUMNS,
                filters=[last_day("kpi_account_daily"), where(f"account_role = '{role}'")],
                order=[("views", False)],
                height=60,
            )
        ]
        for role in ("主号", "辅助号", "知识号")
    ],
)

CONTENT_COLUMNS = [
    "title",
    "account_name",
    "platform_name",
    "content_form",
    "topic_category",
    "publish_date",
    "views",
    "interactions",
    "engagement_rate",
    "share_rate",
]

CONTENT = Page(
    "内容记分卡",
    "Which contents carried the period and which fell flat (top and bottom by views), and "
    "where views come from by form and by topic.",
    [
        [
            raw_table(
                "播放最高 10 条",
                "content_scorecard",
                CONTENT_COLUMNS,
                filters=[where("views is not null")],
                order=[("views", False)],
                limit=10,
            ),
            raw_table(
                "播放最低 10 条",
                "content_scorecard",
                CONTENT_COLUMNS,
                filters=[where("views is not null")],
                order=[("views", True)],
                limit=10,
            ),
        ],
        [
            bars("播放量 按内容形式", "content_scorecard", "content_form", total("views")),
            bars("播放量 按话题", "content_scorecard", "topic_category", total("views")),
        ],
    ],
)

FUNNEL = Page(
    "转化漏斗",
    "Where people drop out between exposure and order on the day, and which step loses most.",
    [
        [
            Chart(
                "全平台漏斗",
                "funnel",
                "funnel_steps",
                {
                    "groupby": ["step"],
                    "metric": column("people"),
                    "adhoc_filters": [last_day("kpi_funnel_daily")],
                    "row_limit": 10,
                    "sort_by_metric": False,
                    "show_legend": False,
                    "show_labels": True,
                    "label_type": "key_value_percent",
                    "number_format": ",d",
                },
                width=5,
                height=70,
            ),
            raw_table(
                "各平台漏斗与最大流失环节",
                "funnel_daily",
                [
                    "platform_name",
                    "exposures",
                    "views",
                    "interactions",
                    "follows",
                    "private_domain_adds",
                    "orders",
                    "view_rate",
                    "interact_rate",
                    "follow_rate",
                    "private_domain_rate",
                    "order_rate",
                    "largest_drop_off_step",
                ],
                filters=[last_day("kpi_funnel_daily")],
                order=[("platform", True)],
                width=7,
                height=70,
            ),
        ]
    ],
)

USERS = Page(
    "用户",
    "Who the audience is (engagement, commerce and lifecycle segments), how monthly cohorts "
    "stay, and what a cross-platform person is worth against a single-platform one.",
    [
        [
            bars("互动分层", "kpi_user_segments", "engagement_segment", COUNT),
            bars("消费分层", "kpi_user_segments", "commerce_segment", COUNT),
            bars("生命周期", "kpi_user_segments", "lifecycle_stage", COUNT),
        ],
        [
            Chart(
                "月度留存",
                "pivot_table_v2",
                "kpi_retention_cohorts",
                {
                    "groupbyRows": ["cohort_month"],
                    "groupbyColumns": ["month_offset"],
                    "metrics": [column("retention_rate")],
                    "aggregateFunction": "Sum",
                    "valueFormat": ".1%",
                    "date_format": "%Y-%m",
                    "adhoc_filters": [],
                    "row_limit": 1000,
                    "rowTotals": False,
                    "colTotals": False,
                },
                width=7,
            ),
            raw_table(
                "LTV 跨平台 vs 单平台",
                "kpi_ltv",
                [
                    "user_group",
                    "users",
                    "buyers",
                    "orders",
                    "gmv_yuan",
                    "ltv_yuan",
                    "ltv_per_buyer_yuan",
                ],
                width=5,
                height=50,
            ),
        ],
    ],
)

PAGES = [MATRIX, PLATFORMS, ACCOUNTS, CONTENT, FUNNEL, USERS]


@dataclass(frozen=True)
class NativeFilter:
    name: str
    column: str
    filter_type: str
    dataset: str | None  # where the values come from (none for the date range)
    description: str


FILTERS = [
    NativeFilter("日期范围", "business_date", "filter_time", None, "业务日期(北京时间)"),
    NativeFilter("平台", "platform_name", "filter_select", "platform_daily", "平台"),
    NativeFilter("账号", "account_name", "filter_select", "account_daily", "账号"),
]
