"""SMTP delivery of the outbox (issue 12) against a real local SMTP server (aiosmtpd):
UTF-8 Korean subjects and bodies arrive; a server that refuses gets retries with growing
backoff, then the message once; a message is given up after MAIL_MAX_ATTEMPTS; two
deliverers at once send each message exactly once; mail written in a transaction queues
one delivery job with it, and a rolled-back transaction queues nothing."""
from __future__ import annotations

import socket
import threading
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from lms.core import mailer
from lms.core.db import utcnow
from lms.core.outbox import OutboxMessage, send_mail
from lms.extensions import db


class Inbox:
    """An aiosmtpd handler that keeps what it accepted and refuses the first ``refuse`` messages."""

    def __init__(self, refuse: int = 0):
        self.refuse, self.received, self.lock = refuse, [], threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                return "451 4.3.0 Try again later"
            self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch):
    """Start a local SMTP server and point MAIL_SERVER at it; yields a function that sets
    how many messages it refuses and returns its Inbox."""
    inbox = Inbox()
    port = _port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    for key, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_RETRY_SECONDS": 10,
                       "MAIL_MAX_ATTEMPTS": 4, "MAIL_SENDER": "no-reply@academy.example.kr"}.items():
        monkeypatch.setitem(app.config, key, value)
    yield inbox
    controller.stop()


def _mail(n=1, **kw):
    ids = [send_mail(f"t{i}@example.kr", f"[스마트공장 아카데미] 초대 {i}", f"안녕하세요 {i}번님,\n링크: https://x/{i}",
                     kind="accounts.invitation", **kw).id for i in range(n)]
    db.session.commit()
    return ids


def _row(msg_id):
    return db.session.get(OutboxMessage, msg_id, populate_existing=True)


def test_messages_arrive_in_korean_once(smtp):
    ids = _mail(2)
    report = mailer.deliver_due()
    assert (report.sent, report.retried, report.failed) == (2, 0, 0)
    subjects = sorted(m["Subject"] for m in smtp.received)
    assert subjects == ["[스마트공장 아카데미] 초대 0", "[스마트공장 아카데미] 초대 1"]
    assert "안녕하세요 0번님" in smtp.received[0].get_content() or "안녕하세요 1번님" in smtp.received[0].get_content()
    assert all(_row(i).sent_at is not None for i in ids)
    assert mailer.deliver_due().sent == 0 and len(smtp.received) == 2  # nothing twice


def test_a_refusing_server_gets_retries_with_backoff_then_the_message_once(smtp):
    smtp.refuse = 2
    (msg_id,) = _mail(1)
    t0 = utcnow()
    clock = {"now": t0}
    now = lambda: clock["now"]  # noqa: E731
    assert mailer.deliver_due(now=now).retried == 1
    row = _row(msg_id)
    assert (row.attempts, row.sent_at) == (1, None) and "451" in row.last_error
    assert row.next_attempt_at == t0 + timedelta(seconds=10)
    clock["now"] = t0 + timedelta(seconds=9)
    assert mailer.deliver_due(now=now).retried == 0  # not due yet: the backoff holds
    clock["now"] = t0 + timedelta(seconds=10)
    assert mailer.deliver_due(now=now).retried == 1
    assert _row(msg_id).next_attempt_at == clock["now"] + timedelta(seconds=20)  # doubled
    clock["now"] += timedelta(seconds=20)
    assert mailer.deliver_due(now=now).sent == 1
    row = _row(msg_id)
    assert row.sent_at is not None and row.attempts == 3 and row.last_error == ""
    assert len(smtp.received) == 1


def test_a_message_is_given_up_after_the_last_attempt(smtp, admin_client):
    smtp.refuse = 100
    (msg_id,) = _mail(1)
    clock = {"now": utcnow()}
    for _ in range(4):
        mailer.deliver_due(now=lambda: clock["now"])
        clock["now"] += timedelta(hours=1)
    row = _row(msg_id)
    assert row.failed_at is not None and row.attempts == 4 and row.sent_at is None
    assert mailer.count_due(clock["now"]) == 0
    assert "발송 실패" in admin_client.get(f"/admin/outbox/{msg_id}").text


def test_an_unreachable_server_counts_as_an_attempt(smtp, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_PORT", _port())  # nobody listens there
    (msg_id,) = _mail(1)
    assert mailer.deliver_due().retried == 1
    assert _row(msg_id).attempts == 1 and "Error" in _row(msg_id).last_error


def test_two_deliverers_at_once_send_each_message_exactly_once(smtp, app, live_db):
    _mail(30)
    errors = []

    def run():
        try:
            with app.app_context():
                mailer.deliver_due()
                db.session.remove()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    recipients = [m["To"] for m in smtp.received]
    assert len(recipients) == 30 and len(set(recipients)) == 30


def test_mail_queues_one_delivery_job_with_its_transaction(smtp):
    from lms.jobs.models import Job
    from lms.jobs.runner import run_job

    def deliveries():
        return db.session.execute(sa.select(Job).where(Job.kind == "mail.deliver")).scalars().all()

    send_mail("gone@example.kr", "취소됨", "본문")
    db.session.rollback()  # the work that wrote it failed: no mail, no job
    assert deliveries() == []
    _mail(3)
    (job,) = deliveries()  # one job for the three messages
    assert job.status == "queued" and job.owner_id is None
    assert run_job(job.id) == "succeeded"
    job = db.session.get(Job, job.id, populate_existing=True)
    assert (job.done, job.total) == (3, 3) and "보냄 3건" in job.summary
    assert len(smtp.received) == 3


def test_without_a_mail_server_the_outbox_stays_a_record(app, monkeypatch):
    from lms.jobs.models import Job

    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    _mail(1)
    assert db.session.execute(sa.select(Job).where(Job.kind == "mail.deliver")).first() is None
