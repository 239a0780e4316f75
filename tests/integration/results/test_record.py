"""``record_result``: the one path every source of results takes (docs/metrics.md,
"Results after the hand-off")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.audit.models import AuditEntry
from app.results.models import AccountResult
from app.results.services import ResultRefused, current_results, record_result

TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _context(app):
    with app.test_request_context(), force_locale("en"):
        yield


def record(session, account, **kw):
    values = {
        "outcome": "sold",
        "occurred_on": date(2026, 11, 2),
        "source": "staff",
        "today": TODAY,
        **kw,
    }
    return record_result(session, account, **values)


def test_a_sale_is_recorded_with_its_hand_off_and_audited(session, handed, users):
    alfa = handed.milano[0]
    result = record(session, alfa, vehicles=3, value="184000.5", actor=users["staff"].id)
    assert (result.outcome, result.vehicles, result.value) == ("sold", 3, Decimal("184000.50"))
    assert result.wave_id == handed.wave.id and result.salesperson_id is not None
    assert result.recorded_by_id == users["staff"].id and result.source == "staff"
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "result.record")).one()
    assert entry.details["outcome"] == "sold" and entry.details["result_id"] == result.id


def test_several_results_over_time_and_the_latest_is_current(session, handed):
    alfa, beta = handed.milano
    record(session, alfa, outcome="visited", occurred_on=date(2026, 10, 10))
    record(session, alfa, outcome="offer_made", occurred_on=date(2026, 10, 20))
    sold = record(session, alfa, occurred_on=date(2026, 11, 2))
    lost = record(session, beta, outcome="lost", occurred_on=date(2026, 11, 5), reason="price")
    # Recorded late, but it happened earlier: the latest by date is current.
    record(session, beta, outcome="visited", occurred_on=date(2026, 10, 15))
    assert current_results(session, [alfa.id, beta.id]) == {alfa.id: sold, beta.id: lost}


def test_the_same_reference_records_once(session, handed):
    first = record(session, handed.torino, external_ref="api:crm:deal-77")
    again = record(session, handed.torino, external_ref="api:crm:deal-77", vehicles=9)
    assert again is first and again.vehicles is None
    assert session.scalar(sa.select(sa.func.count()).select_from(AccountResult)) == 1


def test_an_account_never_handed_off_has_no_result(session, handed):
    waiting = handed.network.qualified(session, province="MI")  # qualified, in no wave
    with pytest.raises(ResultRefused, match="was not handed to a salesperson"):
        record(session, waiting)


def test_a_refusal_writes_nothing_and_says_every_reason(session, handed):
    with pytest.raises(ResultRefused) as refused:
        record(session, handed.torino, occurred_on=date(2026, 9, 1), vehicles=0)
    assert refused.value.errors == [
        "The date 2026-09-01 is before the account was qualified (2026-10-01).",
        "Vehicles sold: a whole number from 1 to 10000.",
    ]
    assert session.scalar(sa.select(sa.func.count()).select_from(AccountResult)) == 0


def test_a_visit_without_a_date_happened_today(session, handed):
    result = record(session, handed.torino, outcome="visited", occurred_on=None)
    assert result.occurred_on == TODAY


@pytest.mark.parametrize("source", ["hubspot", "api:"])
def test_an_unknown_source_is_refused(session, handed, source):
    with pytest.raises(ResultRefused, match="Unknown source"):
        record(session, handed.torino, source=source)
