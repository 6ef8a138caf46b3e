"""No resident registration number (주민등록번호) anywhere (issue 9 item 2).

The pattern (lms.core.validators.RRN_RE), the rule that every text field of every
form class in lms/ carries the validator (so a new field cannot forget it), and the
schema. PIPA Art. 24-2 (no RRN processing without a legal basis); OWASP ASVS 5.0
V2.2.1 (input validated against business rules), V14.2 (sensitive data not kept)."""
from __future__ import annotations

import importlib
import pkgutil
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wtforms import Form, PasswordField, StringField
from wtforms.fields.core import UnboundField

import lms
from lms.core.validators import RRN_RE, NoResidentNumber, check_no_rrn, contains_rrn, mask_rrn
from lms.errors import ValidationError

POSITIVE = [
    "900101-1234567", "9001011234567", "900101 - 2234567", "900101 2234567", "011231-3234567", "991231-8234567",
    "주민번호 900101-1234567 입니다", "９００１０１－１２３４５６７", "900101–1234567", "a900101-5234567b",
]
NEGATIVE = [
    "010-1234-5678", "01012345678", "2026-000123", "123-45-67890", "9013011234567",  # month 13
    "900132-1234567",  # day 32
    "900101-0234567", "900101-9234567",  # gender digit 0 and 9
    "19900101-1234567",  # part of a longer digit run (8 + 7)
    "900101-12345678", "90010112345", "김민수", "", "1234567890123",
]


@pytest.mark.parametrize("value", POSITIVE)
def test_pattern_matches_rrns_with_and_without_hyphen(value):
    assert contains_rrn(value)
    assert not RRN_RE.search(mask_rrn(value))


@pytest.mark.parametrize("value", NEGATIVE)
def test_pattern_leaves_other_numbers(value):
    assert not contains_rrn(value)


_DATE = st.tuples(st.integers(0, 99), st.integers(1, 12), st.integers(1, 31))
_SEP = st.sampled_from(["", "-", " - ", " ", "\u2013", "\uff0d"])


def _no_digits(t: str) -> bool:  # also after NFKC: "¼" becomes "1⁄4", "①" becomes "1"
    return not any(c.isdigit() for c in unicodedata.normalize("NFKC", t))


_TEXT = st.text(st.characters(blacklist_categories=("Nd", "No", "Cs")), max_size=20).filter(_no_digits)


@settings(max_examples=300, deadline=None)
@given(date=_DATE, sep=_SEP, g=st.integers(1, 8), rest=st.integers(0, 999_999), before=_TEXT, after=_TEXT)
def test_every_rrn_shape_is_found_anywhere_in_text(date, sep, g, rest, before, after):
    yy, mm, dd = date
    value = f"{before}{yy:02d}{mm:02d}{dd:02d}{sep}{g}{rest:06d}{after}"
    assert contains_rrn(value)
    with pytest.raises(ValidationError):
        check_no_rrn("정상 값", value)


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Nd", "Cs"))).filter(_no_digits))
def test_text_without_digits_is_never_refused(value):
    assert not contains_rrn(value)


# ------------------------------------------------------------------ every form, every text field

def _form_classes():
    for mod in pkgutil.walk_packages(lms.__path__, "lms."):
        importlib.import_module(mod.name)

    def walk(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    return {c for c in walk(Form) if c.__module__.startswith("lms.")}


def test_every_text_field_of_every_form_refuses_rrns(app):
    from lms.labs.forms import signoff_form

    with app.test_request_context("/"):  # form classes built at run time exist once called
        dynamic = signoff_form([{"id": "a1", "text": "점검"}])
    forms = _form_classes() | {type(dynamic)}
    names = {c.__name__ for c in forms}
    assert {"RegisterForm", "ProfileForm", "RevokeForm", "ReissueForm", "RegionForm", "CohortForm",
            "SignoffForm"} <= names
    missing, checked = [], 0
    for cls in forms:
        for attr in dir(cls):
            unbound = getattr(cls, attr, None)
            if not isinstance(unbound, UnboundField) or not issubclass(unbound.field_class, StringField):
                continue
            if issubclass(unbound.field_class, PasswordField):
                continue  # never stored or shown (hashed); refusing it would only lock people out
            checked += 1
            validators = unbound.kwargs.get("validators") or (unbound.args[1] if len(unbound.args) > 1 else [])
            if not any(isinstance(v, NoResidentNumber) for v in validators):
                missing.append(f"{cls.__module__}.{cls.__name__}.{attr}")
    assert checked >= 40
    assert missing == [], f"text fields without no_rrn: {missing}"


# ------------------------------------------------------------------ the schema

_RRN_COLUMN = re.compile(r"rrn|resident|jumin|juminno|ssn|national_id|registration_no|주민", re.I)


def test_schema_has_no_rrn_column(app):
    import sqlalchemy as sa

    from lms.extensions import db

    columns = [f"{t.name}.{c.name}" for t in db.metadata.sorted_tables for c in t.columns]
    assert len(columns) > 50
    assert [c for c in columns if _RRN_COLUMN.search(c)] == []
    insp = sa.inspect(db.session.connection())  # the migrated database too, not only the models
    live = [f"{t}.{c['name']}" for t in insp.get_table_names() for c in insp.get_columns(t)]
    assert live and [c for c in live if _RRN_COLUMN.search(c)] == []
