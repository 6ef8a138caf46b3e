"""Reference tables (editable by admins) and the organisations trainees belong to."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import IdMixin, TimestampMixin
from lms.extensions import db


class Region(db.Model):
    """시·도. Codes change over time (강원 42 -> 51), hence validity dates."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    name_ko: Mapped[str] = mapped_column(sa.String(64))
    name_en: Mapped[str] = mapped_column(sa.String(64))
    valid_from: Mapped[date | None] = mapped_column(sa.Date)
    valid_to: Mapped[date | None] = mapped_column(sa.Date)

    def is_valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class RootTechnology(db.Model):
    """뿌리기술: the 14 root-industry technologies."""

    __tablename__ = "root_technologies"

    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name_ko: Mapped[str] = mapped_column(sa.String(64))
    name_en: Mapped[str] = mapped_column(sa.String(64))
    group_ko: Mapped[str] = mapped_column(sa.String(64))
    group_en: Mapped[str] = mapped_column(sa.String(64))


class CompanySize(db.Model):
    __tablename__ = "company_sizes"

    code: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    name_ko: Mapped[str] = mapped_column(sa.String(64))
    name_en: Mapped[str] = mapped_column(sa.String(64))
    rule_of_thumb: Mapped[str] = mapped_column(sa.String(255), default="")
    position: Mapped[int] = mapped_column(default=0)


class SmartFactoryLevel(db.Model):
    __tablename__ = "smart_factory_levels"

    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name_ko: Mapped[str] = mapped_column(sa.String(64))
    name_en: Mapped[str] = mapped_column(sa.String(64))
    meaning: Mapped[str] = mapped_column(sa.String(255), default="")
    position: Mapped[int] = mapped_column(default=0)


INSTITUTION_KINDS = ("university", "training_centre", "lab_operator")


class Institution(IdMixin, TimestampMixin, db.Model):
    """A university, training centre or smart-lab operator; issues certificates."""

    __tablename__ = "institutions"

    name_ko: Mapped[str] = mapped_column(sa.String(128))
    name_en: Mapped[str] = mapped_column(sa.String(128), default="")
    kind: Mapped[str] = mapped_column(sa.String(32), default="university")
    region_code: Mapped[str | None] = mapped_column(sa.ForeignKey("regions.code"), index=True)
    head_title_ko: Mapped[str] = mapped_column(sa.String(64), default="총장")
    head_title_en: Mapped[str] = mapped_column(sa.String(64), default="President")
    head_name_ko: Mapped[str] = mapped_column(sa.String(64), default="")
    head_name_en: Mapped[str] = mapped_column(sa.String(64), default="")
    seal_png: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    logo_png: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    is_active: Mapped[bool] = mapped_column(default=True)

    region: Mapped[Region | None] = relationship()


COMPLEX_KINDS = ("national", "general")  # 국가산업단지, 일반산업단지


class IndustrialComplex(IdMixin, TimestampMixin, db.Model):
    """An industrial complex (산업단지), reference data admins edit.

    ``is_smart`` says whether it is a designated smart complex (스마트산단). When
    it is, ``smart_since_year`` holds the designation year if known exactly;
    otherwise ``smart_by_year`` holds the latest year by which it was designated
    (the sources say "by 2022"), so no year is claimed that is not known.
    ``code`` is the stable key the reference loader upserts by.
    """

    __tablename__ = "industrial_complexes"

    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name_ko: Mapped[str] = mapped_column(sa.String(128))
    name_en: Mapped[str] = mapped_column(sa.String(128), default="")
    kind: Mapped[str] = mapped_column(sa.String(16), default="general")
    region_code: Mapped[str | None] = mapped_column(sa.ForeignKey("regions.code"), index=True)
    is_smart: Mapped[bool] = mapped_column(default=False)
    smart_since_year: Mapped[int | None] = mapped_column()
    smart_by_year: Mapped[int | None] = mapped_column()

    region: Mapped[Region | None] = relationship()

    def smart_on(self, year: int) -> bool | None:
        """Designated in ``year``? True/False when known, None when the year is unknown
        (designated "by" a later year)."""
        if not self.is_smart:
            return False
        if self.smart_since_year is not None:
            return self.smart_since_year <= year
        if self.smart_by_year is not None and self.smart_by_year <= year:
            return True
        return None


class Company(IdMixin, TimestampMixin, db.Model):
    """An employer or sponsor firm."""

    __tablename__ = "companies"

    name: Mapped[str] = mapped_column(sa.String(128), index=True)
    business_number: Mapped[str | None] = mapped_column(sa.String(12), unique=True)  # 사업자등록번호 000-00-00000
    ksic_code: Mapped[str | None] = mapped_column(sa.String(8))
    size_code: Mapped[str | None] = mapped_column(sa.ForeignKey("company_sizes.code"), index=True)
    region_code: Mapped[str | None] = mapped_column(sa.ForeignKey("regions.code"), index=True)
    industrial_complex_id: Mapped[int | None] = mapped_column(sa.ForeignKey("industrial_complexes.id"), index=True)
    root_technology_code: Mapped[str | None] = mapped_column(sa.ForeignKey("root_technologies.code"), index=True)
    smart_factory_level_code: Mapped[str | None] = mapped_column(sa.ForeignKey("smart_factory_levels.code"))
    cuts_working_hours: Mapped[bool] = mapped_column(default=False)  # priority flag
    is_root_industry: Mapped[bool] = mapped_column(default=False)  # priority flag

    region: Mapped[Region | None] = relationship()
    size: Mapped[CompanySize | None] = relationship()
    root_technology: Mapped[RootTechnology | None] = relationship()
    smart_factory_level: Mapped[SmartFactoryLevel | None] = relationship()
    industrial_complex: Mapped[IndustrialComplex | None] = relationship()

    @property
    def is_smart_complex(self) -> bool:
        """In a designated smart complex (스마트산단) today."""
        return bool(self.industrial_complex is not None and self.industrial_complex.is_smart)

    @property
    def priority_group(self) -> str:
        """'both', 'working_hours', 'root' or 'neither' (the programme's priority firms)."""
        if self.cuts_working_hours and self.is_root_industry:
            return "both"
        if self.cuts_working_hours:
            return "working_hours"
        return "root" if self.is_root_industry else "neither"
