"""Certificate verification for the API: one item or up to 1,000 in a constant number
of SQL statements, with the public /verify page's rules and states.

An item is a verification code (the QR link's) or a certificate number with the
holder's birth date or name. As on the public page, a number whose holder does not
match answers ``not_found`` exactly like an unknown number, and the answer carries
only the public facts (masked name, course, period, institution, dates): never the
birth date, the revocation reason or anyone's e-mail. States come from
``lms.certificates.state`` (valid, expired, revoked, superseded).

Statements for n items: one for the codes, one for the numbers, one for which of
them are superseded, and one per generation of re-issue to find the newest
successor of superseded certificates (a chain is rarely longer than one).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from lms.certificates import services
from lms.certificates.models import Certificate
from lms.certificates.state import SUPERSEDED, expires_on, states_of
from lms.core.timeutil import to_kst
from lms.extensions import db

NOT_FOUND = "not_found"
MAX_ITEMS = 1000
MAX_CHAIN = 50


@dataclass
class Result:
    state: str
    cert: Certificate | None = None
    successor_number: str | None = None


def _load(column, values) -> dict:
    values = sorted({x for x in values if x})
    if not values:
        return {}
    return {getattr(c, column.key): c for c in db.session.execute(select(Certificate).where(column.in_(values))).scalars()}


def _newest_successors(certs: list[Certificate]) -> dict[int, str]:
    """{superseded certificate id: number of the newest certificate of its chain}."""
    out: dict[int, str] = {}
    frontier = {c.id: c.id for c in certs}  # current link id -> the original superseded id
    for _ in range(MAX_CHAIN):
        if not frontier:
            break
        rows = db.session.execute(select(Certificate.id, Certificate.supersedes_id, Certificate.number)
                                  .where(Certificate.supersedes_id.in_(list(frontier)))).all()
        nxt = {}
        for cid, prev, number in rows:
            origin = frontier[prev]
            out[origin] = number
            nxt[cid] = origin
        frontier = nxt
    return out


def verify_many(items: list[dict], today: date | None = None) -> list[Result]:
    """A Result per item (same order). Items: {"code"} or {"number", "birth_date"|"name"}."""
    by_code = _load(Certificate.verification_code, [i.get("code") for i in items])
    by_number = _load(Certificate.number, [(i.get("number") or "").strip() for i in items if not i.get("code")])
    found: list[Certificate | None] = []
    for item in items:
        if item.get("code"):
            found.append(by_code.get(item["code"]))
            continue
        cert = by_number.get((item.get("number") or "").strip())
        if cert is not None and not services.holder_matches(cert, birth_date=item.get("birth_date"),
                                                               name=item.get("name")):
            cert = None  # a holder that does not match reads like an unknown number
        found.append(cert)
    certs = list({c.id: c for c in found if c is not None}.values())
    state_by_id = dict(zip((c.id for c in certs), states_of(certs, today)))
    successors = _newest_successors([c for c in certs if state_by_id[c.id] == SUPERSEDED])
    return [Result(NOT_FOUND) if c is None else Result(state_by_id[c.id], c, successors.get(c.id)) for c in found]


def public_facts(result: Result, locale: str) -> dict:
    """The public facts of a result, as the public page shows them (masked name only)."""
    cert = result.cert
    if cert is None:
        return {k: None for k in ("number", "masked_name", "course_title", "institution", "period_start",
                                  "period_end", "hours", "issued_on", "expires_on", "revoked_on", "successor_number")}
    s = cert.snapshot or {}
    en = locale == "en"
    return {
        "number": cert.number,
        "masked_name": services.mask_name(s.get("name", "")),
        "course_title": (s.get("course_title_en") if en and s.get("course_title_en") else s.get("course_title_ko", "")),
        "institution": (s.get("institution_en") if en and s.get("institution_en") else s.get("institution_ko", "")),
        "period_start": s.get("period_start") or None,
        "period_end": s.get("period_end") or None,
        "hours": s.get("hours"),
        "issued_on": to_kst(cert.issued_at).date(),
        "expires_on": expires_on(cert),
        "revoked_on": to_kst(cert.revoked_at).date() if cert.revoked_at else None,
        "successor_number": result.successor_number,
    }
