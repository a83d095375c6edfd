"""The per-key rate limit: what a client sees at and past it, whose requests count, and the
storage that counts them without a thread per hit."""
from __future__ import annotations

import threading
import time

import pytest

from insider.errors import ConfigurationError
from service import ratelimit
from service.app import create_app
from service.keys import KeyStore
from tests.conftest import make_settings

QUERY = {"query": "issuer.tradingSymbol:ACME"}


@pytest.fixture
def app_and_keys(tmp_path, tantivy_engine):
    settings = make_settings(tmp_path / "data", INSIDER_RATE_LIMIT="3/minute")
    keys = KeyStore(settings.data_dir)
    return create_app(settings, tantivy_engine), keys.create("alice"), keys.create("bob")


def test_the_limit_counts_down_in_headers_then_answers_429_in_the_error_shape(app_and_keys):
    app, alice, _ = app_and_keys
    client = app.test_client()
    remaining = []
    for _ in range(3):
        response = client.post("/insider-trading", json=QUERY, headers={"Authorization": alice})
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.headers["X-RateLimit-Limit"] == "3"
        remaining.append(response.headers["X-RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]

    refused = client.post("/insider-trading", json=QUERY, headers={"Authorization": alice})
    assert refused.status_code == 429
    body = refused.get_json()
    assert body["status"] == "error" and body["error"]["code"] == "rate_limited"
    assert "3 per 1 minute" in body["error"]["message"]
    assert body["request_id"] == refused.headers["X-Request-ID"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert int(refused.headers["X-RateLimit-Reset"]) >= int(time.time())
    # the analytics endpoints share the one limit
    summary = client.get("/insider-module/api/insiders/summary/by-ticker/ACME", headers={"Authorization": alice})
    assert summary.status_code == 429


def test_each_key_has_its_own_budget_and_health_and_docs_are_not_counted(app_and_keys):
    app, alice, bob = app_and_keys
    client = app.test_client()
    for _ in range(3):
        client.post("/insider-trading", json=QUERY, headers={"Authorization": alice})
    assert client.post("/insider-trading", json=QUERY, headers={"Authorization": alice}).status_code == 429
    assert client.post("/insider-trading", json=QUERY, headers={"Authorization": bob}).status_code == 200
    for _ in range(5):
        assert client.get("/health").status_code == 200
        assert client.get("/openapi.json").status_code == 200


def test_wrong_keys_spend_their_address_s_budget_never_a_key_s(app_and_keys):
    # Guessing keys is rate limited per client address, and its 401s carry the limit's headers;
    # a key holder's own budget is untouched.
    app, alice, _ = app_and_keys
    client = app.test_client()
    answers = [client.post("/insider-trading", json=QUERY, headers={"Authorization": "nope"}) for _ in range(5)]
    assert [r.status_code for r in answers] == [401, 401, 401, 429, 429]
    assert [r.headers["X-RateLimit-Remaining"] for r in answers[:3]] == ["2", "1", "0"]
    assert client.post("/insider-trading", json=QUERY, headers={"Authorization": alice}).status_code == 200


def test_without_auth_requests_are_counted_per_client_address(tmp_path, tantivy_engine):
    settings = make_settings(tmp_path / "data", INSIDER_RATE_LIMIT="2/minute", INSIDER_AUTH="off")
    client = create_app(settings, tantivy_engine).test_client()
    first = {"REMOTE_ADDR": "10.0.0.1"}
    assert [client.post("/insider-trading", json=QUERY, environ_base=first).status_code for _ in range(3)] == [
        200, 200, 429]
    assert client.post("/insider-trading", json=QUERY, environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 200


def test_a_malformed_limit_is_a_configuration_error_naming_the_setting(tmp_path, tantivy_engine):
    settings = make_settings(tmp_path / "data", INSIDER_RATE_LIMIT="lots")
    with pytest.raises(ConfigurationError, match="INSIDER_RATE_LIMIT='lots'"):
        create_app(settings, tantivy_engine)


def test_counting_starts_no_threads(monkeypatch):
    limiter = ratelimit.RateLimiter("1000/second")
    started = []
    monkeypatch.setattr(threading.Thread, "start", lambda self: started.append(self))
    for i in range(5):  # limits' own memory storage starts a timer thread on each of these hits
        limiter.hit(f"addr:{i % 2}")
        time.sleep(0.015)
    assert started == []


def test_the_inline_sweep_frees_expired_counters(monkeypatch):
    storage = ratelimit.SweepingMemoryStorage()
    storage.incr("gone", expiry=0.01)
    time.sleep(0.02)
    monkeypatch.setattr(storage, "_next_sweep", 0.0)  # due now
    storage.incr("fresh", expiry=60)
    assert "gone" not in storage.storage and storage.storage["fresh"] == 1


def test_a_sweep_tolerates_keys_another_thread_expired_meanwhile():
    """The development server is threaded: `get` on another thread may drop an expired key
    between the sweep's snapshot and its removal."""
    storage = ratelimit.SweepingMemoryStorage()
    for n in range(5):
        storage.incr(f"addr:{n}", expiry=60)

    class Vanishing(dict):
        def items(self):
            snapshot = list(super().items())
            self.clear()  # what the other thread did
            storage.storage.clear()
            return snapshot

    storage.expirations = Vanishing({k: 0.0 for k in storage.expirations})
    storage.sweep()
    assert not storage.storage and not storage.expirations
