"""The call in hand, as the desk's pages and its outcome read it: the queue entry with its
campaign, account and script, the draft, and the account's past, each read when first
used (``services.open_call`` and ``view_call`` make one)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import object_session

from app.accounts.models import Account, Contact, FleetLine, Opportunity
from app.accounts.phones import dialled_phone
from app.accounts.sites import SiteView, default_site_id, site_of_phone, views
from app.campaigns.models import Campaign, QueueEntry
from app.campaigns.outcomes import OutcomeRule
from app.desk.fields import FIELD_PREFIX, MAX_FLEET_ROWS
from app.desk.models import CallAttempt, CallDraft
from app.scripting.known import form_fields
from app.scripting.models import CallScript
from app.scripting.schema import Script
from app.scripting.services import prefill_answers

_HISTORY = (
    sa.select(CallAttempt)
    .where(CallAttempt.account_id == sa.bindparam("account_id"))
    .order_by(CallAttempt.started_at.desc())
)


@dataclass
class Call:
    """Everything the desk shows for the call in hand."""

    entry: QueueEntry
    account: Account
    campaign: Campaign
    stored_script: CallScript
    script: Script
    rules: dict[str, OutcomeRule]
    draft: CallDraft

    # What the card shows of the account's past: read when first used, so an outcome that
    # needs none of it (no answer, busy) does not load it; ``load_card`` reads it all
    # before the call screen renders (no query from a template).
    @cached_property
    def history(self) -> list[CallAttempt]:
        """The account's earlier calls, newest first (none for an account in memory only,
        the script's preview)."""
        session = object_session(self.account)
        if session is None:
            return []
        return list(session.scalars(_HISTORY, {"account_id": self.account.id}))

    @cached_property
    def contacts(self) -> list[Contact]:
        return list(self.account.contacts)

    @cached_property
    def fleet(self) -> list[FleetLine]:
        return list(self.account.fleet)

    @cached_property
    def opportunities(self) -> list[Opportunity]:
        return sorted(self.account.opportunities, key=lambda o: o.created_at, reverse=True)

    def load_card(self) -> Call:
        """Everything the call screen reads, loaded now, before its template runs."""
        _ = (self.history, self.contacts, self.fleet, self.opportunities, self.sites)
        return self

    @property
    def practice(self) -> bool:
        """A practice call: shown as one, its number not dialable."""
        return self.campaign.practice or self.account.practice

    @cached_property
    def sites(self) -> list[SiteView]:
        """The company's sites, head office first, each with its phones."""
        return views(self.account)

    @property
    def default_site_id(self) -> int | None:
        """``default_site``'s id: from the sites if the screen loaded them, otherwise in one
        query (an outcome records the id, the sites' objects are not needed)."""
        if "sites" in self.__dict__:
            return self.default_site.id
        return default_site_id(object_session(self.account), self.account.id)

    @property
    def default_site(self) -> SiteView:
        """The site the call qualifies unless the agent says otherwise: the one whose number
        the desk dials, else the head office."""
        return site_of_phone(self.sites, dialled_phone(self.account))

    @cached_property
    def fields(self) -> dict[str, Any]:
        """Form values: the draft's, or the account's known data for a fresh call (made
        once: the page reads them again for every fleet table)."""
        if self.draft.answers:
            return self.draft.answers
        return form_fields(prefill_answers(self.script, self.account), FIELD_PREFIX)

    def fleet_rows(self, question_id: str) -> int:
        """Rows to show for a fleet table: those already filled, one empty, at least three."""
        prefix = f"{FIELD_PREFIX}{question_id}."
        used = [int(k.split(".")[2]) for k in self.fields if k.startswith(prefix)]
        return min(MAX_FLEET_ROWS, max(3, max(used, default=-1) + 2))
