"""Entering, validating and refusing paper cards: only a validated card touches the base,
and it does so through the import (a new company) or the applier (an edit)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.accounts.models import Account, AccountFlag, AccountPhone, FlagStatus, PhoneKind
from app.accounts.status import AccountStatus
from app.audit.models import AuditEntry
from app.cards.fields import account_values
from app.cards.models import CardKind, CardStatus
from app.cards.services import (
    CardError,
    correct_card,
    enter_card,
    pending_cards,
    refuse_card,
    validate_card,
)
from app.imports.models import DuplicatePair, FieldChange, ImportBatch, PairStatus, SourceKind
from tests.integration.cards.conftest import make_rossi, vat

pytestmark = pytest.mark.usefixtures("english")
SLOPPY = {
    "company_name": "autotrasporti bianchi s.r.l.",
    "street": "v. roma 12",
    "postcode": "24125",
    "municipality": "bergamo",
    "vat_number": vat("2222222"),
    "phone": "035 4567890",
}


def base(session) -> list[tuple]:
    """Everything a card could touch in the base."""
    return [
        session.execute(sa.select(Account.id, Account.company_name, Account.status,
                                  Account.version).order_by(Account.id)).all(),
        session.scalars(sa.select(FieldChange.id)).all(),
        session.scalars(sa.select(ImportBatch.id)).all(),
        session.scalars(sa.select(DuplicatePair.id)).all(),
    ]  # fmt: skip


def actions(session) -> list[str]:
    query = sa.select(AuditEntry.action).where(AuditEntry.action.like("cards.%"))
    return list(session.scalars(query.order_by(AuditEntry.id)))


def test_a_new_card_waits_then_enters_the_base_ready_through_an_import_batch(
    session, reference, typist, checker
) -> None:
    before = base(session)
    card = enter_card(session, CardKind.NEW, SLOPPY, by=typist.id, reference=reference)
    assert card.status == CardStatus.PENDING and card.values == SLOPPY  # as typed
    assert base(session) == before  # pending: nothing in the base
    assert pending_cards(session) == [card]

    validate_card(session, card, by=checker.id, reference=reference)
    account = session.get(Account, card.account_id)
    assert (account.company_name, account.legal_form, account.street, account.house_number) == (
        "AUTOTRASPORTI BIANCHI", "SRL", "VIA ROMA", "12")  # fmt: skip
    assert (account.istat_code, account.province, account.status) == (
        "016024", "BG", AccountStatus.READY)  # fmt: skip
    batch = session.get(ImportBatch, card.batch_id)
    assert (batch.source_kind, batch.filename) == (SourceKind.CARD, f"card:{card.id}")
    assert batch.report["accounts_created"] == 1 and batch.uploaded_by_id == checker.id
    assert (card.status, card.decided_by_id, card.outcome) == (
        CardStatus.VALIDATED, checker.id, "created")  # fmt: skip
    assert actions(session) == ["cards.enter", "cards.validate"]
    assert pending_cards(session) == []


def test_the_person_who_entered_a_card_cannot_validate_or_refuse_it(
    session, reference, typist
) -> None:
    card = enter_card(session, CardKind.NEW, SLOPPY, by=typist.id, reference=reference)
    before = base(session)
    with pytest.raises(CardError, match="another person must validate"):
        validate_card(session, card, by=typist.id, reference=reference)
    with pytest.raises(CardError, match="another person must validate"):
        refuse_card(session, card, by=typist.id, reason="typo")
    assert card.status == CardStatus.PENDING and base(session) == before


def test_a_refused_card_changes_nothing_and_keeps_its_reason(
    session, reference, typist, checker
) -> None:
    card = enter_card(session, CardKind.NEW, SLOPPY, by=typist.id, reference=reference)
    before = base(session)
    with pytest.raises(CardError, match="Say why"):
        refuse_card(session, card, by=checker.id, reason="   ")
    refuse_card(session, card, by=checker.id, reason="  the VAT number is another  company's ")
    assert (card.status, card.refusal_reason) == (
        CardStatus.REFUSED, "the VAT number is another company's")  # fmt: skip
    assert base(session) == before
    with pytest.raises(CardError, match="decided already"):
        validate_card(session, card, by=checker.id, reference=reference)
    assert actions(session) == ["cards.enter", "cards.refuse"]


def test_a_card_with_a_wrong_check_digit_is_not_saved(session, reference, typist) -> None:
    wrong = {**SLOPPY, "vat_number": SLOPPY["vat_number"][:-1] + "0"}
    with pytest.raises(CardError) as refused:
        enter_card(session, CardKind.NEW, wrong, by=typist.id, reference=reference)
    assert any("check digit" in m for m in refused.value.messages)
    assert pending_cards(session) == []


def test_a_similar_account_must_be_answered_and_the_answer_is_kept(
    session, reference, typist, checker, rossi
) -> None:
    """A namesake in the same town: saved only once the typist says it is another company;
    the validator's confirmation decides the pair the import leaves for review."""
    card_values = {
        "company_name": "Rossi Trasporti srl",
        "street": "Via Bergamo 3",
        "postcode": "24126",
        "municipality": "Bergamo",
        "phone": "035 999888",
    }
    with pytest.raises(CardError) as refused:
        enter_card(session, CardKind.NEW, card_values, by=typist.id, reference=reference)
    assert any(
        "looks like Rossi Trasporti S.r.l., Bergamo (BG)" in m for m in refused.value.messages
    ), refused.value.messages
    card = enter_card(session, CardKind.NEW, card_values, by=typist.id, reference=reference,
                      distinct_from=[rossi.id, 999_999])  # fmt: skip
    assert card.distinct_from == [rossi.id]  # only accounts the card looks like
    validate_card(session, card, by=checker.id, reference=reference)
    assert card.account_id != rossi.id
    pairs = session.scalars(sa.select(DuplicatePair)).all()
    assert all(p.status == PairStatus.REJECTED and p.decided_by_id == checker.id for p in pairs)


def test_the_same_vat_number_cannot_be_declared_another_company(
    session, reference, typist, rossi
) -> None:
    same = {**SLOPPY, "vat_number": rossi.vat_number}
    with pytest.raises(CardError) as refused:
        enter_card(session, CardKind.NEW, same, by=typist.id, reference=reference,
                   distinct_from=[rossi.id])  # fmt: skip
    assert any("same VAT number" in m for m in refused.value.messages)


def test_a_new_card_of_a_company_in_the_base_joins_it_as_a_matching_row_does(
    session, reference, typist, checker
) -> None:
    """The company reached the base after the card was typed (a file imported meanwhile):
    at validation the import matches the card by its VAT number, as it matches a file's
    row, and fills in what the account lacked, overwriting nothing."""
    values = {"company_name": "Rossi Trasporti", "vat_number": vat("1234567"),
              "email": "INFO@rossitrasporti.it", "street": "Via Borgo Palazzo 12",
              "municipality": "Bergamo", "postcode": "24125"}  # fmt: skip
    card = enter_card(session, CardKind.NEW, values, by=typist.id, reference=reference)
    rossi = make_rossi(session)
    validate_card(session, card, by=checker.id, reference=reference)
    assert (card.account_id, card.outcome) == (rossi.id, "updated")
    session.refresh(rossi)
    assert rossi.email == "info@rossitrasporti.it" and rossi.company_name == "ROSSI TRASPORTI"
    assert session.scalar(sa.select(sa.func.count(Account.id))) == 1


def test_an_edit_applies_only_the_changed_fields_with_their_reason(
    session, reference, typist, checker, rossi
) -> None:
    values = {"company_name": "ROSSI TRASPORTI", "legal_form": "SRL", "street": "VIA BORGO PALAZZO",
              "house_number": "12", "postcode": "24125", "municipality": "Bergamo",
              "province": "BG", "vat_number": rossi.vat_number, "phone": "035 224466",
              "email": "amministrazione@rossi.it"}  # fmt: skip
    card = enter_card(session, CardKind.EDIT, values, by=typist.id, reference=reference,
                      account=rossi)  # fmt: skip
    assert base(session)[1] == []  # pending: no field change yet
    rossi.notes = "changed by someone else meanwhile"
    rossi.company_name = "ROSSI TRASPORTI E LOGISTICA"  # a person renamed it since
    session.flush()
    validate_card(session, card, by=checker.id, reference=reference)
    changes = session.scalars(sa.select(FieldChange)).all()
    assert [(c.field, c.before, c.after, c.reason) for c in changes] == [
        ("email", None, "amministrazione@rossi.it", "manual_entry")]  # fmt: skip
    assert changes[0].batch_id == card.batch_id and card.outcome == "applied"
    assert rossi.company_name == "ROSSI TRASPORTI E LOGISTICA"  # not reverted
    batch = session.get(ImportBatch, card.batch_id)
    assert batch.source_kind == SourceKind.CARD and batch.report["card"]["changed_by_field"] == {
        "email": 1}  # fmt: skip


def test_an_edit_that_changes_nothing_is_not_saved(session, reference, typist, rossi) -> None:
    with pytest.raises(CardError, match="changes none"):
        enter_card(session, CardKind.EDIT, {"company_name": "ROSSI TRASPORTI"}, by=typist.id,
                   reference=reference, account=rossi)  # fmt: skip


def test_an_edit_keeps_no_doubt_a_new_card_saves_it(session, reference, typist, rossi) -> None:
    """A nine-digit mobile: the applier refuses a doubtful value, so an edit must correct it;
    a new card keeps it as the account's doubt, as an import would."""
    with pytest.raises(CardError, match="nine-digit"):
        enter_card(session, CardKind.EDIT, {"phone": "347 123456", "company_name": "X"},
                   by=typist.id, reference=reference, account=rossi)  # fmt: skip
    card = enter_card(session, CardKind.NEW, {**SLOPPY, "mobile": "347 123456"}, by=typist.id,
                      reference=reference)  # fmt: skip
    assert card.status == CardStatus.PENDING


def test_a_new_card_whose_doubt_holds_it_enters_to_review(
    session, reference, typist, checker
) -> None:
    values = {**SLOPPY, "phone": "347 123456"}  # its only number is in doubt
    card = enter_card(session, CardKind.NEW, values, by=typist.id, reference=reference)
    validate_card(session, card, by=checker.id, reference=reference)
    account = session.get(Account, card.account_id)
    assert account.status == AccountStatus.TO_REVIEW
    flag = session.scalars(sa.select(AccountFlag).where(AccountFlag.account_id == account.id)).one()
    assert flag.reason == "phone_mobile_too_short"


def test_only_the_typist_corrects_a_pending_card(session, reference, typist, checker) -> None:
    card = enter_card(session, CardKind.NEW, SLOPPY, by=typist.id, reference=reference)
    with pytest.raises(CardError, match="Only the person who entered"):
        correct_card(session, card, {**SLOPPY, "email": "a@b.it"}, by=checker.id,
                     reference=reference)  # fmt: skip
    correct_card(session, card, {**SLOPPY, "email": "a@b.it"}, by=typist.id, reference=reference)
    assert card.values["email"] == "a@b.it" and card.corrected_at is not None
    refuse_card(session, card, by=checker.id, reason="no")
    with pytest.raises(CardError, match="decided already"):
        correct_card(session, card, SLOPPY, by=typist.id, reference=reference)
    assert actions(session) == ["cards.enter", "cards.correct", "cards.refuse"]


def test_an_edit_that_corrects_a_doubtful_value_settles_its_doubt_and_releases_the_account(
    session, reference, typist, checker, rossi
) -> None:
    """The paper says where the company is: the doubt on its place is answered (by the
    person who validated the card) and the account, held for it, is ready again."""
    rossi.status = AccountStatus.TO_REVIEW
    rossi.municipality, rossi.istat_code = "Castro", None
    session.add_all([
        AccountFlag(account_id=rossi.id, field="municipality", value="Castro",
                    reason="municipality_ambiguous"),
        AccountFlag(account_id=rossi.id, field="email", value="rossi@", reason="email_invalid"),
    ])  # fmt: skip
    session.flush()
    values = {**account_values(rossi), "municipality": "Bergamo", "postcode": "24125"}
    card = enter_card(session, CardKind.EDIT, values, by=typist.id, reference=reference,
                      account=rossi)  # fmt: skip
    validate_card(session, card, by=checker.id, reference=reference)
    flags = {f.field: (f.status, f.resolved_by_id) for f in session.scalars(
        sa.select(AccountFlag).where(AccountFlag.account_id == rossi.id))}  # fmt: skip
    assert flags["municipality"] == (FlagStatus.RESOLVED, checker.id)
    assert flags["email"] == (FlagStatus.OPEN, None)  # the card did not touch the e-mail
    assert (rossi.municipality, rossi.istat_code) == ("Bergamo", "016024")
    assert rossi.status == AccountStatus.READY


def test_an_edit_saved_after_someone_changed_the_account_is_refused(
    session, reference, typist, rossi
) -> None:
    """The form was filled with the account's values; someone renamed the account meanwhile:
    saving would put the old name back as the typist's change, so it is refused."""
    opened = str(rossi.version)
    values = {**account_values(rossi), "email": "amministrazione@rossi.it"}
    rossi.company_name = "ROSSI TRASPORTI E LOGISTICA"
    session.flush()
    with pytest.raises(CardError, match="changed this account since"):
        enter_card(session, CardKind.EDIT, values, by=typist.id, reference=reference,
                   account=rossi, account_version=opened)  # fmt: skip
    card = enter_card(session, CardKind.EDIT, {**account_values(rossi), "email": "a@rossi.it"},
                      by=typist.id, reference=reference, account=rossi,
                      account_version=str(rossi.version))  # fmt: skip
    assert card.baseline["company_name"] == "ROSSI TRASPORTI E LOGISTICA"


def test_an_edit_is_not_blocked_by_a_doubtful_value_it_does_not_change(
    session, reference, typist, checker, rossi
) -> None:
    """The account's stored second number is a nine-digit mobile (a doubt only a call can
    settle); a card that corrects its e-mail is saved and applied, the number left alone. A
    card that changes that number to another doubtful one is still blocked."""
    rossi.phones.append(AccountPhone(raw="347 123456", kind=PhoneKind.MOBILE, position=1))
    session.flush()
    values = {**account_values(rossi), "email": "info@rossi.it"}
    assert values["phone_2"] == "347 123456"  # pre-filled as stored
    card = enter_card(session, CardKind.EDIT, values, by=typist.id, reference=reference,
                      account=rossi)  # fmt: skip
    validate_card(session, card, by=checker.id, reference=reference)
    assert rossi.email == "info@rossi.it" and card.outcome == "applied"
    with pytest.raises(CardError, match="nine-digit"):
        enter_card(session, CardKind.EDIT, {**values, "phone_2": "347 654321"}, by=typist.id,
                   reference=reference, account=rossi)  # fmt: skip
