"""The scale generator (docs/requirements.md R-F1): the simulator's world written straight
into ``raw``.

The HTTP simulator builds every record in Python, which is right for tests and the demo and
far too slow for a year of a large matrix (tens of millions of rows). This module writes
the same raw tables the loaders write (``raw.<platform>__<entity>(business_date, record,
_ingested_at, _run_id, _source)``, one record per item as the client extracts it, phones
and emails already HMAC-hashed by ``ingestion.privacy``), generated set-wise in DuckDB SQL
from the world's one description: the accounts are ``World.account_at``, and every
parameter and formula (platform profiles, decay, rates, follower flows, people and their
identifiers, comments, orders, live sessions, ads) is ``model.py``'s, rendered as SQL.
Uniform draws come from DuckDB's ``hash`` of the same kind of keys instead of blake2b, so
the numbers are the world's distributions, not the simulator's exact values; content ids
are numbered per platform where a large matrix would make the world's random ids collide.

Where a year of a large matrix cannot be a year of daily runs, the scale world says so
(``model.Scale``'s generator-only fields):

- a content is listed and reported for ``tracked_days`` (30) days after publishing, the
  window Douyin's data API serves (its daily views are below one by then: 0.62**30);
- snapshot lists of people (WeChat followers, WeCom contacts, CRM members) are written for
  the last day of each ``generate`` call only: a daily list of millions of people for a
  year would be billions of rows;
- orders are drawn per day (``order_rate`` × buyers), buyers with replacement;
- a large matrix is mostly small accounts (``audience`` scales the peak views) and each
  WeChat user follows a couple of Official Accounts, not half of 250 (``oa_follow_slots``).

``ground_truth`` gives the people and their identifiers (phones and emails hashed as the
loaders hash them), comparable with ``mart.bridge_user_identity``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, timedelta

import duckdb
import polars as pl

from devtools.simulator import model as m
from devtools.simulator import world as w
from devtools.simulator.exports import PLATFORM_NAMES
from devtools.simulator.expr import Draw, HexId, Sql, by_key, item, lit, trunc
from devtools.simulator.model import Scale
from ingestion.erasure import ensure_tables
from ingestion.privacy import pseudonymise
from ingestion.raw import QUARANTINE, QUARANTINE_COLUMNS, RAW_COLUMNS, table_name

# The platforms whose comments are fetched; the WeCom staff (World.sources).
COMMENT_PLATFORMS = ("douyin", "weibo", "wechat_oa")
STAFF = tuple(a.account_id for a in w.World(scale="tiny").accounts_of("wecom"))
UNIT = 18446744073709551616.0  # 2**64: hash() / UNIT is uniform in [0, 1)
CHUNK_DAYS = 10  # contents are generated in blocks of publish days: bounded memory


class _Sql:
    """Uniform draws keyed like World._u: ``u('tag', expr, ...)`` in [0, 1)."""

    def __init__(self, seed: int):
        self.seed = seed

    def key(self, tag: str, *parts: str) -> str:
        # one string per key: DuckDB's multi-argument hash() combines its arguments'
        # hashes linearly, so draws under two tags of one key would be correlated
        return f"concat_ws('|', {self.seed}, {lit(tag)}, {', '.join(parts)})"

    def u(self, tag: str, *parts: str) -> Sql:
        return Sql(f"(hash({self.key(tag, *parts)}) / {UNIT})")

    def draws(self, *parts: str) -> Draw:
        """The draws of one key, for ``model``'s formulas."""
        return lambda tag: self.u(tag, *parts)

    def hexids(self, *parts: str) -> HexId:
        """``n`` bytes' worth of hex characters fixed by the key (World._hex)."""

        def hexid(n: int, tag: str) -> Sql:
            key = self.key(tag, *parts)
            return Sql(f"left(md5({key}) || md5({key} || '+'), {2 * n})")

        return hexid


def _drawn(tag: str) -> Sql:
    """A draw computed once per row into column ``u_<tag>``."""
    return Sql(f"u_{tag}")


def epoch_day(expr: str) -> str:
    """Unix seconds of local midnight (Asia/Shanghai, UTC+8 all year) of a date."""
    return f"(datediff('day', DATE '1970-01-01', {expr}) * 86400 - 28800)"


def local(expr: str) -> str:
    """Unix seconds → the naive Beijing wall-clock timestamp exports print."""
    return f"make_timestamp(cast(({expr}) + 28800 as bigint) * 1000000)"


def _accounts_frame(spec: Scale, seed: int) -> pl.DataFrame:
    world = w.World(seed=seed, scale="tiny")
    n = spec.accounts_per_platform
    accounts = [world.account_at(p, i) for p in m.PLATFORMS for i in range(n)]
    return pl.DataFrame([{"idx": i % n, **vars(a)} for i, a in enumerate(accounts)])


def generate(
    con: duckdb.DuckDBPyConnection,
    spec: Scale,
    start: date,
    end: date,
    *,
    history_start: date,
    hash_key: bytes,
    seed: int = 42,
) -> dict[str, int]:
    """Write raw rows of business days ``start``..``end`` (each day replaced as a whole).

    The history begins at ``history_start`` (followers, cumulative totals and listed
    contents count from there). Returns the rows written per raw table.
    """
    if end < start or start < history_start:
        raise ValueError(f"bad window {start}..{end} (history from {history_start})")
    g = _Generator(con, spec, seed, history_start, start, end, hash_key)
    return g.run()


class _Generator:
    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        spec: Scale,
        seed: int,
        history_start: date,
        start: date,
        end: date,
        hash_key: bytes,
    ):
        self.con, self.spec, self.s = con, spec, _Sql(seed)
        self.seed, self.history_start, self.start, self.end = seed, history_start, start, end
        self.key = hash_key
        self.rows: dict[str, int] = {}

    # -- plumbing ---------------------------------------------------------------------------
    def sql(self, text: str) -> None:
        self.con.execute(text)

    def insert(self, platform: str, entity: str, select: str) -> None:
        """``select`` yields (business_date, record json); the raw columns are added here."""
        table = table_name(platform, entity)
        done = self.con.execute(
            f"""
            insert into {table}
            select r.business_date, r.record, t.ingested_at, t.run_id,
                '{platform}/' || t.landing_file
            from ({select}) as r(business_date, record)
            join sc_stamps as t on t.day = r.business_date
            """
        )
        written = done.fetchall()[0][0]
        self.rows[table] = self.rows.get(table, 0) + written

    def prepare_tables(self) -> None:
        from ingestion.runner import raw_tables

        self.sql("create schema if not exists raw")
        for key, entity in raw_tables():
            table = table_name(key, entity)
            self.sql(f"create table if not exists {table} ({RAW_COLUMNS})")
            self.sql(
                f"delete from {table} where business_date between "
                f"DATE '{self.start}' and DATE '{self.end}'"
            )
        self.sql(f"create table if not exists {QUARANTINE} ({QUARANTINE_COLUMNS})")
        ensure_tables(self.con)

    def run(self) -> dict[str, int]:
        self.prepare_tables()
        self.base_tables()
        self.account_tables()
        self.people_tables()
        for lo, hi in self.publish_chunks():
            self.content_chunk(lo, hi)
        self.bilibili_increments()
        self.commerce_tables()
        self.snapshot_tables()
        for t in self.con.execute(
            "select table_name from duckdb_tables() where temporary and table_name like 'sc\\_%' "
            "escape '\\'"
        ).fetchall():
            self.sql(f"drop table {t[0]}")
        return dict(sorted(self.rows.items()))

    def publish_chunks(self) -> Iterator[tuple[date, date]]:
        first = max(self.history_start, self.start - timedelta(days=self.spec.tracked_days - 1))
        day = first
        while day <= self.end:
            hi = min(self.end, day + timedelta(days=CHUNK_DAYS - 1))
            yield day, hi
            day = hi + timedelta(days=1)

    # -- accounts, days, contents ---------------------------------------------------------
    def base_tables(self) -> None:
        s, spec = self.s, self.spec
        new, unfollows = m.follower_flows(Sql("a.base_followers"), s.draws("a.account_id", "d.day"))
        # each day is "loaded" at 03:00 Beijing time the next morning, one run per day
        loaded = epoch_day("day") + " + 86400 + 10800"
        self.sql(
            f"""
            create or replace temp table sc_stamps as
            select day, to_timestamp({loaded}) as ingested_at,
                'scale-' || strftime(day, '%Y%m%d') as run_id,
                'business_date=' || strftime(day, '%Y-%m-%d') || '/'
                    || strftime({local(loaded + " - 28800")}, '%Y%m%dT%H%M%S000000Z')
                    || '_scale-' || strftime(day, '%Y%m%d') || '.jsonl.gz#1' as landing_file
            from (select cast(unnest(generate_series(DATE '{self.history_start}',
                DATE '{self.end}', interval 1 day)) as date) as day)
            """
        )
        self.con.register("sc_accounts_in", _accounts_frame(spec, self.seed).to_arrow())
        self.sql("create or replace temp table sc_accounts as select * from sc_accounts_in")
        self.con.unregister("sc_accounts_in")
        self.sql(
            f"""
            create or replace temp table sc_account_days as
            with flows as (
                select a.*, d.day, {new} as new, {unfollows} as unfollows
                from sc_accounts as a
                cross join (select cast(unnest(generate_series(DATE '{self.history_start}',
                    DATE '{self.end}', interval 1 day)) as date) as day) as d
            )
            select *, base_followers + sum(new - unfollows) over (
                partition by account_id order by day rows unbounded preceding) as followers
            from flows
            """
        )
        # contents: one posting slot per account, day and slot; numbered per account
        p = spec.publish_probability
        key = "a.account_id, d.day, slot"
        own = "account_id, publish_date, slot"  # the same key, once the slot is drawn
        content_id = by_key(
            Sql("platform"),
            m.PLATFORMS,
            lambda p: m.content_id(
                p,
                s.hexids(own),
                lambda base, span: base + Sql("n") * 1000 + trunc(_drawn("content_id") * 1000),
                Sql("slot"),
            ),
        )
        drawn = ("content_id", "form", "peak", "dur", "topic", "ad", "publish_time")
        u = _drawn  # the slots' draws, columns u_<tag>
        platform = Sql("platform")
        issue = Sql(f"(datediff('day', DATE '{self.history_start}', publish_date) + 1)")
        self.sql(
            f"""
            create or replace temp table sc_contents as
            with slots as (
                select a.platform, a.account_id, a.account_name, d.day as publish_date, slot,
                    {", ".join(f"{s.u(tag, key)} as u_{tag}" for tag in drawn)}
                from sc_accounts as a
                cross join (select cast(unnest(generate_series(DATE '{self.history_start}',
                    DATE '{self.end}', interval 1 day)) as date) as day) as d
                cross join range({spec.posts_per_day}) as t(slot)
                where {s.u("publish", key)} < {p}
            ),
            numbered as (
                select *, row_number() over (
                    partition by platform order by publish_date, account_id, slot) as n,
                    row_number() over (
                    partition by account_id order by publish_date, slot) as k
                from slots
            ),
            typed as (
                select *, {m.content_form(platform, u)} as form from numbered
            )
            select
                platform, account_id, publish_date, slot, k,
                {content_id} as content_id,
                form,
                {m.title(Sql("account_name"), issue, u)} as title,
                {epoch_day("publish_date")} + {m.published_second(u)} as published_epoch,
                {m.duration_seconds(platform, Sql("form"), u)} as duration_seconds,
                {m.peak_views(platform, u, spec.audience)} as peak_views
            from typed
            """
        )
        # contents published up to each day, per account (statuses_count, arc_passed_total)
        self.sql(
            """
            create or replace temp table sc_published as
            select d.account_id, d.day, sum(coalesce(c.posted, 0)) over (
                partition by d.account_id order by d.day rows unbounded preceding) as published
            from sc_account_days as d
            left join (select account_id, publish_date as day, count(*) as posted
                from sc_contents group by all) as c using (account_id, day)
            """
        )
        self.sql(
            """
            create or replace temp table sc_bili_inc (account_id varchar, day date,
                views bigint, danmaku bigint, comments bigint, saves bigint, coins bigint,
                shares bigint, likes bigint)
            """
        )

    def window(self, column: str = "day") -> str:
        return f"{column} between DATE '{self.start}' and DATE '{self.end}'"

    def account_tables(self) -> None:
        """Per account and day: follower stats of every platform and the registry row."""
        win = self.window("d.day")
        base = f"""
            from sc_account_days as d join sc_published as p using (account_id, day)
            where {win} and d.platform = """
        date_text = "strftime(d.day, '%Y-%m-%d')"
        self.insert(
            "registry",
            "accounts",
            f"""select d.day, json_object('platform', d.platform, 'account_id', d.account_id,
                'account_name', d.account_name, 'role', d.role)
            from sc_account_days as d join sc_published as p using (account_id, day)
            where {win}""",
        )
        tables = {
            ("douyin", "fans_daily"): f"""json_object('open_id', d.account_id, 'date', {date_text},
                'new_fans', d.new, 'total_fans', d.followers)""",
            ("kuaishou", "user_info"): """json_object('account_id', d.account_id,
                'name', d.account_name, 'sex', 'F', 'fan', d.followers, 'follow', 12,
                'head', '', 'bigHead', '', 'city', '上海')""",
            ("bilibili", "user_stat"): """json_object('account_id', d.account_id,
                'following', 37, 'follower', d.followers, 'arc_passed_total', p.published)""",
            ("weibo", "user"): """json_object('account_id', d.account_id,
                'id', cast(d.account_id as bigint), 'idstr', d.account_id,
                'screen_name', d.account_name, 'followers_count', d.followers,
                'friends_count', 80, 'statuses_count', p.published)""",
            ("wechat_oa", "user_summary"): f"""json_object('account_id', d.account_id,
                'ref_date', {date_text}, 'user_source', 0, 'new_user', d.new,
                'cancel_user', d.unfollows)""",
            ("wechat_oa", "user_cumulate"): f"""json_object('account_id', d.account_id,
                'ref_date', {date_text}, 'cumulate_user', d.followers)""",
            ("wechat_channels", "follower_daily"): f"""json_object('日期', {date_text},
                '账号ID', d.account_id, '关注者总数', d.followers, '新增关注', d.new,
                '取消关注', d.unfollows, '净增关注', d.new - d.unfollows)""",
            ("xiaohongshu", "account_daily"): f"""json_object('日期', {date_text},
                '账号ID', d.account_id, '粉丝总数', d.followers, '新增粉丝', d.new,
                '取消关注', d.unfollows)""",
            # the real 关注者 export's columns (docs/sources/exports.md §3c), loader-named
            ("zhihu", "follower_daily"): f"""json_object('日期', {date_text},
                '账号ID', d.account_id, '关注者总数', d.followers, '新增关注', d.new,
                '取消关注', d.unfollows, '关注者变化', d.new - d.unfollows)""",
        }
        for (platform, entity), record in tables.items():
            self.insert(platform, entity, f"select d.day, {record} {base} '{platform}'")

    # -- people -----------------------------------------------------------------------------
    def people_tables(self) -> None:
        """World.persons, set-wise: each person's identifiers, phones and emails hashed."""
        s, spec = self.s, self.spec
        kept = ("douyin_open_id", "weibo_uid", "wechat_unionid", "wecom_external_userid")
        kept += ("phone", "crm_member_id", "email")  # the identifiers raw tables carry
        ids = m.person_ids(Sql("i"), s.draws("i"), s.hexids("i"))
        self.sql(
            f"""
            create or replace temp table sc_persons as
            select i, {m.person_id(Sql("i"))} as person_id,
                {", ".join(f"case when {ids[t][0]} then {ids[t][1]} end as {t}" for t in kept)}
            from range({spec.persons}) as t(i)
            """
        )
        # hash phones and emails exactly as the loaders do (ingestion.privacy)
        clear = self.con.sql(
            "select i, phone, email from sc_persons where phone is not null or email is not null"
        ).pl()
        hashed = pl.DataFrame(
            {
                "i": clear["i"],
                **{
                    f"{t}_hash": [pseudonymise(v, t, self.key) if v else None for v in clear[t]]
                    for t in ("phone", "email")
                },
            },
            schema={"i": pl.Int64, "phone_hash": pl.String, "email_hash": pl.String},
        )
        self.con.register("sc_hashed_in", hashed.to_arrow())
        self.sql(
            """
            create or replace temp table sc_people as
            select p.* exclude (phone, email), h.phone_hash, h.email_hash
            from sc_persons as p left join sc_hashed_in as h using (i)
            """
        )
        self.con.unregister("sc_hashed_in")
        self.sql("drop table sc_persons")
        # who follows which Official Account (World: each OA; large: a few slots)
        if spec.oa_follow_slots is None:
            follows = f"""
                select p.i, a.account_id from sc_people as p
                join sc_accounts as a on a.platform = 'wechat_oa'
                where p.wechat_unionid is not null
                    and {s.u("follows", "p.i", "a.account_id")} < {m.OA_FOLLOW_RATE}
            """
        else:
            n_oa = spec.accounts_per_platform
            follows = f"""
                select distinct p.i, a.account_id from sc_people as p
                cross join range({spec.oa_follow_slots}) as t(slot)
                join sc_accounts as a on a.platform = 'wechat_oa'
                    and a.idx = cast(floor({s.u("follow_oa", "p.i", "slot")} * {n_oa}) as int)
                where p.wechat_unionid is not null
                    and {s.u("follows", "p.i", "slot")} < {m.OA_FOLLOW_RATE}
            """
        self.sql(
            f"""
            create or replace temp table sc_openids as
            select f.i, f.account_id,
                {m.openid(s.hexids("f.i", "f.account_id"))} as openid,
                p.wechat_unionid, {m.subscribe_time(s.draws("p.person_id"))} as subscribe_time
            from ({follows}) as f join sc_people as p using (i)
            """
        )
        # commenting users of each platform, numbered (World.persons_with)
        self.sql(
            """
            create or replace temp table sc_authors as
            select 'douyin' as platform, '' as author_key, douyin_open_id as user_id,
                row_number() over (order by i) - 1 as n
            from sc_people where douyin_open_id is not null
            union all
            select 'weibo', '', weibo_uid, row_number() over (order by i) - 1
            from sc_people where weibo_uid is not null
            union all
            select 'wechat_oa', account_id, openid,
                row_number() over (partition by account_id order by i) - 1
            from sc_openids
            """
        )
        self.sql(
            """
            create or replace temp table sc_author_counts as
            select platform, author_key, count(*) as authors from sc_authors group by all
            """
        )

    # -- contents and their days --------------------------------------------------------------
    def content_chunk(self, lo: date, hi: date) -> None:
        """Contents published lo..hi: their daily metrics, listings, exports and comments."""
        s, spec = self.s, self.spec
        views = m.content_views(Sql("c.peak_views"), Sql("c.age"), s.draws("c.content_id", "c.day"))
        metrics = m.content_metrics(
            Sql("platform"), Sql("views"), Sql("duration_seconds"), s.draws("content_id", "day")
        )
        self.sql(
            f"""
            create or replace temp table sc_content_days as
            with days as (
                select c.*, c.publish_date + cast(t.age as integer) as day,
                    cast(t.age as integer) as age
                from sc_contents as c
                cross join range({spec.tracked_days}) as t(age)
                where c.publish_date between DATE '{lo}' and DATE '{hi}'
                    and c.publish_date + cast(t.age as integer) <= DATE '{self.end}'
            ),
            viewed as (
                select c.*, {views} as views from days as c
            ),
            metrics as (
                select *, {", ".join(f"{v} as {k}" for k, v in metrics.items() if k != "views")}
                from viewed
            )
            select *,
                {" , ".join(f"sum({k}) over lifetime as {k}_total" for k in m.CONTENT_METRICS)},
                {
                " , ".join(
                    f"sum({k}) over last30 as {k}_30d"
                    for k in ("views", "likes", "comments", "shares", "watch_seconds")
                )
            }
            from metrics
            window lifetime as (partition by content_id order by day rows unbounded preceding),
                -- Douyin's item base: the 30 days up to the day (douyin_shop_kuaishou.md A.4)
                last30 as (partition by content_id order by day rows 29 preceding)
            """
        )
        self.content_tables()
        self.comment_tables()
        self.sql(
            f"""
            insert into sc_bili_inc
            select account_id, day, sum(views), sum(danmaku), sum(comments), sum(saves),
                sum(coins), sum(shares), sum(likes)
            from sc_content_days where platform = 'bilibili' and {self.window()}
            group by all
            """
        )

    def content_tables(self) -> None:
        s = self.s
        src = f"from sc_content_days as c where {self.window('c.day')} and c.platform = "
        date_text = "strftime(c.day, '%Y-%m-%d')"
        rate = (
            "case when c.views > 0 then printf('%.1f%%', 100.0 * c.completions / c.views) "
            "else '-' end"
        )
        avg1 = (
            "case when c.views > 0 then to_json(round(c.watch_seconds / c.views, 1)) "
            "else to_json(0) end"
        )
        total_rate = (
            "case when c.views_total > 0 then "
            "printf('%.2f%%', 100.0 * c.completions_total / c.views_total) else '0.00%' end"
        )
        total_avg = (
            "case when c.views_total > 0 then "
            "to_json(round(c.watch_seconds_total / c.views_total, 2)) else to_json(0) end"
        )
        question = m.zhihu_question(Sql("cast(c.content_id as bigint)"))
        tables = {
            ("douyin", "videos"): """json_object('open_id', c.account_id, 'item_id', c.content_id,
                'title', c.title, 'create_time', c.published_epoch, 'video_status', 1,
                'is_top', false, 'media_type', 4, 'statistics', json_object(
                    'play_count', c.views_total, 'digg_count', c.likes_total,
                    'comment_count', c.comments_total, 'share_count', c.shares_total,
                    'forward_count', 0, 'download_count', 0))""",
            ("kuaishou", "photos"): """json_object('account_id', c.account_id,
                'photo_id', c.content_id, 'caption', c.title, 'cover', '', 'play_url', '',
                'create_time', c.published_epoch * 1000, 'view_count', c.views_total,
                'like_count', c.likes_total, 'comment_count', c.comments_total,
                'pending', false)""",
            ("bilibili", "archives"): """json_object('account_id', c.account_id,
                'resource_id', c.content_id, 'title', c.title, 'cover', '', 'tid', 201,
                'tag', '品牌,日常', 'desc', '', 'copyright', 1,
                'ctime', c.published_epoch - 600, 'ptime', c.published_epoch,
                'video_info', json_object('cid', 0, 'filename', '',
                    'duration', c.duration_seconds),
                'addit_info', json_object('state', 0, 'state_desc', '', 'reject_reason', ''))""",
            ("bilibili", "arc_stat"): """json_object('account_id', c.account_id,
                'resource_id', c.content_id, 'view', c.views_total, 'danmaku', c.danmaku_total,
                'reply', c.comments_total, 'favorite', c.saves_total, 'coin', c.coins_total,
                'share', c.shares_total, 'like', c.likes_total)""",
            # the works list's totals since publication, loader-named (exports.py CHANNELS_LIST)
            ("wechat_channels", "video_daily"): f"""json_object('视频描述', c.title,
                '视频ID', c.content_id,
                '发布时间', strftime({local("c.published_epoch")}, '%Y-%m-%d 00:00:00'),
                '完播率', {total_rate}, '平均播放时长(秒)', {total_avg},
                '播放量', c.views_total, '推荐', {m.channels_recommends(Sql("c.likes_total"))},
                '喜欢', c.likes_total, '评论', c.comments_total, '分享', c.shares_total,
                '新增关注', c.follows_total, '转发聊天和朋友圈', 0, '设为铃声', 0, '设为状态', 0,
                '设为朋友圈封面', 0, '企微链接点击次数', '', '企微链接点击人数', '',
                '添加到通讯录次数', '', '添加到通讯录人数', '', '日期', {date_text},
                '账号ID', c.account_id)""",
            ("xiaohongshu", "note_daily"): f"""json_object('日期', {date_text},
                '账号ID', c.account_id, '笔记ID', c.content_id, '笔记标题', c.title,
                '首次发布时间', strftime({local("c.published_epoch")}, '%Y-%m-%d %H:%M:%S'),
                '体裁', case when c.form = 'video_note' then '视频' else '图文' end,
                '曝光', c.impressions, '观看量', c.views, '点赞', c.likes, '评论', c.comments,
                '收藏', c.saves, '分享', c.shares, '涨粉', c.follows,
                '人均观看时长(秒)', {avg1},
                '完播率', case when c.form = 'video_note' then {rate} else '-' end)""",
            # the 文章 / 回答 lists' totals, loader-named (exports.py ZHIHU_LISTS; 播放 on answers)
            ("zhihu", "content_daily"): f"""json_merge_patch(json_object('标题', c.title,
                '发布时间', strftime({local("c.published_epoch")}, '%Y-%m-%d 00:00:00'),
                '链接', case when c.form = 'answer'
                    then 'https://www.zhihu.com/question/' || {question} || '/answer/'
                        || c.content_id
                    else 'https://zhuanlan.zhihu.com/p/' || c.content_id end,
                '阅读量', c.views_total, '赞同', c.likes_total,
                '喜欢', {m.zhihu_favourites(Sql("c.likes_total"))}, '评论', c.comments_total,
                '收藏', c.saves_total, '分享', c.shares_total, '日期', {date_text},
                '账号ID', c.account_id, '内容ID', c.content_id,
                '内容类型', case when c.form = 'answer' then '回答' else '文章' end),
                case when c.form = 'answer' then json_object('播放', 0) else json_object() end)""",
        }
        for (platform, entity), record in tables.items():
            self.insert(platform, entity, f"select c.day, {record} {src} '{platform}'")
        # Douyin reports item data only for videos of the last 30 days (A.4): the four dated
        # series' values of the day and the base's 30-day snapshot, as the client lands them
        # (ingestion/platforms/douyin.py; douyin_shop_kuaishou.md A.4, A.5)
        douyin_daily = f"""json_object('open_id', c.account_id,
                'item_id', c.content_id, 'date', {date_text},
                'play', case when {s.u("str", "c.content_id", "c.day")} < {m.STRING_PLAY_RATE}
                    then to_json(cast(c.views as varchar)) else to_json(c.views) end,
                'like', c.likes, 'comment', c.comments, 'share', c.shares,
                'base', json_object('total_play', c.views_30d, 'total_like', c.likes_30d,
                    'total_comment', c.comments_30d, 'total_share', c.shares_30d,
                    'avg_play_duration', case when c.views_30d > 0
                        then round(c.watch_seconds_30d / c.views_30d, 2) else 0 end))"""
        self.insert(
            "douyin", "video_daily", f"select c.day, {douyin_daily} {src} 'douyin' and c.age < 30"
        )
        # Weibo statuses carry the account's user object of the day
        self.insert(
            "weibo",
            "statuses",
            f"""
            select c.day, json_object('account_id', c.account_id,
                'created_at', strftime({local("c.published_epoch")}, '%a %b %d %H:%M:%S +0800 %Y'),
                'id', cast(c.content_id as bigint), 'idstr', c.content_id, 'mid', c.content_id,
                'text', c.title, 'source', '微博 weibo.com', 'reposts_count', c.shares_total,
                'comments_count', c.comments_total, 'attitudes_count', c.likes_total,
                'user', json_object('id', cast(c.account_id as bigint), 'idstr', c.account_id,
                    'screen_name', a.account_name, 'followers_count', a.followers,
                    'friends_count', 80, 'statuses_count', p.published))
            from sc_content_days as c
            join sc_account_days as a using (account_id, day)
            join sc_published as p using (account_id, day)
            where {self.window("c.day")} and c.platform = 'weibo'
            """,
        )
        # the datacube lists an article on the days it was read
        readers, sharers = m.oa_readers(Sql("c.views"), Sql("c.shares"))
        self.insert(
            "wechat_oa",
            "article_daily",
            f"""
            select c.day, json_object('account_id', c.account_id, 'ref_date', {date_text},
                'msgid', c.content_id, 'title', c.title,
                'int_page_read_user', {readers},
                'int_page_read_count', c.views, 'ori_page_read_user', 0,
                'ori_page_read_count', 0, 'share_user', {sharers},
                'share_count', c.shares, 'add_to_fav_user', c.saves, 'add_to_fav_count', c.saves)
            {src} 'wechat_oa' and c.views > 0
            """,
        )

    def comment_tables(self) -> None:
        """World._make_comments: each of the day's comments by a user of that platform."""
        s = self.s
        key = "c.content_id, c.day, n"
        x = m.comment(s.draws(key))
        self.sql(
            f"""
            create or replace temp table sc_comments as
            with expanded as (
                select c.platform, c.account_id, c.content_id, c.day,
                    case when c.platform = 'wechat_oa' then c.account_id else '' end
                        as author_key,
                    unnest(range(c.comments)) as n
                from sc_content_days as c
                where {self.window("c.day")} and c.comments > 0
                    and c.platform in ({", ".join(lit(p) for p in COMMENT_PLATFORMS)})
            ),
            drawn as (
                select c.*,
                    {s.hexids(key)(8, "comment")} as comment_id,
                    hash({s.key("comment_no", key)}) as comment_no,
                    {x["author"]} as u_author, {x["text"]} as text,
                    {epoch_day("c.day")} + {x["second"]} as created_epoch, {x["likes"]} as likes
                from expanded as c
            )
            select d.*, a.user_id
            from drawn as d
            join sc_author_counts as k using (platform, author_key)
            join sc_authors as a
                on a.platform = d.platform and a.author_key = d.author_key
                and a.n = cast(floor(d.u_author * k.authors) as bigint)
            """
        )
        self.insert(
            "douyin",
            "comments",
            """select day, json_object('open_id', account_id, 'item_id', content_id,
                'comment_id', comment_id, 'comment_user_id', user_id, 'content', text,
                'create_time', created_epoch, 'digg_count', likes, 'reply_comment_total', 0,
                'top', false)
            from sc_comments where platform = 'douyin'""",
        )
        self.insert(
            "weibo",
            "comments",
            f"""select day, json_object('account_id', account_id, 'status_id', content_id,
                'created_at', strftime({local("created_epoch")}, '%a %b %d %H:%M:%S +0800 %Y'),
                'id', comment_no, 'idstr', cast(comment_no as varchar),
                'text', text, 'user', json_object('id', cast(user_id as bigint), 'idstr', user_id))
            from sc_comments where platform = 'weibo'""",
        )
        self.insert(
            "wechat_oa",
            "comments",
            """select day, json_object('account_id', account_id,
                'msg_data_id', split_part(content_id, '_', 1),
                'index', cast(split_part(content_id, '_', 2) as int) - 1,
                'user_comment_id', comment_no % 4294967296, 'openid', user_id,
                'create_time', created_epoch, 'content', text, 'comment_type', 0,
                'reply', json_object())
            from sc_comments where platform = 'wechat_oa'""",
        )

    def bilibili_increments(self) -> None:
        self.insert(
            "bilibili",
            "arc_inc_stats",
            f"""
            select d.day, json_object('account_id', d.account_id,
                'inc_click', coalesce(i.views, 0), 'inc_dm', coalesce(i.danmaku, 0),
                'inc_reply', coalesce(i.comments, 0), 'inc_fav', coalesce(i.saves, 0),
                'inc_coin', coalesce(i.coins, 0), 'inc_share', coalesce(i.shares, 0),
                'inc_like', coalesce(i.likes, 0), 'inc_elec', 0)
            from sc_account_days as d
            left join (select account_id, day, sum(views) as views, sum(danmaku) as danmaku,
                    sum(comments) as comments, sum(saves) as saves, sum(coins) as coins,
                    sum(shares) as shares, sum(likes) as likes
                from sc_bili_inc group by all) as i using (account_id, day)
            where d.platform = 'bilibili' and {self.window("d.day")}
            """,
        )

    # -- commerce: live sessions, ad spend, shop orders ---------------------------------------
    def commerce_tables(self) -> None:
        s, spec = self.s, self.spec
        key = "d.account_id, d.day"
        names = " ".join(f"when '{k}' then '{v}'" for k, v in PLATFORM_NAMES.items())
        ad = m.ad_day(s.draws(key))
        live = m.live_session(Sql("d.base_followers"), s.draws(key))
        numbers = ("viewers", "peak_online", "new_followers", "orders", "gmv_fen")
        self.sql(
            f"""
            create or replace temp table sc_live as
            select d.platform, d.account_id, d.day,
                cast({live["room_id"]} as varchar) as room_id,
                {epoch_day("d.day")} + 19 * 3600 + {live["start_minute"]} * 60 as started,
                {live["minutes"]} * 60 as seconds,
                {", ".join(f"{live[k]} as {k}" for k in numbers)}
            from sc_account_days as d
            where d.platform in ({", ".join(lit(p) for p in m.LIVE_PLATFORMS)})
                and d.role = {lit(m.ROLES[0])} and {self.window("d.day")}
                and {s.u("live", key)} < {m.LIVE_RATE}
            """
        )
        self.insert(
            "live",
            "sessions",
            f"""
            select day, json_object('日期', strftime(day, '%Y-%m-%d'),
                '平台', case platform {names} end, '账号ID', account_id, '直播间ID', room_id,
                '开播时间', strftime({local("started")}, '%Y-%m-%d %H:%M:%S'),
                '关播时间', strftime({local("started + seconds")}, '%Y-%m-%d %H:%M:%S'),
                '观看人次', viewers, '最高在线人数', peak_online, '新增粉丝', new_followers,
                '成交订单数', orders, '成交金额(元)', printf('%.2f', gmv_fen / 100))
            from sc_live
            """,
        )
        self.insert(
            "ads",
            "spend_daily",
            f"""
            with drawn as (
                select d.*, {", ".join(f"{v} as {k}" for k, v in ad.items())}
                from sc_account_days as d
                where {self.window("d.day")} and {s.u("ads_on", key)} < {m.ADS_RATE}
            )
            select day, json_object('日期', strftime(day, '%Y-%m-%d'),
                '平台', case platform {names} end, '账号ID', account_id,
                '计划ID', cast({m.campaign_id(s.draws("account_id"))} as varchar),
                '计划名称', account_name || '-拉新计划',
                '消耗(元)', printf('%.2f', spend_fen / 100),
                '展示数', impressions, '点击数', clicks, '转化数', conversions)
            from drawn
            """,
        )
        placeholder = pseudonymise(m.PLACEHOLDER_PHONE, "phone", self.key)
        buyers = self.con.execute(
            "select count(*) from sc_people where douyin_open_id is not null"
        ).fetchall()[0][0]
        per_day = math.floor(spec.order_rate * buyers)
        n_douyin = spec.accounts_per_platform
        order = m.order(s.draws("d.day", "n"))
        tracked = spec.tracked_days
        content, attributed = m.ORDER_CONTENT_SHARE, m.ORDER_ATTRIBUTED_SHARE
        self.sql(
            f"""
            create or replace temp table sc_orders as
            with drawn as (
                select d.day, n,
                    cast(floor({s.u("buyer", "d.day", "n")} * {buyers}) as bigint) as buyer_n,
                    {order["amount_fen"]} as amount_fen, {order["channel"]} as channel,
                    cast(floor({order["account"]} * {n_douyin}) as int) as account_idx,
                    {order["content"]} as u_pick, {order["placeholder_phone"]} as placeholder_phone,
                    {epoch_day("d.day")} + {order["paid_second"]} as paid_epoch,
                    cast({order["order_id"]} as varchar) as order_id
                from (select cast(unnest(generate_series(DATE '{self.start}', DATE '{self.end}',
                    interval 1 day)) as date) as day) as d
                cross join range({per_day}) as t(n)
            ),
            buyers as (
                select douyin_open_id, phone_hash, row_number() over (order by i) - 1 as buyer_n
                from sc_people where douyin_open_id is not null
            ),
            listed as (
                -- the account's contents listed that day: numbers (lo, hi] of its sequence
                select a.idx as account_idx, a.account_id, p.day,
                    coalesce(before.published, 0) as lo, p.published as hi
                from sc_accounts as a
                join sc_published as p using (account_id)
                left join sc_published as before
                    on before.account_id = a.account_id and before.day = p.day - {tracked}
                where a.platform = 'douyin' and {self.window("p.day")}
            ),
            rooms as (
                select day, min(room_id) as room_id from sc_live where platform = 'douyin'
                group by day
            )
            select o.*, b.douyin_open_id,
                case when o.placeholder_phone then {lit(placeholder or "")} else b.phone_hash end
                    as phone_hash,
                case when o.channel < {content} then c.content_id end as content_id,
                case when o.channel >= {content} and o.channel < {attributed} then r.room_id end
                    as room_id
            from drawn as o
            join buyers as b using (buyer_n)
            left join listed as l on l.account_idx = o.account_idx and l.day = o.day
                and o.channel < {content}
            left join sc_contents as c on c.account_id = l.account_id and l.hi > l.lo
                and c.k = l.lo + 1 + cast(floor(o.u_pick * (l.hi - l.lo)) as bigint)
            left join rooms as r on r.day = o.day
            """
        )
        self.insert(
            "shop",
            "orders",
            f"""
            select day, json_object('order_id', order_id, 'order_status', 3,
                'order_status_desc', '已发货', 'doudian_open_id', douyin_open_id,
                'pay_amount', amount_fen, 'order_amount', amount_fen,
                'create_time', paid_epoch - 60, 'pay_time', paid_epoch,
                'b_type', 2, 'b_type_desc', '抖音',
                'c_biz', case when content_id is not null or room_id is not null then 1 else 0 end,
                'sku_order_list', json_array(json_object('product_name', '品牌爆款',
                    'item_num', 1, 'pay_amount', amount_fen,
                    'video_id', coalesce(content_id, ''), 'room_id', coalesce(room_id, ''))),
                'post_tel_hash', phone_hash,
                -- as the client lands an order without a phone (ingestion/platforms/shop.py)
                'post_tel_missing', case when phone_hash is null then 'no phone' end)
            from sc_orders
            where day between DATE '{self.start}' and DATE '{self.end}'
            """,
        )

    # -- people lists: a snapshot of the last day -------------------------------------------
    def snapshot_tables(self) -> None:
        s, spec = self.s, self.spec
        day = f"DATE '{self.end}'"
        span = max(m.WECOM_ADDED_SPAN, spec.days + 60)
        crm_span = max(m.CRM_JOINED_SPAN, spec.days + 60)
        member = m.member(s.draws("p.person_id"), crm_span)
        self.insert(
            "wechat_oa",
            "followers",
            f"""
            select {day}, json_object('account_id', account_id, 'subscribe', 1,
                'openid', openid, 'language', 'zh_CN', 'subscribe_time', subscribe_time,
                'unionid', wechat_unionid, 'remark', '', 'subscribe_scene', 'ADD_SCENE_SEARCH')
            from sc_openids
            """,
        )
        contact = m.contact(s.draws("p.person_id"), len(STAFF), span)
        self.insert(
            "wecom",
            "contacts",
            f"""
            with contacts as (
                select p.*, {item(STAFF, contact["staff"])} as staff,
                    DATE '{self.history_start}' + cast({contact["added"]} as int) as added,
                    {contact["noted"]} as noted
                from sc_people as p where p.wecom_external_userid is not null
            )
            select {day}, json_object('account_id', staff, 'external_contact', json_object(
                    'external_userid', wecom_external_userid,
                    'name', '客户' || right(person_id, 4), 'type', 1, 'gender', 2,
                    'unionid', wechat_unionid),
                'follow_info', json_object('userid', staff, 'remark', '',
                    'createtime', {epoch_day("added")} + 36000, 'add_way', 1,
                    'tag_id', json_array(),
                    'remark_mobiles_hash', case when noted and phone_hash is not null
                        then to_json([phone_hash]) else json_array() end))
            from contacts where added <= {day}
            """,
        )
        self.insert(
            "crm",
            "members",
            f"""
            with members as (
                select p.*,
                    DATE '{self.history_start}' + cast({member["joined"]} as int) as joined,
                    {member["tier"]} as tier, {member["points"]} as points
                from sc_people as p where p.crm_member_id is not null
            )
            select {day}, json_object('日期', strftime({day}, '%Y-%m-%d'),
                '会员ID', crm_member_id, 'unionid', coalesce(wechat_unionid, ''),
                '注册时间', strftime(joined, '%Y-%m-%d') || ' 10:00:00',
                '会员等级', tier, '积分', cast(points as varchar),
                '手机号_hash', phone_hash, '邮箱_hash', email_hash)
            from members where joined <= {day}
            """,
        )


def ground_truth(
    con: duckdb.DuckDBPyConnection, spec: Scale, *, hash_key: bytes, seed: int = 42
) -> pl.DataFrame:
    """Every person's identifiers as the warehouse names them (``person_id, id_type,
    id_value``): the identity ground truth at this scale."""
    g = _Generator(con, spec, seed, date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 1), hash_key)
    con.register("sc_accounts_in", _accounts_frame(spec, seed).to_arrow())
    con.execute("create or replace temp table sc_accounts as select * from sc_accounts_in")
    con.unregister("sc_accounts_in")
    g.people_tables()
    out = con.sql(
        """
        select person_id, id_type, id_value from (
            unpivot (select person_id, douyin_open_id, weibo_uid, wechat_unionid,
                    wecom_external_userid, phone_hash, crm_member_id, email_hash
                from sc_people)
            on douyin_open_id, weibo_uid, wechat_unionid, wecom_external_userid, phone_hash,
                crm_member_id, email_hash
            into name id_type value id_value
        )
        union all
        select p.person_id, 'wechat_openid:' || o.account_id, o.openid
        from sc_openids as o join sc_people as p using (i)
        """
    ).pl()
    for table in ("sc_people", "sc_openids", "sc_authors", "sc_author_counts", "sc_accounts"):
        con.execute(f"drop table if exists {table}")
    return out


def history(spec: Scale, end: date | None = None) -> tuple[date, date]:
    """The scale's history window: ``days`` days from 2026-01-01 (the first partition)."""
    start = date(2026, 1, 1)
    return start, end or start + timedelta(days=spec.days - 1)
