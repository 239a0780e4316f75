"""The privacy pages: roles, search, audited downloads, the typed-key confirmation."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from app.accounts.models import Account, Contact
from app.audit.models import AuditEntry
from tests.conftest import csrf_token
from tests.integration.privacy.conftest import PERSONAL


def page(seeded) -> str:
    return f"/privacy/accounts/{seeded.account.key}"


@pytest.mark.parametrize(
    ("role", "code"), [("agent", 403), ("supervisor", 403), ("staff", 200), ("admin", 200)]
)
def test_only_staff_and_administrators(client, auth, users, role, code):
    auth.login(role)
    assert client.get("/privacy/").status_code == code


def test_search_then_subject_page(client, auth, users, seeded):
    auth.login("staff")
    found = client.get("/privacy/?q=" + "02 8765 4321").get_data(as_text=True)
    assert seeded.account.key in found and PERSONAL["name"] in found
    none = client.get("/privacy/?q=zzzz").get_data(as_text=True)
    assert 'data-testid="privacy-none"' in none
    held = client.get(page(seeded)).get_data(as_text=True)
    assert PERSONAL["vat"] in held and PERSONAL["contact"] in held
    assert client.get("/privacy/accounts/NOSUCHKEY").status_code == 404


def test_downloads_are_audited(client, auth, users, seeded, session):
    auth.login("staff")
    response = client.get(page(seeded) + "/report.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert json.loads(response.data)["account"]["email"] == PERSONAL["email"]
    pdf = client.get(page(seeded) + "/report.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    person = client.get(f"/privacy/contacts/{seeded.contact.id}/report.json")
    assert json.loads(person.data)["contact"]["full_name"] == PERSONAL["contact"]
    forms = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "privacy.export").order_by(AuditEntry.id)
    ).all()
    assert [(e.details["form"], e.user_id) for e in forms] == [
        ("json", users["staff"].id), ("pdf", users["staff"].id), ("json", users["staff"].id)
    ]  # fmt: skip


def test_anonymise_needs_csrf_and_the_typed_key(client, auth, users, seeded, session):
    auth.login("staff")
    url = page(seeded) + "/anonymise"
    no_token = client.post(url, data={"confirm_key": seeded.account.key, "reason": "ticket 9"})
    assert no_token.status_code == 400
    token = csrf_token(client, page(seeded))
    wrong = client.post(
        url, data={"confirm_key": "Q000", "reason": "ticket 9", "csrf_token": token}
    )
    assert wrong.status_code == 400
    assert "non è quella di questo account" in wrong.get_data(as_text=True)
    no_reason = client.post(url, data={"confirm_key": seeded.account.key, "csrf_token": token})
    assert no_reason.status_code == 400
    session.expire_all()
    assert session.get(Account, seeded.account.id).anonymised_at is None
    done = client.post(
        url, data={"confirm_key": seeded.account.key.lower(), "reason": "ticket 9",
                   "csrf_token": token}, follow_redirects=True,
    )  # fmt: skip
    assert done.status_code == 200
    assert 'data-testid="privacy-anonymised"' in done.get_data(as_text=True)
    session.expire_all()
    account = session.get(Account, seeded.account.id)
    assert account.anonymised_at is not None and account.email is None
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "privacy.anonymise"))
    assert entry.user_id == users["staff"].id and entry.details["via"] == "staff"


def test_erase_one_person(client, auth, users, seeded, session):
    auth.login("admin")
    contact_id = seeded.contact.id
    url = f"/privacy/contacts/{contact_id}/erase"
    token = csrf_token(client, page(seeded))
    wrong = client.post(url, data={"confirm_key": "X", "reason": "r", "csrf_token": token})
    assert wrong.status_code == 400 and 'data-testid="erase-error"' in wrong.get_data(as_text=True)
    done = client.post(
        url, data={"confirm_key": seeded.account.key, "reason": "r", "csrf_token": token}
    )
    assert done.status_code == 302
    session.expire_all()
    assert session.get(Contact, contact_id) is None
    assert session.get(Account, seeded.account.id).company_name == PERSONAL["name"]


def test_zoned_staff_see_only_their_zone(client, auth, seeded, session):
    from app.security import Role
    from tests import factories

    other = factories.zone(session, code="SUD", name="Sud")
    factories.user(session, Role.STAFF, username="rz_sud", zone=other)
    auth.login("rz_sud")
    assert seeded.account.key not in client.get("/privacy/?q=bianchi").get_data(as_text=True)
    assert client.get(page(seeded)).status_code == 403
    assert client.get(page(seeded) + "/report.json").status_code == 403
    assert client.get(f"/privacy/contacts/{seeded.contact.id}/report.json").status_code == 403
