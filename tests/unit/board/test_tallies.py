"""The pieces of the board's tallies that need no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.board.models import NONE, WHOLE
from app.board.tally_writes import AWAY_AFTER, Changes, Facts, work_seconds
from app.campaigns.outcomes import rules_from_config

T = datetime(2026, 7, 1, 21, 50, tzinfo=UTC)  # 23:50 in Rome (summer)
RULES = rules_from_config(None)


def test_an_agent_s_time_runs_from_their_previous_call_unless_they_were_away() -> None:
    start, end = T, T + timedelta(minutes=3)
    assert work_seconds(None, start, end) == 180  # the first call: its own length
    assert work_seconds(T - timedelta(minutes=4), start, end) == 420  # 4 min between calls
    assert work_seconds(T - AWAY_AFTER, start, end) == 180 + AWAY_AFTER.total_seconds()
    assert work_seconds(T - AWAY_AFTER - timedelta(seconds=1), start, end) == 180  # a pause
    assert work_seconds(T + timedelta(minutes=1), start, end) == 120  # overlap not twice
    assert work_seconds(None, start, None) == 0  # never ended: no time to count


def facts(**kw) -> Facts:
    values = {"campaign_id": 1, "account_id": 7, "agent_id": 3, "zone_id": None,
              "dealer_id": 9, "started_at": T, "ended_at": T + timedelta(minutes=2),
              "outcome": "qualified", "horizon_months": 6, "agent_seconds": 120.0}  # fmt: skip
    return Facts(**{**values, **kw})


def test_a_call_counts_on_its_local_day_and_hour_and_for_the_whole_campaign() -> None:
    slots = facts().slots()
    assert slots[:5] == [("2026-07-01", "all", NONE), ("2026-07-01", "agent", 3),
                         ("2026-07-01", "zone", NONE), ("2026-07-01", "dealer", 9),
                         ("2026-07-01", "hour", 23)]  # fmt: skip
    assert [s[0] for s in slots[5:]] == [WHOLE] * 5
    # Ending after midnight in Rome, it belongs to the next day.
    assert facts(ended_at=T + timedelta(minutes=15)).slots()[0][0] == "2026-07-02"


def test_an_account_is_called_once_per_row_however_many_calls() -> None:
    changes = Changes()
    first = facts()
    changes.call(first, RULES["qualified"], set())
    changes.call(facts(agent_id=4, outcome="no_answer"), RULES["no_answer"], set(first.slots()))
    rows = changes.rows
    assert rows[("2026-07-01", "all", NONE)]["called"] == 1
    assert rows[("2026-07-01", "all", NONE)]["attempts"] == 2
    assert rows[("2026-07-01", "agent", 4)]["called"] == 1  # new to that agent
    assert rows[(WHOLE, "all", NONE)]["reached"] == 1
    assert changes.outcomes[(WHOLE, "no_answer")] == 1


def test_final_and_back_cancel_out_and_a_rejection_counts_final_not_qualified() -> None:
    changes = Changes()
    changes.final(facts(), RULES["qualified"], +1)
    row = changes.rows[(WHOLE, "all", NONE)]
    assert (row["final"], row["qualified"], row["h6"]) == (1, 1, 1)
    changes.final(facts(), RULES["qualified"], -1)
    changes.rejected(facts())
    assert (row["final"], row["qualified"], row["h6"], row["rejected"]) == (1, 0, 0, 1)
