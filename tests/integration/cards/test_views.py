"""The paper cards' pages over HTTP: the check step, saving, the scan, the decision, the
counts; staff and administrators only, CSRF on every form."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from app.accounts.models import Account
from app.accounts.status import AccountStatus
from app.cards.models import CardStatus, PaperCard
from app.security import Role
from app.territory.municipalities import BUNDLED_REFERENCE_DATE, bundled_municipalities
from app.territory.services import load_municipalities
from tests.conftest import Auth, csrf_token
from tests.unit.cards.test_scans import PNG

CHECKED = re.compile(r'name="checked" type="hidden" value="([0-9a-f]+)"')
CARD = {"company_name": "autotrasporti bianchi s.r.l.", "street": "v. roma 12",
        "postcode": "24125", "municipality": "bergamo", "phone": "035 4567890"}  # fmt: skip


@pytest.fixture
def municipalities(session):
    load_municipalities(session, bundled_municipalities(), BUNDLED_REFERENCE_DATE)
    session.commit()


def cards(session) -> list[PaperCard]:
    return list(session.scalars(sa.select(PaperCard).order_by(PaperCard.id)))


def check(client, values: dict, url: str = "/cards/new"):
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "check": "1", **values})
    page = response.get_data(as_text=True)
    found = CHECKED.search(page)
    return response, page, token, found.group(1) if found else ""


def test_the_check_step_shows_the_corrections_and_keeps_the_values(
    client, session, auth, typist, municipalities
) -> None:
    auth.login(typist.username)
    response, page, _token, digest = check(client, CARD)
    assert response.status_code == 200 and digest
    assert 'data-testid="check-ok"' in page
    assert 'value="v. roma 12"' in page  # the form again, as typed
    assert "VIA ROMA" in page and "AUTOTRASPORTI BIANCHI" in page  # as cleaned
    assert "tipo di via scritto per esteso" in page  # why (Italian, the default)
    assert cards(session) == []  # the check saves nothing


def test_a_blocking_doubt_is_shown_at_its_field_and_nothing_is_saved(
    client, session, auth, typist, municipalities
) -> None:
    auth.login(typist.username)
    values = {**CARD, "vat_number": "00743110158"}
    response, page, token, digest = check(client, values)
    assert 'data-testid="check-blocked"' in page and 'aria-invalid="true"' in page
    assert "Partita IVA: cifra di controllo errata" in page
    assert 'value="00743110158"' in page
    response = client.post("/cards/new", data={"csrf_token": token, "save": "1",
                                                "checked": digest, **values})  # fmt: skip
    assert response.status_code == 400 and cards(session) == []


def test_saving_needs_the_values_the_check_showed(client, session, auth, typist, municipalities):
    auth.login(typist.username)
    _response, _page, token, digest = check(client, CARD)
    changed = {**CARD, "street": "via milano 1"}
    response = client.post("/cards/new", data={"csrf_token": token, "save": "1",
                                               "checked": digest, **changed})  # fmt: skip
    assert response.status_code == 400 and cards(session) == []
    assert "I valori sono cambiati dopo il controllo" in response.get_data(as_text=True)


def test_a_card_is_typed_checked_saved_and_validated_by_another(
    client, session, auth, typist, checker, rossi, municipalities
) -> None:
    auth.login(typist.username)
    values = {**CARD, "company_name": "Rossi Trasporti", "municipality": "Bergamo"}
    _response, page, token, digest = check(client, values)
    assert 'data-testid="similar-account"' in page and f'value="{rossi.id}"' in page
    # Saving without answering the similar account is refused, the values kept.
    response = client.post("/cards/new", data={"csrf_token": token, "save": "1",
                                               "checked": digest, **values})  # fmt: skip
    assert response.status_code == 400 and "Rossi Trasporti S.r.l., Bergamo (BG)" in (
        response.get_data(as_text=True)) and cards(session) == []  # fmt: skip
    response = client.post("/cards/new", data={
        "csrf_token": token, "save": "1", "checked": digest, "another": str(rossi.id), **values,
        "scan": (io.BytesIO(PNG), "scheda.png")}, content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 302
    (card,) = cards(session)
    assert (card.status, card.distinct_from, card.scan_type) == (
        CardStatus.PENDING, [rossi.id], "image/png")  # fmt: skip
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="confirm"' not in page  # not for the one who typed it
    scan = client.get(f"/cards/{card.id}/scan")
    assert scan.data == PNG and scan.mimetype == "image/png"
    assert scan.headers["X-Content-Type-Options"] == "nosniff"
    assert scan.headers["Content-Disposition"] == f'inline; filename="scheda-{card.id}.png"'
    token = csrf_token(client, f"/cards/{card.id}")
    refused = client.post(f"/cards/{card.id}/validate",
                          data={"csrf_token": token, "seen": card.digest})  # fmt: skip
    assert refused.status_code == 409 and card.status == CardStatus.PENDING
    auth.logout()

    Auth(client).login(checker.username)
    page = client.get(f"/cards/{card.id}").get_data(as_text=True)
    assert 'data-testid="confirm"' in page and f"/cards/{card.id}/scan" in page
    token = csrf_token(client, f"/cards/{card.id}")
    assert f'name="seen" value="{card.digest}"' in page  # what the decision was taken on
    response = client.post(f"/cards/{card.id}/validate",
                           data={"csrf_token": token, "seen": card.digest})  # fmt: skip
    assert response.status_code == 302
    session.refresh(card)
    account = session.get(Account, card.account_id)
    assert card.status == CardStatus.VALIDATED and account.status == AccountStatus.READY
    assert account.id != rossi.id and account.company_name == "ROSSI TRASPORTI"


def test_a_scan_that_is_no_image_or_pdf_is_refused_with_the_values_kept(
    client, session, auth, typist, municipalities
) -> None:
    auth.login(typist.username)
    _response, _page, token, digest = check(client, CARD)
    gif = (io.BytesIO(b"GIF89a..."), "x.png")
    response = client.post("/cards/new", data={
        "csrf_token": token, "save": "1", "checked": digest, **CARD, "scan": gif,
    }, content_type="multipart/form-data")  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "immagine PNG o JPEG o un PDF" in page
    assert 'value="v. roma 12"' in page and cards(session) == []


def test_refusing_needs_a_reason_and_a_refused_card_is_typed_again_prefilled(
    client, session, auth, typist, checker
) -> None:
    from tests import factories

    card = factories.paper_card(session, typist, values={"company_name": "Bianchi <b>Srl</b>"})
    session.commit()
    auth.login(checker.username)
    token = csrf_token(client, f"/cards/{card.id}")
    seen = card.digest
    assert client.post(f"/cards/{card.id}/refuse",
                       data={"csrf_token": token, "seen": seen}).status_code == 400  # fmt: skip
    response = client.post(f"/cards/{card.id}/refuse", data={
        "csrf_token": token, "reason": "Non è <i>leggibile</i>", "seen": seen})  # fmt: skip
    assert response.status_code == 302
    page = client.get(f"/cards/{card.id}").get_data(as_text=True)
    assert "Non è &lt;i&gt;leggibile&lt;/i&gt;" in page and "<i>leggibile" not in page
    assert "Bianchi &lt;b&gt;Srl&lt;/b&gt;" in page
    again = client.get(f"/cards/new?again={card.id}").get_data(as_text=True)
    assert (
        'value="Bianchi &lt;b&gt;Srl&lt;/b&gt;"' in again and 'data-testid="typed-again"' in again
    )


def test_the_counts_page(client, session, auth, typist, checker) -> None:
    from tests import factories

    factories.paper_card(session, typist)
    session.commit()
    auth.login(checker.username)
    page = client.get("/cards/counts").get_data(as_text=True)
    assert "Sara Segreteria" in page and 'data-testid="card-counts"' in page
    assert client.get("/cards/counts?first=2026-12-10&last=2026-01-01").status_code == 200


def test_the_privacy_page_offers_a_card_to_correct_the_account(client, auth, users, rossi):
    auth.login("staff")
    page = client.get(f"/privacy/accounts/{rossi.key}").get_data(as_text=True)
    assert f'href="/cards/edit/{rossi.key}"' in page
    edit = client.get(f"/cards/edit/{rossi.key}").get_data(as_text=True)
    assert 'value="ROSSI TRASPORTI"' in edit and 'value="Bergamo"' in edit
    # The account's version as the form was filled: saving after a change is refused.
    assert f'name="version" type="hidden" value="{rossi.version}"' in edit


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR])
def test_agents_and_supervisors_are_refused_every_cards_route(app, client, session, role):
    from tests import factories

    factories.user(session, role, username="outsider")
    staff = factories.user(session, Role.STAFF, username="someone")
    card = factories.paper_card(session, staff)
    session.commit()
    Auth(client).login("outsider")
    token = csrf_token(client, "/")
    seen = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("cards."):
            continue
        url = rule.build({"card_id": card.id, "key": "QX"}, append_unknown=False)[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 403, f"{method} {url}"
            seen += 1
    assert seen >= 10


def test_a_form_without_its_csrf_token_is_refused(client, session, auth, typist, checker):
    from tests import factories

    card = factories.paper_card(session, typist)
    session.commit()
    auth.login(checker.username)
    assert client.post(f"/cards/{card.id}/validate").status_code == 400
    assert client.post(f"/cards/{card.id}/refuse", data={"reason": "x"}).status_code == 400
    assert client.post("/cards/new", data={"check": "1", **CARD}).status_code == 400
    session.refresh(card)
    assert card.status == CardStatus.PENDING


def test_a_decision_on_a_card_corrected_since_it_was_opened_is_refused(
    client, session, auth, typist, checker, municipalities
) -> None:
    """The checker reads the card; the typist corrects it meanwhile; Conferma would write
    values nobody else has seen: refused, the card pending, its page shown again."""
    from tests import factories

    card = factories.paper_card(session, typist, values={"company_name": "Bianchi Srl"})
    session.commit()
    auth.login(checker.username)
    token = csrf_token(client, f"/cards/{card.id}")
    seen = card.digest
    card.values = {"company_name": "Bianchi Srl", "vat_number": "02744110152"}  # corrected
    session.commit()
    for action, extra in (("validate", {}), ("refuse", {"reason": "illeggibile"})):
        response = client.post(f"/cards/{card.id}/{action}",
                               data={"csrf_token": token, "seen": seen, **extra})  # fmt: skip
        assert response.status_code == 409, action
        assert "corretta da quando" in response.get_data(as_text=True)
    session.refresh(card)
    assert card.status == CardStatus.PENDING and card.decided_by_id is None


def test_a_refused_correction_is_typed_again_as_a_correction(
    client, session, auth, typist, checker, rossi
) -> None:
    from app.cards.fields import account_values
    from app.cards.models import CardKind
    from tests import factories

    values = {**account_values(rossi), "email": "amministrazione@rossi.it"}
    card = factories.paper_card(session, typist, kind=CardKind.EDIT, account_id=rossi.id,
                                values=values, baseline=account_values(rossi),
                                status=CardStatus.REFUSED, refusal_reason="illeggibile",
                                decided_by_id=checker.id)  # fmt: skip
    session.commit()
    auth.login(typist.username)
    again = client.get(f"/cards/new?again={card.id}").get_data(as_text=True)
    assert "Correggi" in again and rossi.key in again  # the account's correction, not a new one
    assert 'value="amministrazione@rossi.it"' in again
    assert f'name="version" type="hidden" value="{rossi.version}"' in again


def test_zoned_staff_cannot_open_a_card_about_an_account_of_another_zone(
    client, session, auth, typist, rossi
) -> None:
    """Its values and scan are that account's: as the account's own pages, 403."""
    from app.cards.fields import account_values
    from app.cards.models import CardKind
    from app.security import Role
    from tests import factories

    nord, sud = factories.zone(session, "NORD", "Nord"), factories.zone(session, "SUD", "Sud")
    rossi.zone_id = nord.id
    values = {**account_values(rossi), "email": "amministrazione@rossi.it"}
    card = factories.paper_card(session, typist, kind=CardKind.EDIT, account_id=rossi.id,
                                values=values, baseline=account_values(rossi))  # fmt: skip
    factories.user(session, Role.STAFF, username="staff_sud", zone=sud)
    session.commit()
    auth.login("staff_sud")
    for url in (f"/cards/{card.id}", f"/cards/{card.id}/scan"):
        assert client.get(url).status_code == 403, url
    token = csrf_token(client, "/cards/")
    for action in ("validate", "refuse"):
        response = client.post(
            f"/cards/{card.id}/{action}",
            data={"csrf_token": token, "seen": card.digest, "reason": "x"},
        )
        assert response.status_code == 403, action
    assert f"/cards/{card.id}" not in client.get("/cards/").get_data(as_text=True)
