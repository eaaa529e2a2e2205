"""The shared HTTP layer: retries, Retry-After, timeouts, and what is not retried."""

from __future__ import annotations

import httpx
import pytest

from ingestion.errors import AuthError, BadResponseError, ServerError, TransportError
from ingestion.http import HttpPolicy
from ingestion.platforms.douyin import DouyinClient
from tests.helpers import fixture_json

OK = fixture_json("douyin/fans_data.json")


def client_with(responses: list, sleeps: list[float], attempts: int = 6) -> DouyinClient:
    calls = iter(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = next(calls)
        if isinstance(item, Exception):
            raise item
        return item

    return DouyinClient(
        "http://douyin.test",
        policy=HttpPolicy(max_attempts=attempts, requests_per_second=0, backoff_seconds=0.5),
        transport=httpx.MockTransport(handler),
        sleep=sleeps.append,
    )


def test_429_waits_for_retry_after_then_succeeds():
    sleeps: list[float] = []
    client = client_with(
        [httpx.Response(429, headers={"Retry-After": "7"}, json={}), httpx.Response(200, json=OK)],
        sleeps,
    )
    body = client.get_json("/data/external/user/fans/", {"open_id": "a"}, {})
    assert body["data"]["result_list"][0]["new_fans"] == 120
    assert sleeps == [7.0]
    assert client.retries == 1


def test_5xx_timeout_and_truncated_json_are_retried_with_capped_backoff():
    sleeps: list[float] = []
    client = client_with(
        [
            httpx.Response(503, json={}),
            httpx.ReadTimeout("slow"),
            httpx.Response(200, content=b'{"data": {"error_code": 0, "result_li'),
            httpx.Response(200, json=fixture_json("douyin/system_busy.json")),
            httpx.Response(200, json=OK),
        ],
        sleeps,
    )
    client.get_json("/data/external/user/fans/", {}, {})
    assert len(sleeps) == 4
    # full jitter: attempt n waits somewhere in [0, 0.5 * 2**n]
    assert all(0 <= s <= 0.5 * 2**n for n, s in enumerate(sleeps))


def test_gives_up_after_max_attempts_with_the_last_error():
    sleeps: list[float] = []
    client = client_with([httpx.ConnectError("refused")] * 3, sleeps, attempts=3)
    with pytest.raises(TransportError, match="ConnectError"):
        client.get_json("/data/external/user/fans/", {}, {})
    assert len(sleeps) == 2


def test_expired_token_is_not_retried_and_names_the_code():
    sleeps: list[float] = []
    client = client_with(
        [httpx.Response(200, json=fixture_json("douyin/token_expired.json"))], sleeps
    )
    with pytest.raises(AuthError, match="2190008"):
        client.get_json("/data/external/user/fans/", {}, {})
    assert sleeps == []


def test_body_without_envelope_is_a_bad_response():
    client = client_with([httpx.Response(200, json={"hello": 1})] * 2, [], attempts=2)
    with pytest.raises(BadResponseError, match="no data.error_code"):
        client.get_json("/x", {}, {})


def test_system_busy_maps_to_server_error():
    client = client_with(
        [httpx.Response(200, json=fixture_json("douyin/system_busy.json"))], [], attempts=1
    )
    with pytest.raises(ServerError, match="2100004"):
        client.get_json("/x", {}, {})
