"""Forms of the labs screens. Choices are filled in by the views from what the
user may pick; no form binds a field the user may not set."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateField, IntegerField, RadioField, SelectField, SelectMultipleField,
                     StringField, TextAreaField, TimeField)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.core.validators import no_rrn


def int_or_none(value):
    """``coerce`` of a required select whose first option is the empty "고르세요" one."""
    return None if value in ("", None) else int(value)


def pick_one(choices) -> list:
    """``choices`` after an empty first option: a required select starts unanswered."""
    return [("", _l("항목을 고르세요"))] + list(choices)


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (usable on a phone, unlike <select multiple>)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProgrammeForm(FlaskForm):
    name_ko = StringField(_l("프로그램 이름"), validators=[DataRequired(), Length(max=200), no_rrn])
    name_en = StringField(_l("영문 이름"), validators=[Optional(), Length(max=200), no_rrn])
    institution_id = SelectField(_l("운영 기관"), coerce=int_or_none, validators=[DataRequired()])
    kind = SelectField(_l("유형"), validators=[DataRequired()])
    contract_type = SelectField(_l("계약 유형(계약학과만)"), validators=[Optional()])
    quota = IntegerField(_l("정원"), validators=[Optional(), NumberRange(min=0, max=100000)])
    sponsor_ids = MultiCheckboxField(_l("후원기업"), coerce=int, validators=[Optional()])
    is_active = BooleanField(_l("운영 중"), default=True)


class CohortForm(FlaskForm):
    programme_id = SelectField(_l("프로그램"), coerce=int_or_none, validators=[DataRequired()])
    label = StringField(_l("기수 이름"), validators=[DataRequired(), Length(max=64), no_rrn],
                        description=_l("예: 2026-1기"))
    intake_year = IntegerField(_l("입학년도"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    term = SelectField(_l("학기"), coerce=int, choices=[(1, _l("1학기")), (2, _l("2학기"))])
    starts_on = DateField(_l("시작일"), validators=[Optional()])
    ends_on = DateField(_l("종료일"), validators=[Optional()])
    course_ids = MultiCheckboxField(_l("과정"), coerce=int, validators=[Optional()])
    instructor_ids = MultiCheckboxField(_l("교강사"), coerce=int, validators=[Optional()])


class LabForm(FlaskForm):
    name_ko = StringField(_l("스마트랩 이름"), validators=[DataRequired(), Length(max=200), no_rrn])
    name_en = StringField(_l("영문 이름"), validators=[Optional(), Length(max=200), no_rrn])
    institution_id = SelectField(_l("운영 기관"), coerce=int_or_none, validators=[DataRequired()])
    programme_id = SelectField(_l("프로그램"), coerce=int, validators=[Optional()])
    region_code = SelectField(_l("지역"), validators=[Optional()])
    address = StringField(_l("주소"), validators=[Optional(), Length(max=255), no_rrn])
    instructor_ids = MultiCheckboxField(_l("교강사"), coerce=int, validators=[Optional()])


class RoomForm(FlaskForm):
    name_ko = StringField(_l("실습실 이름"), validators=[DataRequired(), Length(max=128), no_rrn])
    seats = IntegerField(_l("좌석 수"), default=20, validators=[DataRequired(), NumberRange(min=1, max=500)])


class EquipmentForm(FlaskForm):
    kind = SelectField(_l("장비 종류"), validators=[DataRequired()])
    name = StringField(_l("장비 이름"), validators=[Optional(), Length(max=128), no_rrn])
    quantity = IntegerField(_l("수량"), default=1, validators=[DataRequired(), NumberRange(min=1, max=1000)])
    room_id = SelectField(_l("실습실"), coerce=int, validators=[Optional()])


class SessionForm(FlaskForm):
    module_id = SelectField(_l("실습 모듈"), coerce=int_or_none, validators=[DataRequired()])
    room_id = SelectField(_l("실습실"), coerce=int_or_none, validators=[DataRequired()])
    day = DateField(_l("날짜"), validators=[DataRequired()])
    start_time = TimeField(_l("시작 시각(한국 시간)"), validators=[DataRequired()])
    end_time = TimeField(_l("종료 시각(한국 시간)"), validators=[DataRequired()],
                         description=_l("시작 시각보다 이르면 다음 날 그 시각에 끝나는 세션입니다(예: 22:00~01:00 야간 실습)."))
    end_day = DateField(_l("종료일(선택)"), validators=[Optional()],
                        description=_l("비워 두면 시작 날짜, 종료 시각이 시작 시각보다 이르면 그다음 날입니다."))
    # InputRequired, not DataRequired: 0 is an answer (refused by the range), not a blank.
    capacity = IntegerField(_l("정원"), default=20, validators=[
        InputRequired(_l("정원을 입력해 주세요.")),
        NumberRange(min=1, max=500, message=_l("정원은 1명 이상 500명 이하로 입력해 주세요."))])
    instructor_id = SelectField(_l("담당 교강사"), coerce=int, validators=[Optional()])
    cohort_id = SelectField(_l("기수(선택)"), coerce=int, validators=[Optional()])
    past_ok = BooleanField(_l("이미 지난 일시로 편성합니다(진행한 세션을 기록하려는 경우)"))


class RosterUploadForm(FlaskForm):
    file = FileField(_l("명단 파일(CSV 또는 XLSX)"), validators=[FileRequired(_l("파일을 골라 주세요."))])


# --------------------------------------------------------------------------- practical sign-off

class _SignoffBase(FlaskForm):
    """The fields every sign-off has; :func:`signoff_form` adds one judgement per checklist item."""

    outcome = SelectField(_l("종합 판정"), choices=[("", _l("판정을 고르세요")), ("passed", _l("합격")),
                                                    ("failed", _l("불합격"))],
                          default="", validators=[InputRequired(_l("종합 판정(합격/불합격)을 골라 주세요.")),
                                                  AnyOf(("passed", "failed"),
                                                        message=_l("종합 판정(합격/불합격)을 골라 주세요."))])
    assessed_on = DateField(_l("평가일"), validators=[InputRequired(_l("평가일을 입력해 주세요."))])
    note = TextAreaField(_l("메모"), validators=[Optional(), Length(max=2000), no_rrn])
    supersedes_id = IntegerField(validators=[Optional()])

    item_ids: tuple[str, ...] = ()

    def item_field(self, item_id: str, kind: str = "passed"):
        """The ``passed`` (radio) or ``comment`` field of a checklist item."""
        return self[f"{kind}_{item_id}"]

    def unjudged(self) -> list[str]:
        """Ids of checklist items judged neither 통과 nor 미통과."""
        return [i for i in self.item_ids if self.item_field(i).data not in ("1", "0")]

    def results(self) -> list[dict]:
        """[{"item", "passed", "comment"}] for the service, one per checklist item, in order.
        Only meaningful after :meth:`validate` succeeded (every item judged)."""
        return [{"item": i, "passed": self.item_field(i).data == "1",
                 "comment": (self.item_field(i, "comment").data or "").strip()} for i in self.item_ids]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for item_id in self.unjudged():
            field = self.item_field(item_id)
            field.errors = list(field.errors) + [_l("통과 또는 미통과를 골라 주세요.")]
        if self.unjudged():
            self.form_errors.append(_l("모든 점검 항목을 통과 또는 미통과로 판정해야 저장할 수 있습니다. 판정하지 않은 항목: %(n)d개",
                                       n=len(self.unjudged())))
            ok = False
        elif self.outcome.data == "passed" and any(self.item_field(i).data == "0" for i in self.item_ids):
            self.outcome.errors = list(self.outcome.errors) + [
                _l("통과하지 못한 항목이 있으면 합격으로 판정할 수 없습니다.")]
            ok = False
        return ok


def signoff_form(checklist: list[dict], **kwargs) -> _SignoffBase:
    """A sign-off form for ``checklist`` (Module.data["checklist"]): per item a radio
    group ``passed_<id>`` (통과 "1" / 미통과 "0") with NOTHING selected and an optional
    ``comment_<id>``; the overall verdict starts unselected too. ``kwargs`` go to the
    form (``formdata``, ``assessed_on``...)."""
    ids = tuple(str(it["id"]) for it in checklist)
    attrs: dict = {"item_ids": ids}
    for item_id in ids:
        # No default: a radio group with nothing checked. The per-item message is
        # shown beside the item; the form-level one above the list.
        attrs[f"passed_{item_id}"] = RadioField(_l("판정"), choices=[("1", _l("통과")), ("0", _l("미통과"))],
                                                default=None, validate_choice=False,
                                                validators=[Optional()])
        attrs[f"comment_{item_id}"] = StringField(_l("의견"), validators=[Optional(), Length(max=500), no_rrn])
    form_cls = type("SignoffForm", (_SignoffBase,), attrs)
    return form_cls(**kwargs)
