"""Roster uploads never crash and stay bounded (issue 8 "Uploads never crash",
issue 9 item 5): every upload answers a preview or a clear Korean error, writes
nothing, and the caps on bytes, rows, cell size and XLSX uncompressed size hold at
their boundaries. OWASP ASVS 5.0 V5.2.1 (size limits), V5.2.3 (decompression
limits), V16.5.3 (fail securely, no 500)."""
from __future__ import annotations

import io
import re
import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.extensions import db
from lms.labs.models import CohortMember
from lms.labs.roster import parse_roster
from tests.conftest import login
from tests.core.test_tabular import BOM_THEN_CP949, ENCODING_MESSAGE
from tests.factories import make_user
from tests.xlsx_craft import uncompressed_size, xlsx


def _counts():
    return (db.session.execute(select(func.count()).select_from(User)).scalar_one(),
            db.session.execute(select(func.count()).select_from(CohortMember)).scalar_one())


def _upload(client, world, data: bytes, name: str):
    return client.post(f"/labs/cohorts/{world.cohort.id}/roster", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", follow_redirects=True)


@pytest.fixture
def signed_in(world, client):
    db.session.commit()
    login(client, world.instructor)
    return client


def test_bom_then_cp949_gives_the_plain_encoding_error_and_changes_nothing(world, signed_in):
    before = _counts()
    plain = parse_roster(world.cohort, b"\xff\xfe\x00\x81\x82broken", "x.csv").errors
    p = parse_roster(world.cohort, BOM_THEN_CP949, "roster_bom_then_cp949.csv")
    assert p.errors == plain and p.errors[0][:2] == (None, None) and ENCODING_MESSAGE in p.errors[0][2]
    assert p.rows == []
    r = _upload(signed_in, world, BOM_THEN_CP949, "roster_bom_then_cp949.csv")
    assert r.status_code == 200 and ENCODING_MESSAGE in r.text
    assert 'name="token"' not in r.text and "haneul" not in r.text
    assert _counts() == before


_FILES = st.one_of(
    st.binary(max_size=2000),
    st.lists(st.text(st.sampled_from(list("이름이메일김@.,\"\n\r ab가1")), max_size=40), max_size=20).map(
        lambda ls: "이름,이메일\n".encode() + "\n".join(ls).encode("utf-8")),
    st.lists(st.text(max_size=30), max_size=20).map(  # UTF-8 behind a BOM, then CP949: mixed encodings
        lambda ls: b"\xef\xbb\xbf" + "\n".join(ls).encode("utf-8", "replace") + "김".encode("cp949")),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=_FILES, ext=st.sampled_from(["csv", "xlsx", "txt"]))
@example(data=BOM_THEN_CP949, ext="csv")
@example(data=b"", ext="xlsx")
@example(data=b"\xef\xbb\xbf", ext="csv")
@example(data='이름,이메일\n"김'.encode() + "가".encode() * 70_000, ext="csv")
def test_upload_endpoint_never_500(world, signed_in, data, ext):
    before = _counts()
    r = _upload(signed_in, world, data, f"명단.{ext}")
    assert r.status_code == 200 and "명단 미리 보기" in r.text
    assert _counts() == before


# ----------------------------------------------------------------- caps at their boundaries

def _csv(n_rows: int, extra: str = "") -> bytes:
    lines = ["이름,이메일,비고"] + [f"훈련생{i},t{i}@example.kr,{extra}" for i in range(n_rows)]
    return ("\n".join(lines) + "\n").encode()


def test_row_cap_at_boundary(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "ROSTER_MAX_ROWS", 7)
    for fmt in ("csv", "xlsx"):
        rows = [["이름", "이메일"]] + [[f"훈련생{i}", f"t{i}@example.kr"] for i in range(7)]
        ok = parse_roster(world.cohort, xlsx(rows) if fmt == "xlsx" else _csv(7), f"r.{fmt}")
        assert ok.errors == [] and len(ok.rows) == 7
        rows.append(["하나더", "more@example.kr"])
        over = parse_roster(world.cohort, xlsx(rows) if fmt == "xlsx" else _csv(8), f"r.{fmt}")
        assert len(over.errors) == 1 and over.rows == [] and "7행까지" in over.errors[0][2]


def test_cell_cap_at_boundary(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "ROSTER_MAX_CELL_CHARS", 300)
    assert parse_roster(world.cohort, _csv(1, "가" * 300), "r.csv").errors == []
    over = parse_roster(world.cohort, _csv(1, "가" * 301), "r.csv")
    assert [(row, col) for row, col, _m in over.errors] == [(2, "비고")] and "300자" in over.errors[0][2]
    rows = [["이름", "이메일", "비고"], ["김", "k@example.kr", "나" * 300]]
    assert parse_roster(world.cohort, xlsx(rows), "r.xlsx").errors == []
    rows[1][2] += "나"
    assert [(row, col) for row, col, _m in parse_roster(world.cohort, xlsx(rows), "r.xlsx").errors] == [(2, "비고")]


def test_byte_cap_at_boundary(world, app, monkeypatch):
    data = _csv(3)
    monkeypatch.setitem(app.config, "ROSTER_MAX_BYTES", len(data))
    assert parse_roster(world.cohort, data, "r.csv").errors == []
    over = parse_roster(world.cohort, data + b"\n", "r.csv")
    assert len(over.errors) == 1 and "MB를 넘습니다" in over.errors[0][2]


def test_uncompressed_cap_at_boundary(world, app, monkeypatch):
    data = xlsx([["이름", "이메일"], ["김민수", "minsu@example.kr"]])
    monkeypatch.setitem(app.config, "ROSTER_MAX_UNCOMPRESSED_BYTES", uncompressed_size(data))
    assert parse_roster(world.cohort, data, "r.xlsx").errors == []
    monkeypatch.setitem(app.config, "ROSTER_MAX_UNCOMPRESSED_BYTES", uncompressed_size(data) - 1)
    over = parse_roster(world.cohort, data, "r.xlsx")
    assert len(over.errors) == 1 and "압축을 푼 크기" in over.errors[0][2]


def test_defaults_are_a_few_thousand_rows_and_bounded(app):
    from lms.labs.roster import read_limits

    limits = read_limits()
    assert 1000 <= limits.max_rows <= 10000 and limits.max_cell_chars <= 10000
    assert app.config["ROSTER_MAX_BYTES"] <= 10 * 1024 * 1024


# ----------------------------------------------------------------- the reported attacks

@pytest.mark.parametrize("dimension", [None, "A1:B200001"])
def test_200000_row_xlsx_refused_quickly_with_a_small_page(world, signed_in, dimension):
    # Excel declares the sheet's dimension (openpyxl then streams and the row cap stops
    # it); without one openpyxl scans the sheet first, which the size cap bounds.
    data = xlsx([["이름", "이메일"]] + [[1]] * 200_000, numbered=False, dimension=dimension)
    assert len(data) < 100_000  # a few tens of kB, as reported
    before = _counts()
    t0 = time.monotonic()
    r = _upload(signed_in, world, data, "명단.xlsx")
    elapsed = time.monotonic() - t0
    assert r.status_code == 200 and ("행이 너무 많습니다" in r.text or "압축을 푼 크기" in r.text)
    assert elapsed < 5 and len(r.data) < 100_000
    assert _counts() == before


def test_xlsx_bomb_refused(world, signed_in):
    data = xlsx([["이름", "이메일"]] + [["김민수", "a@example.kr"]] * 200_000, numbered=False)
    r = _upload(signed_in, world, data, "명단.xlsx")
    assert r.status_code == 200 and "압축을 푼 크기" in r.text


def test_csv_with_one_19mb_field(world, signed_in):
    data = '이름,이메일\n김민수,"'.encode() + b"a" * (19 * 1024 * 1024) + b'"\n'
    r = _upload(signed_in, world, data, "명단.csv")
    assert r.status_code == 200 and "MB를 넘습니다" in r.text and len(r.data) < 100_000


def test_csv_with_a_field_beyond_the_csv_module_limit(world, signed_in):
    data = '이름,이메일\n김민수,"'.encode() + b"a" * 200_000 + b'"\n'
    r = _upload(signed_in, world, data, "명단.csv")
    assert r.status_code == 200 and "너무 깁니다" in r.text


def test_preview_page_sends_a_bounded_sample(world, signed_in):
    n = 3000
    r = _upload(signed_in, world, _csv(n), "명단.csv")
    assert r.status_code == 200
    body = r.text
    assert len(re.findall(r"<tr>", body)) <= 110
    assert f"전체 {n}행 중 처음 100행" in body and "t2999@example.kr" not in body
    assert re.search(rf'<div class="stat">{n}</div>', body)  # the counts cover every row
    bad = ("이름,이메일\n" + "".join(f"훈련생{i},not-an-email\n" for i in range(n))).encode()
    r = _upload(signed_in, world, bad, "bad.csv")
    assert f"오류 {n}건" in r.text and len(re.findall(r"<tr>", r.text)) <= 210
    assert "나머지 2800건" in r.text


def test_preview_issues_a_constant_number_of_statements(world):
    """The preview's database work does not grow with the roster (rules of the codebase)."""
    from sqlalchemy import event

    from tests.factories import make_company

    def roster(n):
        lines = ["이름,이메일,소속회사,학번"]
        for i in range(n):
            user = make_user("trainee", email=f"own{n}_{i}@example.kr")
            db.session.add(CohortMember(cohort_id=world.cohort.id, user_id=user.id))
            make_company(name=f"(주)후원{n}_{i}")
            lines.append(f"훈련생{i},{user.email},(주)후원{n}_{i},S{i}")
        lines += [f"새사람{i},fresh{n}_{i}@example.kr,(주)신규{n}_{i}," for i in range(n)]
        db.session.flush()
        return ("\n".join(lines) + "\n").encode()

    counts = []
    for n in (2, 25):
        data = roster(n)
        seen = []
        listener = lambda *a, **k: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            p = parse_roster(world.cohort, data, "r.csv")
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert p.errors == [] and p.count("update") == n and p.count("invite") == n
        counts.append(len(seen))
    assert counts[0] == counts[1]
