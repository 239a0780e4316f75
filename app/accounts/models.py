"""Accounts (one per real company), their sites, where each came from, and what calls
taught us: contacts, fleet lines and opportunities."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.status import AccountStatus
from app.columns import Timestamps, UTCDateTime, str_enum, utcnow
from app.extensions import db


class TonnageClass(enum.StrEnum):
    """Gross vehicle weight classes used to segment the base (the seed targets > 16 t)."""

    LIGHT = "lt_3_5"  # up to 3.5 t
    MEDIUM = "3_5_7_5"
    HEAVY = "7_5_16"
    EXTRA_HEAVY = "gt_16"  # over 16 t


class PhoneKind(enum.StrEnum):
    FIXED = "fixed"
    MOBILE = "mobile"
    OTHER = "other"  # callable: VoIP, a foreign number that may be either
    INVALID = "invalid"  # not a number (kept as written), or one a call found unusable
    SPECIAL = "special"  # a real number no agent calls: premium, shared cost, toll free...


class Horizon(enum.StrEnum):
    """Purchase intent window captured by the call script."""

    M3 = "3"
    M6 = "6"
    M12 = "12"
    NONE = "none"


class Account(Timestamps, db.Model):
    __tablename__ = "accounts"
    __table_args__ = (
        sa.Index("ix_accounts_zone_status", "zone_id", "status"),
        sa.Index("ix_accounts_province_postcode", "province", "postcode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(16), unique=True)  # stable, shown to people
    company_name: Mapped[str] = mapped_column(sa.String(200))
    legal_form: Mapped[str | None] = mapped_column(sa.String(40))
    street: Mapped[str | None] = mapped_column(sa.String(200))
    house_number: Mapped[str | None] = mapped_column(sa.String(20))
    postcode: Mapped[str | None] = mapped_column(sa.String(10))
    municipality: Mapped[str | None] = mapped_column(sa.String(120))
    province: Mapped[str | None] = mapped_column(sa.String(40))
    istat_code: Mapped[str | None] = mapped_column(sa.String(6), index=True)
    istat_reference_date: Mapped[date | None] = mapped_column(sa.Date)
    vat_number: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    tax_code: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    tonnage_class: Mapped[TonnageClass | None] = mapped_column(
        str_enum(TonnageClass, "tonnage_class")
    )
    # The latest vehicle purchase a source reports (warranty and financing files).
    last_purchase_on: Mapped[date | None] = mapped_column(sa.Date)
    zone_id: Mapped[int | None] = mapped_column(sa.ForeignKey("zones.id"), index=True)
    dealer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("dealers.id"), index=True)
    salesperson_id: Mapped[int | None] = mapped_column(sa.ForeignKey("salespeople.id"), index=True)
    status: Mapped[AccountStatus] = mapped_column(
        str_enum(AccountStatus, "account_status"), default=AccountStatus.NEW, index=True
    )
    do_not_call: Mapped[bool] = mapped_column(default=False, server_default=sa.text("false"))
    # An invented company for practice campaigns: never in a live campaign, a live count,
    # distribution or the do-not-call list (docs/campaigns.md).
    practice: Mapped[bool] = mapped_column(default=False, server_default=sa.text("false"))
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    # Set when a data-subject request or the retention job wiped its personal data; the
    # row stays so that statistics (calls, outcomes, zones) still add up.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Qualified by an earlier action (a results file), not by our desk: the day and the
    # batch; the segment builder leaves such accounts out unless asked (docs/imports.md).
    qualified_elsewhere_on: Mapped[date | None] = mapped_column(sa.Date)
    qualified_elsewhere_batch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("import_batches.id"), index=True
    )
    # Optimistic locking: a stale save fails instead of overwriting another's edit.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    phones: Mapped[list[AccountPhone]] = relationship(
        back_populates="account", cascade="all, delete-orphan", order_by="AccountPhone.position"
    )
    sites: Mapped[list[AccountSite]] = relationship(
        back_populates="account", cascade="all, delete-orphan", order_by="AccountSite.position"
    )
    sources: Mapped[list[AccountSource]] = relationship(
        back_populates="account", cascade="all, delete-orphan"
    )
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="account", cascade="all, delete-orphan"
    )
    fleet: Mapped[list[FleetLine]] = relationship(
        back_populates="account", cascade="all, delete-orphan"
    )
    opportunities: Mapped[list[Opportunity]] = relationship(
        back_populates="account", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Account {self.key} {self.company_name!r}>"


class AccountPhone(db.Model):
    __tablename__ = "account_phones"
    __table_args__ = (sa.UniqueConstraint("account_id", "raw"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    raw: Mapped[str] = mapped_column(sa.String(40))  # as the source gave it
    e164: Mapped[str | None] = mapped_column(sa.String(20), index=True)  # None when invalid
    kind: Mapped[PhoneKind] = mapped_column(str_enum(PhoneKind, "phone_kind"))
    # The site whose row brought the number; None: the company's, shown with the head office.
    site_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("account_sites.id", ondelete="SET NULL"), index=True
    )

    account: Mapped[Account] = relationship(back_populates="phones")


class AccountSite(db.Model):
    """One place of a company: its head office (*sede legale*) or another site (a branch, a
    depot) that a source gave at another address under the same company. The account's own
    address is its head office's, which ``app.accounts.sites`` keeps equal (docs/imports.md,
    "Sites")."""

    __tablename__ = "account_sites"
    __table_args__ = (
        sa.UniqueConstraint("account_id", "position"),
        # One head office per account.
        sa.Index(
            "ix_account_sites_one_head_office",
            "account_id",
            unique=True,
            postgresql_where=sa.text("head_office"),
            sqlite_where=sa.text("head_office"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)  # the order the sources gave the sites in
    head_office: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    street: Mapped[str | None] = mapped_column(sa.String(200))
    house_number: Mapped[str | None] = mapped_column(sa.String(20))
    postcode: Mapped[str | None] = mapped_column(sa.String(10))
    municipality: Mapped[str | None] = mapped_column(sa.String(120))
    province: Mapped[str | None] = mapped_column(sa.String(40))
    istat_code: Mapped[str | None] = mapped_column(sa.String(6))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[Account] = relationship(back_populates="sites")


class AccountSource(db.Model):
    """Provenance: one source row that contributed to an account, kept verbatim."""

    __tablename__ = "account_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    import_batch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("import_batches.id"), index=True
    )
    source_kind: Mapped[str] = mapped_column(sa.String(32))
    row_number: Mapped[int | None]
    # The source row's hash: a row already imported is recognised and not imported again.
    fingerprint: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    # The account fields whose value this row supplied: the provenance of every value.
    used_fields: Mapped[list[str] | None] = mapped_column(sa.JSON)
    # The site the row's address is (None: a row without an address, or one imported
    # before accounts had sites).
    site_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("account_sites.id", ondelete="SET NULL"), index=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # The record's id in the integration that sent it (``imports.intake``): a record sent
    # again with it updates this row's account. Its batch names the integration.
    external_id: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[Account] = relationship(back_populates="sources")


class Contact(Timestamps, db.Model):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    full_name: Mapped[str] = mapped_column(sa.String(120))
    job_title: Mapped[str | None] = mapped_column(sa.String(80))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    is_purchasing_manager: Mapped[bool] = mapped_column(default=False)
    call_attempt_id: Mapped[int | None] = mapped_column(sa.ForeignKey("call_attempts.id"))
    # Provenance of a value an import brought (earlier qualification results), as
    # ``call_attempt_id`` is of one a call captured.
    import_batch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("import_batches.id"), index=True
    )

    account: Mapped[Account] = relationship(back_populates="contacts")


class FleetLine(Timestamps, db.Model):
    __tablename__ = "fleet_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    brand: Mapped[str] = mapped_column(sa.String(60))
    vehicle_count: Mapped[int] = mapped_column(sa.CheckConstraint("vehicle_count >= 0", "count"))
    tonnage_class: Mapped[TonnageClass | None] = mapped_column(
        str_enum(TonnageClass, "fleet_tonnage_class")
    )
    call_attempt_id: Mapped[int | None] = mapped_column(sa.ForeignKey("call_attempts.id"))
    # Provenance of a value an import brought (earlier qualification results), as
    # ``call_attempt_id`` is of one a call captured.
    import_batch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("import_batches.id"), index=True
    )

    account: Mapped[Account] = relationship(back_populates="fleet")


class Opportunity(Timestamps, db.Model):
    __tablename__ = "opportunities"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    horizon: Mapped[Horizon] = mapped_column(str_enum(Horizon, "horizon"), index=True)
    vehicle_kind: Mapped[str | None] = mapped_column(sa.String(120))
    quantity: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(sa.Text)
    # When and by whom (an agency, an earlier action) a file says the intent was captured:
    # on the opportunity, as its horizon counts from that day; a call's are its attempt's.
    qualified_on: Mapped[date | None] = mapped_column(sa.Date)
    qualified_by: Mapped[str | None] = mapped_column(sa.String(120))
    call_attempt_id: Mapped[int | None] = mapped_column(sa.ForeignKey("call_attempts.id"))
    # Provenance of a value an import brought (earlier qualification results), as
    # ``call_attempt_id`` is of one a call captured.
    import_batch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("import_batches.id"), index=True
    )

    account: Mapped[Account] = relationship(back_populates="opportunities")


class FlagStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class AccountFlag(db.Model):
    """A value normalisation could not decide, waiting for a person."""

    __tablename__ = "account_flags"
    __table_args__ = (sa.Index("ix_account_flags_status_reason", "status", "reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batches.id"), index=True)
    field: Mapped[str] = mapped_column(sa.String(40))
    value: Mapped[str | None] = mapped_column(sa.String(250))
    reason: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[FlagStatus] = mapped_column(
        str_enum(FlagStatus, "flag_status"), default=FlagStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
