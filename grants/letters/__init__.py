"""PDF letters in the layout of Decree 30/2020/NĐ-CP: plain data in, bytes out (no Flask).

Each document kind is one specification (grants/letters/kinds/<kind>.py) listed in
grants.letters.registry; the names below are the package's public face.
"""

from __future__ import annotations

from collections.abc import Callable

from grants.domain.enums import DocumentKind

from .base import register_fonts
from .data import (
    DEFAULT_LETTERHEAD,
    DocumentHeader,
    DossierRecord,
    Issuer,
    Letterhead,
    Organisation,
    Person,
)
from .kinds.appraisal_minutes import AppraisalItem, AppraisalMinutes, build_appraisal_minutes
from .kinds.intake_refusal import IntakeRefusal, build_intake_refusal
from .kinds.receipt import ReceiptSlip, SubmittedDocument, build_receipt
from .kinds.rejection_letter import RejectionLetter, build_rejection_letter
from .kinds.supplement_request import MissingItem, SupplementRequest, build_supplement_request
from .kinds.support_decision import (
    DecisionItem,
    SupportDecision,
    build_support_decision,
    default_legal_bases,
)
from .registry import SPECS, spec_of
from .spec import DocumentSpec, DossierRecords, Sample
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
    "DEFAULT_LETTERHEAD",
    "DEFAULT_TEXTS",
    "DOCUMENT_TITLES",
    "KINDS",
    "SPECS",
    "TEXT_KEYS",
    "AppraisalItem",
    "AppraisalMinutes",
    "DecisionItem",
    "DocumentHeader",
    "DocumentSpec",
    "DossierRecord",
    "DossierRecords",
    "IntakeRefusal",
    "Issuer",
    "Letterhead",
    "MissingItem",
    "Organisation",
    "Person",
    "ReceiptSlip",
    "Sample",
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
    "spec_of",
    "template_variable_help",
    "template_variables",
    "validate_template",
]

BUILDERS: dict[DocumentKind, Callable[..., bytes]] = {k: s.build for k, s in SPECS.items()}


def preview(kind: DocumentKind | str, texts: dict[str, str] | None = None) -> bytes:
    """The document ``kind`` rendered on demo data with the admin's ``texts`` (admin preview).

    Raises KeyError for an unknown kind, ValueError for a broken template.
    """
    spec = spec_of(kind)
    data, header, issuer = spec.sample()
    return spec.build(data, header=header, issuer=issuer, texts=texts)
