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
app's calls from one IP against an hourly limit. Both are counted per clock hour across
runs (``ingestion.quota``): the app's ``CALLS_PER_HOUR`` are shared fairly by the accounts
(``CallBudget``), each spending at most ``CALLS_PER_USER_HOUR``; an account whose share is
spent is deferred with the time it can resume, keeping what was fetched. Comments are
asked only for statuses of the last ``COMMENT_WINDOW_DAYS`` days that have comments, newest
first, after the status's ``since_id`` (the newest comment id loaded for
the days before: docs/sources/bilibili_weibo_wechat.md B.3, kept in ``ingestion.cursors``),
and a status's paging stops at the first comment older than the day. 10022/10023/10024 (IP /
user / user-per-API rate limit, Error_code copy in small-tou/Rabbit.js
``node_modules/snserror/index.js``) are not retried (a back-off cannot wait out an hourly
window): 10023/10024 defer that account for the rest of the hour, 10022 every account; the
accounts fetched before keep their day, and the first run of a later hour resumes.
Tokens: an account is authorised once (``python -m ingestion.credentials authorise weibo
<uid> --code …``, ``AUTH`` below) and its token kept in the credential store until it
expires; a static ``SOCIALMART_WEIBO_TOKEN[_<ACCOUNT>]`` stays for the demo.
``error_code`` is a JSON string in the documentation (weibo_android_sdk ``ErrorInfo.java``;
Error_code wiki) and a number in some answers: both are accepted.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from functools import partial
from typing import Any

from ingestion.accounts import Account
from ingestion.credentials import OAuth
from ingestion.cursors import CursorStore
from ingestion.errors import BadResponseError, QuotaExhaustedError
from ingestion.http import ApiClient, Page
from ingestion.platforms.base import ApiSource, require_snapshot_of
from ingestion.quota import ALL, HourLedger
from ingestion.schema import RecordSchema
from ingestion.settings import SHANGHAI
from ingestion.values import parse_timestamp

DEFAULT_BASE_URL = "https://api.weibo.com"
USER_SHOW = "/2/users/show.json"
USER_TIMELINE = "/2/statuses/user_timeline.json"
COMMENTS_SHOW = "/2/comments/show.json"
AUTH_CODES = {21314, 21315, 21316, 21317, 21327, 21332}
QUOTA_CODES = {10022, 10023, 10024}
IP_LIMIT_CODE = 10022  # the app's calls from one IP; 10023/10024 are one user's
BUSY_CODES = {10001, 10009}
# OAuth2 (docs/sources/bilibili_weibo_wechat.md B.1): POST /oauth2/access_token client_id,
# client_secret, grant_type=authorization_code, code, redirect_uri → access_token,
# expires_in (a string), uid; a web app gets no refresh token, so the account is authorised
# again before the token expires (the robot is told ALERT_DAYS before). POST
# /oauth2/get_token_info access_token → uid, appkey, scope, create_at, expire_in (seconds
# left): the expiry stored. OAuth2 errors that need a person (the OAuth2 错误码 table, copied
# at https://www.cnblogs.com/highriver/p/2260589.html): 21322 redirect_uri mismatch, 21324
# client_id or secret invalid, 21325 code invalid/expired/revoked, 21326 client not
# permitted, 21330 access denied.
OAUTH_TOKEN = "/oauth2/access_token"
TOKEN_INFO = "/oauth2/get_token_info"
CLIENT_ID = "SOCIALMART_WEIBO_CLIENT_ID"  # the app's App Key
CLIENT_SECRET = "SOCIALMART_WEIBO_CLIENT_SECRET"  # its App Secret
REDIRECT_URI = "SOCIALMART_WEIBO_REDIRECT_URI"  # the consent page's callback, as registered
AUTH = OAuth(
    CLIENT_ID,
    CLIENT_SECRET,
    OAUTH_TOKEN,
    "",  # no refresh grant for web apps
    "client_id",
    "client_secret",
    frozenset({21322, 21324, 21325, 21326, 21330}),
    redirect_setting=REDIRECT_URI,
    account_field="uid",
    info_path=TOKEN_INFO,
)
PAGE_SIZE = 50
# The one place the hourly quotas are declared, per clock hour and counted across runs
# (ingestion.quota): a user's calls in our app, 150 an hour for 测试/普通授权, and the app's
# calls from one IP, 1,000 an hour for the lowest (测试) level (Rate-limiting oldid=4657,
# diff 8148: docs/sources/bilibili_weibo_wechat.md B.5), shared fairly (CallBudget)
CALLS_PER_USER_HOUR = 150
CALLS_PER_HOUR = 1000
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
    """The hour's calls, shared fairly: each account in turn may spend an equal share of
    what the app has left this clock hour (what one leaves unspent goes to the next), at
    most what its own hourly quota has left. Every call is counted in the home's hour
    ledger, so two runs of one hour (the schedule and a backfill) share one quota."""

    def __init__(self, ledger: HourLedger, accounts: int, per_user: int, per_hour: int):
        self.ledger, self.accounts = ledger, accounts
        self.per_user, self.per_hour = per_user, per_hour
        self.account, self.share = "", 0  # the current account, the calls it may still make

    def next_account(self, account_id: str) -> None:
        held = self.ledger.read()
        own = 0 if held.stopped_for(account_id) else self.per_user - held.calls.get(account_id, 0)
        fair = (self.per_hour - held.total) // max(self.accounts, 1)
        self.account, self.share = account_id, max(0, min(own, fair))
        self.accounts -= 1

    def spend(self) -> None:
        """Take one call; Deferred when the account's share of the hour is spent."""
        if self.share <= 0 or not self.ledger.take(self.account, self.per_user, self.per_hour):
            cause = self.ledger.read().stopped_for(self.account) or (
                f"its share of this hour's calls is spent ({self.per_user} per user, "
                f"{self.per_hour} for the app per clock hour, counted across runs)"
            )
            raise Deferred(cause)
        self.share -= 1


class Deferred(Exception):
    """The account's calls stop for this clock hour; the message is the cause."""


class WeiboSource(ApiSource):
    client_class = WeiboClient
    platform = "weibo"
    schemas = SCHEMAS
    snapshot_only = True
    auth = AUTH
    calls_per_user_hour = CALLS_PER_USER_HOUR
    calls_per_hour = CALLS_PER_HOUR

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.skipped_entities: set[str] = set()
        # rows of the day raw keeps beyond accounts left out: statuses not fully paged
        self.kept_items: dict[str, dict[str, set[str]]] = {}
        self.cursors = CursorStore(self.paths.cursors, self.platform, COMMENT_WINDOW_DAYS)
        self.fetched_cursors: dict[str, int] = {}  # status → newest comment id of the day
        self.ledger = HourLedger(self.paths.quota, self.platform)

    def fetch(self, day: date, accounts: list[Account]) -> Iterator[Page]:
        self.skipped_entities, self.fetched_cursors = set(), {}
        self.kept_items = {"comments": {"status_id": set()}}  # statuses not fully paged
        budget = CallBudget(
            self.ledger, len(accounts), self.calls_per_user_hour, self.calls_per_hour
        )
        yield from self.each_account(day, accounts, partial(self._budgeted, budget))

    def _budgeted(self, budget: CallBudget, day: date, account: Account) -> Iterator[Page]:
        """An account's pages once its user and whole timeline are fetched; none when the
        hour's budget stops it first (raw keeps its day)."""
        budget.next_account(account.account_id)
        try:
            return iter(self._account(day, account, budget))
        except Deferred as cause:
            self._leave_out([account])
            self._defer(account, "before its timeline", cause, "its day keeps what raw has")
            return iter(())

    def _defer(self, account: Account, when: str, cause: Deferred, kept: str) -> None:
        self.skip_reasons.append(
            f"weibo account {account.account_id}: deferred {when}: {cause}; {kept}; it "
            f"resumes with the first run after {self.ledger.resumes_at()}"
        )

    def _call(self, path: str, params: dict[str, Any], budget: CallBudget) -> tuple[Any, Any]:
        """One call counted in the hour's budget, with its answer's time. A rate-limit code
        is not retried (a back-off cannot wait out an hourly window): 10023/10024 (this
        user) stop the account for the hour, 10022 (the app's IP) every account."""
        budget.spend()
        try:
            return self.client.get_json_dated(path, params, {})
        except QuotaExhaustedError as exc:
            if exc.code == IP_LIMIT_CODE:
                who, whose = ALL, "the app's calls from this IP (every weibo account waits)"
            else:
                who, whose = budget.account, "this user's calls"
            cause = f"rate limit {exc.code} of {whose}: {exc}"
            self.ledger.stop(who, cause)
            raise Deferred(cause) from exc

    def _account(self, day: date, account: Account, budget: CallBudget) -> list[Page]:
        auth = {"access_token": self.token(account)}
        ctx = {"account_id": account.account_id}
        user, served_at = self._call(USER_SHOW, {**auth, "uid": account.account_id}, budget)
        require_snapshot_of(self.platform, served_at, day)
        pages = [Page(self.platform, "user", USER_SHOW, ctx, user)]
        recent: list[str] = []
        timeline = {**auth, "uid": account.account_id}
        for body, query in self._pages(USER_TIMELINE, timeline, "statuses", budget):
            for s in body.get("statuses") or []:
                made = _day_of(s.get("created_at"))
                fresh = made is not None and day - made < timedelta(days=COMMENT_WINDOW_DAYS)
                if fresh and made <= day and int(s.get("comments_count") or 0) > 0:
                    recent.append(s["idstr"])
            pages.append(Page(self.platform, "statuses", USER_TIMELINE, {**ctx, **query}, body))
        recent = list(dict.fromkeys(recent))
        for n, status_id in enumerate(recent):
            try:
                pages += self._status_comments(auth, ctx, status_id, day, budget)
            except Deferred as cause:  # this status and the rest keep what raw has
                self.kept_items["comments"]["status_id"].update(recent[n:])
                when = f"before the comments of {len(recent) - n} of {len(recent)} statuses"
                self._defer(account, when, cause, "their comments of the day keep what raw has")
                break
        return pages

    def _status_comments(
        self, auth: dict, ctx: dict, status_id: str, day: date, budget: CallBudget
    ) -> list[Page]:
        """The comments of one status newer than its cursor (B.3 ``since_id``: the newest
        comment id of the days before ``day``), newest first down to the day; Deferred when
        the budget runs out before the last page (nothing of the status is loaded)."""
        key = f"{ctx['account_id']}/{status_id}"
        since_id = self.cursors.before(key, day)
        cursor = {"since_id": since_id} if since_id else {}
        pages, newest = [], 0
        params = {**auth, "id": status_id, **cursor}
        answers = list(self._pages(COMMENTS_SHOW, params, "comments", budget, day))
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
            query = {"page": page, "count": PAGE_SIZE}
            body, _ = self._call(path, {**params, **query}, budget)
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
