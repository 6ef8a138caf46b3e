"""Issue 10, "Stateless app servers": a roster upload previewed on one app server can be
confirmed on another. With Redis configured the waiting upload is kept in Redis (expiring
after a day), not in the server's instance folder. Skipped when Redis is not running."""
from __future__ import annotations

import os
import secrets
from types import SimpleNamespace

import pytest

from lms.errors import NotFound
from lms.labs import roster_store

REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture
def shared(app, monkeypatch, tmp_path):
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
        client.ping()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    prefix = f"lms-test-{secrets.token_hex(4)}"
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "RATELIMIT_KEY_PREFIX", prefix)
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "server-a"))
    yield client
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def test_upload_previewed_on_one_server_is_found_on_another(app, shared, monkeypatch, tmp_path):
    cohort, instructor = SimpleNamespace(id=41), SimpleNamespace(id=7)
    data = "이름,이메일\n홍길동,hong@example.kr\n".encode()
    token = roster_store.store_upload(cohort, instructor, data, "명단.csv")
    assert not (tmp_path / "server-a" / "roster_uploads" / f"{token}.bin").exists()  # not on this disk
    ttl = shared.ttl(roster_store._key(token, "bin"))
    assert 0 < ttl <= 24 * 3600  # personal data: gone after a day

    monkeypatch.setattr(app, "instance_path", str(tmp_path / "server-b"))  # another server
    assert roster_store.load_upload(cohort, instructor, token) == (data, "명단.csv")
    with pytest.raises(NotFound):  # still only for the same cohort and uploader
        roster_store.load_upload(SimpleNamespace(id=42), instructor, token)
    with pytest.raises(NotFound):
        roster_store.load_upload(cohort, SimpleNamespace(id=8), token)

    roster_store.discard_upload(token)
    with pytest.raises(NotFound):
        roster_store.load_upload(cohort, instructor, token)
