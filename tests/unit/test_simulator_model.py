"""The simulator's world is described once: each formula of ``model.py`` gives the same
number whether World evaluates it in Python or the scale generator renders it as SQL."""

from __future__ import annotations

import random

import duckdb
import pytest

from devtools.simulator import model as m
from devtools.simulator.expr import Sql, lit

TAGS = "followers new unf form dur peak v l c s f coin dm done w imp fo topic ad publish_time"
TAGS += " douyin kuaishou ks_id bilibili mid weibo uid xiaohongshu zhihu wechat wecom phone p0"
TAGS += " p1 crm email tone crisis txt at clikes author owner added remark join tier points"
TAGS += " oid amount channel acct pick order_phone paid room live_start len viewers live_orders"
TAGS += " aov ad_imp ctr cpc cvr cid sub content_id"


def formulas(platform: object, u, hexid) -> dict[str, object]:
    """Every formula of the world at one key, flattened to name → value."""
    form = m.content_form(platform, u)
    duration = m.duration_seconds(platform, form, u)
    peak = m.peak_views(platform, u, 0.5)
    views = m.content_views(peak, 3, u)
    new, unfollows = m.follower_flows(m.base_followers(u), u)
    out: dict[str, object] = {
        "form": form,
        "duration": duration,
        "peak": peak,
        "title": m.title("某账号", 7, u),
        "second": m.published_second(u),
        "new": new,
        "unfollows": unfollows,
        "recommends": m.channels_recommends(views),
        "favourites": m.zhihu_favourites(views),
        "readers": m.oa_readers(views, views)[0],
        "person_id": m.person_id(12),
        "openid": m.openid(hexid),
        "subscribe_time": m.subscribe_time(u),
        "campaign_id": m.campaign_id(u),
    }
    out |= {f"metric_{k}": v for k, v in m.content_metrics(platform, views, duration, u).items()}
    for name, part in (
        ("comment", m.comment(u)),
        ("contact", m.contact(u, 2)),
        ("member", m.member(u)),
        ("order", m.order(u)),
        ("live", m.live_session(50_000, u)),
        ("ad", m.ad_day(u)),
    ):
        out |= {f"{name}_{k}": v for k, v in part.items()}
    for id_type, (has, value) in m.person_ids(12, u, hexid).items():
        out |= {f"has_{id_type}": has, id_type: value}
    return out


@pytest.mark.parametrize("platform", m.PLATFORMS)
@pytest.mark.parametrize("seed", range(5))
def test_python_and_sql_compute_the_same_world(platform: str, seed: int) -> None:
    rng = random.Random(seed)
    draws = {tag: rng.random() for tag in TAGS.split()}
    draws["peak"] = 0.9995 if seed == 0 else draws["peak"]  # a capped hit

    def hexid(n: int, tag: str) -> str:
        return (tag.encode().hex() * n)[: 2 * n]

    in_python = formulas(platform, lambda tag: draws[tag], hexid)
    in_sql = formulas(
        Sql(lit(platform)),
        lambda tag: Sql(lit(draws[tag])),
        lambda n, tag: Sql(lit(hexid(n, tag))),
    )
    names = list(in_sql)
    (row,) = duckdb.sql(
        "select " + ", ".join(f"{lit(in_sql[k])} as c{i}" for i, k in enumerate(names))
    ).fetchall()
    assert dict(zip(names, row, strict=True)) == in_python
