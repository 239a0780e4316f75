"""The staff's daily summary gains each campaign's conversion once accounts were handed
off (docs/metrics.md: sold / handed off)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import force_locale

from app.results.daily_summary import running_campaigns
from app.results.services import record_result


def test_the_summary_gives_the_conversion_of_the_accounts_handed_off(app, session, handed):
    before = {c.code: c.conversion for c in running_campaigns(session)}
    assert before["CAMP1"] == Decimal("0")  # three handed off, none sold yet
    with app.test_request_context(), force_locale("en"):
        record_result(session, handed.milano[0], outcome="sold", occurred_on=date(2026, 11, 2),
                      vehicles=2, source="staff", today=date(2026, 11, 20))  # fmt: skip
    after = {c.code: c.conversion for c in running_campaigns(session)}
    assert after["CAMP1"] == Decimal("0.3333")
