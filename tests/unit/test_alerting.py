"""Alert delivery to WeCom, DingTalk and Feishu robots, against a receiver on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest

from serving.alerting import AlertDeliveryError, Webhook, send
from tests.helpers import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


def no_sleep(_: float) -> None:
    pass


def test_wecom_markdown_is_retried_after_a_server_error(receiver: Receiver):
    receiver.replies = [(502, {}), (200, {"errcode": 0, "errmsg": "ok"})]
    hook = Webhook("wecom", f"{receiver.url}/cgi-bin/webhook/send?key=abc")
    assert send(hook, "socialmart 2026-11-23: 1 critical", ["[critical] 假货"], sleep=no_sleep) == 2
    path, body = receiver.requests[-1]
    assert path == "/cgi-bin/webhook/send?key=abc"
    assert body == {
        "msgtype": "markdown",
        "markdown": {"content": "### socialmart 2026-11-23: 1 critical\n- [critical] 假货"},
    }


def test_dingtalk_is_signed_in_the_url(receiver: Receiver):
    receiver.replies = [(200, {"errcode": 0, "errmsg": "ok"})]
    hook = Webhook("dingtalk", f"{receiver.url}/robot/send?access_token=t", secret="SECabc")
    send(hook, "title", ["a", "b"], sleep=no_sleep)
    path, body = receiver.requests[0]
    query = parse_qs(urlsplit(path).query)
    stamp = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(b"SECabc", f"{stamp}\nSECabc".encode(), hashlib.sha256).digest()
    ).decode()
    assert unquote_plus(urlsplit(path).query.split("sign=")[1]) == expected
    assert body["msgtype"] == "markdown" and body["markdown"]["title"] == "title"
    assert body["markdown"]["text"].endswith("- a\n- b")


def test_feishu_is_signed_in_the_body_and_its_rate_limit_is_retried(receiver: Receiver):
    receiver.replies = [(200, {"code": 11232, "msg": "frequency limited"}), (200, {"code": 0})]
    hook = Webhook("feishu", f"{receiver.url}/open-apis/bot/v2/hook/x", secret="s3cret")
    assert send(hook, "title", ["a"], sleep=no_sleep) == 2
    _, body = receiver.requests[-1]
    expected = base64.b64encode(
        hmac.new(f"{body['timestamp']}\ns3cret".encode(), b"", hashlib.sha256).digest()
    ).decode()
    assert body["sign"] == expected
    assert body["msg_type"] == "text" and body["content"]["text"] == "title\n- a"


def test_a_refused_message_is_an_error_naming_the_answer(receiver: Receiver):
    receiver.replies = [(200, {"errcode": 93000, "errmsg": "invalid webhook url"})]
    hook = Webhook("wecom", f"{receiver.url}/send?key=wrong")
    with pytest.raises(AlertDeliveryError, match="invalid webhook url.*after 1 attempts"):
        send(hook, "t", ["x"], sleep=no_sleep)
    assert len(receiver.requests) == 1


def test_long_alert_lists_are_summarised():
    from serving.alerting import markdown

    text = markdown("t", [f"alert {i}" for i in range(25)])
    assert text.count("\n- alert") == 20 and text.endswith("… and 5 more (kpi.kpi_alerts)")


def test_the_robot_kind_comes_from_the_environment_or_the_host():
    env = {"SOCIALMART_ALERT_WEBHOOK_URL": "https://oapi.dingtalk.com/robot/send?access_token=x"}
    assert Webhook.from_env(env).kind == "dingtalk"
    assert Webhook.from_env({}) is None
    with pytest.raises(AlertDeliveryError, match="SOCIALMART_ALERT_WEBHOOK_KIND"):
        Webhook.from_env({"SOCIALMART_ALERT_WEBHOOK_URL": "http://127.0.0.1:9/hook"})
