"""Forms of the certificates pages (verification, revocation, re-issue, institution images)."""
from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from lms.core.validators import no_rrn


def normalise_number(value):
    """A certificate number as people type it -> ``YYYY-NNNNNN``.

    Accepts full-width digits, spaces and any dash (``2026000102``, ``２０２６－０００１０２``,
    `` 2026 – 000102 ``); anything else is returned stripped, for the validator to refuse.
    """
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value))
    compact = re.sub(r"[\s\-‐‑‒–—―−]", "", text)
    if re.fullmatch(r"\d{10}", compact):
        return f"{compact[:4]}-{compact[4:]}"
    return text.strip()


class VerifyForm(FlaskForm):
    number = StringField(_l("수료증 번호"), filters=[normalise_number],
                         validators=[DataRequired(), Regexp(r"^\d{4}-\d{6}$",
                         message=_l("번호는 2026-000123 형식으로 입력해 주세요.")), no_rrn],
                         description=_l("예: 2026-000123"))
    birth_date = DateField(_l("생년월일"), validators=[Optional()])
    name = StringField(_l("성명"), validators=[Optional(), Length(max=64), no_rrn],
                       description=_l("생년월일 또는 성명 중 하나를 입력해 주세요."))


class VerifyPdfForm(FlaskForm):
    pdf = FileField(_l("수료증 PDF 파일"), render_kw={"accept": ".pdf,application/pdf"}, description=_l("발급받은 PDF 파일을 그대로 올려 주세요(20MB 이하)."))


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("취소 사유"), validators=[DataRequired(message=_l("취소 사유를 입력해 주세요.")),
                                                      Length(max=1000), no_rrn])


class ReissueForm(FlaskForm):
    name = StringField(_l("정정할 성명"), validators=[Optional(), Length(max=64), no_rrn])
    reason = TextAreaField(_l("재발급 사유"), validators=[DataRequired(message=_l("재발급 사유를 입력해 주세요.")),
                                                       Length(max=1000), no_rrn])


class ExpiringForm(FlaskForm):
    class Meta:
        csrf = False

    days = IntegerField(_l("만료까지 남은 일수"), default=90, validators=[Optional(), NumberRange(1, 3650)])


class InstitutionAssetsForm(FlaskForm):
    seal = FileField(_l("직인 이미지 (PNG/JPEG, 1MB 이하)"), render_kw={"accept": "image/png,image/jpeg"})
    logo = FileField(_l("로고 이미지 (PNG/JPEG, 1MB 이하)"), render_kw={"accept": "image/png,image/jpeg"})
    head_name_ko = StringField(_l("기관장 성명 (한국어)"), validators=[Optional(), Length(max=64), no_rrn])
    head_name_en = StringField(_l("기관장 성명 (영어)"), validators=[Optional(), Length(max=64), no_rrn])
