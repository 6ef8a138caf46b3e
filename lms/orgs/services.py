"""Editing reference data, institutions and companies (used by the admin screens
and by registration, which matches or creates a company from its name).

Functions flush but never commit; the caller commits once.
"""
from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.core.audit import record
from lms.core.timeutil import today_kst
from lms.errors import Conflict, NotFound, ValidationError
from lms.extensions import db
from lms.orgs.models import (COMPLEX_KINDS, INSTITUTION_KINDS, Company, CompanySize, IndustrialComplex, Institution,
                             Region, RootTechnology, SmartFactoryLevel)

BUSINESS_NUMBER_RE = re.compile(r"^\d{3}-\d{2}-\d{5}$")
KSIC_RE = re.compile(r"^[A-Z]?\d{2,5}$")

# Reference tables an admin may edit, keyed by the slug used in URLs.
REFERENCE_MODELS = {
    "regions": Region,
    "root-technologies": RootTechnology,
    "company-sizes": CompanySize,
    "levels": SmartFactoryLevel,
}
# Fields an admin may change on each reference table (the code is the key and never changes).
REFERENCE_FIELDS = {
    "regions": ("name_ko", "name_en", "valid_from", "valid_to"),
    "root-technologies": ("name_ko", "name_en", "group_ko", "group_en"),
    "company-sizes": ("name_ko", "name_en", "rule_of_thumb", "position"),
    "levels": ("name_ko", "name_en", "meaning", "position"),
}


def normalise_business_number(value: str | None) -> str | None:
    """Return ``###-##-#####`` from a 사업자등록번호 typed with or without dashes, None when
    empty; raise ValidationError when it has the wrong shape."""
    if value is None or not value.strip():
        return None
    digits = re.sub(r"[\s-]", "", value)
    if not re.fullmatch(r"\d{10}", digits):
        raise ValidationError(_l("사업자등록번호는 000-00-00000 형식(숫자 10자리)으로 입력해 주세요."))
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


def list_reference(kind: str) -> list:
    """All rows of one reference table, in display order."""
    model = _reference_model(kind)
    order = model.position if hasattr(model, "position") else model.code
    return list(db.session.execute(select(model).order_by(order, model.code)).scalars())


def _reference_model(kind: str):
    try:
        return REFERENCE_MODELS[kind]
    except KeyError:
        raise NotFound(_l("알 수 없는 기준 정보입니다.")) from None


def get_reference(kind: str, code: str):
    """One reference row or NotFound."""
    obj = db.session.get(_reference_model(kind), code)
    if obj is None:
        raise NotFound(_l("기준 정보를 찾을 수 없습니다."))
    return obj


def update_reference(actor, kind: str, code: str, values: dict):
    """Change the editable fields of a reference row and audit what changed."""
    obj = get_reference(kind, code)
    allowed = REFERENCE_FIELDS[kind]
    clean = {k: values[k] for k in allowed if k in values}
    if "name_ko" in clean and not (clean["name_ko"] or "").strip():
        raise ValidationError(_l("한국어 이름을 입력해 주세요."))
    if kind == "regions":
        _check_validity(clean.get("valid_from", obj.valid_from), clean.get("valid_to", obj.valid_to))
    changes = {}
    for k, v in clean.items():
        if getattr(obj, k) != v:
            changes[k] = [_plain(getattr(obj, k)), _plain(v)]
            setattr(obj, k, v)
    if changes:
        record(actor, "reference.update", obj, object_type=kind, object_id=code, changes=changes)
    db.session.flush()
    return obj


def create_region(actor, code: str, name_ko: str, name_en: str = "", valid_from: date | None = None,
                  valid_to: date | None = None) -> Region:
    """Add a 시·도 (e.g. when a province gets a new code). Codes are unique."""
    code = (code or "").strip()
    if not re.fullmatch(r"\d{2}", code):
        raise ValidationError(_l("시·도 코드는 숫자 2자리입니다."))
    if not (name_ko or "").strip():
        raise ValidationError(_l("한국어 이름을 입력해 주세요."))
    if db.session.get(Region, code) is not None:
        raise Conflict(_l("이미 있는 시·도 코드입니다."))
    _check_validity(valid_from, valid_to)
    region = Region(code=code, name_ko=name_ko.strip(), name_en=(name_en or "").strip(),
                    valid_from=valid_from, valid_to=valid_to)
    db.session.add(region)
    record(actor, "reference.create", region, object_type="regions", object_id=code)
    db.session.flush()
    return region


def _check_validity(valid_from, valid_to) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationError(_l("유효 종료일은 시작일보다 빠를 수 없습니다."))


def _plain(v):
    return v.isoformat() if isinstance(v, date) else v


# ---------------------------------------------------------------- institutions

INSTITUTION_FIELDS = ("name_ko", "name_en", "kind", "region_code", "head_title_ko", "head_title_en",
                      "head_name_ko", "head_name_en", "is_active")


def _clean_institution(values: dict) -> dict:
    clean = {k: values[k] for k in INSTITUTION_FIELDS if k in values}
    for k in ("name_en", "head_title_ko", "head_title_en", "head_name_ko", "head_name_en"):
        if k in clean:
            clean[k] = (clean[k] or "").strip()  # NOT NULL text columns: empty, never None
    if "name_ko" in clean and not (clean["name_ko"] or "").strip():
        raise ValidationError(_l("기관명(한국어)을 입력해 주세요."))
    if "kind" in clean and clean["kind"] not in INSTITUTION_KINDS:
        raise ValidationError(_l("기관 유형이 올바르지 않습니다."))
    if clean.get("region_code") in ("", None):
        clean["region_code"] = None
    elif db.session.get(Region, clean["region_code"]) is None:
        raise ValidationError(_l("시·도를 찾을 수 없습니다."))
    return clean


def create_institution(actor, **values) -> Institution:
    """Add a university, training centre or smart-lab operator."""
    inst = Institution(**_clean_institution(values))
    db.session.add(inst)
    db.session.flush()
    record(actor, "institution.create", inst, name=inst.name_ko)
    return inst


def update_institution(actor, inst: Institution, **values) -> Institution:
    """Change an institution's names, kind, region and head (seal/logo are edited elsewhere)."""
    for k, v in _clean_institution(values).items():
        setattr(inst, k, v)
    record(actor, "institution.update", inst)
    db.session.flush()
    return inst


# ---------------------------------------------------------------- companies

COMPANY_FIELDS = ("name", "business_number", "ksic_code", "size_code", "region_code", "industrial_complex_id",
                  "root_technology_code", "smart_factory_level_code",
                  "cuts_working_hours", "is_root_industry")


def _clean_company(values: dict, current: Company | None = None) -> dict:
    clean = {k: values[k] for k in COMPANY_FIELDS if k in values}
    if "name" in clean:
        clean["name"] = (clean["name"] or "").strip()
        if not clean["name"]:
            raise ValidationError(_l("회사명을 입력해 주세요."))
    if "business_number" in clean:
        clean["business_number"] = normalise_business_number(clean["business_number"])
        if clean["business_number"]:
            other = db.session.execute(
                select(Company.id).where(Company.business_number == clean["business_number"])).scalar()
            if other is not None and (current is None or other != current.id):
                raise Conflict(_l("같은 사업자등록번호의 회사가 이미 있습니다."))
    if "ksic_code" in clean:
        code = (clean["ksic_code"] or "").strip().upper() or None
        if code and not KSIC_RE.match(code):
            raise ValidationError(_l("표준산업분류(KSIC) 코드는 숫자 2~5자리(앞에 대분류 영문자 가능)입니다."))
        clean["ksic_code"] = code
    for key, model in (("size_code", CompanySize), ("region_code", Region), ("root_technology_code", RootTechnology),
                       ("smart_factory_level_code", SmartFactoryLevel)):
        if key in clean:
            if not clean[key]:
                clean[key] = None
            elif db.session.get(model, clean[key]) is None:
                raise ValidationError(_l("선택한 기준 정보를 찾을 수 없습니다."))
    if "industrial_complex_id" in clean:
        clean["industrial_complex_id"] = _complex_id(clean["industrial_complex_id"])
    return clean


def _complex_id(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        cid = int(value)
    except (TypeError, ValueError):
        raise ValidationError(_l("산업단지를 찾을 수 없습니다.")) from None
    if db.session.get(IndustrialComplex, cid) is None:
        raise ValidationError(_l("산업단지를 찾을 수 없습니다."))
    return cid


def create_company(actor, **values) -> Company:
    """Add a company (employer or sponsor)."""
    company = Company(**_clean_company(values))
    db.session.add(company)
    db.session.flush()
    record(actor, "company.create", company, name=company.name)
    return company


def update_company(actor, company: Company, **values) -> Company:
    """Change a company's details; the business number stays unique."""
    for k, v in _clean_company(values, company).items():
        setattr(company, k, v)
    record(actor, "company.update", company)
    db.session.flush()
    # The ids changed: let the related rows load afresh (a complex's designation shows through).
    db.session.expire(company, ["industrial_complex", "region", "size", "root_technology", "smart_factory_level"])
    return company


def find_or_create_company(name: str) -> Company | None:
    """The company whose name matches ``name`` (ignoring case and spaces at the ends),
    created when none does. Used by self-registration: the admin can tidy it later."""
    name = (name or "").strip()
    if not name:
        return None
    found = db.session.execute(
        select(Company).where(sa.func.lower(Company.name) == name.lower()).order_by(Company.id).limit(1)
    ).scalar()
    if found is not None:
        return found
    company = Company(name=name[:128])
    db.session.add(company)
    db.session.flush()
    return company


def search_companies(q: str | None = None):
    """A select() of companies, filtered by name or business number when ``q`` is given."""
    stmt = select(Company).order_by(Company.name, Company.id)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(Company.name).like(like), Company.business_number.like(like)))
    return stmt


# ---------------------------------------------------------------- industrial complexes

COMPLEX_FIELDS = ("code", "name_ko", "name_en", "kind", "region_code", "is_smart", "smart_since_year", "smart_by_year")
FIRST_SMART_YEAR = 2019  # the first smart complexes were designated in 2019
COMPLEX_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


def complexes_query(q: str | None = None):
    """A select() of industrial complexes: designated smart complexes first (earliest
    first), then the others by name; filtered by name or code when ``q`` is given."""
    stmt = select(IndustrialComplex).order_by(
        IndustrialComplex.is_smart.desc(),
        sa.func.coalesce(IndustrialComplex.smart_since_year, IndustrialComplex.smart_by_year),
        IndustrialComplex.name_ko, IndustrialComplex.id)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(IndustrialComplex.name_ko).like(like),
                                 sa.func.lower(IndustrialComplex.name_en).like(like),
                                 IndustrialComplex.code.like(like)))
    return stmt


def complex_choices() -> list[tuple[int, str]]:
    """(id, name) of every complex, smart complexes first, for a select box."""
    return [(c.id, c.name_ko) for c in db.session.execute(complexes_query()).scalars()]


def _clean_complex(values: dict, current: IndustrialComplex | None = None) -> dict:
    clean = {k: values[k] for k in COMPLEX_FIELDS if k in values}
    if "code" in clean:
        clean["code"] = (clean["code"] or "").strip().lower()
        if not COMPLEX_CODE_RE.match(clean["code"]):
            raise ValidationError(_l("코드는 영문 소문자, 숫자, 하이픈(-)으로 32자 이내입니다."))
        other = db.session.execute(
            select(IndustrialComplex.id).where(IndustrialComplex.code == clean["code"])).scalar()
        if other is not None and (current is None or other != current.id):
            raise Conflict(_l("이미 있는 산업단지 코드입니다."))
    for k in ("name_ko", "name_en"):
        if k in clean:
            clean[k] = (clean[k] or "").strip()
    if "name_ko" in clean and not clean["name_ko"]:
        raise ValidationError(_l("한국어 이름을 입력해 주세요."))
    if "kind" in clean and clean["kind"] not in COMPLEX_KINDS:
        raise ValidationError(_l("산업단지 유형(국가/일반)을 골라 주세요."))
    if "region_code" in clean:
        if not clean["region_code"]:
            clean["region_code"] = None
        elif db.session.get(Region, clean["region_code"]) is None:
            raise ValidationError(_l("시·도를 찾을 수 없습니다."))
    is_smart = bool(clean.get("is_smart", current.is_smart if current else False))
    since = clean.get("smart_since_year", current.smart_since_year if current else None)
    by = clean.get("smart_by_year", current.smart_by_year if current else None)
    if not is_smart and (since is not None or by is not None):
        raise ValidationError(_l("스마트산단으로 지정되지 않은 산업단지에는 지정 연도를 넣을 수 없습니다."))
    if since is not None and by is not None:
        raise ValidationError(_l("지정 연도와 '~년까지 지정' 중 하나만 입력해 주세요."))
    last = today_kst().year + 1
    for year in (since, by):
        if year is not None and not (FIRST_SMART_YEAR <= year <= last):
            raise ValidationError(_l("지정 연도는 %(first)d년부터 %(last)d년 사이여야 합니다.",
                                     first=FIRST_SMART_YEAR, last=last))
    return clean


def create_complex(actor, **values) -> IndustrialComplex:
    """Add an industrial complex. Raises ValidationError or Conflict (duplicate code)."""
    for k in ("code", "name_ko", "kind"):
        values.setdefault(k, None)
    obj = IndustrialComplex(**_clean_complex(values))
    db.session.add(obj)
    db.session.flush()
    record(actor, "complex.create", obj, code=obj.code, name=obj.name_ko)
    return obj


def update_complex(actor, obj: IndustrialComplex, **values) -> IndustrialComplex:
    """Change a complex and audit what changed (old and new values)."""
    changes = {}
    for k, v in _clean_complex(values, obj).items():
        if getattr(obj, k) != v:
            changes[k] = [getattr(obj, k), v]
            setattr(obj, k, v)
    if changes:
        record(actor, "complex.update", obj, changes=changes)
    db.session.flush()
    return obj
