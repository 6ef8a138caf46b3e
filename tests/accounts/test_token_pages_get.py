"""Issue 9 item 6: GET /reset/<token> and GET /invite/<token> change nothing.

Before, opening either link (even a garbage one) logged the signed-in user out: a GET
changed state (OWASP ASVS 5.0 V3 session management: a session ends only by an explicit,
CSRF-protected action). The session changes on the POST that sets the password only.
"""
from __future__ import annotations

import pytest

from lms.accounts import services
from lms.extensions import db
from tests.conftest import login
from tests.factories import make_user


def _signed_in_as(client, user) -> bool:
    with client.session_transaction() as sess:
        return sess.get("_user_id") == user.get_id()


@pytest.mark.parametrize("kind", ["reset", "invite"])
@pytest.mark.parametrize("token_kind", ["garbage", "valid_own", "valid_other"])
def test_get_of_a_token_link_keeps_the_user_signed_in(client, kind, token_kind):
    me = make_user(name="로그인사용자")
    other = make_user(name="다른사용자")
    db.session.commit()
    salt = services.RESET_SALT if kind == "reset" else services.INVITE_SALT
    token = {"garbage": "not-a-token-%F0%9F%92%A5",
             "valid_own": services.make_token(me, salt),
             "valid_other": services.make_token(other, salt)}[token_kind]
    login(client, me)
    r = client.get(f"/{kind}/{token}")
    assert r.status_code in (200, 400)
    assert _signed_in_as(client, me)
    # Still signed in on the next page, with the same account.
    page = client.get("/profile")
    assert page.status_code == 200 and "로그인사용자" in page.get_data(as_text=True)


def test_post_with_a_valid_token_is_where_the_session_changes(client):
    me = make_user(name="로그인사용자")
    other = make_user(name="다른사용자")
    db.session.commit()
    token = services.make_token(other, services.RESET_SALT)
    login(client, me)
    assert client.get(f"/reset/{token}").status_code == 200
    assert _signed_in_as(client, me)
    r = client.post(f"/reset/{token}", data={"password": "newpassw0rd!", "confirm": "newpassw0rd!"})
    assert r.status_code == 302
    assert _signed_in_as(client, other)
