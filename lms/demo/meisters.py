"""Demo data for industrial complexes and smart meisters.

``demo_complex_ids()`` gives the seed's companies their complexes: the
reference complexes (``flask reference load``) by name, plus demo-only general
complexes, which are added as not designated (their real status is not part of
the reference data).
"""
from __future__ import annotations

from sqlalchemy import select

from lms.demo import data as D
from lms.extensions import db


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
