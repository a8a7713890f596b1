"""All models, imported here so Alembic autogenerate and the app see every table."""

from grants.models.appraisal import Appraisal, SiteVisit
from grants.models.audit import AuditEvent
from grants.models.decision import Decision
from grants.models.document import Counter, Document
from grants.models.dossier import (
    Attachment,
    ChecklistResult,
    Dossier,
    DossierItem,
    SupplementRequest,
)
from grants.models.ledger import LedgerEntry
from grants.models.organisation import Organisation
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
from grants.models.user import ApiToken, User, UserRole

__all__ = [
    "ApiToken", "Appraisal", "Attachment", "AuditEvent", "CatalogueItem", "ChecklistItem",
    "ChecklistResult", "Counter", "Decision", "Document", "Dossier", "DossierItem",
    "HolidayOverride", "LedgerEntry", "LetterTemplate", "Organisation", "ProcedureStep",
    "ProgramYear", "RejectionReason", "SiteVisit", "SupplementRequest", "SupportRule", "User",
    "UserRole",
]
