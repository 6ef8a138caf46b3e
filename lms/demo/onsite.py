"""Demo data of the shop floor: workplace sign-offs of practicals by the meister placed
with the trainee's company (decided while the seeder generates trainees, from the
placements ``lms.demo.meisters.plan_meisters`` planned before them), and on-site
classes with the companies' trainees and their attendance, written in bulk at the end.
Both use the meisters' own RNG, so they are deterministic from the seed."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select

from lms.core.timeutil import KST
from lms.demo import data as D
from lms.demo.meisters import _kst, _pick
from lms.extensions import db

ONSITE_TOPICS = ("LOTO 절차와 비상정지 현장 교육", "POP 실적 입력 실습", "설비 일상 점검표 작성법", "PLC 알람 대응 절차",
                 "불량 유형별 기록 방법", "협동로봇 안전 구역 점검", "작업 표준서 읽는 법", "MES 작업지시 확인 방법")
ONSITE_STATUSES = (("present", 80), ("late", 6), ("early_leave", 4), ("absent", 7), ("excused", 3))
WORKPLACE_SHARE = 0.6  # of trainees whose company has a meister at the time, assessed there


def workplace_practical(s, ctx, eid: int, mid: int, checklist, t: datetime, *, passed: bool):
    """Sign a practical off at the trainee's company when a meister is placed there a few
    days after ``t`` (and by chance, WORKPLACE_SHARE): a PracticalSignoff with site
    "workplace", the placement and the meister as assessor, audited. Returns (passed,
    when) like the seeder's lab path, or None to leave the trainee to a smart lab."""
    plan = getattr(s, "meister_plan", None)
    company = ctx.get("company")
    if plan is None or company is None:
        return None
    placed = plan["by_company"].get(company["id"])
    if not placed:
        return None
    rng = plan["rng"]
    day = t.astimezone(KST).date() + timedelta(days=rng.randint(2, 12))
    if day >= s.today:
        return None
    found = next((p for p in placed if p[0] <= day <= p[1]), None)
    if found is None or rng.random() >= WORKPLACE_SHARE:
        return None
    _start, _end, placement_id, assessor = found
    when = _kst(day, rng.randint(10, 16), rng.randint(0, 59))
    failing = set() if passed else set(rng.sample(checklist, min(len(checklist), rng.randint(1, 2))))
    results = [{"item": c, "passed": c not in failing,
                "comment": rng.choice(D.FAIL_COMMENTS) if c in failing else rng.choice(D.SIGNOFF_COMMENTS)}
               for c in checklist]
    sid = s.nid("practical_signoffs")
    outcome = "passed" if passed else "failed"
    s.add("practical_signoffs", dict(
        id=sid, enrollment_id=eid, module_id=mid, session_id=None, assessor_id=assessor, outcome=outcome,
        results=results, assessed_on=day, note="", created_at=when, supersedes_id=None, site="workplace",
        placement_id=placement_id))
    s.audit(assessor, "signoff.create", "PracticalSignoff", sid, when, enrollment_id=eid, outcome=outcome,
            site="workplace", placement_id=placement_id)
    plan["workplace_signoffs"] = plan.get("workplace_signoffs", 0) + 1
    return passed, when


def _company_trainees(company_ids) -> dict[int, list[int]]:
    """{company id: [trainee user ids]} of the given companies, one query."""
    out: dict[int, list[int]] = defaultdict(list)
    if not company_ids:
        return out
    users = db.metadata.tables["users"]
    for uid, cid in db.session.execute(select(users.c.id, users.c.company_id).where(
            users.c.role == "trainee", users.c.company_id.in_(sorted(company_ids))).order_by(users.c.id)):
        out[cid].append(uid)
    return out




def seed_onsite(s, write_rows) -> dict[str, int]:
    """On-site classes of the planned placements (about half of them, one to three each;
    the demo meister's current one gets a past class, one today and one next week) with
    3-12 of the company's trainees each; attendance for classes that have ended."""
    plan = s.meister_plan
    out: dict[str, int] = {}
    rng, ids, today = plan["rng"], plan["ids"], s.today
    placements = plan["rows"]["placements"]
    people = _company_trainees({p["company_id"] for p in placements})
    course_ids = [c.id for c in s.courses if any(m[0] in s.workplace_modules for m in c.modules)] if \
        getattr(s, "workplace_modules", None) else []
    meister_user = {pr["id"]: pr["user_id"] for pr in plan["rows"]["meister_profiles"]}
    classes, attendees = [], []
    for p in placements:
        staff = people.get(p["company_id"])
        demo = p["id"] == plan["demo_placement"]
        if not staff or (not demo and rng.random() < 0.45):
            continue
        end = p["closed_on"] if p["closed_on"] is not None and p["closed_on"] < p["ends_on"] else p["ends_on"]
        count = 3 if demo else rng.randint(1, 3)
        span = max(1, (end - p["starts_on"]).days)
        days = sorted({p["starts_on"] + timedelta(days=rng.randint(0, span)) for _ in range(count)})
        if demo:  # one today in the afternoon and one ahead, so the demo meister has attendance to take
            days = [d for d in days if d < today][:1] + [today, min(end, today + timedelta(days=7))]
        for day in days:
            if day > today + timedelta(days=14):
                continue
            starts = _kst(day, 9 if day != today else 8, 0 if day != today else 30)
            minutes = rng.choice((60, 90, 120, 120, 180))
            cid = ids("onsite_classes")
            classes.append(dict(id=cid, placement_id=p["id"], starts_at=starts, ends_at=starts + timedelta(minutes=minutes),
                                topic=rng.choice(ONSITE_TOPICS),
                                course_id=rng.choice(course_ids) if course_ids and rng.random() < 0.5 else None,
                                created_by_id=meister_user[p["meister_id"]],
                                created_at=starts - timedelta(days=rng.randint(2, 10))))
            past = day < today or (day == today and starts + timedelta(minutes=minutes) <= s.now)
            for uid in rng.sample(staff, k=min(len(staff), rng.randint(3, 12))):
                status = _pick(rng, ONSITE_STATUSES) if past else None
                got = {"present": minutes, "late": minutes - rng.randint(10, 30) if minutes > 30 else minutes,
                       "early_leave": minutes // 2}.get(status, 0)
                attendees.append(dict(id=ids("onsite_class_attendees"), class_id=cid, user_id=uid,
                                      enrolled_at=classes[-1]["created_at"], status=status, minutes=got,
                                      recorded_by_id=meister_user[p["meister_id"]] if past else None,
                                      recorded_at=starts + timedelta(minutes=minutes) if past else None))
    for name, batch in (("onsite_classes", classes), ("onsite_class_attendees", attendees)):
        if batch:
            write_rows(db.metadata.tables[name], batch)
        out[name] = len(batch)
        s.counts[name] += len(batch)
    return out
