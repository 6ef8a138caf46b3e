"""The fixed world of the demo seed, written before any trainee: the course catalogue
as the generator sees it (with each quiz's answer key), institutions, companies with
their (deliberately invalid) business numbers, staff accounts, programmes with their
sponsors and cohorts, and the smart labs with rooms, equipment and instructors.

A mixin of ``lms.demo.seed._Seeder``: it uses the seeder's RNG and row buffers, so
its draws come in the same order as always.
"""
from __future__ import annotations

import calendar
import math
from datetime import date, datetime, timedelta

from sqlalchemy import select

from lms.demo import data as D
from lms.demo.common import DEMO_EMAILS, FIRST_YEAR, YEAR_WEIGHTS, NoCourses, _Course, _kst, _Weighted
from lms.demo.meisters import demo_complex_ids
from lms.extensions import db


class WorldMixin:
    """Catalogue, organisations, staff, programmes, cohorts and labs."""

    # -------------------------------------------------------------- catalogue
    def load_courses(self) -> None:
        from lms.catalog.models import Course, Module

        courses = db.session.execute(select(Course).order_by(Course.code)).scalars().all()
        self.courses: list[_Course] = []
        self.workplace_modules: set[int] = set()  # practicals a meister may sign off at the workplace
        for c in courses:
            mods = db.session.execute(
                select(Module).where(Module.course_id == c.id, Module.retired_at.is_(None)).order_by(Module.position)
            ).scalars().all()
            if not mods:
                continue
            specs = []
            for m in mods:
                data = m.data or {}
                extra, equipment = None, ()
                if m.kind == "quiz":
                    extra = self.quiz_spec(data, c.pass_mark)
                elif m.kind == "practical":
                    extra = [item.get("id") for item in data.get("checklist") or [] if item.get("id")] or ["c1"]
                    equipment = tuple(data.get("equipment") or ())
                    if data.get("workplace_assessment") is True:
                        self.workplace_modules.add(m.id)
                specs.append((m.id, m.kind, float(m.hours or 0), extra, equipment))
            self.courses.append(_Course(
                id=c.id, code=c.code, title_ko=c.title_ko, title_en=c.title_en, hours=c.hours or 0,
                valid_for_months=c.valid_for_months, pass_mark=c.pass_mark or 60, modules=specs,
                has_practical=any(s[1] == "practical" for s in specs), level=c.level or "beginner"))
        if not self.courses:
            raise NoCourses("no courses in the database: run `flask courses sync` first")
        self.course_weight = _Weighted([(c, {"beginner": 5, "intermediate": 3, "advanced": 1}.get(c.level, 2))
                                        for c in self.courses])
        self.practical_courses = [c for c in self.courses if c.has_practical] or self.courses

    @staticmethod
    def quiz_spec(data: dict, course_pass_mark: int) -> dict:
        questions = []
        for q in data.get("questions") or []:
            choices = [c.get("id") for c in q.get("choices") or []]
            answer = sorted(q.get("answer") or [])
            wrong = [[c] for c in choices if [c] != answer]
            if len(answer) > 1:
                wrong.append(answer[:-1])
            questions.append((q.get("id"), choices, answer, wrong or [[]]))
        per = min(int(data.get("questions_per_attempt") or len(questions)), len(questions))
        return {"pass_mark": data.get("pass_mark") or course_pass_mark, "max_attempts": data.get("max_attempts") or 3,
                "shuffle": data.get("shuffle", True), "questions": questions, "per_attempt": per}

    # -------------------------------------------------------------- organisations
    def make_institutions(self) -> None:
        ts = _kst(date(2018, 12, 20))
        self.institutions: dict[str, dict] = {}

        def inst(key, name_ko, name_en, kind, region, head_title_ko, head_title_en, head_ko, head_en):
            row = self.add("institutions", dict(
                id=self.nid("institutions"), name_ko=name_ko, name_en=name_en, kind=kind, region_code=region,
                head_title_ko=head_title_ko, head_title_en=head_title_en, head_name_ko=head_ko, head_name_en=head_en,
                seal_png=None, logo_png=None, is_active=True, created_at=ts, updated_at=ts))
            self.institutions[key] = row

        for key, ko, en, region, *_rest, head_ko, head_en in D.UNIVERSITIES:
            inst(key, ko, en, "university", region, "총장", "President", head_ko, head_en)
        for op in D.LAB_OPERATORS:
            inst(op["key"], op["name_ko"], op["name_en"], "lab_operator", op["region"], op["head_title_ko"],
                 op["head_title_en"], op["head_ko"], op["head_en"])
        oc = D.ONLINE_CENTRE
        inst("online", oc["name_ko"], oc["name_en"], "training_centre", oc["region"], oc["head_title_ko"],
             oc["head_title_en"], oc["head_ko"], oc["head_en"])

    def make_companies(self) -> None:
        from lms.orgs.models import Company

        rng = self.rng
        count = max(30, min(5000, self.n // 20))
        used_names = set(db.session.execute(select(Company.name)).scalars())
        used_numbers = set(n for n in db.session.execute(select(Company.business_number)).scalars() if n)
        forms = _Weighted(D.COMPANY_FORMS)
        ksic = _Weighted([((code, root), w) for code, root, w in D.KSIC_CODES])
        sizes = _Weighted(D.SIZE_WEIGHTS)
        levels = _Weighted(D.LEVEL_WEIGHTS)
        regions = _Weighted([(code, spec[0]) for code, spec in D.REGIONS.items()])
        complex_ids = demo_complex_ids()
        self.companies: list[dict] = []
        for _ in range(count):
            for attempt in range(50):
                stem = rng.choice(D.COMPANY_STEM_FIRST) + rng.choice(D.COMPANY_STEM_SECOND)
                word = rng.choice(D.COMPANY_WORDS)
                form = forms.pick(rng)
                name = f"{form}{stem}{word}" if form != "(유)" else f"{stem}{word}(유)"
                if attempt > 20:  # the syllable space is exhausted: add a place-like suffix
                    name = f"{name} {rng.choice(('제2공장', '창원', '시화', '구미', '울산', '인천'))}"
                if name not in used_names:
                    break
            used_names.add(name)
            corporate = form in ("(주)", "주식회사 ")
            while True:
                head = rng.randint(101, 899)
                mid = rng.choice((81, 86, 87, 88)) if corporate else rng.randint(1, 79)
                tail4 = rng.randint(0, 9999)
                digits = [int(c) for c in f"{head:03d}{mid:02d}{tail4:04d}"]
                weights = (1, 3, 7, 1, 3, 7, 1, 3, 5)
                total = sum(d * w for d, w in zip(digits, weights)) + (digits[8] * 5) // 10
                check = (10 - total % 10) % 10
                # Deliberately wrong check digit: no demo firm can pass for a real one.
                last = (check + 1 + rng.randrange(9)) % 10
                number = f"{head:03d}-{mid:02d}-{tail4:04d}{last}"
                if number not in used_numbers:
                    used_numbers.add(number)
                    break
            code, root = ksic.pick(rng)
            region = regions.pick(rng)
            complexes = D.REGIONS[region][1]
            complex_name = None if rng.random() < 0.3 else rng.choice(complexes)
            ts = self.rand_dt(_kst(date(2018, 12, 20)), _kst(date(2026, 6, 30)))
            row = self.add("companies", dict(
                id=self.nid("companies"), name=name, business_number=number, ksic_code=code,
                size_code=sizes.pick(rng), region_code=region, industrial_complex_id=complex_ids.get(complex_name),
                root_technology_code=root,
                smart_factory_level_code=levels.pick(rng), cuts_working_hours=rng.random() < 0.25,
                is_root_industry=root is not None, created_at=ts, updated_at=ts))
            self.companies.append(row)

    def user_row(self, *, email: str, name: str, role: str, created: datetime, institution_id=None,
                 company_id=None, birth_date=None, phone=None, last_active: datetime | None = None) -> dict:
        return self.add("users", dict(
            id=self.nid("users"), email=email, name=name, password_hash=self.password_hash, birth_date=birth_date,
            phone=phone, locale="ko", role=role, institution_id=institution_id, company_id=company_id, active=True,
            session_version=1, last_login_at=last_active, last_active_at=last_active, created_at=created,
            updated_at=created))

    def make_staff(self) -> None:
        base = _kst(date(2019, 1, 2))
        recent = lambda: self.rand_dt(self.now - timedelta(days=20), self.now)  # noqa: E731
        self.admin = self.user_row(email=DEMO_EMAILS["admin"], name="관리자", role="admin", created=base,
                                   last_active=recent())
        self.ministry = self.user_row(email=DEMO_EMAILS["ministry"], name="중기부 담당자", role="ministry",
                                      created=base, last_active=recent())
        for i in range(2):
            self.user_row(email=f"ministry{i + 1:02d}@example.kr", name=self.person_name(), role="ministry",
                          created=base, last_active=recent())
        # Instructors: a few per institution, more when the seed is large.
        per_inst = max(2, min(25, self.n // 4000))
        self.instructors: dict[str, list[dict]] = {}
        k = 0
        for key, inst in self.institutions.items():
            rows = []
            for _ in range(per_inst + (1 if inst["kind"] == "lab_operator" else 0)):
                k += 1
                rows.append(self.user_row(email=f"instructor{k:04d}@example.kr", name=self.person_name(),
                                          role="instructor", created=base, institution_id=inst["id"],
                                          last_active=self.rand_dt(self.now - timedelta(days=60), self.now)))
            self.instructors[key] = rows
        self.demo_instructor = self.user_row(
            email=DEMO_EMAILS["instructor"], name="김교수", role="instructor", created=base,
            institution_id=self.institutions["changwon"]["id"], last_active=recent())
        self.instructors["changwon"].append(self.demo_instructor)
        self.all_instructors = [r for rows in self.instructors.values() for r in rows]

    def make_programmes(self) -> None:
        rng = self.rng
        ts = _kst(date(2019, 1, 15))
        self.programmes: dict[str, dict] = {}
        self.cohorts: list[dict] = []
        self.cohorts_by: dict[tuple, dict] = {}
        self.sponsors: dict[int, list[dict]] = {}
        contract_share = 0.10
        years_weight = sum(YEAR_WEIGHTS.values())

        def programme(key, inst_key, kind, name_ko, name_en, contract_type=None, quota=None):
            row = self.add("programmes", dict(
                id=self.nid("programmes"), institution_id=self.institutions[inst_key]["id"], kind=kind,
                name_ko=name_ko, name_en=name_en, contract_type=contract_type, quota=quota, is_active=True,
                created_at=ts, updated_at=ts))
            self.programmes[key] = row
            return row

        per_cohort = self.n * contract_share / len(D.UNIVERSITIES) * (max(YEAR_WEIGHTS.values()) / years_weight) / 2
        for key, ko, en, _region, dept_ko, dept_en, ctype, *_ in D.UNIVERSITIES:
            quota = max(20, int(math.ceil(per_cohort * 2 / 10.0)) * 10)
            p = programme(key, key, "contract", f"{ko} {dept_ko} ({D.CONTRACT_TYPE_KO[ctype]})",
                          f"{en}, {dept_en} ({D.CONTRACT_TYPE_EN[ctype]})", ctype, quota)
            sponsors = rng.sample(self.companies, min(len(self.companies), rng.randint(3, 8)))
            self.sponsors[p["id"]] = sponsors
            for s in sponsors:
                self.add("programme_sponsors", dict(programme_id=p["id"], company_id=s["id"]))
        for op in D.LAB_OPERATORS:
            programme(f"lab_{op['key']}", op["key"], "smart_lab", f"{op['lab_ko']} 운영인력 양성과정",
                      f"{op['lab_en']} operator training")
        programme("online", "online", "online", "스마트공장 온라인 과정", "Smart factory online courses")

        for key, prog in self.programmes.items():
            if prog["kind"] == "online":
                continue
            inst_key = key[4:] if key.startswith("lab_") else key
            for year in range(FIRST_YEAR, self.today.year + 1):
                for term in (1, 2):
                    start = date(year, 3, 2) if term == 1 else date(year, 9, 1)
                    if start > self.today:
                        continue
                    end = date(year, 8, 31) if term == 1 else date(year + 1, 2, calendar.monthrange(year + 1, 2)[1])
                    row = self.add("cohorts", dict(
                        id=self.nid("cohorts"), programme_id=prog["id"], intake_year=year, term=term,
                        label=f"{year}-{term}기", starts_on=start, ends_on=end,
                        created_at=_kst(start) - timedelta(days=30), updated_at=_kst(start) - timedelta(days=30)))
                    # The generator's view of a cohort: the row plus helper keys never written.
                    c = dict(row, _prog=prog, _lab=inst_key if prog["kind"] == "smart_lab" else None)
                    pool = self.practical_courses if prog["kind"] == "smart_lab" else self.courses
                    c["_courses"] = sorted(rng.sample(pool, min(len(pool), rng.randint(3, 4))), key=lambda x: x.code)
                    for course in c["_courses"]:
                        self.add("cohort_courses", dict(cohort_id=c["id"], course_id=course.id))
                    pool = [t for t in self.instructors[inst_key] if t is not self.demo_instructor]
                    c["_teachers"] = rng.sample(pool, min(2, len(pool)))
                    self.cohorts.append(c)
                    self.cohorts_by[(key, year, term)] = c
        # The demo instructor teaches the newest cohort of the Changwon smart lab.
        self.demo_cohort = max((c for c in self.cohorts if c["_prog"] is self.programmes["lab_changwon"]),
                               key=lambda c: c["starts_on"])
        self.demo_cohort["_teachers"] = self.demo_cohort["_teachers"][:1] + [self.demo_instructor]
        for c in self.cohorts:
            for t in c["_teachers"]:
                self.add("cohort_instructors", dict(cohort_id=c["id"], user_id=t["id"]))

    def make_labs(self) -> None:
        ts = _kst(date(2019, 2, 1))
        self.labs: dict[str, dict] = {}
        for op in D.LAB_OPERATORS:
            inst = self.institutions[op["key"]]
            lab = self.add("smart_labs", dict(
                id=self.nid("smart_labs"), institution_id=inst["id"], programme_id=self.programmes[f"lab_{op['key']}"]["id"],
                name_ko=op["lab_ko"], name_en=op["lab_en"], region_code=op["region"], address=op["address"],
                created_at=ts, updated_at=ts))
            rooms = []
            for ko, en, seats in op["rooms"]:
                rooms.append(self.add("lab_rooms", dict(id=self.nid("lab_rooms"), lab_id=lab["id"], name_ko=ko,
                                                        name_en=en, seats=seats)))
            kinds = set()
            for kind, name, qty, room_idx in op["equipment"]:
                kinds.add(kind)
                self.add("equipment", dict(id=self.nid("equipment"), lab_id=lab["id"], room_id=rooms[room_idx]["id"],
                                           kind=kind, name=name, quantity=qty))
            for t in self.instructors[op["key"]]:
                self.add("lab_instructors", dict(lab_id=lab["id"], user_id=t["id"]))
            self.labs[op["key"]] = dict(row=lab, rooms=rooms, kinds=kinds, instructors=self.instructors[op["key"]],
                                        key=op["key"])

