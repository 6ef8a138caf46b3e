"""Password policy at every place a password is chosen.

ASVS 5.0 V6.2.1 (at least 8 characters), V6.2.9 (at least 64, here up to 128, allowed),
V6.2.5 (no composition rules), V6.2.4 (checked against common passwords; the list
is zxcvbn's, drawn from leaked-password corpora, so it also serves V6.2.12 in part),
V6.2.11 (context words such as the user's e-mail or name refused), V6.2.8 (checked
exactly as typed). PIPA safety-measures standard Art. 5(5).
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from lms.accounts import services
from lms.accounts.passwords import common_passwords
from lms.errors import ValidationError
from lms.extensions import db
from tests.conftest import login
from tests.factories import make_user

COMMON = sorted(common_passwords())
GOOD = "lantern-river-42"
REG = {"name": "박가입", "email": "park@example.kr", "birth_date": "1995-03-02",
       "consent_terms": "y", "consent_privacy_required": "y"}
HYP = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def test_bundled_list_has_at_least_10000_passwords_that_pass_the_length_rule():
    """ASVS 5.0 V6.2.4: the list the check uses holds >= 10,000 entries of 8+ characters."""
    assert len(COMMON) >= 10_000
    assert all(len(p) >= 8 for p in COMMON)
    assert {"password", "iloveyou", "qwerty123", "baseball"} <= set(COMMON)


@HYP
@given(pw=st.sampled_from(COMMON), upper=st.booleans())
def test_any_common_password_is_refused_in_any_case(pw, upper):
    """ASVS 5.0 V6.2.4: every listed password is refused, whatever its letter case."""
    with pytest.raises(ValidationError) as exc:
        services.validate_password(pw.upper() if upper else pw)
    assert "흔히 쓰이는" in str(exc.value.message)


@HYP
@given(pw=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=8, max_size=128))
def test_no_composition_rules(pw):
    """ASVS 5.0 V6.2.5 and V6.2.9: any 8-128 characters pass unless common or personal."""
    if pw.lower() in common_passwords():
        return
    services.validate_password(pw, email="someone@example.kr", name="김민수")


def test_length_limits():
    """ASVS 5.0 V6.2.1 / V6.2.9: 8 and 128 characters pass, 7 and 129 do not."""
    services.validate_password("x7Jq" * 2)
    services.validate_password("x" * 127 + "y")
    for bad in ("x7Jq" * 2)[:7], "x" * 129:
        with pytest.raises(ValidationError):
            services.validate_password(bad)


@pytest.mark.parametrize("pw", ["park.kim1@example.kr", "PARK.KIM1@EXAMPLE.KR", "park.kim1", "Steve Jobs", "stevejobs"])
def test_email_or_name_as_password_refused(pw):
    """ASVS 5.0 V6.2.11: the account's own e-mail, its local part or its name is refused."""
    with pytest.raises(ValidationError) as exc:
        services.validate_password(pw, email="park.kim1@example.kr", name="Steve Jobs")
    assert "이메일 주소나 이름" in str(exc.value.message)


def test_registration_refuses_common_and_personal_passwords(client):
    """ASVS 5.0 V6.2.4, V6.2.11 at self-registration (the form shows the reason, no account is made)."""
    for pw, msg in (("iloveyou", "흔히 쓰이는"), ("park@example.kr", "이메일 주소나 이름")):
        r = client.post("/register", data={**REG, "password": pw, "confirm": pw})
        assert r.status_code == 400 and msg in r.get_data(as_text=True)
        assert services.get_user_by_email("park@example.kr") is None
    r = client.post("/register", data={**REG, "password": GOOD, "confirm": GOOD})
    assert r.status_code == 302


def test_reset_and_invitation_refuse_common_passwords(client, app):
    """ASVS 5.0 V6.2.4 on the reset and invitation links."""
    user = make_user(email="kim@example.kr")
    db.session.commit()
    for link in (services.make_password_reset_link(user), services.make_invitation_link(user)):
        path = link.replace("http://localhost", "")
        r = client.post(path, data={"password": "baseball1", "confirm": "baseball1"})
        assert r.status_code == 400 and "흔히 쓰이는" in r.get_data(as_text=True)
        assert not user.check_password("baseball1")
    r = client.post(path, data={"password": "kim@example.kr", "confirm": "kim@example.kr"})
    assert r.status_code == 400 and "이메일 주소나 이름" in r.get_data(as_text=True)


def test_password_change_refuses_common_password(client):
    """ASVS 5.0 V6.2.4 when a user changes their password."""
    user = make_user(email="kim@example.kr", password="password123!")
    db.session.commit()
    login(client, user)
    r = client.post("/profile", data={"pw-current": "password123!", "pw-password": "sunshine1",
                                      "pw-confirm": "sunshine1", "pw-change_password": "1"})
    assert r.status_code == 400 and "흔히 쓰이는" in r.get_data(as_text=True)
    assert user.check_password("password123!")


def test_admin_and_cli_creation_refuse_common_password(admin_client, app):
    """ASVS 5.0 V6.2.4 for staff accounts made by an admin (web) or an operator (CLI)."""
    r = admin_client.post("/admin/users/new", data={"name": "정담당", "email": "gov@example.kr", "role": "ministry",
                                                    "password": "superman1"})
    assert r.status_code == 400 and "흔히 쓰이는" in r.get_data(as_text=True)
    assert services.get_user_by_email("gov@example.kr") is None
    r = app.test_cli_runner().invoke(args=["users", "create", "--role", "admin", "--email", "root@example.kr",
                                           "--name", "관리", "--password", "trustno1"])
    assert r.exit_code != 0 and services.get_user_by_email("root@example.kr") is None
