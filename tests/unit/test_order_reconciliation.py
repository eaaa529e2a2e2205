"""The blocking order reconciliation (expectations/suites/kpi__order_reconciliation.yml) on
a hand-made warehouse: a day whose orders split exactly into content, live and unattributed
passes, to the fen; an order lost from the published layer fails that day and holds the
publish."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from expectations.runner import Suite, validate
from orchestration.checks import GATING_CHECKS

SUITE = Suite.load("kpi__order_reconciliation")
DAY, NEXT = date(2026, 11, 8), date(2026, 11, 9)

# (order, day, 分, attribution) as fct_orders has them: on DAY one content order (248.77 on a
# Kuaishou photo), one live-room order, and three unattributed ones whose fen add up to a
# value binary floats miss (0.1 + 0.2); on NEXT a single content order. Staging also holds
# o7 of DAY (99.00), cancelled by a refund: no sale, in no published table.
ORDERS = [
    ("o1", DAY, 24_877, "content"),
    ("o2", DAY, 6_287, "live"),
    ("o3", DAY, 10, "unattributed"),
    ("o4", DAY, 20, "unattributed"),
    ("o5", DAY, 35_698, "unattributed"),
    ("o6", NEXT, 1_000, "content"),
]


def build(path: Path, change: Callable[[duckdb.DuckDBPyConnection], object] | None = None):
    """The four tables the suite reads, their numbers worked out here from ORDERS: content
    248.77 on DAY (one account) and 10.00 on NEXT; unattributed 0.10 + 0.20 + 356.98 =
    357.28 on DAY, none on NEXT."""
    con = duckdb.connect(str(path))
    con.execute("create schema staging; create schema mart; create schema kpi")
    con.execute(
        "create table staging.stg_shop__orders "
        "(order_id text, business_date date, amount_fen bigint, is_cancelled boolean)"
    )
    con.executemany(
        "insert into staging.stg_shop__orders values (?, ?, ?, ?)",
        [(*o[:3], False) for o in ORDERS] + [("o7", DAY, 9_900, True)],
    )
    con.execute(
        "create table mart.fct_orders (order_id text, business_date date, amount_fen bigint, "
        "attribution text)"
    )
    con.executemany("insert into mart.fct_orders values (?, ?, ?, ?)", ORDERS)
    con.execute(
        "create table kpi.kpi_account_daily (account_key text, business_date date, "
        "content_orders bigint, content_gmv_yuan decimal(38, 2))"
    )
    con.executemany(
        "insert into kpi.kpi_account_daily values (?, ?, ?, ?)",
        [
            ("kuaishou:K", DAY, 1, Decimal("248.77")),
            ("douyin:A", DAY, 0, Decimal("0.00")),
            ("kuaishou:K", NEXT, 1, Decimal("10.00")),
        ],
    )
    con.execute(
        "create table kpi.kpi_matrix_daily (business_date date, unattributed_orders bigint, "
        "unattributed_gmv_yuan decimal(38, 2))"
    )
    con.executemany(
        "insert into kpi.kpi_matrix_daily values (?, ?, ?)",
        [(DAY, 3, Decimal("357.28")), (NEXT, 0, Decimal("0.00"))],
    )
    if change:
        change(con)
    con.close()
    return path


def test_orders_split_into_content_live_and_unattributed_to_the_fen_pass(tmp_path):
    outcome = validate(SUITE, build(tmp_path / "wh.duckdb"), DAY, NEXT)
    assert outcome.passed, outcome.metadata()


@pytest.mark.parametrize(
    "lose",
    [
        # the old join on 'douyin:' || video id: the Kuaishou photo's order reached no account
        "update kpi.kpi_account_daily set content_orders = 0, content_gmv_yuan = 0 "
        "where account_key = 'kuaishou:K' and business_date = '2026-11-08'",
        # one fen short in the unattributed total
        "update kpi.kpi_matrix_daily set unattributed_gmv_yuan = 357.27 "
        "where business_date = '2026-11-08'",
        # the live-room order dropped from the facts
        "delete from mart.fct_orders where order_id = 'o2'",
        # a paid order taken for a cancelled one
        "update staging.stg_shop__orders set is_cancelled = false where order_id = 'o7'",
    ],
)
def test_a_lost_order_fails_its_day_and_blocks_publishing(tmp_path, lose):
    warehouse = build(tmp_path / "wh.duckdb", lambda con: con.execute(lose))
    outcome = validate(SUITE, warehouse, DAY, NEXT)
    assert not outcome.passed
    (failure,) = outcome.failures
    assert [str(r["business_date"])[:10] for r in failure.sample] == [str(DAY)], failure.sample
    # the suite blocks: publishing waits for its check and a failure stops it
    assert SUITE.blocking
    assert (
        dg.AssetCheckKey(dg.AssetKey(["kpi", "kpi_matrix_daily"]), "gx_kpi__order_reconciliation")
        in GATING_CHECKS
    )
