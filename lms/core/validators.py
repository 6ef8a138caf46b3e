"""Validators shared by every form and import: no resident registration number.

The platform never collects a resident registration number (주민등록번호, RRN;
PIPA Art. 24-2 forbids processing it without a legal basis, which a training
platform does not have). Every free-text input refuses a value that contains one.

The pattern (:data:`RRN_RE`), applied after Unicode NFKC normalisation (so full-width
digits and dashes count as ASCII ones):

    YYMMDD  [separator]  G NNNNNN

* ``YYMMDD``: six digits, MM 01-12 and DD 01-31 (a birth date: RRNs and the
  foreigner registration numbers built the same way always start with one);
* separator: nothing, or one hyphen or dash (- ‐ ‑ ‒ – — ―), optionally with spaces
  around it, or spaces alone;
* ``G``: the gender/century digit 1-8 (1-4 Koreans, 5-8 foreign residents);
* ``NNNNNN``: six more digits;
* not part of a longer run of digits (a 14-digit account number is not an RRN).

The checksum digit is deliberately not checked: numbers issued since October 2020
no longer satisfy it, and a mistyped RRN is still personal data.
"""
from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError as WTFormsValidationError

RRN_RE = re.compile(
    r"(?<![0-9])"
    r"[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    r"(?:\s*[-\u2010\u2011\u2012\u2013\u2014\u2015]\s*|\s*)"
    r"[1-8][0-9]{6}"
    r"(?![0-9])"
)
RRN_MESSAGE = _l("주민등록번호로 보이는 값은 입력할 수 없습니다. 이 서비스는 주민등록번호를 받지 않습니다.")


def contains_rrn(value) -> bool:
    """True when ``value`` (any object; only text is examined) contains something shaped
    like a resident registration number (see the module docstring for the pattern)."""
    if not isinstance(value, str) or len(value) < 13:
        return False
    return RRN_RE.search(unicodedata.normalize("NFKC", value)) is not None


def mask_rrn(text: str) -> str:
    """``text`` with every RRN-shaped part replaced by asterisks (for logs of refused input)."""
    return RRN_RE.sub(lambda m: "*" * len(m.group(0)), unicodedata.normalize("NFKC", text))


def check_no_rrn(*values) -> None:
    """Raise lms.errors.ValidationError (Korean message) if any value contains an RRN.
    For services that take free text outside WTForms (sign-off notes, CLI input)."""
    from lms.errors import ValidationError

    if any(contains_rrn(v) for v in values):
        raise ValidationError(RRN_MESSAGE)


class NoResidentNumber:
    """WTForms validator: refuses a field whose text contains an RRN-shaped value.

    Attach it to every StringField/TextAreaField (tests/core/test_validators.py walks
    every form class in lms/ and fails on a text field without it)."""

    field_flags: dict = {}

    def __init__(self, message=None):
        self.message = message

    def __call__(self, form, field) -> None:
        if contains_rrn(field.data):
            # The refused value is not shown back in the re-rendered form either.
            field.data = ""
            field.raw_data = [""]
            raise WTFormsValidationError(self.message or RRN_MESSAGE)


no_rrn = NoResidentNumber()


def first_error(form) -> str | None:
    """The first error message of a validated WTForms form (field order), or None; for
    views that flash one message instead of rendering the form again."""
    for field in form:
        if field.errors and field.name != "csrf_token":
            return str(field.errors[0])
    return None
