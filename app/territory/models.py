"""Geography and the sales network: provinces, municipalities, zones, dealers,
salespeople, and the territory rules that map a place to them."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.columns import Timestamps
from app.extensions import db


class Province(db.Model):
    __tablename__ = "provinces"

    code: Mapped[str] = mapped_column(sa.String(2), primary_key=True)  # "MI", "NA"...
    name: Mapped[str] = mapped_column(sa.String(80))
    region: Mapped[str] = mapped_column(sa.String(60))


class Municipality(db.Model):
    """One comune, keyed on its cadastral (Belfiore) code, which survives ISTAT recodings."""

    __tablename__ = "municipalities"

    belfiore: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    istat_code: Mapped[str] = mapped_column(sa.String(6), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    name_other: Mapped[str | None] = mapped_column(sa.String(120))
    search_key: Mapped[str] = mapped_column(sa.String(120), index=True)
    province_code: Mapped[str] = mapped_column(sa.ForeignKey("provinces.code"), index=True)
    region: Mapped[str] = mapped_column(sa.String(60))
    reference_date: Mapped[date] = mapped_column(sa.Date)
    valid_from: Mapped[date | None] = mapped_column(sa.Date)
    valid_to: Mapped[date | None] = mapped_column(sa.Date)

    postcodes: Mapped[list[MunicipalityPostcode]] = relationship(
        cascade="all, delete-orphan", order_by="MunicipalityPostcode.postcode"
    )


class MunicipalityPostcode(db.Model):
    __tablename__ = "municipality_postcodes"

    belfiore: Mapped[str] = mapped_column(
        sa.ForeignKey("municipalities.belfiore", ondelete="CASCADE"), primary_key=True
    )
    postcode: Mapped[str] = mapped_column(sa.String(5), primary_key=True, index=True)


class Zone(Timestamps, db.Model):
    __tablename__ = "zones"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    manager_name: Mapped[str | None] = mapped_column(sa.String(120))  # the RZ

    dealers: Mapped[list[Dealer]] = relationship(back_populates="zone", order_by="Dealer.code")


class Dealer(Timestamps, db.Model):
    __tablename__ = "dealers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey("zones.id"), index=True)
    municipality_name: Mapped[str | None] = mapped_column(sa.String(120))
    province: Mapped[str | None] = mapped_column(sa.String(2))

    zone: Mapped[Zone] = relationship(back_populates="dealers")
    salespeople: Mapped[list[Salesperson]] = relationship(
        back_populates="dealer", order_by="Salesperson.code"
    )


class Salesperson(Timestamps, db.Model):
    __tablename__ = "salespeople"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    # The language of their e-mails (app/mail): Italian unless set to English.
    locale: Mapped[str] = mapped_column(sa.String(8), default="it", server_default="it")
    dealer_id: Mapped[int] = mapped_column(sa.ForeignKey("dealers.id"), index=True)
    monthly_quota: Mapped[int] = mapped_column(default=50, server_default="50")
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.text("true"))

    dealer: Mapped[Dealer] = relationship(back_populates="salespeople")


class TerritoryRule(Timestamps, db.Model):
    """Maps a province, optionally narrowed to a postcode prefix or one municipality,
    to a zone, a dealer and (optionally) a salesperson. The most specific rule wins.

    "Any" is the empty string, not NULL, so that the unique constraint really forbids two
    rules for the same place (NULLs are all distinct to a unique constraint)."""

    __tablename__ = "territory_rules"
    __table_args__ = (
        sa.UniqueConstraint("province", "postcode_prefix", "istat_code"),
        sa.Index("ix_territory_rules_lookup", "province", "postcode_prefix"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    province: Mapped[str] = mapped_column(sa.String(2))
    postcode_prefix: Mapped[str] = mapped_column(sa.String(5), default="", server_default="")
    istat_code: Mapped[str] = mapped_column(sa.String(6), default="", server_default="")
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey("zones.id"), index=True)
    dealer_id: Mapped[int] = mapped_column(sa.ForeignKey("dealers.id"), index=True)
    salesperson_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("salespeople.id", ondelete="SET NULL"), index=True
    )

    zone: Mapped[Zone] = relationship()
    dealer: Mapped[Dealer] = relationship()
    salesperson: Mapped[Salesperson | None] = relationship()
