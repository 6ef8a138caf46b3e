"""Verification as people type it (issue 13): a number without its hyphen, with spaces or in
full-width digits finds the certificate; a result page is a GET, so a reload never asks to
resend the form; GET /verify/pdf is not read as a verification code."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from lms.certificates.forms import normalise_number

DASHES = ["-", "", " - ", "–", "—", "－", "‐", " "]


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


@settings(max_examples=200, deadline=None)
@given(year=st.integers(2000, 2099), serial=st.integers(0, 999_999), dash=st.sampled_from(DASHES),
       wide=st.booleans(), pad=st.sampled_from(["", " ", "\t", "  "]))
def test_every_typed_form_of_a_number_normalises_to_the_printed_one(year, serial, dash, wide, pad):
    printed = f"{year}-{serial:06d}"
    typed = f"{pad}{year}{dash}{serial:06d}{pad}"
    assert normalise_number(_fullwidth(typed) if wide else typed) == printed


@given(st.text(max_size=20))
def test_normalising_never_invents_a_number(text):
    """Input that is not ten digits stays what it was (stripped) for the validator to refuse."""
    out = normalise_number(text)
    digits = [c for c in __import__("unicodedata").normalize("NFKC", text) if c.isdigit()]
    if out is not None and len(out) == 11 and out[4] == "-" and out.replace("-", "").isdigit():
        assert len(digits) == 10


def test_number_without_hyphen_finds_the_certificate(client, cert):
    plain = cert.number.replace("-", "")
    r = client.post("/verify", data={"number": plain, "birth_date": "1990-01-02"}, follow_redirects=True)
    assert r.status_code == 200 and "유효한 수료증입니다" in r.get_data(as_text=True)


def test_result_is_a_get_page_that_reloads_without_resubmitting(client, cert):
    r = client.post("/verify", data={"number": cert.number, "birth_date": "1990-01-02"})
    assert r.status_code == 303
    target = r.headers["Location"]
    assert f"/verify/{cert.verification_code}" in target
    again = client.get(target)  # what the browser's reload does
    assert again.status_code == 200 and "유효한 수료증입니다" in again.get_data(as_text=True)
    assert client.get(target).status_code == 200  # and a second reload too


def test_a_miss_is_a_get_page_too_and_keeps_the_number(client, cert):
    r = client.post("/verify", data={"number": cert.number, "birth_date": "1991-01-02"})
    assert r.status_code == 303
    page = client.get(r.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 404 and "일치하는 수료증을 찾을 수 없습니다" in html
    assert f'value="{cert.number}"' in html
    assert "1991-01-02" not in r.headers["Location"]  # the birth date never goes into an address


def test_get_verify_pdf_goes_to_the_form_not_a_code_lookup(client):
    r = client.get("/verify/pdf")
    assert r.status_code == 303 and r.headers["Location"].endswith("/verify#verify-pdf")
