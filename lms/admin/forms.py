"""Admin forms. Values are read field by field into service calls: no populate_obj,
so a form can never set a column it does not name."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from lms.core.validators import no_rrn
from lms.orgs.models import COMPLEX_KINDS, INSTITUTION_KINDS

STAFF_ROLE_CHOICES = [("instructor", _l("교강사")), ("ministry", _l("정부 담당자")), ("admin", _l("관리자"))]
ROLE_CHOICES = [("trainee", _l("훈련생"))] + STAFF_ROLE_CHOICES
KIND_LABELS = {"university": _l("대학"), "training_centre": _l("교육훈련기관"), "lab_operator": _l("스마트랩 운영기관")}
_REQ = DataRequired(message=_l("필수 입력 항목입니다."))


class StaffForm(FlaskForm):
    name = StringField(_l("이름"), validators=[_REQ, Length(max=64), no_rrn])
    email = EmailField(_l("이메일"), validators=[_REQ, Email(message=_l("올바른 이메일 주소를 입력해 주세요."),
                                                           check_deliverability=False), Length(max=255), no_rrn])
    role = SelectField(_l("역할"), choices=STAFF_ROLE_CHOICES)
    institution_id = SelectField(_l("소속 기관 (교강사)"), coerce=str, choices=[], validate_choice=False,
                                 description=_l("교강사는 소속 기관을 반드시 선택해야 합니다."))
    password = PasswordField(_l("초기 비밀번호 (선택)"), validators=[Optional(), Length(min=8, max=128, message=_l(
        "비밀번호는 8자 이상으로 입력해 주세요."))],
                             description=_l("비워 두면 비밀번호 설정 링크를 메일로 보냅니다."))


class RoleForm(FlaskForm):
    role = SelectField(_l("역할"), choices=ROLE_CHOICES)
    institution_id = SelectField(_l("소속 기관 (교강사)"), coerce=str, choices=[], validate_choice=False)


class RegionForm(FlaskForm):
    code = StringField(_l("시·도 코드"), validators=[_REQ, Regexp(r"^\d{2}$", message=_l("숫자 2자리로 입력해 주세요.")), no_rrn])
    name_ko = StringField(_l("이름 (한국어)"), validators=[_REQ, Length(max=64), no_rrn])
    name_en = StringField(_l("이름 (영어)"), validators=[Optional(), Length(max=64), no_rrn])
    valid_from = DateField(_l("유효 시작일"), validators=[Optional()])
    valid_to = DateField(_l("유효 종료일"), validators=[Optional()], description=_l("지금도 쓰는 코드면 비워 두세요."))


class RootTechnologyForm(FlaskForm):
    name_ko = StringField(_l("이름 (한국어)"), validators=[_REQ, Length(max=64), no_rrn])
    name_en = StringField(_l("이름 (영어)"), validators=[Optional(), Length(max=64), no_rrn])
    group_ko = StringField(_l("분류 (한국어)"), validators=[Optional(), Length(max=64), no_rrn])
    group_en = StringField(_l("분류 (영어)"), validators=[Optional(), Length(max=64), no_rrn])


class CompanySizeForm(FlaskForm):
    name_ko = StringField(_l("이름 (한국어)"), validators=[_REQ, Length(max=64), no_rrn])
    name_en = StringField(_l("이름 (영어)"), validators=[Optional(), Length(max=64), no_rrn])
    rule_of_thumb = StringField(_l("구분 기준"), validators=[Optional(), Length(max=255), no_rrn])
    position = IntegerField(_l("표시 순서"), validators=[Optional(), NumberRange(min=0, max=999)])


class LevelForm(FlaskForm):
    name_ko = StringField(_l("이름 (한국어)"), validators=[_REQ, Length(max=64), no_rrn])
    name_en = StringField(_l("이름 (영어)"), validators=[Optional(), Length(max=64), no_rrn])
    meaning = StringField(_l("설명"), validators=[Optional(), Length(max=255), no_rrn])
    position = IntegerField(_l("표시 순서"), validators=[Optional(), NumberRange(min=0, max=999)])


class InstitutionForm(FlaskForm):
    name_ko = StringField(_l("기관명 (한국어)"), validators=[_REQ, Length(max=128), no_rrn])
    name_en = StringField(_l("기관명 (영어)"), validators=[Optional(), Length(max=128), no_rrn])
    kind = SelectField(_l("기관 유형"), choices=[(k, KIND_LABELS[k]) for k in INSTITUTION_KINDS])
    region_code = SelectField(_l("시·도"), coerce=str, choices=[], validate_choice=False)
    head_title_ko = StringField(_l("기관장 직함 (한국어)"), validators=[Optional(), Length(max=64), no_rrn],
                                description=_l("수료증에 찍힙니다. 예: 총장, 원장, 이사장"))
    head_title_en = StringField(_l("기관장 직함 (영어)"), validators=[Optional(), Length(max=64), no_rrn])
    head_name_ko = StringField(_l("기관장 이름 (한국어)"), validators=[Optional(), Length(max=64), no_rrn])
    head_name_en = StringField(_l("기관장 이름 (영어)"), validators=[Optional(), Length(max=64), no_rrn])
    is_active = BooleanField(_l("운영 중"), default=True)


class CompanyForm(FlaskForm):
    name = StringField(_l("회사명"), validators=[_REQ, Length(max=128), no_rrn])
    business_number = StringField(_l("사업자등록번호"), validators=[Optional(), Regexp(
        r"^\d{3}-?\d{2}-?\d{5}$", message=_l("사업자등록번호는 000-00-00000 형식(숫자 10자리)으로 입력해 주세요.")), no_rrn],
                                  description=_l("형식: 000-00-00000"))
    ksic_code = StringField(_l("표준산업분류(KSIC) 코드"), validators=[Optional(), Length(max=8), no_rrn],
                            description=_l("예: C29 또는 29119"))
    size_code = SelectField(_l("기업 규모"), coerce=str, choices=[], validate_choice=False)
    region_code = SelectField(_l("시·도"), coerce=str, choices=[], validate_choice=False)
    industrial_complex_id = SelectField(_l("산업단지"), coerce=str, choices=[], validate_choice=False,
                                        description=_l("스마트산단 여부는 산업단지 기준 정보를 따릅니다."))
    root_technology_code = SelectField(_l("뿌리기술"), coerce=str, choices=[], validate_choice=False)
    smart_factory_level_code = SelectField(_l("스마트공장 수준"), coerce=str, choices=[], validate_choice=False)
    cuts_working_hours = BooleanField(_l("근로시간 단축 기업"))
    is_root_industry = BooleanField(_l("뿌리산업 기업"))


COMPLEX_KIND_LABELS = {"national": _l("국가산업단지"), "general": _l("일반산업단지")}


class ComplexForm(FlaskForm):
    code = StringField(_l("코드"), validators=[_REQ, Length(max=32), no_rrn],
                       description=_l("영문 소문자, 숫자, 하이픈. 예: changwon"))
    name_ko = StringField(_l("이름 (한국어)"), validators=[_REQ, Length(max=128), no_rrn])
    name_en = StringField(_l("이름 (영어)"), validators=[Optional(), Length(max=128), no_rrn])
    kind = SelectField(_l("유형"), choices=[(k, COMPLEX_KIND_LABELS[k]) for k in COMPLEX_KINDS])
    region_code = SelectField(_l("시·도"), coerce=str, choices=[], validate_choice=False)
    is_smart = BooleanField(_l("스마트산단으로 지정됨"))
    smart_since_year = IntegerField(_l("지정 연도"), validators=[Optional(), NumberRange(min=2019, max=2100)],
                                    description=_l("정확한 지정 연도를 알 때만 입력하세요."))
    smart_by_year = IntegerField(_l("늦어도 이 해까지 지정"), validators=[Optional(), NumberRange(min=2019, max=2100)],
                                 description=_l("지정 연도를 정확히 모르고 '~년까지 지정'으로만 알려진 경우"))
