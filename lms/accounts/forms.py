"""Account forms. None of them has a role, institution or status field: users
cannot set those on themselves."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from lms.accounts.services import MIN_PASSWORD_LENGTH
from lms.core.validators import no_rrn

_PW_LEN = Length(min=MIN_PASSWORD_LENGTH, max=128,
                 message=_l("비밀번호는 %(n)d자 이상 128자 이하로 입력해 주세요.", n=MIN_PASSWORD_LENGTH))
_EMAIL = [DataRequired(message=_l("이메일을 입력해 주세요.")),
          Email(message=_l("올바른 이메일 주소를 입력해 주세요."), check_deliverability=False),
          Length(max=255)]


def _new_password_fields(label=None):
    pw = PasswordField(label or _l("비밀번호"), validators=[DataRequired(message=_l("비밀번호를 입력해 주세요.")), _PW_LEN],
                       description=_l("%(n)d자 이상으로 정해 주세요. 흔히 쓰이는 비밀번호, 이메일 주소, 이름은 쓸 수 없습니다.",
                                   n=MIN_PASSWORD_LENGTH))
    confirm = PasswordField(_l("비밀번호 확인"), validators=[
        DataRequired(message=_l("비밀번호를 한 번 더 입력해 주세요.")),
        EqualTo("password", message=_l("비밀번호 확인이 일치하지 않습니다."))])
    return pw, confirm


class LoginForm(FlaskForm):
    email = EmailField(_l("이메일"), validators=[DataRequired(message=_l("이메일을 입력해 주세요.")), no_rrn])
    password = PasswordField(_l("비밀번호"), validators=[DataRequired(message=_l("비밀번호를 입력해 주세요."))])
    submit = SubmitField(_l("로그인"))


class RegisterForm(FlaskForm):
    name = StringField(_l("이름"), validators=[DataRequired(message=_l("이름을 입력해 주세요.")), Length(max=64), no_rrn])
    email = EmailField(_l("이메일"), validators=[*_EMAIL, no_rrn], description=_l("로그인 아이디로 쓰입니다."))
    password, confirm = _new_password_fields()
    birth_date = DateField(_l("생년월일 (선택)"), validators=[Optional()],
                           description=_l("수료증에 표시됩니다. 주민등록번호는 받지 않습니다."))
    company = StringField(_l("소속 회사 (선택)"), validators=[Optional(), Length(max=128), no_rrn],
                          description=_l("목록에서 고르거나 회사명을 직접 입력하세요."))
    # One checkbox per consent item (see services.CONSENT_ITEMS); required ones are checked in the service too.
    consent_terms = BooleanField(_l("[필수] 이용약관에 동의합니다."))
    consent_privacy_required = BooleanField(_l("[필수] 개인정보 수집·이용에 동의합니다."))
    consent_marketing = BooleanField(_l("[선택] 마케팅 정보 수신에 동의합니다."), default=False)
    consent_third_party = BooleanField(_l("[선택] 개인정보 제3자 제공에 동의합니다."), default=False)
    submit = SubmitField(_l("가입하기"))

    def consent_answers(self) -> dict[str, bool]:
        return {key: bool(getattr(self, f"consent_{key}").data)
                for key in ("terms", "privacy_required", "marketing", "third_party")}


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("가입한 이메일"), validators=[*_EMAIL, no_rrn])
    submit = SubmitField(_l("재설정 링크 받기"))


class SetPasswordForm(FlaskForm):
    """New password from a reset or invitation link."""

    password, confirm = _new_password_fields(_l("새 비밀번호"))
    submit = SubmitField(_l("비밀번호 설정"))


class ProfileForm(FlaskForm):
    name = StringField(_l("이름"), validators=[DataRequired(message=_l("이름을 입력해 주세요.")), Length(max=64), no_rrn])
    phone = StringField(_l("휴대전화 (선택)"), validators=[Optional(), Length(max=32), no_rrn])
    birth_date = DateField(_l("생년월일 (선택)"), validators=[Optional()])
    locale = SelectField(_l("화면 언어"), choices=[("ko", "한국어"), ("en", "English")])
    consent_marketing = BooleanField(_l("마케팅 정보 수신에 동의합니다."))
    consent_third_party = BooleanField(_l("개인정보 제3자 제공에 동의합니다."))
    save_profile = SubmitField(_l("저장"))


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("현재 비밀번호"), validators=[DataRequired(message=_l("현재 비밀번호를 입력해 주세요."))])
    password, confirm = _new_password_fields(_l("새 비밀번호"))
    change_password = SubmitField(_l("비밀번호 변경"))


class SecondFactorForm(FlaskForm):
    """A 6-digit code from the authenticator app, or a recovery code."""

    code = StringField(_l("인증 코드"), validators=[DataRequired(message=_l("인증 코드를 입력해 주세요.")), Length(max=32), no_rrn],
                       description=_l("인증 앱에 표시된 6자리 숫자, 또는 복구 코드"))
    submit = SubmitField(_l("확인"))


class SecondFactorSetupForm(FlaskForm):
    code = StringField(_l("인증 코드"), validators=[DataRequired(message=_l("인증 코드를 입력해 주세요.")), Length(max=32), no_rrn],
                       description=_l("앱에 계정을 추가한 뒤 표시되는 6자리 숫자"))
    submit = SubmitField(_l("2단계 인증 켜기"))


class SecondFactorDisableForm(FlaskForm):
    code = StringField(_l("인증 코드"), validators=[DataRequired(message=_l("인증 코드를 입력해 주세요.")), Length(max=32), no_rrn])
    disable = SubmitField(_l("2단계 인증 끄기"))


class ConfirmEmailForm(FlaskForm):
    submit = SubmitField(_l("가입 완료하기"))


class ConsentForm(FlaskForm):
    """The consents an account made by someone else (roster import, invitation) owes
    before it works: the same items as registration, every box unticked at first."""

    consent_terms = BooleanField(_l("[필수] 이용약관에 동의합니다."), default=False)
    consent_privacy_required = BooleanField(_l("[필수] 개인정보 수집·이용에 동의합니다."), default=False)
    consent_marketing = BooleanField(_l("[선택] 마케팅 정보 수신에 동의합니다."), default=False)
    consent_third_party = BooleanField(_l("[선택] 개인정보 제3자 제공에 동의합니다."), default=False)
    submit = SubmitField(_l("동의하고 시작하기"))

    consent_answers = RegisterForm.consent_answers


class DeleteAccountForm(FlaskForm):
    """Deleting one's own account: the password again and an explicit confirmation."""

    password = PasswordField(_l("현재 비밀번호"), validators=[DataRequired(message=_l("현재 비밀번호를 입력해 주세요."))])
    confirm = BooleanField(_l("탈퇴하면 계정을 되살릴 수 없고, 이름은 가려지며 이메일과 연락처는 지워진다는 것을 이해했습니다."),
                           default=False)
    delete = SubmitField(_l("회원 탈퇴"))
