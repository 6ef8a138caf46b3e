"""Account pages: status codes, redirects, sessions ending on logout, reset and invitation flows."""
from __future__ import annotations

import re

from sqlalchemy import select

from lms.accounts import services
from lms.accounts.models import ConsentRecord, User
from lms.core.outbox import OutboxMessage
from lms.extensions import db
from tests.conftest import login
from tests.factories import make_user

REG = {"name": "박가입", "email": "Park@Example.kr", "password": "password1!", "confirm": "password1!",
       "birth_date": "1995-03-02", "company": "(주)테스트정밀", "consent_terms": "y", "consent_privacy_required": "y"}


def form_login(client, email, password, **kw):
    return client.post("/login", data={"email": email, "password": password}, **kw)


def test_pages_render_for_anonymous(client):
    for path in ("/login", "/register", "/forgot"):
        r = client.get(path)
        assert r.status_code == 200, path
    body = client.get("/register").get_data(as_text=True)
    assert "이용약관" in body and "마케팅 정보 수신" in body and "주민등록번호는 받지 않습니다" in body
    # Optional items are not pre-checked.
    assert not re.search(r'name="consent_marketing"[^>]*checked', body)


def confirm_link(email: str) -> str:
    body = db.session.execute(select(OutboxMessage.body).where(OutboxMessage.recipient == email,
                                                               OutboxMessage.kind == "email_confirm")
                              .order_by(OutboxMessage.id.desc())).scalars().first()
    return re.search(r"http://localhost(/confirm/\S+)", body).group(1)


def test_register_confirms_by_mail_then_logs_in_and_stores_consents(client, app):
    r = client.post("/register", data=REG)
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
    user = db.session.execute(select(User).where(User.email == "park@example.kr")).scalar_one()
    assert user.company.name == "(주)테스트정밀" and user.birth_date.isoformat() == "1995-03-02"
    consents = {c.item: c.granted for c in db.session.execute(
        select(ConsentRecord).where(ConsentRecord.user_id == user.id)).scalars()}
    assert consents == {"terms": True, "privacy_required": True, "marketing": False, "third_party": False}
    # Not signed in, and the password does not work until the mailed link is opened.
    assert client.get("/profile").status_code == 302
    assert form_login(client, "park@example.kr", REG["password"]).status_code == 401
    path = confirm_link("park@example.kr")
    assert client.get(path).status_code == 200 and client.get("/profile").status_code == 302  # GET changes nothing
    r = client.post(path)
    assert r.status_code == 302 and client.get("/profile").status_code == 200
    assert client.post(path).status_code == 400  # used once
    client.post("/logout")
    assert form_login(client, "park@example.kr", REG["password"]).status_code == 302


def test_register_without_required_consent_is_refused(client):
    data = dict(REG)
    del data["consent_privacy_required"]
    r = client.post("/register", data=data)
    assert r.status_code == 400
    assert "필수 동의 항목" in r.get_data(as_text=True)
    assert db.session.execute(select(User).where(User.email == "park@example.kr")).scalar() is None


def test_register_does_not_reveal_existing_accounts(client):
    """ASVS 5.0 V6.3.8: a known address gets the same answer as a new one (the owner is
    mailed a notice instead of a confirmation link)."""
    make_user(email="park@example.kr")
    known = client.post("/register", data=REG)
    known_page = client.get(known.headers["Location"]).get_data(as_text=True)
    fresh = client.post("/register", data={**REG, "email": "new@example.kr"})
    fresh_page = client.get(fresh.headers["Location"]).get_data(as_text=True)
    assert known.status_code == fresh.status_code == 302
    assert known.headers["Location"] == fresh.headers["Location"]
    assert known_page == fresh_page and "이미 가입된" not in known_page
    kinds = db.session.execute(select(OutboxMessage.kind).where(OutboxMessage.recipient == "park@example.kr")).scalars().all()
    assert kinds == ["already_registered"]
    r = client.post("/register", data={**REG, "email": "new2@example.kr", "password": "short", "confirm": "short"})
    assert r.status_code == 400 and "8자 이상" in r.get_data(as_text=True)


def test_login_generic_error_and_next_validation(client):
    make_user(email="kim@example.kr", password="password123!")
    bad_user = form_login(client, "nobody@example.kr", "password123!")
    bad_pw = form_login(client, "kim@example.kr", "wrongwrong")
    assert bad_user.status_code == bad_pw.status_code == 401
    msg = "이메일 또는 비밀번호가 올바르지 않습니다."
    assert msg in bad_user.get_data(as_text=True) and msg in bad_pw.get_data(as_text=True)
    r = client.post("/login?next=https://evil.example/x", data={"email": "KIM@example.kr", "password": "password123!"})
    assert r.status_code == 302 and "evil" not in r.headers["Location"]
    client.post("/logout")
    r = client.post("/login?next=/profile", data={"email": "kim@example.kr", "password": "password123!"})
    assert r.headers["Location"].endswith("/profile")
    for bad in ("//evil.example", "/\\evil.example", "javascript:alert(1)"):
        client.post("/logout")
        r = client.post("/login", query_string={"next": bad}, data={"email": "kim@example.kr", "password": "password123!"})
        assert r.status_code == 302 and "evil" not in r.headers["Location"] and "javascript" not in r.headers["Location"]


def test_logout_ends_copied_session(app, client):
    make_user(email="kim@example.kr", password="password123!")
    assert form_login(client, "kim@example.kr", "password123!").status_code == 302
    stolen = client.get_cookie("session", domain="localhost").value
    other = app.test_client()
    other.set_cookie("session", stolen, domain="localhost")
    assert other.get("/profile").status_code == 200  # the copy works while logged in
    assert client.post("/logout").status_code == 302
    assert client.get("/profile").status_code == 302
    r = other.get("/profile")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_logout_requires_post(client):
    assert client.get("/logout").status_code == 405


def test_password_change_keeps_current_session_but_ends_others(app, client):
    user = make_user(email="kim@example.kr", password="password123!")
    form_login(client, "kim@example.kr", "password123!")
    other = app.test_client()
    form_login(other, "kim@example.kr", "password123!")
    r = client.post("/profile", data={"pw-current": "password123!", "pw-password": "newpass123",
                                      "pw-confirm": "newpass123", "pw-change_password": "1"})
    assert r.status_code == 302
    assert client.get("/profile").status_code == 200
    assert other.get("/profile").status_code == 302
    assert user.check_password("newpass123")
    r = client.post("/profile", data={"pw-current": "wrong", "pw-password": "newpass456",
                                      "pw-confirm": "newpass456", "pw-change_password": "1"})
    assert r.status_code == 400 and "현재 비밀번호가 올바르지 않습니다" in r.get_data(as_text=True)


def test_profile_saves_locale(client):
    user = make_user()
    login(client, user)
    r = client.post("/profile", data={"p-name": "새이름", "p-locale": "en", "p-save_profile": "1"})
    assert r.status_code == 302
    assert user.name == "새이름" and user.locale == "en"
    assert 'lang="en"' in client.get("/profile").get_data(as_text=True)


def test_profile_requires_login(client):
    r = client.get("/profile")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_forgot_password_same_answer_and_reset_flow(client):
    user = make_user(email="kim@example.kr", password="password123!")
    a = client.post("/forgot", data={"email": "nobody@example.kr"}, follow_redirects=True)
    b = client.post("/forgot", data={"email": "kim@example.kr"}, follow_redirects=True)
    text = "가입된 계정이 있으면"
    assert text in a.get_data(as_text=True) and text in b.get_data(as_text=True)
    msg = db.session.execute(select(OutboxMessage).where(OutboxMessage.recipient == "kim@example.kr")).scalar_one()
    path = re.search(r"http://localhost(/reset/\S+)", msg.body).group(1)
    assert client.get(path).status_code == 200
    r = client.post(path, data={"password": "resetpass1", "confirm": "resetpass1"})
    assert r.status_code == 302
    assert user.check_password("resetpass1")
    client.post("/logout")
    r = client.get(path)
    assert r.status_code == 400 and "이미 사용한 링크" in r.get_data(as_text=True)
    r = client.get("/reset/not-a-token")
    assert r.status_code == 400 and "올바르지 않은 링크" in r.get_data(as_text=True)


def test_invitation_page(client):
    user = services.create_user("inv@example.kr", "초대", role="instructor")
    db.session.commit()
    path = services.make_invitation_link(user).replace("http://localhost", "")
    assert client.get(path).status_code == 200
    r = client.post(path, data={"password": "lantern-river-42", "confirm": "mismatch1"})
    assert r.status_code == 400 and "일치하지 않습니다" in r.get_data(as_text=True)
    r = client.post(path, data={"password": "lantern-river-42", "confirm": "lantern-river-42"})
    assert r.status_code == 302
    assert user.check_password("lantern-river-42")
    assert client.get("/profile").status_code == 200


def test_every_accounts_endpoint_declares_policy(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("accounts.", "admin.")):
            assert hasattr(app.view_functions[rule.endpoint], "__policy__"), rule.endpoint


def test_language_switch_persists_for_logged_in_user(app, client):
    user = make_user(password="password123!")
    form_login(client, user.email, "password123!")
    client.get("/profile?lang=en")
    assert user.locale == "en"
    other = app.test_client()
    form_login(other, user.email, "password123!")
    assert 'lang="en"' in other.get("/profile").get_data(as_text=True)


def test_language_chosen_on_the_login_page_survives_login(client):
    user = make_user(email="eng@example.kr", password="password1!")
    assert user.locale == "ko"
    client.get("/login?lang=en")
    r = form_login(client, "eng@example.kr", "password1!")
    assert r.status_code == 302
    assert user.locale == "en"
    assert '<html lang="en">' in client.get("/profile").get_data(as_text=True)
