"""``account_results``: one row per thing that happened to a handed-off account. An account
gathers several over time (visited, then an offer, then sold); its latest is its current
result (``services.current_results``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.columns import UTCDateTime, str_enum, utcnow
from app.distribution.result_terms import LostReason, ResultOutcome
from app.extensions import db


class AccountResult(db.Model):
    __tablename__ = "account_results"
    __table_args__ = (
        sa.Index("ix_account_results_account_latest", "account_id", "occurred_on", "id"),
        sa.CheckConstraint("vehicles IS NULL OR vehicles >= 1", name="vehicles_positive"),
        sa.CheckConstraint("value IS NULL OR value >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"))
    outcome: Mapped[ResultOutcome] = mapped_column(str_enum(ResultOutcome, "result_outcome"))
    occurred_on: Mapped[date] = mapped_column(sa.Date)
    vehicles: Mapped[int | None] = mapped_column()  # sold only
    value: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))  # EUR, sold only
    reason: Mapped[LostReason | None] = mapped_column(str_enum(LostReason, "lost_reason"))
    notes: Mapped[str | None] = mapped_column(sa.Text)  # the reason in words, or any remark
    # "salesperson_file", "crm_extract", "staff" or "api:<key name>".
    source: Mapped[str] = mapped_column(sa.String(64))
    # The hand-off it follows, when known: plain ids, the wave's row may be cancelled later.
    wave_id: Mapped[int | None] = mapped_column(sa.ForeignKey("waves.id"), index=True)
    salesperson_id: Mapped[int | None] = mapped_column(sa.ForeignKey("salespeople.id"))
    # Names one result for reloads: the same file (or API call) twice records it once.
    external_ref: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    def __repr__(self) -> str:
        return f"<AccountResult {self.account_id} {self.outcome} {self.occurred_on}>"
