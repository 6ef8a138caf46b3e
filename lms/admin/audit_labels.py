"""Readable names for the admin's audit log and outbox (issue 13: no raw keys or Python reprs).

- :data:`ACTION_LABELS` audit action code -> label; ``tests/admin/test_audit_labels.py``
  walks the code for every action recorded and fails on one without a label.
- :data:`MAIL_KIND_LABELS` outbox kinds, :data:`OBJECT_LABELS` object types and
  :data:`DETAIL_LABELS` detail keys likewise.
- :func:`describe_details` turns an event's details (JSON: str, number, bool, list,
  dict) into one line of "label: value" pairs; it never prints braces or quotes.
"""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l

ACTION_LABELS = {
    "account.create": _l("계정 생성"),
    "account.activate": _l("계정 활성화"),
    "account.deactivate": _l("계정 비활성화"),
    "account.role_change": _l("역할 변경"),
    "account.password_reset": _l("비밀번호 재설정"),
    "account.invitation_accepted": _l("초대 수락"),
    "account.email_confirmed": _l("가입 메일 확인"),
    "account.consent_given": _l("필수 동의 (명단·초대로 만든 계정)"),
    "account.pseudonymise": _l("탈퇴 처리 (가명처리)"),
    "account.second_factor_enrolled": _l("2단계 인증 등록"),
    "account.second_factor_disabled": _l("2단계 인증 해제"),
    "account.second_factor_reset": _l("2단계 인증 초기화"),
    "account.recovery_code_used": _l("복구 코드 사용"),
    "reference.update": _l("기준 정보 수정"),
    "reference.create": _l("기준 정보 추가"),
    "institution.create": _l("기관 추가"),
    "institution.update": _l("기관 수정"),
    "company.create": _l("회사 추가"),
    "company.update": _l("회사 수정"),
    "complex.create": _l("산업단지 추가"),
    "meister.recruit": _l("마이스터 등록"),
    "meister.update": _l("마이스터 프로필 수정"),
    "meister.approve": _l("마이스터 승인"),
    "meister.deactivate": _l("마이스터 비활성화"),
    "placement.create": _l("파견 등록"),
    "placement.close": _l("파견 종료"),
    "placement.contact": _l("파견 기업 담당자 변경"),
    "placement.cancel": _l("파견 취소"),
    "visit.create": _l("방문 기록"),
    "visit.confirm_request": _l("방문 확인 요청"),
    "visit.confirm": _l("방문 확인 (기업)"),
    "visit.dispute": _l("방문 이의 제기 (기업)"),
    "complex.update": _l("산업단지 수정"),
    "analytics.export": _l("통계 내보내기"),
    "analytics.report": _l("월간 보고서 생성"),
    "attendance.record": _l("출결 기록"),
    "certificate.issue": _l("수료증 발급"),
    "certificate.reissue": _l("수료증 재발급"),
    "certificate.renew": _l("수료증 갱신 신청"),
    "certificate.revoke": _l("수료증 취소"),
    "certificate.superseded": _l("수료증 대체"),
    "institution.certificate_assets": _l("기관 직인·로고 변경"),
    "roster.import": _l("명단 가져오기"),
    "cohort.invite": _l("기수 참여 요청 발송"),
    "cohort.invitation_skipped": _l("기수 참여 요청 보내지 않음(훈련생 계정 아님)"),
    "cohort.invitation_accepted": _l("기수 참여 수락"),
    "cohort.invitation_declined": _l("기수 참여 거절"),
    "session.cancel": _l("실습 세션 취소"),
    "signoff.create": _l("실습 평가"),
    "signoff.correct": _l("실습 평가 정정"),
    "analytics.month.close": _l("월 마감"),
    "analytics.target.update": _l("목표 수정"),
    "attendance.export": _l("출석부 내려받기"),
    "roster.export": _l("명단 내려받기"),
    "onsite_class.create": _l("현장 교육 등록"),
    "onsite_class.enrol": _l("현장 교육 훈련생 추가"),
    "onsite_class.attendance": _l("현장 교육 출결 기록"),
    "api_token.create": _l("API 토큰 발급"),
    "api_token.revoke": _l("API 토큰 폐기"),
    "api.call": _l("API 호출"),
}

MAIL_KIND_LABELS = {
    "general": _l("일반"),
    "password_reset": _l("비밀번호 재설정"),
    "invitation": _l("계정 초대"),
    "accounts.invitation": _l("명단 등록 초대"),
    "email_confirm": _l("가입 확인"),
    "already_registered": _l("가입 신청 안내(이미 가입한 주소)"),
    "labs.cohort_invitation": _l("기수 참여 요청"),
    "labs.session_cancelled": _l("실습 세션 취소 안내"),
    "labs.waitlist_promoted": _l("대기 예약 확정 안내"),
    "meister_visit_confirm": _l("마이스터 방문 확인 요청"),
    "meister_placement_report": _l("파견 결과 보고서"),
}

OBJECT_LABELS = {
    "User": _l("계정"), "Certificate": _l("수료증"), "Cohort": _l("기수"), "LabSession": _l("실습 세션"),
    "Enrollment": _l("수강"), "PracticalSignoff": _l("실습 평가"), "Institution": _l("기관"), "Company": _l("회사"),
    "IndustrialComplex": _l("산업단지"), "Region": _l("시·도"), "RootTechnology": _l("뿌리기술"),
    "CompanySize": _l("기업 규모"), "SmartFactoryLevel": _l("스마트공장 수준"), "AnalyticsTable": _l("통계표"),
    "MeisterProfile": _l("마이스터"), "Placement": _l("파견"), "Visit": _l("방문"), "Attendance": _l("출결"),
    "CohortInvitation": _l("기수 참여 요청"), "Target": _l("목표"), "ClosedMonth": _l("마감 월"),
    "OnsiteClass": _l("현장 교육"), "ApiToken": _l("API 토큰"),
}

DETAIL_LABELS = {
    "number": _l("번호"), "reason": _l("사유"), "format": _l("형식"), "rows": _l("행 수"), "filters": _l("조건"),
    "suppressed": _l("소수 억제"), "region": _l("시·도"), "course": _l("과정"), "size": _l("규모"),
    "institution": _l("기관"), "from": _l("시작"), "to": _l("끝"), "month": _l("월"), "enrollment_id": _l("수강 번호"),
    "supersedes": _l("대체한 번호"), "by": _l("대체 번호"), "role": _l("역할"), "old": _l("이전"), "new": _l("이후"),
    "email": _l("이메일"), "count": _l("건수"), "created": _l("새로 만든 수"), "added": _l("추가"),
    "outcome": _l("판정"), "session_id": _l("세션 번호"), "cohort_id": _l("기수 번호"), "user_id": _l("계정 번호"),
}


def action_label(action: str) -> str:
    """Readable name of an audit action (its code when unknown)."""
    label = ACTION_LABELS.get(action)
    return str(label) if label else action


def mail_kind_label(kind: str) -> str:
    label = MAIL_KIND_LABELS.get(kind)
    return str(label) if label else kind


def object_label(object_type: str) -> str:
    label = OBJECT_LABELS.get(object_type)
    return str(label) if label else object_type


def _value(value) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return _("예") if value else _("아니요")
    if isinstance(value, dict):
        return ", ".join(f"{_key(k)} {_value(v)}" for k, v in value.items()) or "-"
    if isinstance(value, (list, tuple)):
        return ", ".join(_value(v) for v in value) or "-"
    return str(value)


def _key(key) -> str:
    label = DETAIL_LABELS.get(str(key))
    return str(label) if label else str(key).replace("_", " ")


def describe_details(event) -> str:
    """A short human reading of an event's details: role names instead of codes, changes as
    "field: old → new", everything else "label: value" (lists joined, dicts flattened)."""
    from lms.core.authz import role_label

    d = event.details or {}
    if event.action == "account.role_change" and "old" in d:
        return f"{role_label(d['old'])} → {role_label(d.get('new', ''))}"
    if event.action == "account.create" and "role" in d:
        return role_label(d["role"])
    parts = []
    for k, v in d.items():
        if k == "changes" and isinstance(v, dict):
            parts.extend(f"{_key(f)}: {_value(c[0])} → {_value(c[1])}" if isinstance(c, list) and len(c) == 2
                         else f"{_key(f)}: {_value(c)}" for f, c in v.items())
        else:
            parts.append(f"{_key(k)}: {_value(v)}")
    return " · ".join(parts)
