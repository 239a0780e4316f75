"""The outcome set editor: labels, Alt keys, flags and recycle rules of each outcome; add,
remove, reorder; each refusal beside the outcome and the field it is about."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.campaigns.outcomes import DEFAULT_CONFIG, FLAGS
from app.desk.services import campaign_rules
from app.scripting.services import script_of
from tests.integration.setup.conftest import errors_beside, post, text, value_of

BUSY = 4  # the default set's row of "busy"


def rows(configs, blank: int = 2, **changes) -> dict[str, str]:
    """What the editor sends for ``configs``, one row each, then blank rows; ``changes``
    are form fields to set (``"4-key": "l"``)."""
    data: dict[str, str] = {"save": "Salva gli esiti"}
    for n, item in enumerate(configs):
        prefix = f"outcomes-{n}-"
        data[prefix + "position"] = str(n + 1)
        for name in ("code", "label_it", "label_en", "key"):
            data[prefix + name] = item[name]
        data[prefix + "status"] = item["status"] if item.get("final") else ""
        data.update({prefix + flag: "y" for flag in FLAGS if item.get(flag)})
        data[prefix + "retry"] = item.get("retry") or ""
        for name in ("retry_minutes", "retry_at", "retry_limit"):
            data[prefix + name] = "" if item.get(name) is None else str(item[name])
    for n in range(len(configs), len(configs) + blank):  # as a browser sends them
        data |= {f"outcomes-{n}-{name}": "" for name in ("code", "label_it", "label_en", "key",
                                                          "status", "retry", "retry_minutes",
                                                          "retry_at", "retry_limit")}  # fmt: skip
        data[f"outcomes-{n}-position"] = str(n + 1)
    for name, value in changes.items():
        key = f"outcomes-{name}"
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def updates(session, campaign) -> int:
    return session.scalar(
        sa.select(sa.func.count()).where(
            AuditEntry.action == "campaign.update", AuditEntry.object_id == str(campaign.id)
        )
    )


def save(client, session, campaign, data):
    response = post(client, f"/campaigns/{campaign.id}/outcomes", data)
    session.expire_all()
    return response


def test_the_editor_shows_the_default_set_with_blank_rows(client, staff, campaign):
    page = text(client.get(f"/campaigns/{campaign.id}/outcomes"))
    assert value_of(page, f"outcomes-{BUSY}-label_it") == "Occupato"
    assert value_of(page, f"outcomes-{BUSY}-key") == "o"
    assert '<option selected value="busy">' in page.split(f'id="outcomes-{BUSY}-retry"')[1]
    assert value_of(page, "outcomes-0-position") == "1"
    assert value_of(page, "outcomes-9-code") == "" and value_of(page, "outcomes-10-code") == ""
    assert "La postazione riserva a sé Alt+T" in page


def test_saving_the_default_set_keeps_the_default(client, session, staff, campaign):
    response = save(client, session, campaign, rows(DEFAULT_CONFIG))
    assert response.status_code == 302
    assert campaign.outcomes is None and updates(session, campaign) == 0


def test_an_outcome_s_label_key_and_recycle_rule_are_edited(client, session, staff, campaign):
    edits = {"label_it": "Linea occupata", "key": "L", "retry": "", "retry_minutes": "30",
             "retry_at": "16:00", "retry_limit": "3"}  # fmt: skip
    data = rows(DEFAULT_CONFIG, **{f"{BUSY}-{name}": value for name, value in edits.items()})
    response = save(client, session, campaign, data)
    assert response.status_code == 302 and response.headers["Location"].endswith("#outcomes")
    busy = campaign.outcomes[BUSY]
    assert busy == {"code": "busy", "label_it": "Linea occupata", "label_en": "Busy", "key": "l",
                    "status": "queued", "retry_minutes": 30, "retry_at": "16:00",
                    "retry_limit": 3}  # fmt: skip
    assert campaign.outcomes[:BUSY] == list(DEFAULT_CONFIG[:BUSY])
    assert updates(session, campaign) == 1
    script = script_of(campaign_script(session, campaign))
    assert campaign_rules(campaign, script)["busy"].label("it") == "Linea occupata"
    page = text(client.get(f"/campaigns/{campaign.id}"))
    assert "Gli esiti sono salvati." in page
    assert "torna alle 16:00, almeno 30 min dopo; al massimo 3 volte, poi irraggiungibile" in page


def campaign_script(session, campaign):
    from app.scripting.models import CallScript

    return session.get(CallScript, campaign.call_script_id)


def test_outcomes_are_added_removed_and_reordered(client, session, staff, campaign):
    new = {"code": "wrong_contact", "label_it": "Referente sbagliato",
           "label_en": "Wrong contact", "key": "w", "status": "not_interested",
           "reached": True, "final": True}  # fmt: skip
    data = rows([*DEFAULT_CONFIG, new], **{
        "0-position": "2", "1-position": "1",  # not interested first, then qualified
        "7-remove": "y",  # duplicate
    })  # fmt: skip
    assert save(client, session, campaign, data).status_code == 302
    codes = [item["code"] for item in campaign.outcomes]
    assert codes == ["not_interested", "qualified", "callback", "no_answer", "busy",
                     "wrong_number", "company_closed", "do_not_call", "wrong_contact"]  # fmt: skip
    assert campaign.outcomes[-1] == new


def test_blank_rows_are_ignored(client, session, staff, campaign):
    data = rows(DEFAULT_CONFIG, blank=3, **{"10-position": "99"})
    assert save(client, session, campaign, data).status_code == 302
    assert campaign.outcomes is None


REFUSALS = [
    ({f"{BUSY}-key": "q"}, BUSY, "key", "Busy e qualified hanno lo stesso tasto rapido (q)"),
    ({f"{BUSY}-key": "t"}, BUSY, "key", "La postazione usa già Alt+T per altro"),
    ({f"{BUSY}-key": "ab"}, BUSY, "key", "non è una lettera dalla a alla z"),
    ({f"{BUSY}-retry": "", f"{BUSY}-retry_minutes": ""}, BUSY, "retry_minutes",
     "indicate dopo quanti minuti"),
    ({f"{BUSY}-retry_minutes": "30"}, BUSY, "retry_minutes",
     "l&#39;attesa della campagna oppure dei minuti propri"),
    ({f"{BUSY}-retry_at": "4pm"}, BUSY, "retry_at", "non è un orario scritto come HH:MM"),
    ({f"{BUSY}-retry_limit": "0"}, BUSY, "retry_limit", "0 è fuori intervallo: deve essere da 1"),
    ({f"{BUSY}-retry_limit": "tre"}, BUSY, "retry_limit", "intero"),
    ({"1-retry_minutes": "30"}, 1, "retry_minutes", "non rimette l&#39;account in coda"),
    ({"1-status": ""}, 1, "status", "Manca status"),
    ({"1-label_it": ""}, 1, "label_it", "Manca label_it"),
    ({"1-code": "Non Interessato"}, 1, "code", "usate da 1 a 32 lettere minuscole"),
    ({"2-final": "y"}, 2, "status", "Manca status"),
    ({"5-qualified": "y"}, 5, "qualified", "Un esito che qualifica deve essere finale e con"),
    ({"1-qualified": "y"}, 1, "qualified", "se e solo se l&#39;account diventa qualificato"),
    ({"3-code": "busy"}, BUSY, "code", "Il codice &#39;busy&#39; compare due volte"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "row", "field", "message"), REFUSALS)
def test_each_refusal_is_shown_beside_its_outcome_and_field(
    client, session, staff, campaign, changes, row, field, message
):
    response = save(client, session, campaign, rows(DEFAULT_CONFIG, **changes))
    page = text(response)
    assert response.status_code == 200
    assert message in errors_beside(page, f"outcomes-{row}-{field}"), page[-3000:]
    assert "Alcuni valori vanno corretti" in page
    assert campaign.outcomes is None and updates(session, campaign) == 0


def test_a_set_without_a_qualifying_outcome_is_refused(client, session, staff, campaign):
    page = text(save(client, session, campaign, rows(DEFAULT_CONFIG, **{"0-remove": "y"})))
    assert "Nessun esito conta come qualificato" in page
    assert 'data-testid="form-problems"' in page and campaign.outcomes is None


def test_removing_every_outcome_is_refused(client, session, staff, campaign):
    removed = {f"{n}-remove": "y" for n in range(len(DEFAULT_CONFIG))}
    page = text(save(client, session, campaign, rows(DEFAULT_CONFIG, **removed)))
    assert "L&#39;elenco è vuoto" in page and campaign.outcomes is None


def test_a_refusal_after_reordering_points_at_the_right_row(client, session, staff, campaign):
    """Busy moved to the top and given qualified's key: qualified now comes second in the
    set, and the message is on its row, the form's first."""
    data = rows(DEFAULT_CONFIG, **{f"{BUSY}-position": "0", f"{BUSY}-key": "q"})
    page = text(save(client, session, campaign, data))
    assert "Qualified e busy hanno lo stesso tasto rapido" in errors_beside(page, "outcomes-0-key")
    assert errors_beside(page, f"outcomes-{BUSY}-key") == ""


def test_the_default_set_is_put_back(client, session, staff, campaign):
    campaign.outcomes = [dict(item) for item in DEFAULT_CONFIG[:2]]
    session.flush()
    data = {**rows(campaign.outcomes), "restore": "Ripristina l'insieme predefinito"}
    del data["save"]
    assert save(client, session, campaign, data).status_code == 302
    assert campaign.outcomes is None and updates(session, campaign) == 1
