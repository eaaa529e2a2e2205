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
https://open.weibo.com/wiki/index.php?title=Rate-limiting&diff=16512&oldid=14205). The run
spends at most ``CALL_BUDGET_PER_USER`` calls per account; comments are asked only for
statuses of the last ``COMMENT_WINDOW_DAYS`` days that have comments, newest first, and a
status's paging stops at the first comment older than the day. 10022/10023/10024 (IP /
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


class WeiboSource(ApiSource):
    client_class = WeiboClient
    platform = "weibo"
    schemas = SCHEMAS
    snapshot_only = True

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.skipped_entities: set[str] = set()
        self.skip_reasons: list[str] = []

    def fetch(self, day: date, accounts: list[Account]) -> Iterator[Page]:
        self.skipped_entities, self.skip_reasons = set(), []
        for account in accounts:
            try:
                yield from self._account(day, account)
            except QuotaExhaustedError as exc:
                raise QuotaExhaustedError(
                    f"weibo account {account.account_id}: rate limit {exc.code} reached; "
                    "stopping weibo for this run (an hourly window cannot be waited out), "
                    f"the next run resumes. {exc}",
                    code=exc.code,
                ) from exc

    def _account(self, day: date, account: Account) -> Iterator[Page]:
        auth = {"access_token": self.token(account)}
        ctx = {"account_id": account.account_id}
        budget = [CALL_BUDGET_PER_USER]
        user, served_at = self.client.get_json_dated(
            USER_SHOW, {**auth, "uid": account.account_id}, {}
        )
        budget[0] -= 1
        require_snapshot_of(self.platform, served_at, day)
        yield Page(self.platform, "user", USER_SHOW, ctx, user)
        recent: list[str] = []
        for body, query in self._pages(
            USER_TIMELINE, {**auth, "uid": account.account_id}, "statuses", budget
        ):
            for s in body.get("statuses") or []:
                made = _day_of(s.get("created_at"))
                fresh = made is not None and day - made < timedelta(days=COMMENT_WINDOW_DAYS)
                if fresh and made <= day and int(s.get("comments_count") or 0) > 0:
                    recent.append(s["idstr"])
            yield Page(self.platform, "statuses", USER_TIMELINE, {**ctx, **query}, body)
        for status_id in dict.fromkeys(recent):
            if budget[0] <= 0:
                self.skipped_entities.add("comments")
                self.skip_reasons.append(
                    f"weibo account {account.account_id}: call budget of "
                    f"{CALL_BUDGET_PER_USER} spent before every status's comments; comments "
                    "of the day keep what raw has, the next run fetches them"
                )
                return
            for body, query in self._pages(
                COMMENTS_SHOW, {**auth, "id": status_id}, "comments", budget, day
            ):
                yield Page(
                    self.platform,
                    "comments",
                    COMMENTS_SHOW,
                    {**ctx, "status_id": status_id, **query},
                    body,
                )

    def _pages(
        self,
        path: str,
        params: dict[str, Any],
        key: str,
        budget: list[int],
        since: date | None = None,
    ):
        """Pages newest first; with ``since``, stop at the first item older than that day."""
        page = 1
        seen = 0
        while budget[0] > 0:
            query = {"page": page, "count": PAGE_SIZE}
            body = self.client.get_json(path, {**params, **query}, {})
            budget[0] -= 1
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
