"""``flask campaigns create / set / activate / pause / close / enqueue / list``."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.accounts.models import Account
from app.accounts.status import AccountStatus
from app.campaigns.models import Campaign, CampaignStatus, QueueEntry
from app.campaigns.services import find_campaign
from app.scripting.services import load_script
from tests import factories
from tests.integration.campaigns.support import OUTCOMES, SCRIPT, audit_actions, counts

CREATE = ["campaigns", "create", "PILOT", "Pilota oltre 16 t", "--script", "fleet_qualification"]


def invoke(runner, *args: str):
    return runner.invoke(args=list(args))


def fresh(session, code: str = "PILOT") -> Campaign:
    """The campaign as the command left it (the test session caches what it read)."""
    session.expire_all()
    return find_campaign(session, code)


def test_create_set_and_move_through_the_statuses(runner, session, script, tmp_path):
    hours = tmp_path / "hours.json"
    hours.write_text(json.dumps({"sat": [], "closed": ["2025-12-24"]}), encoding="utf-8")
    result = invoke(runner, *CREATE, "--max-attempts", "4", "--calling-hours", f"@{hours}")
    assert result.exit_code == 0, result.output
    assert result.output == "Created campaign PILOT (draft) with script fleet_qualification v1.\n"
    campaign = fresh(session)
    assert campaign.call_script_id == script.id and campaign.max_attempts == 4
    assert campaign.calling_hours == {"sat": [], "closed": ["2025-12-24"]}

    outcomes = tmp_path / "outcomes.json"
    outcomes.write_text(json.dumps(OUTCOMES), encoding="utf-8")
    result = invoke(
        runner,
        *["campaigns", "set", "PILOT", "--retry-no-answer", "90", "--retry-busy", "10"],
        *["--lease", "8", "--callback-grace", "0", "--target", "0.55"],
        *["--outcomes", f"@{outcomes}", "--calling-hours", "null", "--max-attempts", "4"],
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Campaign PILOT: changed retry_no_answer_minutes, retry_busy_minutes, lease_minutes, "
        "callback_grace_minutes, target_redemption, calling_hours, outcomes.\n"
    )
    campaign = fresh(session)
    assert (campaign.retry_no_answer_minutes, campaign.retry_busy_minutes) == (90, 10)
    assert (campaign.lease_minutes, campaign.callback_grace_minutes) == (8, 0)
    assert campaign.target_redemption == Decimal("0.550")
    assert campaign.calling_hours is None and campaign.outcomes == OUTCOMES

    result = invoke(runner, "campaigns", "set", "PILOT", "--max-attempts", "4")
    assert result.output == "Campaign PILOT: nothing changed (the values were already set).\n"

    for command, status in [
        ("activate", "active"),
        ("pause", "paused"),
        ("activate", "active"),
        ("close", "closed"),
    ]:
        result = invoke(runner, "campaigns", command, "PILOT")
        assert result.exit_code == 0, result.output
        assert result.output == f"Campaign PILOT is now {status}.\n"
        assert fresh(session).status == CampaignStatus(status)
    assert audit_actions(session, campaign) == [
        "campaign.create",
        "campaign.update",
        *["campaign.status"] * 4,
    ]


def test_set_switches_to_the_latest_script_version(runner, session, script):
    assert invoke(runner, *CREATE).exit_code == 0
    newer = load_script(
        session, SCRIPT.read_text(encoding="utf-8").replace("Qualificazione", "Qualifica")
    )
    result = invoke(runner, "campaigns", "set", "PILOT", "--script", "fleet_qualification")
    assert result.exit_code == 0, result.output
    assert result.output == "Campaign PILOT: changed script (fleet_qualification v2).\n"
    assert fresh(session).call_script_id == newer.id


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (CREATE[:4], "Missing option '--script'. See '"),
        ([*CREATE[:5], "nope"], "No call script named 'nope' is loaded"),
        ([*CREATE[:2], "A B", *CREATE[3:]], "Code 'A B' is not valid"),
        ([*CREATE, "--max-attempts", "tre"], "'tre' is not a valid integer"),
        ([*CREATE, "--max-attempts", "25"], "max_attempts: 25 is out of range, it must be"),
        ([*CREATE, "--retry-no-answer", "0"], "retry_no_answer_minutes: 0 is out of range"),
        ([*CREATE, "--retry-busy", "20000"], "retry_busy_minutes: 20000 is out of range"),
        ([*CREATE, "--lease", "90"], "lease_minutes: 90 is out of range"),
        ([*CREATE, "--callback-grace", "-5"], "callback_grace_minutes: -5 is out of range"),
        ([*CREATE, "--target", "60%"], "target_redemption: '60%' is not a number"),
        ([*CREATE, "--target", "1.5"], "target_redemption: 1.5 is out of range"),
        ([*CREATE, "--calling-hours", "{mon"], "--calling-hours: not valid JSON"),
        ([*CREATE, "--calling-hours", "@/nonexistent.json"], "cannot read /nonexistent.json"),
        ([*CREATE, "--calling-hours", '{"sun": [["09:00", "12:00"]]}'], "forbids calls on"),
        ([*CREATE, "--outcomes", "[1]"], "outcomes: expected a list of objects"),
        ([*CREATE, "--outcomes", '[{"code": "x", "status": "ready"}]'], "outcomes[0]: "),
        (["campaigns", "set", "NOPE", "--lease", "3"], "No campaign with code 'NOPE'"),
        (["campaigns", "set", "EXISTING"], "Nothing to change: give at least one option."),
        (["campaigns", "set", "EXISTING", "--script", "nope"], "No call script named 'nope'"),
        (["campaigns", "activate", "NOPE"], "No campaign with code 'NOPE'"),
        (["campaigns", "pause", "EXISTING"], "EXISTING is draft: it cannot become paused"),
        (["campaigns", "enqueue", "NOPE"], "No campaign with code 'NOPE'"),
        (["campaigns", "enqueue", "EXISTING", "--status", "new"], "'new' is not one of"),
        (["campaigns", "enqueue", "EXISTING", "--tonnage", "heavy"], "'heavy' is not one of"),
        (["campaigns", "enqueue", "EXISTING", "--province", "Milano"], "'MILANO' is not a two"),
        (["campaigns", "enqueue", "EXISTING", "--zone", "EST"], "No zone with code 'EST'"),
        (["campaigns", "enqueue", "EXISTING", "--limit", "0"], "0 is not in the range x>=1"),
        (["campaigns", "enqueue", "EXISTING", "--priority", "alta"], "not a valid integer"),
    ],
)
def test_bad_input_is_one_line_exit_1_and_writes_nothing(runner, session, script, args, message):
    factories.campaign(session, code="EXISTING", status=CampaignStatus.DRAFT)
    factories.account(session, status=AccountStatus.READY, province="MI")
    before = counts(session)
    result = runner.invoke(args=args)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
    assert message in result.stderr
    assert counts(session) == before
    assert session.scalars(select(QueueEntry)).all() == []


def test_enqueue_filters_and_counts(runner, session, script):
    assert invoke(runner, *CREATE).exit_code == 0
    nord, sud = factories.zone(session, "NORD", "Nord"), factories.zone(session, "SUD", "Sud")

    def account(**kw):
        values = {"status": AccountStatus.READY, "province": "MI", "zone_id": nord.id}
        return factories.account(session, **{**values, "tonnage_class": "gt_16", **kw}).id

    milano, bergamo = account(), account(province="BG")
    napoli = account(province="NA", zone_id=sud.id)
    light = account(tonnage_class="lt_3_5")
    unreachable = account(status=AccountStatus.UNREACHABLE)
    opposed = account(do_not_call=True)

    def enqueue(*args: str) -> str:
        result = invoke(runner, "campaigns", "enqueue", "PILOT", *args)
        assert result.exit_code == 0, result.output
        return result.output

    def queued() -> set[int]:
        return set(session.scalars(select(QueueEntry.account_id)))

    assert enqueue("--zone", "SUD") == (
        "Queued 1 account(s) in PILOT; skipped 0 already in this campaign; "
        "left out 0 on the do-not-call list.\n"
    )
    assert queued() == {napoli}
    assert "Queued 1 account(s)" in enqueue("--tonnage", "gt_16", "--province", "BG")
    assert queued() == {napoli, bergamo}
    assert "Queued 1 account(s)" in enqueue("--province", "MI", "--province", "BG", "--limit", "1")
    assert queued() == {napoli, bergamo, milano}
    assert enqueue("--province", "MI", "--priority", "5") == (
        "Queued 1 account(s) in PILOT; skipped 0 already in this campaign; "
        "left out 1 on the do-not-call list.\n"
    )
    assert queued() == {napoli, bergamo, milano, light}
    assert session.scalar(select(QueueEntry.priority).where(QueueEntry.account_id == light)) == 5
    # Unreachable accounts may be queued again, but not in a campaign they are already in.
    campaign = fresh(session)
    factories.queue_entry(session, campaign, session.get(Account, unreachable), state="done")
    assert "Queued 0 account(s) in PILOT; skipped 1" in enqueue("--status", "unreachable")
    assert opposed not in queued()
    session.expire_all()
    assert session.get(Account, light).status == AccountStatus.QUEUED


def test_enqueue_leaves_out_accounts_qualified_elsewhere_unless_asked(runner, session, script):
    """An earlier action qualified it: nobody calls it again unless staff ask."""
    from datetime import date

    assert invoke(runner, *CREATE).exit_code == 0
    plain = factories.account(session, status=AccountStatus.READY).id
    elsewhere = factories.account(session, status=AccountStatus.QUALIFIED,
                                  qualified_elsewhere_on=date(2026, 11, 2)).id  # fmt: skip
    ready_marked = factories.account(session, status=AccountStatus.READY,
                                     qualified_elsewhere_on=date(2026, 11, 2)).id  # fmt: skip

    def enqueue(*args: str) -> set[int]:
        result = invoke(runner, "campaigns", "enqueue", "PILOT", *args)
        assert result.exit_code == 0, result.output
        return set(session.scalars(select(QueueEntry.account_id)))

    assert enqueue() == {plain}
    assert enqueue("--status", "qualified") == {plain}
    assert enqueue("--status", "qualified", "--include-qualified-elsewhere") == {plain, elsewhere}
    assert enqueue("--include-qualified-elsewhere") == {plain, elsewhere, ready_marked}


def test_enqueue_refuses_a_closed_campaign(runner, session, script):
    factories.account(session, status=AccountStatus.READY)
    assert invoke(runner, *CREATE).exit_code == 0
    assert invoke(runner, "campaigns", "close", "PILOT").exit_code == 0
    result = invoke(runner, "campaigns", "enqueue", "PILOT")
    assert result.exit_code == 1
    assert "Campaign PILOT is closed: it can no longer change." in result.stderr
    assert session.scalars(select(QueueEntry)).all() == []


def test_list_shows_status_script_and_queue_size(runner, session, script):
    assert invoke(runner, "campaigns", "list").output == (
        "No campaigns yet: create one with 'flask campaigns create'.\n"
    )
    assert invoke(runner, *CREATE).exit_code == 0
    assert invoke(runner, "campaigns", "activate", "PILOT").exit_code == 0
    bare = factories.campaign(session, code="BARE", name="Senza copione")
    for _ in range(3):
        factories.account(session, status=AccountStatus.READY)
    assert "Queued 3 account(s)" in invoke(runner, "campaigns", "enqueue", "PILOT").output
    factories.queue_entry(session, bare, state="done")
    output = invoke(runner, "campaigns", "list").output.splitlines()
    # No register extract loaded here: the do-not-call warnings follow the table.
    lines = [line for line in output if not line.startswith("WARNING ")]
    assert len(output) == 4 and len(lines) == 2
    assert lines[0].split()[:5] == ["BARE", "active", "(no", "script)", "0"]
    assert lines[0].endswith("in queue  Senza copione")
    assert lines[1].split()[:6] == ["PILOT", "active", "fleet_qualification", "v1", "3", "in"]
    assert lines[1].endswith("in queue  Pilota oltre 16 t")


def test_recycle_rules_per_outcome_from_the_shell(runner, session, script):
    """The shell takes the same outcome keys as the campaign pages, and refuses what they
    refuse, in English, whatever the application's default language."""
    assert invoke(runner, *CREATE).exit_code == 0
    busy = {"code": "busy", "label_it": "Occupato", "label_en": "Busy", "key": "o",
            "status": "queued", "retry_minutes": 30, "retry_at": "16:00",
            "retry_limit": 3}  # fmt: skip
    result = invoke(runner, "campaigns", "set", "PILOT", "--outcomes",
                    json.dumps([*OUTCOMES, busy]))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert fresh(session).outcomes[-1] == busy
    for bad, message in [
        ({**busy, "retry_at": "4pm"}, "outcomes[2]: '4pm' is not a time written as HH:MM."),
        ({**busy, "key": "t"}, "outcomes[2]: the desk already uses Alt+T for something else"),
        ({**busy, "retry_limit": 0}, "outcomes[2]: 0 is out of range, it must be 1 to 20."),
    ]:
        result = invoke(runner, "campaigns", "set", "PILOT", "--outcomes",
                        json.dumps([*OUTCOMES, bad]))  # fmt: skip
        assert result.exit_code == 1 and message in result.stderr, result.stderr
    no_qualifying = json.dumps([OUTCOMES[1]])
    result = invoke(runner, "campaigns", "set", "PILOT", "--outcomes", no_qualifying)
    assert "outcomes: no outcome counts as qualified" in result.stderr
    assert fresh(session).outcomes[-1] == busy
