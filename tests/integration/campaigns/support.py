"""Data and helpers shared by the campaign tests."""

from __future__ import annotations

from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.campaigns.models import Campaign
from config import ROOT

SCRIPT = ROOT / "call_scripts" / "fleet_qualification.toml"

# A valid outcome set of two: the smallest a campaign may sensibly use.
OUTCOMES = [
    {
        "code": "qualified",
        "label_it": "Qualificato",
        "label_en": "Qualified",
        "key": "q",
        "status": "qualified",
        "reached": True,
        "final": True,
        "qualified": True,
    },
    {
        "code": "no_answer",
        "label_it": "Non risponde",
        "label_en": "No answer",
        "key": "a",
        "status": "queued",
        "retry": "no_answer",
    },
]


def counts(session) -> tuple[int, int]:
    """Campaign and audit rows: what a refused command must leave unchanged."""
    return (
        session.scalar(select(func.count()).select_from(Campaign)),
        session.scalar(select(func.count()).select_from(AuditEntry)),
    )


def audit_actions(session, campaign: Campaign) -> list[str]:
    return list(
        session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "campaigns", AuditEntry.object_id == str(campaign.id))
            .order_by(AuditEntry.id)
        )
    )
