"""Call scripts edited in the browser, the services: read, check, save, preview, versions,
and campaigns switched to the newest version."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.campaigns.models import CampaignStatus
from app.desk.models import CallAttempt
from app.scripting.services import load_script
from app.setup import script_editing as editing
from app.setup.script_preview import SAMPLE_PHONE, preview_call
from tests import factories
from tests.integration.setup.scripts_support import (
    BROKEN,
    SHORT,
    SHORT_BROKEN,
    footprint,
)


# -- reading a file ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Il file è vuoto"),
        (b"  \n\n", "Il file è vuoto"),
        (b"x" * (editing.SCRIPT_MAX_BYTES + 1), "supera 256 KB"),
        (b'name = "a"\ntitle.it = "Citt\xe0"\n', "non è testo UTF-8 (riga 2)"),
        (b'name = "a"\x00\n', "caratteri NUL"),
    ],
)
def test_a_file_that_is_no_script_text_is_refused_saying_why(app, data, message):
    with app.test_request_context(), pytest.raises(editing.EditingError) as refused:
        editing.read_upload(data)
    assert message in str(refused.value)


def test_a_file_is_read_as_utf8_with_one_kind_of_line_ending(app):
    data = '\ufeffname = "città"\r\ntitle.it = "x"\r\n'.encode()
    with app.test_request_context():
        assert editing.read_upload(data) == 'name = "città"\ntitle.it = "x"\n'


def test_typed_text_is_checked_like_a_file(app):
    with app.test_request_context():
        assert editing.clean_text("a\r\nb\rc") == "a\nb\nc"
        with pytest.raises(editing.EditingError, match="vuoto"):
            editing.clean_text(" \n ")
        with pytest.raises(editing.EditingError, match="supera"):
            editing.clean_text("é" * (editing.SCRIPT_MAX_BYTES // 2 + 1))


# -- checking ---------------------------------------------------------------------------
def test_check_gives_the_script_or_every_problem_with_its_line():
    good = editing.check_text(SHORT)
    assert good.ok and good.script.name == "short_check" and good.problems == []
    bad = editing.check_text(BROKEN)
    assert not bad.ok and len(bad.problems) == 19
    assert [p.line for p in bad.problems] == sorted(p.line for p in bad.problems)
    located = {p.location: (p.line, p.column) for p in bad.problems}
    assert located["sections[1].questions[2].type"] == (20, 3)


# -- saving -----------------------------------------------------------------------------
def test_save_stores_a_new_version_audited_and_identical_text_adds_nothing(app, session, users):
    with app.test_request_context():
        first = editing.save_text(session, SHORT, user_id=users["staff"].id)
        again = editing.save_text(session, SHORT, user_id=users["admin"].id)
        changed = editing.save_text(
            session, SHORT.replace("Verifica rapida", "Verifica"), user_id=users["admin"].id
        )
    assert first.created and (first.stored.name, first.stored.version) == ("short_check", 1)
    assert first.stored.loaded_by_id == users["staff"].id
    assert not again.created and again.stored.id == first.stored.id
    assert changed.created and changed.stored.version == 2
    audited = session.scalars(
        sa.select(AuditEntry.user_id).where(AuditEntry.action == "script.load")
    ).all()
    assert audited == [users["staff"].id, users["admin"].id]


def test_a_script_with_a_problem_is_never_saved(app, session, users):
    before = footprint(session)
    with app.test_request_context(), pytest.raises(editing.ScriptRefused) as refused:
        editing.save_text(session, SHORT_BROKEN, user_id=users["staff"].id)
    assert str(refused.value).startswith("Lo script ha 1 problema e non è stato salvato")
    (problem,) = refused.value.checked.problems
    assert (problem.line, problem.column) == (28, 3)
    assert "tipo sconosciuto 'testo'" in problem.message  # in the language of the request
    assert footprint(session) == before


def test_next_version_is_what_a_save_would_make(session):
    checked = editing.check_text(SHORT)
    assert editing.next_version(session, checked) == 1
    load_script(session, SHORT)
    assert editing.next_version(session, checked) == 1  # identical: the same version
    edited = editing.check_text(SHORT.replace("Apertura", "Inizio"))
    assert editing.next_version(session, edited) == 2


# -- the preview ------------------------------------------------------------------------
def test_the_preview_is_a_call_in_memory_that_writes_nothing(app, session):
    stored = load_script(session, SHORT)
    session.flush()
    before = footprint(session)
    with app.test_request_context():
        call = preview_call(stored, editing.check_text(SHORT).script)
    assert call.account.company_name.startswith("Autotrasporti Esempio")
    assert call.account.phones[0].e164 == SAMPLE_PHONE
    assert call.fields == {"a.company_name": "Autotrasporti Esempio S.r.l."}  # pre-filled
    assert list(call.rules) == ["qualified", "not_interested", "callback", "no_answer"]
    assert call.entry.attempts == 0 and call.history == []
    assert not session.new and footprint(session) == before


# -- versions and campaigns -------------------------------------------------------------
@pytest.fixture
def two_versions(session, users):
    first = load_script(session, SHORT, user_id=users["staff"].id)
    second = load_script(session, SHORT.replace("Apertura", "Inizio"), user_id=users["admin"].id)
    return first, second


def test_versions_show_who_saved_them_the_campaigns_and_the_calls(session, users, two_versions):
    first, second = two_versions
    on_first = factories.campaign(session, code="OLD", call_script_id=first.id)
    factories.campaign(session, code="NEW", call_script_id=second.id)
    account = factories.account(session)
    session.add(CallAttempt(campaign_id=on_first.id, account_id=account.id,
                            agent_id=users["agent"].id, call_script_id=first.id,
                            started_at=datetime(2026, 3, 2, 9, tzinfo=UTC)))  # fmt: skip
    session.flush()
    rows = editing.versions_of(session, "short_check")
    assert [r.stored.version for r in rows] == [2, 1]
    assert [[c.code for c in r.campaigns] for r in rows] == [["NEW"], ["OLD"]]
    assert [r.calls for r in rows] == [0, 1]
    assert [r.loaded_by for r in rows] == [users["admin"].full_name, users["staff"].full_name]
    (summary,) = [s for s in editing.list_scripts(session) if s.latest.name == "short_check"]
    assert (summary.latest.id, summary.versions, summary.campaigns) == (second.id, 2, 2)
    assert editing.previous_version(session, second).id == first.id
    assert editing.previous_version(session, first) is None


def test_a_campaign_switches_to_the_newest_version_and_its_calls_keep_theirs(
    app, session, users, two_versions
):
    first, second = two_versions
    campaign = factories.campaign(session, call_script_id=first.id)
    account = factories.account(session)
    made = CallAttempt(campaign_id=campaign.id, account_id=account.id,
                       agent_id=users["agent"].id, call_script_id=first.id)  # fmt: skip
    session.add(made)
    session.flush()
    with app.test_request_context():
        switched = editing.switch_to_latest(
            session, campaign, seen_id=second.id, user_id=users["staff"].id
        )
    assert switched.id == second.id and campaign.call_script_id == second.id
    session.refresh(made)
    assert made.call_script_id == first.id
    entry = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "campaign.use_script")
    ).one()
    assert (entry.user_id, entry.details["script"]) == (users["staff"].id, "short_check v2")


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("already", "usa già la versione più recente (2)"),
        ("stale", "stata salvata una versione più recente"),
        ("closed", "è chiusa"),
        ("none", "non ha uno script di chiamata"),
    ],
)
def test_a_switch_that_cannot_be_done_changes_nothing(
    app, session, users, two_versions, case, message
):
    first, second = two_versions
    campaign = factories.campaign(
        session,
        call_script_id={"already": second.id, "none": None}.get(case, first.id),
        status=CampaignStatus.CLOSED if case == "closed" else CampaignStatus.ACTIVE,
    )
    before = (campaign.call_script_id, footprint(session))
    seen = first.id if case == "stale" else second.id
    with app.test_request_context(), pytest.raises(editing.EditingError) as refused:
        editing.switch_to_latest(session, campaign, seen_id=seen, user_id=users["staff"].id)
    assert message in str(refused.value)
    assert (campaign.call_script_id, footprint(session)) == before


def test_newest_for_a_campaign(session, two_versions):
    first, second = two_versions
    assert editing.newest_for(session, factories.campaign(session, call_script_id=first.id)).id \
        == second.id  # fmt: skip
    assert editing.newest_for(session, factories.campaign(session, call_script_id=None)) is None
