"""A script version previewed as the agent's call screen shows it, with a sample account.

The preview renders the desk's own template (``templates/desk/_call_screen.html``) with a
``Call`` built here in memory: a sample account, a campaign with the default outcome set
and an empty draft, none of them added to the session. So a preview writes nothing (no
queue entry, draft or call), and what staff see is what the agent will see.
"""

from __future__ import annotations

from flask_babel import gettext as _

from app.accounts.models import Account, AccountPhone, PhoneKind, TonnageClass
from app.campaigns.models import Campaign, QueueEntry
from app.desk.call import Call
from app.desk.models import CallDraft
from app.desk.services import campaign_rules
from app.scripting.models import CallScript
from app.scripting.schema import Script

SAMPLE_PHONE = "+390212345678"


def sample_account() -> Account:
    """A made-up company with every field the shipped script can pre-fill."""
    account = Account(
        key="Q0000000000",
        company_name="Autotrasporti Esempio S.r.l.",
        street="Via Roma",
        house_number="12",
        postcode="20121",
        municipality="Milano",
        province="MI",
        vat_number="12345670157",
        email="info@autotrasporti-esempio.it",
        tonnage_class=TonnageClass.EXTRA_HEAVY,
    )
    account.phones = [
        AccountPhone(raw="02 1234 5678", e164=SAMPLE_PHONE, kind=PhoneKind.FIXED, position=0)
    ]
    return account


def preview_call(stored: CallScript, script: Script) -> Call:
    """The call screen's data for ``script`` (stored as ``stored``, or about to be), in
    memory only."""
    campaign = Campaign(code="PREVIEW", name=_("Preview"), max_attempts=6, outcomes=None)
    account = sample_account()
    return Call(
        entry=QueueEntry(attempts=0),
        account=account,
        campaign=campaign,
        stored_script=stored,
        script=script,
        rules=campaign_rules(campaign, script),
        draft=CallDraft(answers={}, notes=None),
    ).load_card()


def unsaved(name: str, version: int, text: str) -> CallScript:
    """A version not stored (yet): what a text from the editor would be saved as."""
    return CallScript(name=name, version=version, title="", source_text=text, sha256="")
