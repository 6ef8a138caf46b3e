"""Certificate validity, reminders, renewal windows and "today" on Korean dates.

Each case is issued or evaluated between 00:00 and 09:00 KST (the UTC date is
still the day before) around month ends and 29 February."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from lms.certificates import services
from lms.core.outbox import OutboxMessage
from lms.core.timeutil import KST, frozen_clock, kst_date
from lms.extensions import db
from tests.certificates.conftest import completed_enrollment
from tests.factories import make_course, make_user


def kst(*args) -> datetime:
    return datetime(*args, tzinfo=KST)


def _issue(cohort, at: datetime, months: int):
    course = make_course(valid_for_months=months)
    with frozen_clock(at):
        return services.issue_for_enrollment(completed_enrollment(course=course, cohort=cohort))


@pytest.mark.parametrize("issued,months,expires_on", [
    (kst(2027, 3, 1, 3, 0), 12, date(2028, 3, 1)),
    (kst(2028, 2, 29, 3, 0), 12, date(2029, 2, 28)),
    (kst(2026, 3, 31, 8, 0), 6, date(2026, 9, 30)),
    (kst(2026, 1, 31, 0, 0), 1, date(2026, 2, 28)),
    (kst(2028, 1, 31, 8, 59), 1, date(2028, 2, 29)),
])
def test_expiry_is_the_same_korean_date_n_months_later(cohort, client, issued, months, expires_on):
    cert = _issue(cohort, issued, months)
    assert kst_date(cert.issued_at) == issued.date()
    assert kst_date(cert.expires_at) == expires_on
    # what the holder and a verifier read says the same date
    view = services.public_view(cert)
    assert kst_date(view.expires_at) == expires_on
    db.session.commit()
    r = client.get(f"/verify/{cert.verification_code}")
    assert r.status_code == 200 and expires_on.isoformat() in r.text


def test_status_turns_expired_on_the_korean_expiry_date(cohort):
    cert = _issue(cohort, kst(2027, 3, 1, 3, 0), 12)
    # "유효기간: 2028. 3. 1.까지" is printed on the PDF and the pages: valid through that
    # Korean date, whatever the hour, and expired from the next Korean day on.
    assert services.status_of(cert, kst(2028, 2, 29, 23, 0)) == "valid"
    assert services.status_of(cert, kst(2028, 3, 1, 23, 59)) == "valid"
    assert services.status_of(cert, kst(2028, 3, 2, 0, 0)) == "expired"


def _kinds(user):
    return db.session.execute(select(OutboxMessage.kind).where(OutboxMessage.recipient == user.email)
                              .order_by(OutboxMessage.id)).scalars().all()


def test_reminders_count_korean_days(cohort):
    """Expiring 2028-03-01 03:00 KST: on 31 January (30 Korean days before) at 01:00
    KST the 30-day reminder is due, though fewer than 30x24 hours are left only later."""
    cert = _issue(cohort, kst(2027, 3, 1, 3, 0), 12)
    assert services.send_reminders(kst(2027, 12, 1, 23, 59)) == 0  # 91 days before
    assert services.send_reminders(kst(2027, 12, 2, 0, 30)) == 1  # 90 days before, 00:30 KST
    assert services.send_reminders(kst(2028, 1, 30, 23, 59)) == 0  # 31 days before
    assert services.send_reminders(kst(2028, 1, 31, 1, 0)) == 1  # 30 days before
    assert services.send_reminders(kst(2028, 2, 23, 8, 0)) == 1  # 7 days before (2028 has 29 February)
    assert _kinds(cert.user) == ["certificate.reminder.90", "certificate.reminder.30", "certificate.reminder.7"]
    body = db.session.execute(select(OutboxMessage.body).where(OutboxMessage.recipient == cert.user.email)
                              .order_by(OutboxMessage.id.desc()).limit(1)).scalar_one()
    assert "2028년 3월 1일" in body


def test_expiring_list_counts_korean_days(cohort):
    cert = _issue(cohort, kst(2027, 3, 1, 3, 0), 12)
    admin = make_user(role="admin")
    assert cert in services.expiring(admin, 30, kst(2028, 1, 31, 1, 0))
    assert cert not in services.expiring(admin, 30, kst(2028, 1, 30, 23, 0))


def test_expiring_list_keeps_a_certificate_through_its_printed_last_day(cohort):
    """'유효기간: 2028. 3. 1.까지': at 23:00 KST on 1 March the certificate is still valid
    (the one state rule), so the expiring list still names it; from 2 March it is expired."""
    cert = _issue(cohort, kst(2027, 3, 1, 3, 0), 12)
    admin = make_user(role="admin")
    assert services.status_of(cert, kst(2028, 3, 1, 23, 0)) == "valid"
    assert cert in services.expiring(admin, 30, kst(2028, 3, 1, 23, 0))
    assert cert not in services.expiring(admin, 30, kst(2028, 3, 2, 0, 0))


def test_renewal_window_is_whole_korean_days(cohort):
    """Opens on the Korean date 90 days before expiry from 00:00 KST, closes at the
    end of the Korean date 180 days after."""
    cert = _issue(cohort, kst(2027, 3, 1, 3, 0), 12)  # expires 2028-03-01
    assert not services.can_renew(cert, kst(2027, 12, 1, 23, 59))
    assert services.can_renew(cert, kst(2027, 12, 2, 0, 30))
    assert kst_date(services.renewal_window(cert)[1] - timedelta(seconds=1)) == date(2028, 8, 28)
    assert services.can_renew(cert, kst(2028, 8, 28, 23, 30))
    assert not services.can_renew(cert, kst(2028, 8, 29, 0, 0))
