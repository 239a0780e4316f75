"""Every model in one namespace, for Alembic, the shell and the tests."""

from app.accounts import sites  # noqa: F401  (a head office's row follows its account)
from app.accounts.models import (
    Account,
    AccountFlag,
    AccountPhone,
    AccountSite,
    AccountSource,
    Contact,
    FleetLine,
    Opportunity,
)
from app.api.models import ApiKey, IdempotentRequest
from app.audit.models import AuditEntry
from app.board.models import BoardOutcomeTally, BoardTally
from app.campaigns.models import Campaign, QueueEntry
from app.cards.models import PaperCard
from app.desk.models import CallAttempt, CallDraft
from app.distribution.models import ExportRun, Wave, WaveAccount
from app.donotcall.models import DncEntry, DncList
from app.imports.models import (
    AccountMerge,
    DuplicatePair,
    FieldChange,
    ImportBatch,
    ImportMapping,
    ImportRejection,
)
from app.jobs.models import JobRun
from app.mail.models import MailMessage
from app.results.models import AccountResult
from app.scripting.models import CallScript
from app.territory.models import (
    Dealer,
    Municipality,
    MunicipalityPostcode,
    Province,
    Salesperson,
    TerritoryRule,
    Zone,
)
from app.users.models import Team, User
from app.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from app.workday.models import FloorMessage, PauseReason, StatePeriod

__all__ = [
    "Account",
    "AccountFlag",
    "AccountMerge",
    "AccountPhone",
    "AccountResult",
    "AccountSite",
    "AccountSource",
    "ApiKey",
    "AuditEntry",
    "BoardOutcomeTally",
    "BoardTally",
    "CallAttempt",
    "CallDraft",
    "CallScript",
    "Campaign",
    "Contact",
    "Dealer",
    "DncEntry",
    "DncList",
    "DuplicatePair",
    "ExportRun",
    "FieldChange",
    "FleetLine",
    "FloorMessage",
    "IdempotentRequest",
    "ImportBatch",
    "ImportMapping",
    "ImportRejection",
    "JobRun",
    "MailMessage",
    "Municipality",
    "MunicipalityPostcode",
    "Opportunity",
    "PaperCard",
    "PauseReason",
    "Province",
    "QueueEntry",
    "Salesperson",
    "StatePeriod",
    "Team",
    "TerritoryRule",
    "User",
    "Wave",
    "WaveAccount",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
    "Zone",
]
