"""Weibo open API (api.weibo.com/2): the account's profile, timeline and comments.

Success is the bare object; an error is ``{"error", "error_code", "request"}`` (often with
HTTP 400/403). Auth by the ``access_token`` query parameter; timelines and comments page by
``page`` + ``count`` against ``total_number``. ``created_at`` looks like
``"Tue May 31 17:46:55 +0800 2011"`` (not RFC 2822: open.weibo.com wiki samples; research
notes B.2). Counts (followers, reposts, comments, attitudes) are totals of now, so a day is
fetched the morning after; comments carry their own time and are kept for the day they
were written.

Quota: every call counts against one authorised user's quota in our app (150 calls an hour
in the old Rate-limiting wiki revisions, 100 a day in the latest stored one:
https://open.weibo.com/wiki/index.php?title=Rate-limiting&diff=16512&oldid=14205), and the
app's calls from one IP against an hourly limit. The run's ``CALLS_PER_RUN`` are shared
fairly by the accounts (``CallBudget``), each spending at most ``CALL_BUDGET_PER_USER``;
comments are asked only for statuses of the last ``COMMENT_WINDOW_DAYS`` days that have
comments, newest first, after the status's ``since_id`` (the newest comment id loaded for
the days before: docs/sources/bilibili_weibo_wechat.md B.3, kept in ``ingestion.cursors``),
and a status's paging stops at the first comment older than the day. 10022/10023/10024 (IP /
user / user-per-API rate limit, Error_code copy in small-tou/Rabbit.js
``node_modules/snserror/index.js``) stop the platform's run with a message naming the
account: an hourly window cannot be waited out by a back-off; the next run resumes.
``error_code`` is a JSON string in the documentation (weibo_android_sdk ``ErrorInfo.java``;
Error_code wiki) and a number in some answers: both are accepted.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from ingestion.accounts import Account
from ingestion.cursors import CursorStore
from ingestion.errors import BadResponseError, QuotaExhaustedError
from ingestion.http import ApiClient, Page
from ingestion.platforms.base import ApiSource, require_snapshot_of
from ingestion.schema import RecordSchema
from ingestion.settings import SHANGHAI
from ingestion.values import parse_timestamp

DEFAULT_BASE_URL = "https://api.weibo.com"
USER_SHOW = "/2/users/show.json"
USER_TIMELINE = "/2/statuses/user_timeline.json"
COMMENTS_SHOW = "/2/comments/show.json"
AUTH_CODES = {21314, 21315, 21316, 21317, 21327, 21332}
QUOTA_CODES = {10022, 10023, 10024}
BUSY_CODES = {10001, 10009}
PAGE_SIZE = 50
# The one place the per-user call budget is declared (calls per account per run): under the
# latest documented figure (100 per user per day), leaving room for a rerun.
CALL_BUDGET_PER_USER = 60
# The run's calls of all accounts together: the per-IP hourly limit of the lowest app level
# (测试, 1,000 calls an hour: Rate-limiting oldid=4657), shared fairly (CallBudget)
CALLS_PER_RUN = 1000
COMMENT_WINDOW_DAYS = 7  # comments are fetched for statuses this recent (an assumption)

SCHEMAS = {
    "user": RecordSchema(
        required=("account_id", "idstr"),
        counts=("followers_count", "friends_count", "statuses_count"),
    ),
    "statuses": RecordSchema(
        required=("account_id", "idstr", "created_at"),
        timestamps=("created_at",),
        counts=("reposts_count", "comments_count", "attitudes_count"),
    ),
    "comments": RecordSchema(
        required=("account_id", "status_id", "idstr", "user.idstr"), timestamps=("created_at",)
    ),
}


class WeiboClient(ApiClient):
    platform = "weibo"
    busy_codes = frozenset(BUSY_CODES)
    quota_codes = frozenset(QUOTA_CODES)
    auth_codes = frozenset(AUTH_CODES)

    def check_body(self, body: Any, request: str) -> None:
        if not isinstance(body, dict):
            raise BadResponseError(f"{request}: body is not an object")
        if "error_code" not in body:
            return
        code = body["error_code"]
        if isinstance(code, str) and code.strip().isdigit():
            code = int(code)  # documented as a string
        message = f"{request}: error_code {code}: {body.get('error', '')}"
        self.raise_for_code(code, message)


class CallBudget:
    """The run's calls, shared fairly: each account in turn gets an equal share of what is
    left (so what one leaves unspent goes to the next), at most ``CALL_BUDGET_PER_USER``."""

    def __init__(self, total: int, accounts: int):
        self.left, self.accounts = total, accounts
        self.share = 0  # calls the current account may still make

    def next_account(self) -> int:
        self.share = min(CALL_BUDGET_PER_USER, self.left // max(self.accounts, 1))
        self.accounts -= 1
        return self.share

    def spend(self) -> None:
        """Take one call; BudgetSpent when the account's share is spent."""
        if self.share <= 0:
            raise BudgetSpent
        self.share -= 1
        self.left -= 1


class BudgetSpent(Exception):
    """The account's share of the run's calls is spent."""


class WeiboSource(ApiSource):
    client_class = WeiboClient
    platform = "weibo"
    schemas = SCHEMAS
    snapshot_only = True
    run_budget = CALLS_PER_RUN

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.skipped_entities: set[str] = set()
        self.skip_reasons: list[str] = []
        # rows of the day raw keeps: accounts whose share ran out, statuses not fully paged
        self.kept_items: dict[str, dict[str, set[str]]] = {}
        self.cursors = CursorStore(self.paths.cursors, self.platform, COMMENT_WINDOW_DAYS)
        self.fetched_cursors: dict[str, int] = {}  # status → newest comment id of the day

    def fetch(self, day: date, accounts: list[Account]) -> Iterator[Page]:
        self.skipped_entities, self.skip_reasons, self.fetched_cursors = set(), [], {}
        self.kept_items = {e: {"account_id": set()} for e in self.entities}
        self.kept_items["comments"]["status_id"] = set()
        budget = CallBudget(self.run_budget, len(accounts))
        for account in accounts:
            share = budget.next_account()
            try:
                # an account's pages land only once its user and whole timeline are fetched
                yield from list(self._account(day, account, budget))
            except BudgetSpent:
                for kept in self.kept_items.values():
                    kept["account_id"].add(account.account_id)
                self.skip_reasons.append(
                    f"weibo account {account.account_id}: its share of the run's calls ({share} "
                    f"of {self.run_budget}) was spent before its timeline; its day keeps what "
                    "raw has, the next run fetches it"
                )
            except QuotaExhaustedError as exc:
                raise QuotaExhaustedError(
                    f"weibo account {account.account_id}: rate limit {exc.code} reached; "
                    "stopping weibo for this run (an hourly window cannot be waited out), "
                    f"the next run resumes. {exc}",
                    code=exc.code,
                ) from exc

    def _account(self, day: date, account: Account, budget: CallBudget) -> Iterator[Page]:
        auth = {"access_token": self.token(account)}
        ctx = {"account_id": account.account_id}
        budget.spend()
        user, served_at = self.client.get_json_dated(
            USER_SHOW, {**auth, "uid": account.account_id}, {}
        )
        require_snapshot_of(self.platform, served_at, day)
        yield Page(self.platform, "user", USER_SHOW, ctx, user)
        recent: list[str] = []
        timeline = {**auth, "uid": account.account_id}
        for body, query in self._pages(USER_TIMELINE, timeline, "statuses", budget):
            for s in body.get("statuses") or []:
                made = _day_of(s.get("created_at"))
                fresh = made is not None and day - made < timedelta(days=COMMENT_WINDOW_DAYS)
                if fresh and made <= day and int(s.get("comments_count") or 0) > 0:
                    recent.append(s["idstr"])
            yield Page(self.platform, "statuses", USER_TIMELINE, {**ctx, **query}, body)
        recent = list(dict.fromkeys(recent))
        for n, status_id in enumerate(recent):
            pages = self._status_comments(auth, ctx, status_id, day, budget)
            if pages is None:  # spent: this status and the rest keep what raw has
                self.kept_items["comments"]["status_id"].update(recent[n:])
                self.skip_reasons.append(
                    f"weibo account {account.account_id}: its share of the run's calls was "
                    f"spent before the comments of {len(recent) - n} of {len(recent)} statuses; "
                    "their comments of the day keep what raw has, the next run fetches them"
                )
                return
            yield from pages

    def _status_comments(
        self, auth: dict, ctx: dict, status_id: str, day: date, budget: CallBudget
    ) -> list[Page] | None:
        """The comments of one status newer than its cursor (B.3 ``since_id``: the newest
        comment id of the days before ``day``), newest first down to the day; None when the
        budget runs out before the last page (nothing of the status is loaded)."""
        key = f"{ctx['account_id']}/{status_id}"
        since_id = self.cursors.before(key, day)
        cursor = {"since_id": since_id} if since_id else {}
        pages, newest = [], 0
        try:
            params = {**auth, "id": status_id, **cursor}
            answers = list(self._pages(COMMENTS_SHOW, params, "comments", budget, day))
        except BudgetSpent:
            return None
        for body, query in answers:
            asked = {**ctx, "status_id": status_id, **cursor, **query}
            pages.append(Page(self.platform, "comments", COMMENTS_SHOW, asked, body))
            for c in body.get("comments") or []:
                ident = str(c.get("idstr") or "")  # an int64 as a string (B.3)
                if ident.isdigit() and _day_of(c.get("created_at")) == day:
                    newest = max(newest, int(ident))
        if newest:
            self.fetched_cursors[key] = newest
        return pages

    def mark_loaded(self, day: date) -> None:
        """The day's comments are in raw: the next day's run starts after them."""
        self.cursors.record(day, self.fetched_cursors)

    def _pages(
        self,
        path: str,
        params: dict[str, Any],
        key: str,
        budget: CallBudget,
        since: date | None = None,
    ):
        """Pages newest first, each call taken from ``budget``; with ``since``, stop at the
        first item older than that day."""
        page = 1
        seen = 0
        while True:
            budget.spend()
            query = {"page": page, "count": PAGE_SIZE}
            body = self.client.get_json(path, {**params, **query}, {})
            yield body, query
            items = body.get(key) or []
            seen += len(items)
            days = [_day_of(i.get("created_at")) for i in items]
            older = since is not None and any(d is not None and d < since for d in days)
            if not items or older or seen >= int(body.get("total_number", 0)):
                return
            page += 1

    def extract(self, page: dict[str, Any], day: date) -> list[dict[str, Any]]:
        params, body, entity = page["params"], page["body"], page["entity"]
        ctx = {"account_id": params["account_id"]}
        if entity == "user":
            return [{**ctx, **body}]
        if entity == "statuses":
            return [{**ctx, **s} for s in body.get("statuses") or []]
        return [
            {**ctx, "status_id": params["status_id"], **c}
            for c in body.get("comments") or []
            if _day_of(c.get("created_at")) == day
        ]


def _day_of(value: Any) -> date | None:
    try:
        moment = parse_timestamp(value)
    except ValueError:
        return None
    return moment.astimezone(SHANGHAI).date() if moment else None
