"""PDF letters in the layout of Decree 30/2020/NĐ-CP: plain data in, bytes out (no Flask)."""

from __future__ import annotations

from collections.abc import Callable

from .appraisal import build_appraisal_minutes
from .base import register_fonts
from .data import (
    AppraisalItem,
    AppraisalMinutes,
    DecisionItem,
    DocumentHeader,
    IntakeRefusal,
    Issuer,
    MissingItem,
    Organisation,
    Person,
    ReceiptSlip,
    RejectionLetter,
    SubmittedDocument,
    SupplementRequest,
    SupportDecision,
    default_legal_bases,
)
from .decision import build_support_decision
from .intake import build_intake_refusal, build_receipt, build_supplement_request
from .rejection import build_rejection_letter
from .texts import (
    DEFAULT_TEXTS,
    DOCUMENT_TITLES,
    KINDS,
    TEXT_KEYS,
    template_variable_help,
    template_variables,
    validate_template,
)
from .words import amount_in_words

__all__ = [
    "BUILDERS",
    "DEFAULT_TEXTS",
    "DOCUMENT_TITLES",
    "KINDS",
    "TEXT_KEYS",
    "AppraisalItem",
    "AppraisalMinutes",
    "DecisionItem",
    "DocumentHeader",
    "IntakeRefusal",
    "Issuer",
    "MissingItem",
    "Organisation",
    "Person",
    "ReceiptSlip",
    "RejectionLetter",
    "SubmittedDocument",
    "SupplementRequest",
    "SupportDecision",
    "amount_in_words",
    "build_appraisal_minutes",
    "build_intake_refusal",
    "build_receipt",
    "build_rejection_letter",
    "build_supplement_request",
    "build_support_decision",
    "default_legal_bases",
    "preview",
    "register_fonts",
    "template_variable_help",
    "template_variables",
    "validate_template",
]

BUILDERS: dict[str, Callable[..., bytes]] = {
    "receipt": build_receipt,
    "supplement_request": build_supplement_request,
    "intake_refusal": build_intake_refusal,
    "appraisal_minutes": build_appraisal_minutes,
    "support_decision": build_support_decision,
    "rejection_letter": build_rejection_letter,
}


def preview(kind: str, texts: dict[str, str] | None = None) -> bytes:
    """The document ``kind`` rendered on demo data with the admin's ``texts`` (admin preview).

    Raises KeyError for an unknown kind, ValueError for a broken template.
    """
    from .samples import sample_data, sample_header, sample_issuer

    return BUILDERS[kind](
        sample_data(kind), header=sample_header(kind), issuer=sample_issuer(kind), texts=texts
    )
