"""Placements (파견): creating them within a meister's capacity, matching meisters to
companies, the per-placement roll-up of visits, and closing a placement.

Capacity: a meister holds at most ``MEISTER_MAX_CONCURRENT_PLACEMENTS`` (default 2)
placements on any day. A placement occupies every day from ``starts_on`` to its
effective end (``ends_on``, or the closing day when it closed early), both
included. Creating one that would make any day exceed the limit is refused
with Conflict. Functions flush but never commit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.core.audit import record
from lms.core.timeutil import today_kst
from lms.errors import Conflict, ValidationError
from lms.extensions import db
from lms.meisters.models import (GOAL_OUTCOMES, PURPOSES, MeisterProfile, Placement, PlacementGoal, Visit,
                                 effective_end_sql, meister_regions)
from lms.meisters.services import expertise_of

MAX_GOALS = 10
MAX_DAYS = 366


def max_concurrent() -> int:
    """The setting MEISTER_MAX_CONCURRENT_PLACEMENTS (an int >= 1; default 2)."""
    return max(1, int(current_app.config.get("MEISTER_MAX_CONCURRENT_PLACEMENTS", 2)))


def peak_overlap(intervals, within: tuple[date, date] | None = None) -> int:
    """The largest number of (start, end) day intervals, ends included, covering one
    day (only days inside ``within`` count when given). 0 for no intervals."""
    events: list[tuple[date, int]] = []
    for start, end in intervals:
        if within is not None:
            start, end = max(start, within[0]), min(end, within[1])
        if start > end:
            continue
        events.append((start, 1))
        events.append((end + timedelta(days=1), -1))
    events.sort(key=lambda e: (e[0], e[1]))  # a day's ends (-1) before its starts
    peak = current = 0
    for _day, delta in events:
        current += delta
        peak = max(peak, current)
    return peak


def _overlapping(meister_ids, starts_on: date, ends_on: date) -> dict[int, list[tuple[date, date]]]:
    """{meister id: [(start, effective end)]} of placements touching [starts_on, ends_on], one query."""
    end_sql = effective_end_sql()
    out: dict[int, list] = {mid: [] for mid in meister_ids}
    if not out:
        return out
    for mid, s, e in db.session.execute(
            select(Placement.meister_id, Placement.starts_on, end_sql)
            .where(Placement.meister_id.in_(list(out)), Placement.cancelled_at.is_(None),
                   Placement.starts_on <= ends_on, end_sql >= starts_on)):
        out[mid].append((s, e))
    return out


def free_slots(meister_id: int, starts_on: date, ends_on: date) -> int:
    """How many more placements the meister could take over the whole period."""
    busy = _overlapping([meister_id], starts_on, ends_on)[meister_id]
    return max_concurrent() - peak_overlap(busy, (starts_on, ends_on))


def normalise_contact_email(value: str) -> str:
    try:
        return validate_email((value or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationError(_l("기업 담당자의 이메일 주소를 확인해 주세요.")) from None


def parse_goals(text_or_list) -> list[str]:
    """Goals from a textarea (one per line) or a list; blanks dropped. 1..10 goals of at most 500 characters."""
    lines = text_or_list.splitlines() if isinstance(text_or_list, str) else list(text_or_list or [])
    goals = [g.strip() for g in lines if g and g.strip()]
    if not goals:
        raise ValidationError(_l("기업과 합의한 목표를 하나 이상 적어 주세요."))
    if len(goals) > MAX_GOALS:
        raise ValidationError(_l("목표는 %(n)d개까지 적을 수 있습니다.", n=MAX_GOALS))
    if any(len(g) > 500 for g in goals):
        raise ValidationError(_l("목표 하나는 500자 이내로 적어 주세요."))
    return goals


def create_placement(actor, *, meister: MeisterProfile, company, purpose: str, starts_on: date, ends_on: date,
                     goals, contact_name: str, contact_email: str,
                     level_at_start_code: str | None = None) -> Placement:
    """Place an approved meister with a company for [starts_on, ends_on] (KST dates, both included).

    Raises ValidationError for bad input (the message names the field) and
    Conflict when the meister would hold more than the allowed number of
    placements on some day of the period."""
    from lms.orgs.models import SmartFactoryLevel

    if meister.status != "approved":
        raise ValidationError(_l("승인된 마이스터만 파견할 수 있습니다."))
    if company is None:
        raise ValidationError(_l("기업을 골라 주세요."))
    if purpose not in PURPOSES:
        raise ValidationError(_l("파견 목적을 골라 주세요."))
    if starts_on is None or ends_on is None or ends_on < starts_on:
        raise ValidationError(_l("파견 종료일은 시작일보다 빠를 수 없습니다."))
    if (ends_on - starts_on).days >= MAX_DAYS:
        raise ValidationError(_l("파견 기간은 1년을 넘을 수 없습니다."))
    if meister.available_from and starts_on < meister.available_from:
        raise ValidationError(_l("마이스터의 활동 가능 기간 밖입니다."))
    if meister.available_until and ends_on > meister.available_until:
        raise ValidationError(_l("마이스터의 활동 가능 기간 밖입니다."))
    goal_texts = parse_goals(goals)
    contact_name = (contact_name or "").strip()
    if not contact_name or len(contact_name) > 64:
        raise ValidationError(_l("기업 담당자 이름을 입력해 주세요."))
    contact_email = normalise_contact_email(contact_email)
    if level_at_start_code in ("", None):
        level_at_start_code = None
    elif db.session.get(SmartFactoryLevel, level_at_start_code) is None:
        raise ValidationError(_l("스마트공장 수준을 찾을 수 없습니다."))
    # Serialise placements of one meister (PostgreSQL row lock; SQLite writers queue anyway).
    db.session.execute(select(MeisterProfile.id).where(MeisterProfile.id == meister.id).with_for_update())
    if free_slots(meister.id, starts_on, ends_on) < 1:
        raise Conflict(_l("이 기간에 마이스터가 이미 %(n)d곳에 파견되어 있습니다. 기간을 바꾸거나 다른 마이스터를 고르세요.",
                          n=max_concurrent()))
    placement = Placement(meister_id=meister.id, company_id=company.id, purpose=purpose, starts_on=starts_on,
                          ends_on=ends_on, level_at_start_code=level_at_start_code, contact_name=contact_name,
                          contact_email=contact_email, created_by_id=getattr(actor, "id", None), closing_summary="",
                          cancel_reason="")
    db.session.add(placement)
    db.session.flush()
    for i, text in enumerate(goal_texts):
        db.session.add(PlacementGoal(placement_id=placement.id, position=i, text=text, outcome_note=""))
    record(actor, "placement.create", placement, meister_id=meister.id, company_id=company.id, purpose=purpose,
           starts_on=starts_on.isoformat(), ends_on=ends_on.isoformat(), goals=len(goal_texts))
    db.session.flush()
    return placement


def update_contact(actor, placement: Placement, *, contact_name: str, contact_email: str) -> Placement:
    """Change the company's contact person (audited). Confirmation links already mailed
    to the old address stop working; the meister sends new ones from the placement page."""
    name = (contact_name or "").strip()
    if not name or len(name) > 64:
        raise ValidationError(_l("기업 담당자 이름을 입력해 주세요."))
    email = normalise_contact_email(contact_email)
    changes = {k: [old, new] for k, old, new in (("contact_name", placement.contact_name, name),
                                                  ("contact_email", placement.contact_email, email)) if old != new}
    if changes:
        placement.contact_name, placement.contact_email = name, email
        record(actor, "placement.contact", placement, changes=changes)
        db.session.flush()
    return placement


def cancel_placement(actor, placement: Placement, *, reason: str) -> Placement:
    """Cancel a placement entered by mistake or withdrawn before any visit (audited,
    with the reason); it then occupies nobody. Once a visit is logged the placement
    is closed instead, so the visits keep their placement. Raises Conflict/ValidationError."""
    from lms.core.db import utcnow

    if placement.cancelled_at is not None:
        raise Conflict(_l("이미 취소된 파견입니다."))
    if placement.closed_on is not None:
        raise Conflict(_l("이미 종료된 파견입니다."))
    visits = db.session.execute(select(sa.func.count(Visit.id)).where(Visit.placement_id == placement.id)).scalar_one()
    if visits:
        raise Conflict(_l("방문이 기록된 파견은 취소할 수 없습니다. 파견을 종료해 주세요."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_l("취소 사유를 적어 주세요."))
    placement.cancelled_at = utcnow()
    placement.cancelled_by_id = getattr(actor, "id", None)
    placement.cancel_reason = reason[:2000]
    record(actor, "placement.cancel", placement, reason=placement.cancel_reason)
    db.session.flush()
    return placement


# --------------------------------------------------------------------------- lists and roll-up

def placements_query(*, meister: MeisterProfile | None = None, state: str | None = None, today: date | None = None):
    """A select() of placements, newest start first; ``state``: 'open' or 'closed'."""
    stmt = select(Placement).order_by(Placement.starts_on.desc(), Placement.id.desc())
    if meister is not None:
        stmt = stmt.where(Placement.meister_id == meister.id)
    if state == "open":
        stmt = stmt.where(Placement.closed_on.is_(None), Placement.cancelled_at.is_(None))
    elif state == "closed":
        stmt = stmt.where(Placement.closed_on.is_not(None))
    elif state == "cancelled":
        stmt = stmt.where(Placement.cancelled_at.is_not(None))
    return stmt


@dataclass
class Rollup:
    visits: int = 0
    minutes: int = 0
    confirmed: int = 0
    confirmed_minutes: int = 0


def rollups(placement_ids) -> dict[int, Rollup]:
    """Visits, minutes and confirmed visits per placement, in one grouped query."""
    ids = list(placement_ids)
    out = {pid: Rollup() for pid in ids}
    if not ids:
        return out
    confirmed = sa.case((Visit.confirmed_at.is_not(None), 1), else_=0)
    rows = db.session.execute(
        select(Visit.placement_id, sa.func.count(Visit.id), sa.func.coalesce(sa.func.sum(Visit.minutes), 0),
               sa.func.coalesce(sa.func.sum(confirmed), 0),
               sa.func.coalesce(sa.func.sum(confirmed * Visit.minutes), 0))
        .where(Visit.placement_id.in_(ids)).group_by(Visit.placement_id))
    for pid, n, minutes, conf, conf_minutes in rows:
        out[pid] = Rollup(int(n), int(minutes), int(conf), int(conf_minutes))
    return out


# --------------------------------------------------------------------------- matching

@dataclass
class MeisterSuggestion:
    profile: MeisterProfile
    fields: list[str] = field(default_factory=list)  # wanted fields the meister has
    root_match: bool = False  # has the company's root technology
    free: int = 0  # placements still free over the period


def suggest_meisters(company, *, fields=(), starts_on: date | None = None, ends_on: date | None = None,
                     limit: int = 20) -> list[MeisterSuggestion]:
    """Approved meisters who work in the company's region and bring the wanted
    ``fields`` or the company's root technology, with room for one more placement
    over the period. Best fit first: more matched fields, then the root technology,
    then the most free capacity, then longer experience. A constant number of queries."""
    starts_on = starts_on or today_kst()
    ends_on = ends_on or starts_on + timedelta(days=90)
    stmt = (select(MeisterProfile).options(joinedload(MeisterProfile.user))
            .where(MeisterProfile.status == "approved"))
    if company.region_code:
        stmt = stmt.where(sa.exists().where(meister_regions.c.profile_id == MeisterProfile.id,
                                            meister_regions.c.region_code == company.region_code))
    stmt = stmt.where(sa.or_(MeisterProfile.available_from.is_(None), MeisterProfile.available_from <= starts_on),
                      sa.or_(MeisterProfile.available_until.is_(None), MeisterProfile.available_until >= ends_on))
    candidates = list(db.session.execute(stmt).scalars().unique())
    expertise = expertise_of([p.id for p in candidates])
    busy = _overlapping([p.id for p in candidates], starts_on, ends_on)
    cap = max_concurrent()
    wanted = [f for f in fields if f]
    out = []
    for p in candidates:
        x = expertise[p.id]
        matched = [f for f in wanted if f in x["fields"]]
        root = bool(company.root_technology_code and company.root_technology_code in x["roots"])
        if (wanted or company.root_technology_code) and not (matched or root):
            continue
        free = cap - peak_overlap(busy[p.id], (starts_on, ends_on))
        if free < 1:
            continue
        out.append(MeisterSuggestion(p, matched, root, free))
    out.sort(key=lambda s: (-len(s.fields), not s.root_match, -s.free, -s.profile.years_experience, s.profile.id))
    return out[:limit]


def priority_order():
    """ORDER BY terms putting priority firms first: both flags, then either, then neither."""
    from lms.orgs.models import Company

    both = sa.and_(Company.cuts_working_hours.is_(True), Company.is_root_industry.is_(True))
    either = sa.or_(Company.cuts_working_hours.is_(True), Company.is_root_industry.is_(True))
    return [sa.case((both, 0), (either, 1), else_=2)]


def suggest_companies(profile: MeisterProfile, *, q: str | None = None, limit: int = 20) -> list:
    """Companies in the meister's regions that have no open placement, priority firms
    first (working-hours reduction and root industry both, then either), then those
    whose root technology the meister brings, then by name."""
    from lms.orgs.models import Company

    x = expertise_of([profile.id])[profile.id]
    if not x["regions"]:
        return []
    has_open = sa.exists().where(Placement.company_id == Company.id, Placement.closed_on.is_(None),
                                 Placement.cancelled_at.is_(None), effective_end_sql() >= today_kst())
    root_fit = sa.case((Company.root_technology_code.in_(x["roots"] or ["-"]), 0), else_=1)
    stmt = (select(Company).options(joinedload(Company.region))
            .where(Company.region_code.in_(x["regions"]), ~has_open)
            .order_by(*priority_order(), root_fit, Company.name, Company.id).limit(limit))
    if q:
        stmt = stmt.where(sa.func.lower(Company.name).like(f"%{q.strip().lower()}%"))
    return list(db.session.execute(stmt).scalars())


def find_companies(q: str, limit: int = 20) -> list:
    """Companies whose name or business number contains ``q``, priority firms first."""
    from lms.orgs.models import Company

    like = f"%{(q or '').strip().lower()}%"
    return list(db.session.execute(
        select(Company).options(joinedload(Company.region))
        .where(sa.or_(sa.func.lower(Company.name).like(like), Company.business_number.like(like)))
        .order_by(*priority_order(), Company.name, Company.id).limit(limit)).scalars())


# --------------------------------------------------------------------------- closing

def close_placement(actor, placement: Placement, *, closed_on: date, level_at_end_code: str | None,
                    summary: str, outcomes: dict[int, tuple[str, str]]) -> Placement:
    """Close a placement: the company's level at the end, an outcome for every goal
    ({goal id: (outcome, note)}, each of GOAL_OUTCOMES) and a short summary.
    ``closed_on`` lies within the placement and not after today (KST). Closing
    early frees the meister from the next day. Raises ValidationError/Conflict."""
    from lms.orgs.models import SmartFactoryLevel

    if placement.closed_on is not None:
        raise Conflict(_l("이미 종료된 파견입니다."))
    if placement.cancelled_at is not None:
        raise Conflict(_l("취소된 파견입니다."))
    if closed_on is None or closed_on < placement.starts_on:
        raise ValidationError(_l("종료일은 파견 시작일보다 빠를 수 없습니다."))
    if closed_on > today_kst():
        raise ValidationError(_l("종료일은 오늘보다 늦을 수 없습니다."))
    if not level_at_end_code or db.session.get(SmartFactoryLevel, level_at_end_code) is None:
        raise ValidationError(_l("종료 시 스마트공장 수준을 골라 주세요."))
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError(_l("요약을 적어 주세요."))
    later = db.session.execute(select(sa.func.count(Visit.id)).where(
        Visit.placement_id == placement.id, Visit.visited_on > closed_on)).scalar_one()
    if later:
        raise ValidationError(_l("종료일 뒤에 기록된 방문이 있습니다. 종료일을 확인해 주세요."))
    judged = []
    for goal in placement.goals:  # judge every goal before changing any
        outcome, note = outcomes.get(goal.id, (None, ""))
        if outcome not in GOAL_OUTCOMES:
            raise ValidationError(_l("모든 목표의 달성 여부를 골라 주세요."))
        judged.append((goal, outcome, (note or "").strip()[:2000]))
    for goal, outcome, note in judged:
        goal.outcome, goal.outcome_note = outcome, note
    placement.closed_on = closed_on
    placement.level_at_end_code = level_at_end_code
    placement.closing_summary = summary[:4000]
    placement.closed_by_id = getattr(actor, "id", None)
    record(actor, "placement.close", placement, closed_on=closed_on.isoformat(),
           level_at_start=placement.level_at_start_code, level_at_end=level_at_end_code,
           outcomes={str(g.id): g.outcome for g in placement.goals})
    db.session.flush()
    return placement
