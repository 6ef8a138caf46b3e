"""PIPA Art. 15(1)1 and 22 (consent per item, required apart from optional), ASVS 5.0 V8.1:
an account made by a roster import or an invitation works only once its owner has given
the required consents, recorded like self-registration (item, answer, text version, time)."""
from __future__ import annotations

import re

from sqlalchemy import select

from lms.accounts import services
from lms.accounts.models import ConsentRecord, User
from lms.core.outbox import OutboxMessage
from lms.extensions import db
from lms.labs.roster import apply_roster
from tests.labs.conftest import world  # noqa: F401  (fixture)

CSV = "이름,이메일,생년월일,휴대전화\n김민수,minsu@example.kr,1995-03-15,010-1234-5678\n"
PASSWORD = "lantern-river-42"


def _roster_trainee(world):  # noqa: F811
    apply_roster(world.cohort, world.instructor, CSV.encode("utf-8"), "명단.csv")
    db.session.commit()
    user = db.session.execute(select(User).where(User.email == "minsu@example.kr")).scalar_one()
    body = db.session.execute(select(OutboxMessage.body).where(OutboxMessage.recipient == user.email)).scalar_one()
    link = re.search(r"http://localhost(/invite/\S+)", body).group(1)
    return user, link


def _consents(user):
    return db.session.execute(select(ConsentRecord).where(ConsentRecord.user_id == user.id)
                              .order_by(ConsentRecord.item)).scalars().all()


def test_roster_trainee_is_held_at_the_consent_page_until_consenting(app, client, world):  # noqa: F811
    user, link = _roster_trainee(world)
    assert _consents(user) == []
    # Setting the password from the invitation signs in, and lands on the consent page.
    r = client.post(link, data={"password": PASSWORD, "confirm": PASSWORD}, follow_redirects=True)
    assert r.status_code == 200 and r.request.path == "/consent"
    client.post("/logout")
    # A later login does the same: every page but consent, logout and static redirects there.
    r = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert r.status_code == 302
    for path in ("/dashboard", "/profile", "/labs/my-bookings", "/certificates", "/profile/data.json", "/"):
        r = client.get(path)
        assert r.status_code == 302 and r.headers["Location"].endswith("/consent"), path
    assert client.get("/static/css/app.css").status_code == 200
    page = client.get("/consent")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "개인정보 수집·이용 동의" in html
    # Optional items start unticked (no box is checked).
    assert "checked" not in html
    # Refusing a required item records nothing and keeps the gate shut.
    r = client.post("/consent", data={"consent_terms": "y", "consent_marketing": "y"})
    assert r.status_code == 400 and "필수 동의" in r.get_data(as_text=True)
    assert _consents(user) == []
    assert client.get("/dashboard").status_code == 302
    # Consenting records every item like registration and opens the account.
    r = client.post("/consent", data={"consent_terms": "y", "consent_privacy_required": "y",
                                      "consent_third_party": "y"})
    assert r.status_code == 302
    rows = {c.item: c for c in _consents(user)}
    assert set(rows) == {i.key for i in services.CONSENT_ITEMS}
    assert {k: c.granted for k, c in rows.items()} == {"terms": True, "privacy_required": True,
                                                        "marketing": False, "third_party": True}
    assert all(c.text_version == app.config["CONSENT_VERSION"] and c.recorded_at is not None for c in rows.values())
    assert rows["terms"].required and not rows["marketing"].required
    assert client.get("/dashboard").status_code == 200
    # The gate asks once: the consent page now sends the trainee home.
    assert client.get("/consent").status_code == 302


def test_logout_stays_open_and_self_registration_is_not_gated(client):
    services.register_trainee(name="자가가입", email="self@example.kr", password=PASSWORD, confirm=PASSWORD,
                              consents={"terms": True, "privacy_required": True})
    user = services.get_user_by_email("self@example.kr")
    user.email_confirm_pending = False
    db.session.commit()
    assert not user.consent_pending
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert client.get("/dashboard").status_code == 200
    invited = services.create_user("invited-trainee@example.kr", "초대훈련생", role="trainee")
    invited.set_password(PASSWORD)
    db.session.commit()
    client.post("/logout")
    client.post("/login", data={"email": invited.email, "password": PASSWORD})
    assert client.get("/dashboard").headers["Location"].endswith("/consent")
    r = client.post("/logout")
    assert r.status_code == 302 and not r.headers["Location"].endswith("/consent")
    assert client.get("/dashboard").status_code == 302  # signed out: to the login page
    assert "/login" in client.get("/dashboard").headers["Location"]


def test_staff_accounts_are_not_asked(client):
    staff = services.create_user("staff@example.kr", "교강사", role="instructor", password=PASSWORD)
    db.session.commit()
    assert not staff.consent_pending


def test_migration_marks_existing_trainees_who_never_consented(app):
    """Accounts imported before this control existed meet the consent page too (0011_privacy_rights)."""
    from datetime import datetime, timezone
    from pathlib import Path

    import sqlalchemy as sa
    from alembic.script import ScriptDirectory
    from flask_migrate import upgrade

    from lms import create_app
    from tests.conftest import make_database

    directory = str(Path(__file__).resolve().parents[2] / "migrations")
    url, drop = make_database("lms_consent_mig")
    try:
        other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
        with other.app_context():
            before = ScriptDirectory(directory).get_revision("0011_privacy_rights").down_revision
            upgrade(directory=directory, revision=before)
            now = datetime.now(timezone.utc)
            with db.engine.begin() as conn:
                for uid, role in ((1, "trainee"), (2, "trainee"), (3, "trainee"), (4, "instructor")):
                    conn.execute(sa.text(
                        "INSERT INTO users (id, email, name, locale, role, active, session_version, created_at, "
                        "updated_at) VALUES (:id, :email, '이름', 'ko', :role, :t, 1, :now, :now)"),
                        dict(id=uid, email=f"u{uid}@example.kr", role=role, t=True, now=now))
                consent = sa.text("INSERT INTO consent_records (user_id, item, required, granted, text_version, "
                                  "recorded_at) VALUES (:u, :item, :t, :g, 'v1', :now)")
                for item in ("terms", "privacy_required"):  # 1: both given; 2: only one; 3: none
                    conn.execute(consent, dict(u=1, item=item, t=True, g=True, now=now))
                conn.execute(consent, dict(u=2, item="terms", t=True, g=True, now=now))
            upgrade(directory=directory)
            with db.engine.connect() as conn:
                pending = dict(conn.execute(sa.text("SELECT id, consent_pending FROM users ORDER BY id")).all())
            db.session.remove()
            db.engine.dispose()
        assert {k: bool(v) for k, v in pending.items()} == {1: False, 2: True, 3: True, 4: False}
    finally:
        drop()
