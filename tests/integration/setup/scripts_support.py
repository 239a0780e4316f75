"""What the call script tests share: scripts as text, counts of what must not change."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.campaigns.models import QueueEntry
from app.desk.models import CallAttempt, CallDraft
from app.scripting.models import CallScript

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = (ROOT / "call_scripts" / "fleet_qualification.toml").read_text(encoding="utf-8")
BROKEN = (ROOT / "tests" / "unit" / "scripting" / "fixtures" / "broken_rules.toml").read_text(
    encoding="utf-8"
)

SHORT = """\
name = "short_check"
title.it = "Verifica rapida"
title.en = "Quick check"
outcomes = ["qualified", "not_interested", "callback", "no_answer"]

[[sections]]
id = "opening"
title.it = "Apertura"
title.en = "Opening"

  [[sections.questions]]
  id = "is_decision_maker"
  type = "yes_no"
  required = true
  label.it = "Parlo con chi si occupa dell'acquisto dei veicoli?"
  label.en = "Am I speaking with the person in charge of vehicle purchases?"

  [[sections.questions]]
  id = "referral_phone"
  type = "phone"
  maps_to = "contact.phone"
  show_if = { question = "is_decision_maker", equals = false }
  label.it = "Qual è il numero diretto del responsabile?"
  label.en = "What is the purchasing manager's direct number?"

  [[sections.questions]]
  id = "company_name"
  type = "text"
  maps_to = "account.company_name"
  prefill = true
  label.it = "Ragione sociale"
  label.en = "Company name"
"""

# The same script with one mistake, on line 28: a type that does not exist.
SHORT_BROKEN = SHORT.replace('type = "text"', 'type = "testo"')


def footprint(session) -> tuple[int, ...]:
    """What a preview or a refusal must leave as it was."""
    return tuple(
        session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (CallScript, QueueEntry, CallDraft, CallAttempt, AuditEntry)
    )
