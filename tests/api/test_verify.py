"""Certificate verification through the API (issue 12): the public /verify page's states
and words (lms/certificates/state.py), one at a time or up to 1,000 per call in a
constant number of SQL statements, rate-limited per token."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from lms.extensions import db
from tests.api.conftest import make_token
from tests.certificates.conftest import completed_enrollment, make_cohort
from tests.core.test_query_counts import count_statements
from tests.factories import make_course, make_user


def _certs(k: int):
    """``k`` valid certificates (each its own enrollment)."""
    from lms.certificates.services import issue_for_cohort

    cohort = make_cohort()
    course = make_course(title_ko="스마트공장 기초", title_en="Smart Factory Basics", hours=40)
    for i in range(k):
        completed_enrollment(make_user(name=f"홍길{i}", birth_date=date(1990, 1, 2)), course, cohort=cohort)
    certs = issue_for_cohort(cohort)
    db.session.commit()
    return certs


@pytest.fixture
def employer():
    return make_token(make_user("trainee"), ["verify"])[1]


def test_each_state_reads_as_on_the_public_page(api, employer):
    from lms.certificates.services import reissue, revoke

    valid, revoked, old, expired = _certs(4)
    revoke(revoked, make_user("admin"), "중복 발급", check=False)
    new = reissue(old, make_user("admin"), reason="성명 정정")
    expired.expires_at = expired.issued_at - timedelta(days=1)
    db.session.commit()
    items = [{"code": valid.verification_code}, {"code": revoked.verification_code}, {"code": old.verification_code},
             {"code": expired.verification_code}, {"code": "z" * 40},
             {"number": valid.number, "birth_date": "1990-01-02"}, {"number": valid.number, "birth_date": "1991-01-02"},
             {"number": valid.number, "name": valid.snapshot["name"]}]
    resp = api.post("/api/v1/certificates/verify/bulk", employer, json={"items": items})
    assert resp.status_code == 200, resp.json
    got = resp.json["results"]
    assert [r["state"] for r in got] == ["valid", "revoked", "superseded", "expired", "not_found", "valid",
                                         "not_found", "valid"]
    assert [r["label"] for r in got[:5]] == ["유효", "취소됨", "재발급으로 대체됨", "만료", "확인 불가"]
    assert got[2]["successor_number"] == new.number
    assert got[0]["masked_name"] == "홍*0" and got[0]["number"] == valid.number
    assert resp.json["states"] == {"valid": 3, "revoked": 1, "superseded": 1, "expired": 1, "not_found": 2}
    text = resp.get_data(as_text=True)
    assert "1990-01-02" not in text and "중복 발급" not in text  # no birth date, no revocation reason
    # one at a time: the same answer
    one = api.post("/api/v1/certificates/verify", employer, json={"code": revoked.verification_code})
    assert one.json == {k: v for k, v in got[1].items() if k != "index"}


def test_bulk_of_1000_takes_as_many_statements_as_bulk_of_10(api, employer):
    certs = _certs(30)
    def items(k):
        return [{"code": certs[i % len(certs)].verification_code} if i % 3 else
                {"number": certs[i % len(certs)].number, "birth_date": "1990-01-02"} for i in range(k)]
    ten, thousand = items(10), items(1000)
    api.post("/api/v1/certificates/verify/bulk", employer, json={"items": ten})  # warm caches
    with count_statements() as small:
        r10 = api.post("/api/v1/certificates/verify/bulk", employer, json={"items": ten})
    with count_statements() as large:
        r1000 = api.post("/api/v1/certificates/verify/bulk", employer, json={"items": thousand})
    assert r10.status_code == r1000.status_code == 200
    assert r1000.json["count"] == 1000 and r1000.json["states"] == {"valid": 1000}
    assert len(large) == len(small), (len(small), len(large))


def test_more_than_1000_items_is_refused(api, employer):
    resp = api.post("/api/v1/certificates/verify/bulk", employer, json={"items": [{"code": "a"}] * 1001})
    assert resp.status_code == 422
    assert resp.json["errors"][0]["field"] == "items"


def test_a_number_needs_its_holder_and_a_code_wins(api, employer):
    [cert] = _certs(1)
    for item in ({}, {"number": cert.number}, {"number": cert.number, "birth_date": "1990-01-03"}):
        resp = api.post("/api/v1/certificates/verify", employer, json=item)
        assert resp.status_code == 200 and resp.json["state"] == "not_found", item
        assert resp.json["number"] is None and resp.json["masked_name"] is None
    both = {"code": cert.verification_code, "number": "2000-000001", "name": "아무개"}
    assert api.post("/api/v1/certificates/verify", employer, json=both).json["number"] == cert.number
    bad = api.post("/api/v1/certificates/verify", employer, json={"code": "x", "extra": 1})
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "extra"


def test_items_are_rate_limited_per_token(app, api, employer):
    from lms.core import ratelimit

    app.config.update(RATELIMIT_ENABLED=True, API_VERIFY_RATE_LIMIT="15/hour")
    app.extensions.pop("lms_counters", None)
    try:
        body = {"items": [{"code": "x" * 40}] * 10}
        assert api.post("/api/v1/certificates/verify/bulk", employer, json=body).status_code == 200
        resp = api.post("/api/v1/certificates/verify/bulk", employer, json=body)
        assert resp.status_code == 429
        assert resp.json["type"] == "urn:sfa:problem:too-many-requests" and resp.headers["Retry-After"]
        other = make_token(make_user("trainee"), ["verify"])[1]
        assert api.post("/api/v1/certificates/verify/bulk", other, json=body).status_code == 200
    finally:
        app.config.update(RATELIMIT_ENABLED=False)
        app.extensions.pop("lms_counters", None)
        assert ratelimit is not None


@pytest.fixture
def states_world():
    from lms.certificates.services import reissue, revoke

    certs = _certs(4)
    revoke(certs[1], make_user("admin"), "사유", check=False)
    reissue(certs[2], make_user("admin"), reason="정정")
    certs[3].expires_at = certs[3].issued_at - timedelta(days=1)
    db.session.commit()
    return [(c.verification_code, c.number, c.snapshot["name"]) for c in certs]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picks=st.lists(st.tuples(st.integers(0, 4), st.sampled_from(["code", "birth", "name", "wrong"])),
                      min_size=1, max_size=12))
def test_bulk_answers_equal_single_answers_for_any_mix(api, employer, states_world, picks):
    """Whatever the mix and order of items, a bulk call answers item by item what one call each answers."""
    items = []
    for i, how in picks:
        code, number, name = states_world[i] if i < len(states_world) else ("y" * 40, "2099-999999", "없음")
        items.append({"code": code} if how == "code" else
                     {"number": number, "birth_date": "1990-01-02"} if how == "birth" else
                     {"number": number, "name": name} if how == "name" else {"number": number, "name": "다른사람"})
    bulk = api.post("/api/v1/certificates/verify/bulk", employer, json={"items": items}).json["results"]
    singles = [api.post("/api/v1/certificates/verify", employer, json=item).json for item in items]
    assert [{k: v for k, v in b.items() if k != "index"} for b in bulk] == singles
    assert [b["index"] for b in bulk] == list(range(len(items)))
