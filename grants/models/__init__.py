"""All models, imported here so Alembic autogenerate and the app see every table."""

from grants.models.annual_report import AnnualReportText
from grants.models.appraisal import Appraisal, SiteVisit
from grants.models.audit import AuditEvent
from grants.models.credentials import RecoveryCode
from grants.models.decision import Decision
from grants.models.delay import DelayApology
from grants.models.document import Counter, Document
from grants.models.dossier import (
    Attachment,
    ChecklistResult,
    Dossier,
    DossierItem,
    SupplementRequest,
)
from grants.models.event import DomainEvent, SecurityEvent
from grants.models.idempotency import IdempotencyRecord
from grants.models.job import Job
from grants.models.ledger import LedgerEntry, PendingPayment
from grants.models.mail import OutgoingEmail
from grants.models.notification import (
    Notification,
    NotificationPreference,
    OrganisationContact,
    ScheduledRun,
)
from grants.models.organisation import Organisation, OrganisationClaim
from grants.models.privacy import PersonalDataErasure
from grants.models.program import (
    CatalogueItem,
    ChecklistItem,
    HolidayOverride,
    LetterTemplate,
    ProcedureStep,
    ProgramYear,
    RejectionReason,
    SupportRule,
)
from grants.models.rating import ServiceRating
from grants.models.summary import SummaryDossiers, SummaryItems, SummaryLedger, SummarySteps
from grants.models.user import ApiToken, User, UserRole
from grants.models.webhook import Webhook, WebhookDelivery

__all__ = [
    "AnnualReportText", "ApiToken", "Appraisal", "Attachment", "AuditEvent", "CatalogueItem",
    "ChecklistItem", "ChecklistResult", "Counter", "Decision", "DelayApology", "Document",
    "DomainEvent", "Dossier",
    "DossierItem", "HolidayOverride", "IdempotencyRecord", "Job", "LedgerEntry",
    "LetterTemplate", "Notification", "NotificationPreference", "Organisation",
    "OrganisationClaim", "OrganisationContact", "OutgoingEmail", "PendingPayment",
    "PersonalDataErasure", "ProcedureStep", "ProgramYear", "RecoveryCode", "RejectionReason",
    "ScheduledRun", "SecurityEvent", "ServiceRating", "SiteVisit", "SupplementRequest",
    "SummaryDossiers", "SummaryItems", "SummaryLedger", "SummarySteps", "SupportRule", "User",
    "UserRole", "Webhook", "WebhookDelivery",
]
