"""The document kinds: DocumentKind → its specification. A new kind is one module under
grants/letters/kinds/ and one line here."""

from __future__ import annotations

from grants.domain.enums import DocumentKind

from .kinds import (
    appraisal_minutes,
    committee_proposal,
    delay_apology,
    intake_refusal,
    processing_supplement,
    receipt,
    recovery_decision,
    rejection_letter,
    supplement_request,
    support_decision,
)
from .spec import DocumentSpec

__all__ = ["SPECS", "spec_of"]

SPECS: dict[DocumentKind, DocumentSpec] = {
    DocumentKind.RECEIPT: receipt.SPEC,
    DocumentKind.SUPPLEMENT_REQUEST: supplement_request.SPEC,
    DocumentKind.INTAKE_REFUSAL: intake_refusal.SPEC,
    DocumentKind.APPRAISAL_MINUTES: appraisal_minutes.SPEC,
    DocumentKind.SUPPORT_DECISION: support_decision.SPEC,
    DocumentKind.REJECTION_LETTER: rejection_letter.SPEC,
    DocumentKind.PROCESSING_SUPPLEMENT: processing_supplement.SPEC,  # issue 14
    DocumentKind.DELAY_APOLOGY: delay_apology.SPEC,  # issue 14
    DocumentKind.RECOVERY_DECISION: recovery_decision.SPEC,
    DocumentKind.COMMITTEE_PROPOSAL: committee_proposal.SPEC,
}


def spec_of(kind: DocumentKind | str) -> DocumentSpec:
    """The specification of ``kind`` (a DocumentKind or its value). Raises KeyError."""
    try:
        return SPECS[kind]  # a DocumentKind is its value, so either finds the spec
    except KeyError:
        raise KeyError(f"Không có loại văn bản {kind!r}.") from None
