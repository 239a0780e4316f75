"""The live warning: the stored accounts a card looks like, found and scored by the
import's matching; and its JSON endpoint, which changes nothing."""

from __future__ import annotations

import pytest

from app.cards.checking import check_card
from app.cards.similar import similar_accounts
from app.territory.municipalities import BUNDLED_REFERENCE_DATE, bundled_municipalities
from app.territory.services import load_municipalities
from tests import factories
from tests.integration.cards.conftest import vat

pytestmark = pytest.mark.usefixtures("english")


def looks_like(session, reference, **values) -> list[str]:
    record = check_card(values, reference).record
    return [c.key for c in similar_accounts(session, record)]


def test_found_by_vat_number_whatever_the_name(session, reference, rossi, verdi) -> None:
    found = similar_accounts(session, check_card(
        {"company_name": "Autotrasporti Bergamaschi", "vat_number": rossi.vat_number},
        reference).record)  # fmt: skip
    assert [(c.key, c.same_vat, c.place) for c in found] == [(rossi.key, True, "Bergamo (BG)")]


def test_found_by_a_similar_name_in_the_same_municipality(session, reference, rossi, verdi):
    assert looks_like(session, reference, company_name="Rossi Trasporti s.n.c.",
                      municipality="Bergamo") == [rossi.key]  # fmt: skip
    # In the same province, another town: still worth a glance.
    assert looks_like(session, reference, company_name="ROSSI TRASPORTI",
                      municipality="Treviglio", province="BG") == [rossi.key]  # fmt: skip


def test_found_by_phone_whatever_the_name(session, reference, rossi, verdi) -> None:
    assert looks_like(session, reference, company_name="Logistica Orobica",
                      phone="035/224466") == [rossi.key]  # fmt: skip


def test_unrelated_accounts_are_not_listed(session, reference, rossi, verdi) -> None:
    assert looks_like(session, reference, company_name="Rossi Trasporti",
                      municipality="Roma") == []  # fmt: skip
    assert looks_like(session, reference, company_name="Bianchi Autolinee",
                      municipality="Bergamo", phone="035 111222") == []  # fmt: skip
    # Two different valid VAT numbers are two companies, however alike the names.
    assert looks_like(session, reference, company_name="Rossi Trasporti",
                      municipality="Bergamo", vat_number=vat("3333333")) == []  # fmt: skip


def test_a_merged_or_practice_account_is_never_listed(session, reference, rossi) -> None:
    factories.account(session, company_name="ROSSI TRASPORTI", municipality="Bergamo",
                      istat_code="016024", province="BG", practice=True)  # fmt: skip
    assert looks_like(session, reference, company_name="Rossi Trasporti",
                      municipality="Bergamo") == [rossi.key]  # fmt: skip


def test_the_endpoint_answers_json_for_staff_and_changes_nothing(
    client, session, auth, users, rossi, verdi
) -> None:
    load_municipalities(session, bundled_municipalities(), BUNDLED_REFERENCE_DATE)
    session.commit()
    auth.login("staff")
    response = client.get("/cards/similar?company_name=rossi+trasporti&municipality=bergamo",
                          headers={"Accept": "application/json"})  # fmt: skip
    assert response.status_code == 200 and response.is_json
    (found,) = response.json["candidates"]
    assert (found["key"], found["name"], found["place"]) == (
        rossi.key, "Rossi Trasporti S.r.l.", "Bergamo (BG)")  # fmt: skip
    assert found["open_url"] == f"/privacy/accounts/{rossi.key}"
    assert found["edit_url"] == f"/cards/edit/{rossi.key}"
    assert "ragione sociale simile" in found["reasons"] or "similar name" in found["reasons"]
    # An edit card does not warn about the account it corrects.
    edit = client.get(f"/cards/similar?company_name=rossi+trasporti&municipality=bergamo"
                      f"&account={rossi.key}").json  # fmt: skip
    assert edit["candidates"] == []


def test_the_endpoint_is_the_staff_s_only(client, auth, users) -> None:
    auth.login("agent")
    assert client.get("/cards/similar?company_name=rossi").status_code == 403
