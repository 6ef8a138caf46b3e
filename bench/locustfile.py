"""Every role's journey against a seeded LMS, for locust (headless; bench/run_load.sh).

    LMS_LOAD_TARGETS=targets.json locust -f bench/locustfile.py --headless -u 32 -r 8 -t 60s \\
        --host http://127.0.0.1:8000

targets.json comes from bench/load_targets.py. Environment:

LMS_LOAD_THINK=1|0   think time of 1-3 s between tasks (default 1), or none
LMS_LOAD_PAGE=name   isolated mode: every user requests only this page (for the
                     throughput of one page against the baseline; names in PAGES)
LMS_LOAD_COOKIES=dir keep the ministry session between locust runs (its TOTP code
                     works once per 30-second step)

Each request carries a random X-Forwarded-For (the app trusts one proxy hop in
run_load.sh): 32 users stand for many visitors, so per-address limits (the public
certificate check's 30 per 10 minutes) apply as they would to real ones. POSTs are
measured without following their redirect. Logins are reported as "login" and are
not part of any page's figures.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from pathlib import Path

import pyotp
from gevent.event import Event
from gevent.lock import Semaphore
from locust import HttpUser, between, constant, events, task

TARGETS = json.loads(Path(os.environ.get("LMS_LOAD_TARGETS", "bench/targets.json")).read_text(encoding="utf-8"))
THINK = os.environ.get("LMS_LOAD_THINK", "1") == "1"
ONLY = os.environ.get("LMS_LOAD_PAGE", "")
COOKIES = Path(os.environ.get("LMS_LOAD_COOKIES", "/tmp"))
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_next_trainee = itertools.count()
_ministry_lock = Semaphore()  # users are greenlets of one process: one TOTP login at a time
# Figures start once every user has logged in: the last one to arrive resets the statistics.
_all_in = Event()
_arrived = [0]


def wait():
    return between(1, 3) if THINK else constant(0)


def _save(cookies, path: Path) -> None:
    path.write_text(json.dumps([[c.name, c.value, c.domain, c.path] for c in cookies]))


def _restore(cookies, path: Path) -> None:
    """The same cookie (name, domain, path) as the server set it, so that its next
    Set-Cookie replaces it instead of adding a second one."""
    for name, value, domain, cpath in json.loads(path.read_text()):
        cookies.set(name, value, domain=domain, path=cpath)


def _ip() -> str:
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


class Base(HttpUser):
    abstract = True
    wait_time = wait()
    csrf = ""

    def setup(self):
        """Log in (subclasses)."""

    def on_start(self):
        try:
            self.setup()
        finally:  # a user whose login failed still arrives, so the others do not wait forever
            _arrived[0] += 1
            if _arrived[0] >= self.environment.runner.target_user_count:
                self.environment.runner.stats.reset_all()
                _all_in.set()
        _all_in.wait()

    def get(self, url: str, name: str, **kw):
        with self.client.get(url, name=name, headers={"X-Forwarded-For": _ip()}, catch_response=True,
                             allow_redirects=False, **kw) as resp:
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}")
            return resp

    def post(self, url: str, name: str, data: dict, expect=(302,), may_ask=False):
        """POST a form; a redirect is success. With ``may_ask`` the app may answer 200 with
        its confirmation step (lms/core/confirm.py) instead: success too, any other 200 not."""
        data = {"csrf_token": self.csrf, **data}
        with self.client.post(url, name=name, data=data, headers={"X-Forwarded-For": _ip()}, catch_response=True,
                              allow_redirects=False) as resp:
            asks = may_ask and resp.status_code == 200 and 'name="confirmed"' in resp.text
            if resp.status_code not in expect and not asks:
                resp.failure(f"HTTP {resp.status_code}")
            return resp

    def take_csrf(self, html: str) -> None:
        m = CSRF.search(html or "")
        if m:
            self.csrf = m.group(1)

    def login(self, email: str, password: str, reuse: bool = True) -> str:
        """Password login; returns where it redirected to. A session from an earlier run of
        this series (LMS_LOAD_COOKIES) is reused while it is valid: a password check costs
        a scrypt hash (deliberately slow), and the series would otherwise spend its time
        logging the same accounts in again."""
        self.client.cookies.clear()
        jar = COOKIES / f"lms-load-{email}.json"
        if reuse and jar.exists():
            _restore(self.client.cookies, jar)
            resp = self.client.get("/login", name="login", allow_redirects=False)
            if resp.status_code == 302:
                return resp.headers.get("Location", "")
            self.client.cookies.clear()
        resp = self.client.get("/login", name="login", headers={"X-Forwarded-For": _ip()})
        self.take_csrf(resp.text)
        resp = self.client.post("/login", name="login", allow_redirects=False,
                                headers={"X-Forwarded-For": _ip()},
                                data={"csrf_token": self.csrf, "email": email, "password": password})
        if resp.status_code != 302:
            raise RuntimeError(f"login of {email} answered {resp.status_code}")
        if reuse:
            _save(self.client.cookies, jar)
        return resp.headers.get("Location", "")


# --- the pages, by name (the names are the rows of the report) ----------------------

def healthz(u):
    u.get("/healthz", "baseline /healthz (1 query)")


def catalog(u):
    u.get("/", "catalog")


def course_page(u):
    u.get(f"/courses/{random.choice(TARGETS['courses'])}", "course page")


def dashboard(u):
    u.take_csrf(u.get("/dashboard", "trainee dashboard").text)


def lesson(u):
    t = u.trainee
    u.get(f"/learn/{t['enrollment']}/{t['lesson']}", "lesson")


def quiz(u):
    """The quiz page, start an attempt, answer every question (first choice), submit."""
    t = u.trainee
    url = f"/learn/{t['enrollment']}/{t['quiz']}"
    u.take_csrf(u.get(url, "quiz page").text)
    if not u.quiz_left:
        return
    u.post(url + "/attempts", "quiz start", {})
    page = u.get(url, "quiz page").text
    form = re.search(r'id="quiz-form"[^>]*action="([^"]+)"', page) or re.search(
        r'action="([^"]+/attempts/\d+)"[^>]*id="quiz-form"', page)
    if not form:
        u.quiz_left = False  # attempts used up (or passed): keep visiting the page only
        return
    answers: dict[str, str] = {}
    for name, value in re.findall(r'name="(q-\d+)" value="(\d+)"', page):
        answers.setdefault(name, value)
    u.post(form.group(1), "quiz submit", answers)


def booking(u):
    """Open the practical's sessions, book the first open one, cancel it from my bookings."""
    t = u.trainee
    if not t.get("practical"):
        return
    page = u.get(f"/labs/modules/{t['practical']}/sessions", "lab sessions").text
    u.take_csrf(page)
    book = re.search(r'action="(/labs/sessions/\d+/book)"', page)
    if book:
        resp = u.post(book.group(1), "booking", {}, may_ask=True)
        if resp.status_code == 200:
            # Inside the cancel cutoff the app first asks whether the trainee accepts that
            # the booking is final: they do.
            u.take_csrf(resp.text)
            u.post(book.group(1), "booking (final, confirmed)", {"confirmed": "yes"})
    mine = u.get("/labs/bookings", "my bookings").text
    u.take_csrf(mine)
    cancel = re.search(r'action="(/labs/bookings/\d+/cancel)"', mine)
    if cancel:
        # A trainee's cancel asks for confirmation first (lms/core/confirm.py): answer it.
        u.post(cancel.group(1), "booking cancel", {"confirmed": "yes"})


def verification(u):
    code = random.choice(TARGETS["verification_codes"])
    u.get(f"/verify/{code}", "verification (public)")


def instructor_dashboard(u):
    u.get("/instructor", "instructor dashboard")


def cohort_page(u):
    u.get(f"/labs/cohorts/{TARGETS['cohort']['id']}", f"cohort page ({TARGETS['cohort']['members']:,})")


def session_page(u):
    page = u.get(f"/labs/sessions/{TARGETS['session']['id']}", "session page").text
    u.take_csrf(page)
    return page


def attendance(u):
    """Mark the first page of the session's roster present (the form's own fields)."""
    page = session_page(u)
    users = re.findall(r'name="status_(\d+)"', page)[:20]
    u.post(f"/labs/sessions/{TARGETS['session']['id']}/attendance", "attendance save",
           {f"status_{uid}": "present" for uid in users})


def ministry(u):
    u.get("/ministry", "ministry dashboard")


PAGES = {f.__name__: f for f in (healthz, catalog, course_page, dashboard, lesson, quiz, booking, verification,
                                 instructor_dashboard, cohort_page, session_page, attendance, ministry)}
ROLE_OF = {"dashboard": "trainee", "lesson": "trainee", "quiz": "trainee", "booking": "trainee",
           "instructor_dashboard": "instructor", "cohort_page": "instructor", "session_page": "instructor",
           "attendance": "instructor", "ministry": "ministry"}


def _trainee_login(u):
    u.trainee = TARGETS["trainees"][next(_next_trainee) % len(TARGETS["trainees"])]
    u.quiz_left = True
    u.login(u.trainee["email"], TARGETS["password"])


def _ministry_login(u):
    """Password, then the TOTP code; the session cookie is kept in a file for the next run
    (a code is accepted once per 30-second step)."""
    with _ministry_lock:
        _ministry_login_locked(u)


def _ministry_login_locked(u):
    jar = COOKIES / "lms-load-ministry.json"
    if jar.exists():
        _restore(u.client.cookies, jar)
        if u.client.get("/ministry", name="login", allow_redirects=False).status_code == 200:
            return
    for attempt in range(3):
        u.login(TARGETS["ministry"], TARGETS["password"], reuse=False)
        page = u.client.get("/login/second-factor", name="login")
        u.take_csrf(page.text)
        with u.client.post("/login/second-factor", name="login", allow_redirects=False, catch_response=True,
                           data={"csrf_token": u.csrf, "code": pyotp.TOTP(TARGETS["totp_secret"]).now()}) as resp:
            resp.success()  # a code already used in this step is expected here, not an error
        if resp.status_code == 302:
            _save(u.client.cookies, jar)
            return
        time.sleep(31 - time.time() % 30)  # this step's code was used: wait for the next one
    raise RuntimeError("ministry login failed")


# --- the users of the mixed run ------------------------------------------------------

if not ONLY:
    class Trainee(Base):
        weight = 24

        def setup(self):
            _trainee_login(self)
            dashboard(self)

        tasks = {catalog: 3, course_page: 3, dashboard: 4, lesson: 4, quiz: 2, booking: 1}

    class Visitor(Base):
        """Someone checking a certificate, or browsing the catalogue, without an account."""
        weight = 3
        tasks = {catalog: 1, course_page: 1, verification: 2}

    class Instructor(Base):
        weight = 4

        def setup(self):
            self.login(TARGETS["instructor"], TARGETS["password"])
            session_page(self)

        tasks = {instructor_dashboard: 3, cohort_page: 3, session_page: 2, attendance: 1}

    class Ministry(Base):
        fixed_count = 1

        def setup(self):
            _ministry_login(self)

        tasks = {ministry: 1}

    class Baseline(Base):
        """The one-query page, requested in the same run as a reference."""
        fixed_count = 1
        tasks = {healthz: 1}
else:
    class OnePage(Base):
        """Isolated mode: every user logs in as the page's role and requests only it."""

        def setup(self):
            role = ROLE_OF.get(ONLY)
            if role == "trainee":
                _trainee_login(self)
                dashboard(self)
            elif role == "instructor":
                self.login(TARGETS["instructor"], TARGETS["password"])
                session_page(self)
            elif role == "ministry":
                _ministry_login(self)

        @task
        def page(self):
            PAGES[ONLY](self)


@events.quitting.add_listener
def _fail_on_errors(environment, **_kw):
    if environment.stats.total.fail_ratio > 0:
        environment.process_exit_code = 1
