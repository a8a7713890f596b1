"""Official documents of a dossier: built from its data, numbered, stored as issued (bytes and
SHA-256), and never re-rendered afterwards. Drafts can be previewed before issue.

What each kind prints, and how its data is read from the dossier, is its specification in
grants.letters (``letters.spec_of(kind)``); this module adds the database: the reads a
specification asks for, numbering, storage and the audit trail. The letterhead (issuing body,
place name, the body's signing certificate) comes from the caller, which reads it from the app's
settings.

An issued paper carries a verification code and its QR code (its public page /xac-thuc/<code>)
and is signed with the body's certificate (PAdES); what is stored, and hashed, is the signed
file (issue 14 points 7 and 8).
"""

import hashlib
from datetime import date

from sqlalchemy import select

from grants import letters
from grants.db import local_today
from grants.domain.enums import DocumentKind, EventKind, Outcome
from grants.domain.errors import Conflict, Forbidden, InvalidInput
from grants.domain.roles import Role
from grants.domain.verification_codes import VERIFY_PATH, new_code
from grants.domain.workflow import Action, Status
from grants.extensions import db
from grants.letters import signing
from grants.letters.verification_mark import VerificationMark
from grants.models import (
    AuditEvent,
    Decision,
    DelayApology,
    Document,
    Dossier,
    LetterTemplate,
    SiteVisit,
    SupplementRequest,
    User,
)
from grants.services import audit, events
from grants.services.numbering import next_number

COMMITTEE_SYMBOL = "QĐ-UBND"


class _Records:
    """The reads the specifications' ``gather`` asks for (letters.DossierRecords)."""

    def __init__(self, dossier: Dossier, site_visit: SiteVisit | None = None,
                 correction: str | None = None):
        self.dossier = dossier
        self._site_visit = site_visit
        self._correction = correction

    def today(self) -> date:
        return local_today()

    def _latest(self, model, order):
        return db.session.scalar(select(model).where(model.dossier_id == self.dossier.id)
                                 .order_by(order.desc()).limit(1))

    def latest_supplement_request(self) -> SupplementRequest | None:
        return self._latest(SupplementRequest, SupplementRequest.id)

    def site_visit(self) -> SiteVisit | None:
        if self._site_visit is not None:
            return self._site_visit
        return db.session.scalar(select(SiteVisit).where(
            SiteVisit.dossier_id == self.dossier.id, SiteVisit.voided_at.is_(None))
            .order_by(SiteVisit.visited_local.desc(), SiteVisit.id.desc()).limit(1))

    def correction(self) -> str | None:
        return self._correction

    def latest_audit_note(self, action: str) -> str | None:
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.dossier_id == self.dossier.id, AuditEvent.action == action)
            .order_by(AuditEvent.id.desc()))
        return event.note if event else ""

    def decision(self) -> Decision | None:
        return db.session.scalar(select(Decision).where(Decision.dossier_id == self.dossier.id))

    def latest_delay_apology(self) -> DelayApology | None:
        return self._latest(DelayApology, DelayApology.id)

    def latest_recovery(self):
        from grants.services.ledger import latest_recovery

        return latest_recovery(self.dossier.id)


def _texts(kind: DocumentKind) -> dict[str, str]:
    rows = db.session.scalars(select(LetterTemplate).where(LetterTemplate.kind == kind.value))
    return {r.field: r.text for r in rows}


def check_available(dossier: Dossier, kind: DocumentKind) -> None:
    """Refuse (Conflict) a document asked for before its step."""
    if Status(dossier.status) not in letters.spec_of(kind).available_in:
        raise Conflict(f"Chưa thể lập «{letters.spec_of(kind).title}» khi hồ sơ đang ở trạng "
                       f"thái «{Status(dossier.status).label}».")


def render(dossier: Dossier, kind: DocumentKind, *, actor: User | None,
           number: int | None = None, issued_on=None,
           letterhead: letters.Letterhead = letters.DEFAULT_LETTERHEAD,
           site_visit: SiteVisit | None = None, correction: str | None = None,
           verification: VerificationMark | None = None, symbol: str | None = None) -> bytes:
    """Render ``kind`` for the dossier (a draft when a numbered kind has no number yet);
    minutes record ``site_visit`` (default: the latest visit that counts), and say they
    replace earlier minutes of it for the reason ``correction`` when given; an issued paper
    carries its ``verification`` mark."""
    kind = DocumentKind(kind)
    check_available(dossier, kind)
    spec = letters.spec_of(kind)
    header = letters.DocumentHeader(number=number, symbol=symbol or spec.symbol,
                                    issued_on=issued_on, verification=verification)
    try:
        records = _Records(dossier, site_visit, correction)
        return spec.build(spec.gather(dossier, records), header=header,
                          issuer=spec.signer(letterhead, dossier, actor),
                          texts=_texts(kind) or None)
    except ValueError as err:  # the builders refuse incomplete content in Vietnamese
        raise InvalidInput(str(err), field="kind") from err


def preview(dossier: Dossier, kind: DocumentKind, *, actor: User,
            letterhead: letters.Letterhead = letters.DEFAULT_LETTERHEAD) -> bytes:
    """A draft (unnumbered, marked DỰ THẢO) for review before issue; nothing is stored."""
    return render(dossier, kind, actor=actor, issued_on=None, letterhead=letterhead)


def issue_document(dossier: Dossier, kind: DocumentKind, *, actor: User,
                   letterhead: letters.Letterhead = letters.DEFAULT_LETTERHEAD,
                   site_visit: SiteVisit | None = None,
                   correction: str | None = None,
                   numbered_as: tuple[int, str, date] | None = None) -> Document:
    """Give the document its number (if numbered) and date, render and store it as issued.

    Minutes are issued for one ``site_visit`` (the row names it) and dated the day of the
    visit, when they were drawn up; ``correction`` as in ``render``. ``numbered_as`` (number,
    symbol, date) files a paper another body numbered (the People's Committee's decision):
    it takes none of the Department's numbers."""
    kind = DocumentKind(kind)
    check_available(dossier, kind)
    symbol = letters.spec_of(kind).symbol
    issued_on = site_visit.visited_local.date() if site_visit is not None else local_today()
    if numbered_as is not None:
        number, symbol, issued_on = numbered_as
    else:
        number = next_number(dossier.program_year.year, symbol) if symbol else None
    seal = letterhead.seal or signing.demo_seal()  # no seal: development and tests
    code = new_code()
    mark = VerificationMark(code=code, url=verification_url(letterhead.base_url, code),
                            demo_notice=signing.DEMO_MARK if seal.is_demo else "")
    pdf = render(dossier, kind, actor=actor, number=number, issued_on=issued_on,
                 letterhead=letterhead, site_visit=site_visit, correction=correction,
                 verification=mark, symbol=symbol)
    pdf = signing.sign_pdf(pdf, seal, reason=f"Ban hành {letters.spec_of(kind).title}",
                           location=letterhead.place)
    document = Document(dossier_id=dossier.id, kind=kind.value, year=dossier.program_year.year,
                        number=number, symbol=symbol or "", issued_on=issued_on,
                        issued_by_id=actor.id, sha256=hashlib.sha256(pdf).hexdigest(),
                        size_bytes=len(pdf), pdf=pdf, verification_code=code,
                        site_visit_id=site_visit.id if site_visit is not None else None)
    db.session.add(document)
    db.session.flush()
    audit.record("document.issue", document, actor=actor, dossier=dossier,
                 after={"kind": kind.value, "number": document.number_symbol
                        if number else None, "sha256": document.sha256,
                        **({"site_visit_id": site_visit.id} if site_visit is not None else {})})
    events.emit(EventKind.DOCUMENT_ISSUED, dossier=dossier, actor=actor,
                payload={"document_id": document.id, "kind": kind.value,
                         "number": document.number_symbol if number else None,
                         "issued_on": issued_on, "sha256": document.sha256})
    return document


def verification_url(base_url: str, code: str) -> str:
    """The absolute address of the public verification page of the paper with ``code``."""
    return f"{base_url.rstrip('/')}{VERIFY_PATH}{code}"


def minutes_of(visit: SiteVisit) -> list[Document]:
    """The minutes issued for a visit, oldest first: the last is current, the others were
    superseded by a correction."""
    return list(db.session.scalars(select(Document).where(Document.site_visit_id == visit.id)
                                   .order_by(Document.id)))


def outcome_kind(dossier: Dossier) -> DocumentKind:
    """The outgoing document of a decided dossier: the decision, or the rejection letter."""
    return (DocumentKind.SUPPORT_DECISION if dossier.outcome == Outcome.APPROVED.value
            else DocumentKind.REJECTION_LETTER)


def issue_outcome(dossier: Dossier, *, actor: User, expected_version: int | None = None,
                  letterhead: letters.Letterhead = letters.DEFAULT_LETTERHEAD):
    """The records clerk numbers and issues the decision (or the rejection letter) and the
    dossier moves to «issued»."""
    from grants.services.dossiers import transition

    if not actor.has_role(Role.RECORDS):
        raise Forbidden("Chỉ văn thư được vào số và ban hành văn bản.")
    decision = db.session.scalar(select(Decision).where(Decision.dossier_id == dossier.id))
    kind = outcome_kind(dossier)
    numbered_as = None
    if kind == DocumentKind.SUPPORT_DECISION and decision is not None \
            and decision.committee_number is not None:
        # The People's Committee's decision: filed with its own number and date.
        numbered_as = (decision.committee_number, COMMITTEE_SYMBOL,
                       decision.committee_decided_on)
    document = issue_document(dossier, kind, actor=actor, letterhead=letterhead,
                              numbered_as=numbered_as)
    if decision is not None:
        decision.document_id = document.id
    transition(dossier, Action.ISSUE, actor, expected_version=expected_version,
               details={"document": document.number_symbol})
    return document


def documents_of(dossier: Dossier) -> list[Document]:
    return list(db.session.scalars(select(Document).where(Document.dossier_id == dossier.id)
                                   .order_by(Document.id)))
