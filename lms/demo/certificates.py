"""Certificates of the demo seed: queued as enrollments complete, then numbered in
issue order (``YYYY-NNNNNN``, gap-free per year, after any existing counter), with
revoked and superseded (reissued) ones, the CONTRACTS.md snapshot keys, verification
codes from the seeded RNG, and their audit events.

A mixin of ``lms.demo.seed._Seeder``: it uses the seeder's RNG and row buffers, so
its draws come in the same order as always.
"""
from __future__ import annotations

import base64
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import select

from lms.certificates.pdf import LAYOUT as CERTIFICATE_LAYOUT
from lms.demo import data as D
from lms.demo.common import _add_months, _Course, _kst_date
from lms.extensions import db


class CertificatesMixin:
    """Queue, number and write the certificates."""

    def queue_certificate(self, enr: dict, course: _Course, prog, ctx, completed: datetime,
                          cert_kind: str | None) -> None:
        rng = self.rng
        if prog is not None:
            inst = next(i for i in self.institutions.values() if i["id"] == prog["institution_id"])
        else:
            inst = self.institutions["online"]
        if cert_kind is None:
            r = rng.random()
            cert_kind = "revoked" if r < 0.01 else "superseded" if r < 0.02 else "normal"
        user = ctx["user"]
        # Only what the certificate needs is kept: the rows themselves are written already.
        self.certs.append(dict(
            enrollment_id=enr["id"], period_start=_kst_date(enr["enrolled_at"]), completed_on=_kst_date(completed),
            course=course, inst=inst, user_id=user["id"], name=user["name"], birth_date=user["birth_date"],
            company=ctx["company"]["name"] if ctx["company"] else None, demo=user is self.demo_trainee_row,
            issued=min(self.now, completed + timedelta(minutes=rng.randint(1, 30))), kind=cert_kind))

    def code(self) -> str:
        # token_urlsafe-style from the seeded RNG: 192 bits, deterministic per seed.
        return base64.urlsafe_b64encode(self.rng.getrandbits(192).to_bytes(24, "big")).decode().rstrip("=")

    def write_certificates(self) -> None:
        """Number all certificates in issue order, gap-free per year, and write them."""
        from lms.certificates.models import CertificateCounter

        rng = self.rng
        certs = self.certs
        # Every state must exist even in a tiny demo: force one revoked and one superseded.
        for wanted in ("revoked", "superseded"):
            if certs and not any(c["kind"] == wanted for c in certs):
                candidates = [c for c in certs if c["kind"] == "normal" and not c["demo"]
                              and c["issued"] < self.now - timedelta(days=40)]
                if candidates:
                    candidates[0]["kind"] = wanted
        entries = []  # (issued_at, order, cert dict, name, supersedes entry)
        for order, c in enumerate(certs):
            name = c["name"]
            if c["kind"] == "superseded":
                wrong = name[:-1] + rng.choice([s for s in "민준현우영수진호" if s != name[-1]])
                old = dict(c, name=wrong, issued=c["issued"])
                new_issued = min(self.now, c["issued"] + timedelta(days=rng.randint(2, 30)))
                new = dict(c, name=name, issued=new_issued, supersedes=old, kind="reissue")
                old["kind"] = "superseded"
                entries += [old, new]
            else:
                entries.append(dict(c, name=name))
        entries.sort(key=lambda e: e["issued"])
        existing = {row.year: row.last_serial for row in db.session.execute(select(CertificateCounter)).scalars()}
        serials = dict(existing)
        for e in entries:
            e["id"] = self.nid("certificates")
            year = _kst_date(e["issued"]).year
            serials[year] = serials.get(year, 0) + 1
            e["year"], e["serial"] = year, serials[year]
        for e in entries:
            course, inst = e["course"], e["inst"]
            issued = e["issued"]
            expires = _add_months(issued, course.valid_for_months) if course.valid_for_months else None
            revoked_at = reason = revoked_by = None
            if e["kind"] == "revoked":
                revoked_at = min(self.now, issued + timedelta(days=rng.randint(5, 120)))
                reason = rng.choice(D.REVOCATION_REASONS)
                revoked_by = self.admin["id"]
            snapshot = {
                "name": e["name"], "birth_date": e["birth_date"].isoformat() if e["birth_date"] else None,
                "company": e["company"], "course_code": course.code,
                "course_title_ko": course.title_ko, "course_title_en": course.title_en, "hours": course.hours,
                "period_start": e["period_start"].isoformat(),
                "period_end": e["completed_on"].isoformat(),
                "institution_ko": inst["name_ko"], "institution_en": inst["name_en"],
                "head_title_ko": inst["head_title_ko"], "head_title_en": inst["head_title_en"],
                "head_name_ko": inst["head_name_ko"], "head_name_en": inst["head_name_en"],
                "completed_on": e["completed_on"].isoformat(), "layout": CERTIFICATE_LAYOUT,
            }
            sup = e.get("supersedes")
            self.add("certificates", dict(
                id=e["id"], enrollment_id=e["enrollment_id"], user_id=e["user_id"], course_id=course.id,
                institution_id=inst["id"],
                number=f"{e['year']}-{e['serial']:06d}", year=e["year"], serial=e["serial"],
                verification_code=self.code(), snapshot=snapshot, issued_at=issued, expires_at=expires,
                revoked_at=revoked_at, revoked_reason=reason, revoked_by_id=revoked_by,
                supersedes_id=sup["id"] if sup else None, pdf_sha256=None))
            number = f"{e['year']}-{e['serial']:06d}"
            if sup:
                self.audit(self.admin["id"], "certificate.reissue", "Certificate", e["id"], issued, number=number,
                           supersedes=f"{sup['year']}-{sup['serial']:06d}", reason="성명 정정")
            else:
                self.audit(None, "certificate.issue", "Certificate", e["id"], issued, number=number)
            if revoked_at:
                self.audit(revoked_by, "certificate.revoke", "Certificate", e["id"], revoked_at, number=number,
                           reason=reason)
        ctable = db.metadata.tables["certificate_counters"]
        for year, last in sorted(serials.items()):
            if year in existing:
                if last != existing[year]:
                    db.session.execute(sa.update(ctable).where(ctable.c.year == year).values(last_serial=last))
            else:
                self.add("certificate_counters", dict(year=year, last_serial=last))

