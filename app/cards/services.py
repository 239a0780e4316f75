"""Paper cards: entered by one person, validated or refused by another; only a validated
card touches the base.

One path per action, shared by the pages (and anything later: a command, the API): each
verb holds its guards (the card pending, the second person, the check passed, every
similar account answered) and audits itself. Services flush; the caller commits once.

A new card enters the base as an integration's record does (``imports.intake``): a one-row
import batch of kind ``card``, cleaned, matched, de-duplicated and written by the import, so
it creates an account (ready, or to review with its doubt) or joins the one it is. An edit
goes through the per-field applier of the external data company's file
(``external.applying``), its field changes with the reason ``manual_entry``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.accounts.labels import reason_label
from app.accounts.models import Account
from app.accounts.status import AccountStatus
from app.audit.services import record as audit
from app.cards.checking import Check, check_card
from app.cards.fields import account_values, changed, typed
from app.cards.models import CardKind, CardStatus, PaperCard
from app.cards.scans import Scan
from app.cards.similar import Candidate, similar_accounts
from app.columns import utcnow
from app.external.applying import GROUPS, Applier
from app.imports.intake import upsert_accounts
from app.imports.labels import import_field_label
from app.imports.models import BatchStatus, DuplicatePair, ImportBatch, PairStatus, SourceKind
from app.imports.owners import Owners
from app.imports.pipeline import Reference, Report
from app.workspace.merging import reject_pair

MANUAL_ENTRY = "manual_entry"  # the reason of an edit card's field changes
MAX_REASON_CHARS = 1_000


class CardError(ValueError):
    """The action cannot be done; ``messages`` say why, each a sentence to act on."""

    def __init__(self, messages: Sequence[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = list(messages)


@dataclass
class Preview:
    """The check step: the card cleaned, and the stored accounts it looks like."""

    kind: CardKind
    check: Check
    candidates: list[Candidate] = field(default_factory=list)
    nothing_changed: bool = False  # an edit that changes none of the account's values

    def problems(self, distinct_from: Collection[int]) -> list[str]:
        """What keeps the card from being saved, given the accounts declared another
        company: the cleaning's blocking doubts, and each similar account not answered."""
        found = [problem.text for problem in self.check.errors]
        if self.nothing_changed:
            found.append(_("The card changes none of the account's values: correct a value, "
                           "or leave the card."))  # fmt: skip
        for candidate in self.candidates:
            if candidate.same_vat and candidate.account_id in distinct_from:
                found.append(_("%(name)s has the same VAT number: one VAT number is one "
                               "company. Edit that account instead, or correct the VAT number.",
                               name=candidate.name))  # fmt: skip
            elif candidate.account_id not in distinct_from:
                found.append(_("This card looks like %(name)s, %(place)s: open it and edit it "
                               "instead, or mark it as another company.", name=candidate.name,
                               place=candidate.place or "—"))  # fmt: skip
        return found


def preview(
    session: Session,
    kind: CardKind,
    values: Mapping[str, str],
    *,
    reference: Reference,
    account: Account | None = None,
) -> Preview:
    """What the card's values become, and which stored accounts they look like (never the
    account an edit corrects). An edit keeps no doubt: the applier refuses a doubtful value."""
    card_values = typed(values, kind)
    blocking = _blocking(card_values, account_values(account)) if account is not None else None
    check = check_card(card_values, reference, Owners.load(session), keep_doubts=kind == "new",
                       blocking=blocking)  # fmt: skip
    exclude = [account.id] if account is not None else []
    result = Preview(kind, check, similar_accounts(session, check.record, exclude=exclude))
    if account is not None:
        result.nothing_changed = not changed(card_values, account_values(account))
    return result


def enter_card(
    session: Session,
    kind: CardKind,
    values: Mapping[str, str],
    *,
    by: int,
    reference: Reference,
    account: Account | None = None,
    distinct_from: Collection[int] = (),
    scan: Scan | None = None,
    replaces: PaperCard | None = None,
    account_version: str | None = None,
) -> PaperCard:
    """Save a card, pending: it changes nothing in the base until a second person
    validates it. Raises ``CardError`` with what blocks it (``Preview.problems``).
    ``account_version``: an edit's account version when its form was filled (a page
    always sends it): saving it after someone changed the account would put back the
    values the form was filled with."""
    if kind == CardKind.EDIT:
        _editable(account)
        if account_version is not None and account_version != str(account.version):
            raise CardError([_("Someone changed this account since you opened the card: "
                               "open the card again from the account.")])  # fmt: skip
    found = preview(session, kind, values, reference=reference, account=account)
    distinct = _passing(found, distinct_from)
    card = PaperCard(kind=kind, status=CardStatus.PENDING, values=found.check.typed,
                     distinct_from=distinct, entered_by_id=by, entered_at=utcnow(),
                     replaces_id=replaces.id if replaces is not None else None)  # fmt: skip
    if account is not None:
        card.account_id, card.baseline = account.id, account_values(account)
    _attach(card, scan)
    session.add(card)
    session.flush()
    audit(session, "cards.enter", user_id=by, obj=card, kind=kind.value,
          account=account.key if account is not None else None, distinct_from=distinct,
          scan=card.scan_type)  # fmt: skip
    return card


def correct_card(
    session: Session,
    card: PaperCard,
    values: Mapping[str, str],
    *,
    by: int,
    reference: Reference,
    distinct_from: Collection[int] = (),
    scan: Scan | None = None,
) -> None:
    """The person who entered a pending card corrects it (a new scan replaces the old)."""
    if card.status != CardStatus.PENDING:
        raise CardError([_("This card has been decided already: it can no longer change.")])
    if card.entered_by_id != by:
        raise CardError([_("Only the person who entered this card can correct it; you can "
                           "validate or refuse it.")])  # fmt: skip
    account = card.account if card.kind == CardKind.EDIT else None
    found = preview(session, card.kind, values, reference=reference, account=account)
    if account is not None and card.baseline is not None:  # changed since the card opened?
        found.nothing_changed = not changed(found.check.typed, card.baseline)
    distinct = _passing(found, distinct_from)
    before = dict(card.values)
    card.values, card.distinct_from, card.corrected_at = found.check.typed, distinct, utcnow()
    _attach(card, scan)
    session.flush()
    audit(session, "cards.correct", user_id=by, obj=card,
          fields=sorted(k for k in {*before, *card.values}
                        if before.get(k) != card.values.get(k)))  # fmt: skip


def validate_card(
    session: Session, card: PaperCard, *, by: int, reference: Reference, seen: str | None = None
) -> None:
    """A second person confirms the card: a new company enters the base through the import,
    an edit is applied field by field. Raises ``CardError`` (nothing is written: the
    caller rolls back) when the card cannot land. ``seen``: the card's ``digest`` as the
    page showed it (a page always sends it)."""
    _decidable(card, by, seen)
    kind = card.kind
    blocking = _blocking(card.values, card.baseline or {}) if kind == CardKind.EDIT else None
    found = check_card(card.values, reference, Owners.load(session), keep_doubts=kind == "new",
                       blocking=blocking)  # fmt: skip
    if not found.ok:
        raise CardError([*(p.text for p in found.errors), _(
            "The person who entered the card can correct it, or you can refuse it.")])  # fmt: skip
    if kind == CardKind.NEW:
        _write_new(session, card, by, reference)
    else:
        _apply_edit(session, card, by, reference)
    card.status, card.decided_by_id, card.decided_at = CardStatus.VALIDATED, by, utcnow()
    session.flush()
    account = session.get(Account, card.account_id)
    audit(session, "cards.validate", user_id=by, obj=card, kind=kind.value,
          account=account.key if account else None, outcome=card.outcome,
          batch=card.batch_id)  # fmt: skip


def refuse_card(
    session: Session, card: PaperCard, *, by: int, reason: str, seen: str | None = None
) -> None:
    """A second person refuses the card, saying why: nothing reaches the base; the card can
    be entered again, pre-filled."""
    _decidable(card, by, seen)
    reason = " ".join((reason or "").split())
    if not reason:
        raise CardError([_("Say why the card is refused: the person who typed it reads it.")])
    if len(reason) > MAX_REASON_CHARS:
        raise CardError([_("The reason is too long: at most %(n)s characters.",
                           n=MAX_REASON_CHARS)])  # fmt: skip
    card.status, card.decided_by_id, card.decided_at = CardStatus.REFUSED, by, utcnow()
    card.refusal_reason = reason
    session.flush()
    audit(session, "cards.refuse", user_id=by, obj=card, reason=reason)


# -- reading ------------------------------------------------------------------------------


def pending_cards(session: Session) -> list[PaperCard]:
    """The cards waiting for a second person, oldest first."""
    query = sa.select(PaperCard).where(PaperCard.status == CardStatus.PENDING)
    return list(session.scalars(query.order_by(PaperCard.entered_at, PaperCard.id)))


def decided_cards(session: Session, limit: int = 50) -> list[PaperCard]:
    """The cards decided most recently."""
    query = sa.select(PaperCard).where(PaperCard.status != CardStatus.PENDING)
    return list(session.scalars(query.order_by(PaperCard.decided_at.desc()).limit(limit)))


def scan_of(session: Session, card: PaperCard) -> bytes | None:
    """The scan's bytes (a deferred column: loaded only here)."""
    return session.scalar(sa.select(PaperCard.scan).where(PaperCard.id == card.id))


def accounts_named(session: Session, ids: Collection[int]) -> list[Account]:
    """The accounts a card declared another company, for its page."""
    if not ids:
        return []
    return list(session.scalars(sa.select(Account).where(Account.id.in_(ids))))


# -- guards and writing -------------------------------------------------------------------


def _editable(account: Account | None) -> Account:
    if account is None:
        raise CardError([_("Choose the account the card corrects.")])
    if account.status == AccountStatus.MERGED or account.anonymised_at is not None:
        raise CardError([_("This account was merged into another or anonymised: a card "
                           "cannot correct it.")])  # fmt: skip
    return account


def _blocking(values: Mapping[str, str], baseline: Mapping[str, str]) -> set[str]:
    """An edit's fields whose doubts block it: those it changes, with the values the
    applier cleans together with them (``external.applying.GROUPS``)."""
    fields = set(changed(values, baseline))
    return fields | {name for group in GROUPS.values() if fields & set(group) for name in group}


def _decidable(card: PaperCard, by: int, seen: str | None) -> None:
    if card.status != CardStatus.PENDING:
        raise CardError([_("This card has been decided already.")])
    if card.entered_by_id == by:
        raise CardError([_("You entered this card: another person must validate or refuse "
                           "it.")])  # fmt: skip
    if seen is not None and seen != card.digest:
        raise CardError([_("The card was corrected since you opened it: read it again "
                           "before deciding.")])  # fmt: skip


def _passing(found: Preview, distinct_from: Collection[int]) -> list[int]:
    """The accounts declared another company that the card looks like now (a declaration
    about an account it no longer resembles is moot); ``CardError`` with what keeps the
    card from being saved, if anything does."""
    shown = {c.account_id for c in found.candidates}
    distinct = sorted(shown & {int(i) for i in distinct_from})
    problems = found.problems(distinct)
    if problems:
        raise CardError(problems)
    return distinct


def _attach(card: PaperCard, scan: Scan | None) -> None:
    if scan is not None:
        card.scan, card.scan_type, card.scan_name = scan.data, scan.content_type, scan.name
        card.scan_size = len(scan.data)


def _write_new(session: Session, card: PaperCard, by: int, reference: Reference) -> None:
    """The card as a one-row import batch (``upsert_accounts``, kind ``card``)."""
    report = upsert_accounts(session, [card.values], source=str(card.id), actor=by,
                             reference=reference, kind=SourceKind.CARD)  # fmt: skip
    (result,) = report.records
    if result.account_key is None:
        raise CardError([m.text for m in result.messages if m.kind == "error"]
                        or [_("The import refused the card.")])  # fmt: skip
    account = session.scalars(sa.select(Account).where(Account.key == result.account_key)).one()
    if account.id in (card.distinct_from or []):
        raise CardError([_("The import finds that this card is %(name)s, which the person who "
                           "typed it marked as another company: refuse the card, or have it "
                           "corrected.", name=account.company_name)])  # fmt: skip
    for pair in _pairs_with(session, report.batch_id, account.id, card.distinct_from or []):
        reject_pair(session, pair, user_id=by)  # declared, and confirmed by a second person
    card.account_id, card.batch_id, card.outcome = account.id, report.batch_id, result.action


def _pairs_with(
    session: Session, batch_id: int, account_id: int, others: Collection[int]
) -> list[DuplicatePair]:
    if not others:
        return []
    a, b = DuplicatePair.account_a_id, DuplicatePair.account_b_id
    query = sa.select(DuplicatePair).where(
        DuplicatePair.batch_id == batch_id,
        DuplicatePair.status == PairStatus.PENDING,
        sa.or_(sa.and_(a == account_id, b.in_(others)), sa.and_(b == account_id, a.in_(others))),
    )
    return list(session.scalars(query))


def _apply_edit(session: Session, card: PaperCard, by: int, reference: Reference) -> None:
    """The fields the typist changed, applied by the one applier there is, in a one-row
    batch of kind ``card`` (the field changes' provenance)."""
    account = _editable(session.get(Account, card.account_id, with_for_update=True))
    now = utcnow()
    batch = ImportBatch(source_kind=SourceKind.CARD, filename=f"card:{card.id}",
                        status=BatchStatus.RUNNING, uploaded_by_id=by)  # fmt: skip
    session.add(batch)
    session.flush()
    applier = Applier(session, batch, reference, now, reason=MANUAL_ENTRY)
    applier.apply(account, 1, changed(card.values, card.baseline or {}))
    outcome = applier.outcome
    if outcome.refused:
        raise CardError([_("%(field)s: %(reason)s.", field=import_field_label(r["field"]),
                           reason=reason_label(r["reason"])) for r in outcome.refused])  # fmt: skip
    written = sum(outcome.changed_by_field.values())
    report = Report(rows_read=1, accounts_updated=int(written > 0), fields_corrected=written)
    batch.status, batch.rows_read, batch.finished_at = BatchStatus.DONE, 1, now
    batch.report = {**report.as_dict(), "card": outcome.as_dict()}
    card.batch_id, card.outcome = batch.id, "applied" if written else "unchanged"


def account_by_key(session: Session, key: str) -> Account | None:
    return session.scalar(sa.select(Account).where(Account.key == (key or "").strip().upper()))
