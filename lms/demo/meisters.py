"""Demo data for industrial complexes and smart meisters.

``demo_complex_ids()`` gives the seed's companies their complexes: the
reference complexes (``flask reference load``) by name, plus demo-only general
complexes, which are added as not designated (their real status is not part of
the reference data).

``seed_meisters(seeder)`` adds about one meister per 300 trainees (at least
one) plus the demo account meister@demo.kr, with placements from their
recruitment to today and weekly visits. Its own RNG is derived from the seed,
so the rest of the demo does not change with it. Placements run in at most two
"lanes" per meister, each lane one placement after another, so no meister ever
holds more than two at once (the platform's default limit); two lanes' visits
on one day stay within 12 hours. Rows are written in bulk like the rest of the
seed (COPY on PostgreSQL, executemany on SQLite) with pre-assigned ids.
"""
from __future__ import annotations

import itertools
import random
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy import func, select

from lms.core.timeutil import KST
from lms.demo import data as D
from lms.extensions import db

DEMO_MEISTER_EMAIL = "meister@demo.kr"
TRAINEES_PER_MEISTER = 300
# At least this many (besides meister@demo.kr) in a small demo: the ministry's meister
# tables publish counts rounded to 5 (<5 below), so with one meister at 300 trainees
# every cell of them read "<5". From 1,500 trainees on the ratio above decides.
MIN_MEISTERS = 5
FORMER_EMPLOYERS = ("자동차 완성차 대기업", "조선 대기업", "철강 대기업", "전자 대기업", "반도체 대기업",
                    "화학 대기업", "중공업 대기업", "디스플레이 대기업", "기계 대기업", "정유 대기업")
FIELDS = (("plc", 5), ("mes_pop", 5), ("robot", 3), ("data", 3), ("safety", 2), ("quality", 4))
PURPOSES = (("build_consulting", 4), ("tech_support", 5), ("aftercare", 3), ("knowhow", 2))
ACTIVITIES = {
    "build_consulting": (("diagnosis", 3), ("consulting", 5), ("training", 1)),
    "tech_support": (("tech_support", 6), ("diagnosis", 2), ("training", 1)),
    "aftercare": (("follow_up", 5), ("tech_support", 2)),
    "knowhow": (("training", 5), ("consulting", 2)),
}
GOALS = {
    "build_consulting": ("생산실적 자동 집계(POP) 구축", "MES 도입 범위와 일정 확정", "공정별 데이터 수집 항목 정의",
                         "스마트공장 수준 한 단계 향상"),
    "tech_support": ("설비 가동 데이터 실시간 수집", "PLC 프로그램 표준화", "불량률 20% 감소", "설비 비가동 시간 15% 감소"),
    "aftercare": ("구축 시스템 사용률 80% 이상", "현장 작업자 자체 운영", "데이터 기반 주간 생산회의 정착"),
    "knowhow": ("현장 관리자 2명 교육", "품질 관리 절차서 작성", "설비 보전 체크리스트 정착"),
}
DONE = ("라인별 공정 흐름 점검", "설비 데이터 수집 항목 협의", "PLC 태그 정리와 통신 점검", "작업자 대상 POP 입력 교육",
        "불량 유형별 원인 분석", "MES 화면 구성 검토", "로봇 셀 안전 점검", "품질 검사 기록 양식 개선",
        "생산계획과 실적 비교 회의", "예방 보전 일정 수립")
ISSUES = ("실적 입력 누락이 잦음", "설비 통신 불안정", "작업 표준서가 현장과 다름", "검사 데이터가 수기로 관리됨",
          "금형 교체 시간이 김")
NEXT = ("다음 방문 때 데이터 검증", "작업자 추가 교육", "공급기업과 일정 조율", "개선 결과 측정", "보고서 초안 공유")
OUTCOMES = (("achieved", 5), ("partly", 3), ("not_achieved", 1))
LEVELS = ("none", "basic", "intermediate1", "intermediate2", "advanced")
MEISTER_TABLES = ("meister_profiles", "meister_fields", "meister_root_technologies", "meister_regions",
                  "placements", "placement_goals", "placement_visits")


def demo_complex_ids() -> dict[str, int]:
    """Korean name -> id of every complex the demo's companies sit in; adds the
    missing demo-only ones (code ``demo-N``). Flushes."""
    from lms.orgs.models import IndustrialComplex

    names = []
    for code, (_weight, complexes) in D.REGIONS.items():
        for name in complexes:
            if name not in names:
                names.append(name)
    region_of = {name: code for code, (_w, cs) in D.REGIONS.items() for name in cs}
    existing = {c.name_ko: c for c in db.session.execute(select(IndustrialComplex)).scalars()}
    taken = {c.code for c in existing.values()}
    n = 0
    for name in names:
        if name in existing:
            continue
        while True:
            n += 1
            code = f"demo-{n}"
            if code not in taken:
                break
        obj = IndustrialComplex(code=code, name_ko=name, name_en="", kind="national" if "국가" in name else "general",
                                region_code=region_of[name], is_smart=False)
        db.session.add(obj)
        existing[name] = obj
    db.session.flush()
    return {name: existing[name].id for name in names}


class _Ids:
    """Pre-assigned ids after each table's current maximum."""

    def __init__(self):
        self.last: dict[str, int] = {}

    def __call__(self, table: str) -> int:
        if table not in self.last:
            t = db.metadata.tables[table]
            self.last[table] = db.session.execute(select(func.max(t.c.id))).scalar() or 0
        self.last[table] += 1
        return self.last[table]


_CUM: dict[tuple, tuple[list, list]] = {}


def _pick(rng: random.Random, pairs):
    """A weighted choice from constant (value, weight) pairs (cumulative weights cached)."""
    if pairs not in _CUM:
        _CUM[pairs] = ([v for v, _w in pairs], list(itertools.accumulate(w for _v, w in pairs)))
    values, cum = _CUM[pairs]
    return rng.choices(values, cum_weights=cum)[0]


def _kst(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A Korean wall-clock time on ``day`` as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=KST).astimezone(timezone.utc)


def plan_meisters(s) -> None:
    """Plan the demo meisters, placements and visits for seeder ``s`` (lms.demo.seed._Seeder,
    after its companies and staff, before its trainees): their accounts go into the
    seeder's buffer (written with its next chunk), everything else waits in
    ``s.meister_plan`` for :func:`write_meisters`. Trainees generated afterwards may be
    signed off at their workplace by a meister placed there (:func:`workplace_practical`).
    Deterministic from ``s.seed``; never more than two placements at once."""
    rng = random.Random(f"meisters-{s.seed}")
    ids = _Ids()
    today = s.today
    rows: dict[str, list[dict]] = defaultdict(list)
    users: list[dict] = []
    roots = [code for code, _name in db.session.execute(sa.text("SELECT code, name_ko FROM root_technologies"))]
    roots.sort()
    by_region: dict[str, list[dict]] = defaultdict(list)
    for c in s.companies:
        by_region[c["region_code"]].append(c)
    region_weights = [(code, spec[0]) for code, spec in D.REGIONS.items() if by_region.get(code)]
    contact_no = [0]

    def name() -> str:
        return s.surnames.pick(rng) + s.given.pick(rng)

    def profile(user: dict, *, regions, fields, root_codes, status, since: date) -> dict:
        pid = ids("meister_profiles")
        at = _kst(since, 10)
        row = dict(id=pid, user_id=user["id"], former_company=rng.choice(FORMER_EMPLOYERS),
                   years_experience=rng.randint(20, 38), days_per_week=rng.randint(2, 4), available_from=None,
                   available_until=None, status=status, recruited_by_id=s.admin["id"],
                   approved_at=at + timedelta(days=7) if status != "recruited" else None,
                   approved_by_id=s.admin["id"] if status != "recruited" else None,
                   deactivated_at=_kst(today - timedelta(days=rng.randint(10, 200)), 9) if status == "inactive" else None,
                   created_at=at, updated_at=at)
        rows["meister_profiles"].append(row)
        for f in fields:
            rows["meister_fields"].append(dict(profile_id=pid, field=f))
        for code in root_codes:
            rows["meister_root_technologies"].append(dict(profile_id=pid, root_technology_code=code))
        for code in regions:
            rows["meister_regions"].append(dict(profile_id=pid, region_code=code))
        return row

    pools: dict[tuple, tuple[list, list]] = {}

    def company_for(regions, served: set) -> dict:
        """A company in one of ``regions``, priority firms three times as likely, preferring
        one the meister has not served yet (a few tries)."""
        key = tuple(regions)
        if key not in pools:
            pool = [c for r in regions for c in by_region.get(r, ())] or s.companies
            cum = list(itertools.accumulate(3 if (c["cuts_working_hours"] or c["is_root_industry"]) else 1
                                            for c in pool))
            pools[key] = (pool, cum)
        pool, cum = pools[key]
        for _ in range(4):
            company = rng.choices(pool, cum_weights=cum)[0]
            if company["id"] not in served:
                break
        served.add(company["id"])
        return company

    def placement(prof: dict, company: dict, start: date, end: date, *, purpose=None, closed=None) -> None:
        purpose = purpose or _pick(rng, PURPOSES)
        pid = ids("placements")
        level = company["smart_factory_level_code"] or "none"
        created = _kst(start - timedelta(days=rng.randint(7, 20)), 11)
        if closed is None:
            closed = end < today and rng.random() < 0.95  # a few wait for their closing report
        closed_on = None
        if closed:
            closed_on = end if rng.random() < 0.9 else max(start, end - timedelta(days=rng.randint(5, 30)))
        goals = rng.sample(GOALS[purpose], k=min(len(GOALS[purpose]), rng.randint(2, 3)))
        up = closed and rng.random() < 0.45 and level != LEVELS[-1]
        contact_no[0] += 1
        rows["placements"].append(dict(
            id=pid, meister_id=prof["id"], company_id=company["id"], purpose=purpose, starts_on=start, ends_on=end,
            level_at_start_code=level, contact_name=name(), contact_email=f"contact{contact_no[0]:06d}@example.kr",
            created_by_id=s.admin["id"], closed_on=closed_on,
            level_at_end_code=(LEVELS[LEVELS.index(level) + 1] if up else level) if closed else None,
            closing_summary=("목표 대비 성과를 기업과 함께 점검하고 후속 과제를 정리했습니다." if closed else ""),
            closed_by_id=s.admin["id"] if closed else None, cancelled_at=None, cancelled_by_id=None, cancel_reason="",
            created_at=created, updated_at=created))
        for i, text in enumerate(goals):
            outcome = _pick(rng, OUTCOMES) if closed else None
            rows["placement_goals"].append(dict(id=ids("placement_goals"), placement_id=pid, position=i, text=text,
                                                outcome=outcome, outcome_note=""))
        last = min(closed_on or end, today)
        day = start + timedelta(days=rng.randint(0, 4))
        while day <= last:
            minutes = rng.choice((120, 180, 240, 240, 300, 360))
            logged = _kst(day, 18, rng.randint(0, 59))
            confirmed = (today - day).days > 14 and rng.random() < 0.88 or (today - day).days > 2 and rng.random() < 0.4
            rows["placement_visits"].append(dict(
                id=ids("placement_visits"), placement_id=pid, visited_on=day, minutes=minutes,
                activity=_pick(rng, ACTIVITIES[purpose]), done=rng.choice(DONE),
                issues=rng.choice(ISSUES) if rng.random() < 0.4 else "",
                next_steps=rng.choice(NEXT) if rng.random() < 0.7 else "", created_by_id=prof["user_id"],
                created_at=logged, confirm_sent_at=logged,
                confirmed_at=_kst(min(day + timedelta(days=rng.randint(1, 5)), today), 10) if confirmed else None,
                confirmed_email=rows["placements"][-1]["contact_email"] if confirmed else None,
                disputed_at=None, dispute_note=""))
            day += timedelta(days=rng.randint(5, 10))

    def career(prof: dict, regions, since: date) -> None:
        """Placements in two lanes from ``since`` to a little past today."""
        horizon = today + timedelta(days=60)
        served: set = set()
        for lane in range(2):
            day = since + timedelta(days=rng.randint(0, 60) + 45 * lane)
            while day <= horizon:
                if lane == 1 and rng.random() < 0.5:  # the second lane is busy half the time
                    day += timedelta(days=rng.randint(60, 120))
                    continue
                end = day + timedelta(days=rng.randint(60, 100))
                if end >= today and day <= today and prof["status"] == "inactive":
                    break
                placement(prof, company_for(regions, served), day, end)
                day = end + timedelta(days=rng.randint(3, 30))

    count = max(1, round(s.n / TRAINEES_PER_MEISTER))
    years = sorted(y for y in range(2019, today.year + 1))

    def recruit(i: int) -> None:
        since = date(rng.choice(years), rng.randint(1, 12), rng.randint(1, 28))
        if since > today - timedelta(days=20):
            since = today - timedelta(days=rng.randint(20, 200))
        status = "approved"
        roll = rng.random()
        if roll < 0.06:
            status = "recruited"
        elif roll < 0.12:
            status = "inactive"
        user = s.user_row(email=f"meister{i + 1:04d}@example.kr", name=name(), role="meister",
                          created=_kst(since, 10), phone=f"010-{rng.randint(2000, 9999)}-{rng.randint(0, 9999):04d}",
                          last_active=_kst(today - timedelta(days=rng.randint(0, 30)), 20) if status == "approved" else None)
        user["active"] = status != "inactive"
        users.append(user)
        regions = sorted(set(rng.choices([r for r, _w in region_weights], weights=[w for _r, w in region_weights],
                                         k=rng.randint(1, 3))))
        fields = sorted({_pick(rng, FIELDS) for _ in range(rng.randint(1, 3))})
        root_codes = sorted(set(rng.sample(roots, k=rng.randint(0, 2)))) if roots else []
        prof = profile(user, regions=regions, fields=fields, root_codes=root_codes, status=status, since=since)
        if status != "recruited":
            career(prof, regions, since + timedelta(days=14))

    for i in range(count):
        recruit(i)

    # meister@demo.kr in 창원 (경남): one placement under way with visits to confirm, one closed, one ahead.
    demo_user = s.user_row(email=DEMO_MEISTER_EMAIL, name="박마이스터", role="meister", created=_kst(date(2024, 2, 1), 10),
                           phone="010-2345-6789", last_active=s.now - timedelta(hours=3))
    users.append(demo_user)
    demo = profile(demo_user, regions=["48"], fields=["mes_pop", "plc", "quality"], root_codes=[c for c in ("welding",) if c in roots],
                   status="approved", since=date(2024, 2, 1))
    home = [c for c in by_region.get("48", ())] or s.companies
    placement(demo, home[0], today - timedelta(days=200), today - timedelta(days=110), purpose="build_consulting",
              closed=True)
    placement(demo, home[min(1, len(home) - 1)], today - timedelta(days=40), today + timedelta(days=50),
              purpose="tech_support", closed=False)
    demo_current = rows["placements"][-1]["id"]
    placement(demo, home[min(2, len(home) - 1)], today + timedelta(days=20), today + timedelta(days=110),
              purpose="aftercare", closed=False)

    # The small-demo floor (MIN_MEISTERS) draws from its own stream after the demo
    # account, so the meisters above (and meister@demo.kr's placements) are the same
    # rows with or without it.
    rng = random.Random(f"meisters-floor-{s.seed}")
    for i in range(count, MIN_MEISTERS):
        recruit(i)

    # Placements by company, for workplace sign-offs: (start, effective end, placement id, meister's user id).
    by_company: dict[int, list[tuple]] = defaultdict(list)
    user_of = {p["id"]: p["user_id"] for p in rows["meister_profiles"]}
    for p in rows["placements"]:
        end = p["closed_on"] if p["closed_on"] is not None and p["closed_on"] < p["ends_on"] else p["ends_on"]
        by_company[p["company_id"]].append((p["starts_on"], end, p["id"], user_of[p["meister_id"]]))
    s.meister_plan = dict(rng=rng, ids=ids, rows=rows, by_company=by_company, demo_placement=demo_current,
                          written=False)


def write_meisters(s, write_rows) -> dict[str, int]:
    """Write the planned profiles, placements, goals and visits with ``write_rows(table,
    rows)``, the seed's bulk writer, once the meisters' accounts are written. Returns and
    adds to ``s.counts`` the rows per table."""
    plan = s.meister_plan
    rows = plan["rows"]
    out = {}
    for name in MEISTER_TABLES:
        if rows[name]:
            write_rows(db.metadata.tables[name], rows[name])
        out[name] = len(rows[name])
        s.counts[name] += len(rows[name])
    plan["written"] = True
    return out


def seed_meisters(s, write_rows) -> dict[str, int]:
    """The last step of the seed: on-site classes of the planned placements
    (lms.demo.onsite), then PostgreSQL's sequences. Plans and writes the meisters first
    when :func:`plan_meisters` was not called earlier. Returns rows per table."""
    if getattr(s, "meister_plan", None) is None:
        plan_meisters(s)
        users = s.buf.pop("users", [])
        write_rows(db.metadata.tables["users"], users)
        s.counts["users"] += len(users)
    plan = s.meister_plan
    out = {} if plan["written"] else write_meisters(s, write_rows)
    from lms.demo.onsite import seed_onsite

    out.update(seed_onsite(s, write_rows))
    out["workplace_signoffs"] = plan.get("workplace_signoffs", 0)
    if db.session.get_bind().dialect.name == "postgresql":
        for name in ("users",) + tuple(t for t in MEISTER_TABLES + ("onsite_classes", "onsite_class_attendees")
                                       if "id" in db.metadata.tables[t].c):
            db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # nosec B608 # table names from our own metadata, no input
                                       f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"))
    return out
