"""Alerts (and reports) to a group chat robot: WeCom (企业微信), DingTalk (钉钉) or Feishu (飞书).

Each service gets its own message format, signing and error envelope:

- WeCom group robot: ``{"msgtype": "markdown", "markdown": {"content": ...}}`` (content at
  most 4096 bytes), and for a picture ``{"msgtype": "image", "image": {"base64", "md5"}}``
  (at most 2 MB before encoding; 群机器人配置说明,
  https://developer.work.weixin.qq.com/document/path/91770); the key is in the URL; the
  reply is ``{"errcode": 0, "errmsg": "ok"}``.
- DingTalk custom robot: ``{"msgtype": "markdown", "markdown": {"title", "text"}}``; with a
  secret the URL gets ``timestamp`` (ms) and ``sign`` = base64(HMAC-SHA256(secret,
  "<timestamp>\\n<secret>")); reply ``{"errcode": 0, ...}``; images only as markdown
  ``![](url)`` of a picture served elsewhere
  (https://open.dingtalk.com/document/orgapp/message-type).
- Feishu custom bot: ``{"msg_type": "text", "content": {"text"}}``; with a secret the body
  gets ``timestamp`` (s) and ``sign`` = base64(HMAC-SHA256(key="<timestamp>\\n<secret>",
  msg="")); reply ``{"code": 0, ...}``. A custom bot sends no picture of its own: images
  need an ``image_key`` that only an app's token can upload (custom bot guide,
  https://open.feishu.cn/document/ukTMukTMukTM/ucTM5YjL3ETO24yNxkjN).

Configuration: ``SOCIALMART_ALERT_WEBHOOK_URL`` (none: alerts are not sent),
``SOCIALMART_ALERT_WEBHOOK_KIND`` (wecom / dingtalk / feishu; guessed from the host when
unset) and ``SOCIALMART_ALERT_WEBHOOK_SECRET`` (signing, DingTalk and Feishu). Transport
errors, 5xx, 429 and the services' rate-limit codes are retried with backoff; anything
else raises ``AlertDeliveryError`` with the service's answer.

A day's alerts go out as one message per group (alert type and scope, the ``group_key`` of
``kpi.kpi_alerts``): the groups with the most severe alerts first, each titled with its
counts per severity and listing its alerts in ``group_rank`` order (``group_alerts``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote_plus, urlsplit

import httpx

KINDS = ("wecom", "dingtalk", "feishu")
HOSTS = {
    "qyapi.weixin.qq.com": "wecom",
    "oapi.dingtalk.com": "dingtalk",
    "open.feishu.cn": "feishu",
    "open.larksuite.com": "feishu",
}
# Codes that mean "too many messages, try again later".
RATE_LIMITED = {"wecom": {45009}, "dingtalk": {130101, 410100}, "feishu": {11232, 9499}}
MAX_LINES = 20  # robots cap message size; the rest is summarised
WECOM_MARKDOWN = 4096  # bytes of markdown content (document/path/91770)
WECOM_IMAGE = 2 * 1024 * 1024  # bytes of an image before base64 (document/path/91770)
SEVERITIES = ("critical", "warning", "info")
# Groups of equal severity: comments first (they have a 30-minute deadline), then drops,
# the review flag, and the swings from the matrix down.
ALERT_TYPES = {
    "negative_comment": "negative comments",
    "engagement_drop": "engagement drops",
    "below_target_2w": "two weeks below target",
    "swing": "swings vs baseline",
}
SCOPES = ("matrix", "platform", "account", "content")


class AlertDeliveryError(Exception):
    """The robot did not take the message; the alerts stay unsent for the next run."""


@dataclass(frozen=True)
class Webhook:
    kind: str
    url: str
    secret: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Webhook | None:
        url = environ.get("SOCIALMART_ALERT_WEBHOOK_URL", "").strip()
        if not url:
            return None
        kind = environ.get("SOCIALMART_ALERT_WEBHOOK_KIND", "").strip().lower()
        kind = kind or HOSTS.get(urlsplit(url).hostname or "", "")
        if kind not in KINDS:
            raise AlertDeliveryError(
                f"SOCIALMART_ALERT_WEBHOOK_KIND must be one of {', '.join(KINDS)} "
                f"(the host of {urlsplit(url).hostname!r} does not say which robot it is)"
            )
        return cls(kind, url, environ.get("SOCIALMART_ALERT_WEBHOOK_SECRET") or None)


@dataclass(frozen=True)
class Alert:
    """One row of kpi.kpi_alerts, as much of it as a message needs."""

    alert_id: str
    alert_type: str
    scope: str
    severity: str
    message: str


@dataclass(frozen=True)
class AlertGroup:
    """A day's alerts of one type and scope, in the order they are to be read."""

    alert_type: str
    scope: str
    alerts: tuple[Alert, ...]

    def title(self, day: date) -> str:
        counts = [(s, sum(1 for a in self.alerts if a.severity == s)) for s in SEVERITIES]
        label = ALERT_TYPES.get(self.alert_type, self.alert_type)
        return f"socialmart {day} · {label} ({self.scope}): " + ", ".join(
            f"{n} {severity}" for severity, n in counts if n
        )

    def lines(self) -> list[str]:
        return [a.message for a in self.alerts]


def _rank(values: Sequence[str], value: str) -> int:
    return values.index(value) if value in values else len(values)


def group_alerts(alerts: Sequence[Alert]) -> list[AlertGroup]:
    """One group per alert type and scope, keeping the given order inside a group.

    Groups holding a more severe alert come first; among equals, ``ALERT_TYPES`` order,
    then ``SCOPES`` order (matrix before platform before account), then the names.
    """
    members: dict[tuple[str, str], list[Alert]] = {}
    for alert in alerts:
        members.setdefault((alert.alert_type, alert.scope), []).append(alert)

    def order(key: tuple[str, str]) -> tuple[int, int, int, str, str]:
        worst = min(_rank(SEVERITIES, a.severity) for a in members[key])
        types = list(ALERT_TYPES)
        return (worst, _rank(types, key[0]), _rank(SCOPES, key[1]), *key)

    return [AlertGroup(t, s, tuple(members[(t, s)])) for t, s in sorted(members, key=order)]


def markdown(title: str, lines: Sequence[str]) -> str:
    shown = [f"- {line}" for line in lines[:MAX_LINES]]
    if len(lines) > MAX_LINES:
        shown.append(f"- … and {len(lines) - MAX_LINES} more (kpi.kpi_alerts)")
    return f"### {title}\n" + "\n".join(shown)


def message_body(hook: Webhook, title: str, lines: Sequence[str]) -> dict[str, Any]:
    """The JSON body of one text message, in the form the service takes (unsigned)."""
    text = markdown(title, lines)
    if hook.kind == "wecom":
        # 群机器人配置说明 (developer.work.weixin.qq.com/document/path/91770): markdown
        # content at most 4096 bytes, UTF-8
        return {"msgtype": "markdown", "markdown": {"content": fit_bytes(text, WECOM_MARKDOWN)}}
    if hook.kind == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    return {"msg_type": "text", "content": {"text": text.replace("### ", "")}}


def image_body(png: bytes) -> dict[str, Any]:
    """A WeCom robot image message: the picture inline as base64 with the md5 of its bytes.

    Only WeCom's group robot takes an image itself (document/path/91770: msgtype image,
    ``base64`` and ``md5`` of the image before encoding, JPG or PNG, at most 2 MB); DingTalk's
    custom robot shows images by URL only and Feishu's custom bot by an image_key that only
    an app can upload.
    """
    if len(png) > WECOM_IMAGE:
        raise AlertDeliveryError(
            f"the image is {len(png)} bytes; a WeCom robot takes at most {WECOM_IMAGE}"
        )
    return {
        "msgtype": "image",
        "image": {
            "base64": base64.b64encode(png).decode(),
            "md5": hashlib.md5(png).hexdigest(),  # noqa: S324 - the robot's checksum, not security
        },
    }


def fit_bytes(text: str, limit: int) -> str:
    """The text cut at a line end so that its UTF-8 form fits in ``limit`` bytes."""
    if len(text.encode()) <= limit:
        return text
    mark = "\n…"
    kept = text.encode()[: limit - len(mark.encode())].decode(errors="ignore")
    return kept[: kept.rfind("\n")] + mark if "\n" in kept else kept


def signed(hook: Webhook, body: dict[str, Any], now: float) -> tuple[str, dict[str, Any]]:
    """The URL and body with the service's signature of ``now`` (DingTalk, Feishu)."""
    if not hook.secret or hook.kind == "wecom":
        return hook.url, body
    if hook.kind == "dingtalk":
        stamp = str(int(now * 1000))
        digest = hmac.new(
            hook.secret.encode(), f"{stamp}\n{hook.secret}".encode(), hashlib.sha256
        ).digest()
        sign = quote_plus(base64.b64encode(digest).decode())
        url = hook.url
        return f"{url}{'&' if '?' in url else '?'}timestamp={stamp}&sign={sign}", body
    stamp = str(int(now))
    digest = hmac.new(f"{stamp}\n{hook.secret}".encode(), b"", hashlib.sha256).digest()
    return hook.url, {**body, "timestamp": stamp, "sign": base64.b64encode(digest).decode()}


def _outcome(hook: Webhook, response: httpx.Response) -> tuple[bool, str]:
    """(retry?, problem) for a failed reply; ("", "") when the robot took the message."""
    if response.status_code == 429 or response.status_code >= 500:
        return True, f"HTTP {response.status_code}"
    if response.status_code != 200:
        return False, f"HTTP {response.status_code}: {response.text[:200]}"
    try:
        reply = response.json()
    except ValueError:
        return False, f"not JSON: {response.text[:200]}"
    if hook.kind == "feishu":
        code = reply.get("code", reply.get("StatusCode"))
    else:
        code = reply.get("errcode")
    if code == 0:
        return False, ""
    return code in RATE_LIMITED[hook.kind], f"{hook.kind} answered {reply}"


def send(hook: Webhook, title: str, lines: Sequence[str], **retry: Any) -> int:
    """Post one text message; returns the attempts it took. Raises AlertDeliveryError."""
    return post(hook, message_body(hook, title, lines), **retry)


def post(
    hook: Webhook,
    body: dict[str, Any],
    *,
    client: httpx.Client | None = None,
    attempts: int = 4,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Post one message body, signed anew on each attempt; returns the attempts it took."""
    own = client is None
    client = client or httpx.Client(timeout=10)
    problem = ""
    try:
        for attempt in range(1, attempts + 1):
            url, signed_body = signed(hook, body, time.time())
            try:
                response = client.post(url, json=signed_body)
            except httpx.TransportError as exc:
                retry, problem = True, f"{type(exc).__name__}: {exc}"
            else:
                retry, problem = _outcome(hook, response)
                if not problem:
                    return attempt
            if not retry or attempt == attempts:
                break
            sleep(backoff * 2 ** (attempt - 1))
    finally:
        if own:
            client.close()
    host = urlsplit(hook.url).hostname
    raise AlertDeliveryError(f"{hook.kind} robot at {host}: {problem} (after {attempt} attempts)")
