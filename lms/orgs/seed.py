"""Load the reference data shipped in ``lms/orgs/data`` (copied from the
programme's reference files). Upserts by code; admin edits to names survive
only until the next load with ``overwrite=True``.

``industrial_complexes.csv`` holds the smart complexes the programme names,
with the designation year where it is known (``smart_since_year``) and
otherwise the year by which they were designated (``smart_by_year``)."""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from lms.extensions import db
from sqlalchemy import select

from lms.orgs.models import CompanySize, IndustrialComplex, Region, RootTechnology, SmartFactoryLevel

DATA = Path(__file__).resolve().parent / "data"


def _rows(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def load_reference_data(overwrite: bool = False) -> dict[str, int]:
    """Insert missing reference rows (and update them when ``overwrite``). Flushes."""
    counts = {}
    specs = [
        (Region, "regions.csv", lambda r, i: dict(name_ko=r["name_ko"], name_en=r["name_en"],
                                                 valid_from=_date(r["valid_from"]), valid_to=_date(r["valid_to"]))),
        (RootTechnology, "root_technologies.csv", lambda r, i: dict(name_ko=r["name_ko"], name_en=r["name_en"],
                                                                   group_ko=r["group_ko"], group_en=r["group_en"])),
        (CompanySize, "company_sizes.csv", lambda r, i: dict(name_ko=r["name_ko"], name_en=r["name_en"],
                                                            rule_of_thumb=r["rule_of_thumb"], position=i)),
        (SmartFactoryLevel, "smart_factory_levels.csv", lambda r, i: dict(name_ko=r["name_ko"], name_en=r["name_en"],
                                                                         meaning=r["meaning"], position=i)),
    ]
    for model, filename, build in specs:
        added = 0
        for i, row in enumerate(_rows(filename)):
            values = build(row, i)
            obj = db.session.get(model, row["code"])
            if obj is None:
                db.session.add(model(code=row["code"], **values))
                added += 1
            elif overwrite:
                for k, v in values.items():
                    setattr(obj, k, v)
        counts[model.__tablename__] = added
    db.session.flush()
    counts[IndustrialComplex.__tablename__] = _load_complexes(overwrite)
    db.session.flush()
    from lms.core.db import analyze

    analyze(db.session, [name for name, n in counts.items() if n])
    return counts


def _int(value: str) -> int | None:
    return int(value) if value.strip() else None


def _load_complexes(overwrite: bool) -> int:
    """Upsert complexes by code. A row without that code but with the same Korean
    name (a complex typed in before it became reference data) takes the code."""
    added = 0
    for row in _rows("industrial_complexes.csv"):
        values = dict(name_ko=row["name_ko"], name_en=row["name_en"], kind=row["kind"],
                      region_code=row["region_code"] or None, is_smart=row["is_smart"] == "1",
                      smart_since_year=_int(row["smart_since_year"]), smart_by_year=_int(row["smart_by_year"]))
        obj = db.session.execute(select(IndustrialComplex).where(IndustrialComplex.code == row["code"])).scalar()
        if obj is None:
            obj = db.session.execute(select(IndustrialComplex).where(
                IndustrialComplex.name_ko == row["name_ko"]).order_by(IndustrialComplex.id).limit(1)).scalar()
            if obj is not None:
                obj.code = row["code"]
                overwrite_this = True
            else:
                db.session.add(IndustrialComplex(code=row["code"], **values))
                added += 1
                continue
        else:
            overwrite_this = overwrite
        if overwrite_this:
            for k, v in values.items():
                setattr(obj, k, v)
    return added
