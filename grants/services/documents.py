"""Official documents of a dossier: built from its data, numbered, stored as issued (bytes and
SHA-256), and never re-rendered afterwards. Drafts can be previewed before issue."""

import hashlib
import json

from flask import current_app
from sqlalchemy import select

from grants import letters
from grants.db import local_today, to_local
from grants.domain.errors import Conflict, Forbidden, InvalidInput
from grants.domain.roles import Role
from grants.domain.workflow import Action, Status
from grants.extensions import db
from grants.models import (
    Decision,
    Document,
    Dossier,
    LetterTemplate,
    SiteVisit,
    SupplementRequest,
    User,
)
from grants.models.enums import Channel, CopyKind, DocumentKind, Outcome
from grants.services import audit
from grants.services.numbering import next_number

# Numbered outgoing documents get a number per (year, symbol) from the records clerk;
# one-stop-desk slips and minutes carry none.
SYMBOLS = {
    DocumentKind.SUPPORT_DECISION: "QĐ-SKHCN",
    DocumentKind.REJECTION_LETTER: "SKHCN-TĐC",
}

# Which states a dossier must have reached (or passed) before a document of the kind exists.
AVAILABLE_FROM = {
    DocumentKind.RECEIPT: {Status.RECEIVED, Status.ASSIGNED, Status.APPRAISED, Status.REVIEWED,
                           Status.APPROVED, Status.REJECTED, Status.ISSUED, Status.RETURNED},
    DocumentKind.SUPPLEMENT_REQUEST: {Status.SUPPLEMENT_REQUESTED},
    DocumentKind.INTAKE_REFUSAL: {Status.REFUSED},
    DocumentKind.APPRAISAL_MINUTES: {Status.ASSIGNED, Status.APPRAISED, Status.REVIEWED,
                                     Status.APPROVED, Status.REJECTED, Status.ISSUED,
                                     Status.RETURNED},
    DocumentKind.SUPPORT_DECISION: {Status.APPROVED, Status.ISSUED, Status.RETURNED},
    DocumentKind.REJECTION_LETTER: {Status.REJECTED, Status.ISSUED, Status.RETURNED},
}

TITLES = letters.DOCUMENT_TITLES


def _org(dossier: Dossier) -> letters.Organisation:
    org = dossier.organisation
    return letters.Organisation(name=org.name, address=org.address or "",
                                tax_code=org.tax_code, phone=org.phone or "",
                                email=org.email or "", representative=org.representative or "")


def _issuer(dossier: Dossier, kind: DocumentKind, actor: User | None) -> letters.Issuer:
    body = tuple(current_app.config["ISSUING_BODY"])
    place = current_app.config["PLACE_NAME"]
    if kind in (DocumentKind.RECEIPT, DocumentKind.SUPPLEMENT_REQUEST,
                DocumentKind.INTAKE_REFUSAL):
        return letters.Issuer(body_lines=body, place=place,
                              signer_title_lines=("NGƯỜI TIẾP NHẬN HỒ SƠ",),
                              signer_name=actor.full_name if actor else "")
    if kind == DocumentKind.APPRAISAL_MINUTES:
        return letters.Issuer(body_lines=(*body[1:], "CHI CỤC TIÊU CHUẨN ĐO LƯỜNG CHẤT LƯỢNG"),
                              place=place, signer_title_lines=("TRƯỞNG ĐOÀN THẨM ĐỊNH",),
                              signer_name=actor.full_name if actor else "")
    year = dossier.program_year
    lines = tuple(line.strip() for line in (year.signer_title or "").splitlines() if line.strip())
    return letters.Issuer(body_lines=body, place=place,
                          signer_title_lines=lines or ("GIÁM ĐỐC",),
                          signer_name=year.signer_name or "")


def _texts(kind: DocumentKind) -> dict[str, str]:
    rows = db.session.scalars(select(LetterTemplate).where(LetterTemplate.kind == kind.value))
    return {r.field: r.text for r in rows}


def _latest(model, dossier: Dossier, order):
    return db.session.scalar(select(model).where(model.dossier_id == dossier.id)
                             .order_by(order.desc()).limit(1))


def _data(dossier: Dossier, kind: DocumentKind):
    org = _org(dossier)
    if kind == DocumentKind.RECEIPT:
        due = to_local(dossier.due_at).date() if dossier.due_at else local_today()
        docs = [letters.SubmittedDocument(name=r.checklist_item.label,
                                          copy_kind=CopyKind(r.copy_kind).label
                                          if r.copy_kind else "")
                for r in sorted(dossier.checklist_results,
                                key=lambda r: r.checklist_item.position) if r.is_present]
        if not docs:
            docs = [letters.SubmittedDocument(name=a.checklist_item.label
                                              if a.checklist_item else a.original_name,
                                              copy_kind=CopyKind.DIGITAL.label)
                    for a in dossier.attachments if not a.is_removed]
        return letters.ReceiptSlip(
            dossier_code=dossier.code, organisation=org,
            submitter=dossier.submitter_name or org.representative or org.name,
            submitter_phone=dossier.submitter_phone or org.phone,
            received_at=to_local(dossier.received_at), documents=docs, due_on=due,
            return_channel=Channel(dossier.return_channel).label,
            processing_days=dossier.program_year.statutory_days)
    if kind == DocumentKind.SUPPLEMENT_REQUEST:
        request = _latest(SupplementRequest, dossier, SupplementRequest.id)
        if request is None:
            raise Conflict("Hồ sơ chưa có yêu cầu bổ sung.")
        items = [letters.MissingItem(name=i["label"], note=i.get("note", ""))
                 for i in json.loads(request.items_json)]
        return letters.SupplementRequest(dossier_code=dossier.code, organisation=org,
                                         items=items)
    if kind == DocumentKind.INTAKE_REFUSAL:
        from grants.models import AuditEvent

        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.dossier_id == dossier.id, AuditEvent.action == "dossier.refuse")
            .order_by(AuditEvent.id.desc()))
        return letters.IntakeRefusal(dossier_code=dossier.code, organisation=org,
                                     reason=event.note if event else "",
                                     received_at=to_local(dossier.submitted_at)
                                     if dossier.submitted_at else None)
    if kind == DocumentKind.APPRAISAL_MINUTES:
        visit = _latest(SiteVisit, dossier, SiteVisit.visited_at)
        if visit is None:
            raise Conflict("Chưa có lần thẩm định thực tế nào để lập biên bản.")
        team = [_person(line) for line in visit.team.splitlines() if line.strip()]
        reps = [_person(line) for line in (visit.org_representatives or "").splitlines()
                if line.strip()]
        items = [letters.AppraisalItem(catalogue_name=i.catalogue_item.name,
                                       consulting_cost_vnd=i.consulting_cost_vnd,
                                       eligible_cost_vnd=i.eligible_cost_vnd
                                       if i.eligible_cost_vnd is not None
                                       else i.consulting_cost_vnd,
                                       proposed_vnd=i.proposed_vnd or 0)
                 for i in dossier.items]
        return letters.AppraisalMinutes(dossier_code=dossier.code, organisation=org,
                                        visited_at=visit.visited_at, place=visit.place,
                                        team=team, representatives=reps,
                                        findings=visit.findings, items=items,
                                        conclusion=visit.findings)
    decision = db.session.scalar(select(Decision).where(Decision.dossier_id == dossier.id))
    if kind == DocumentKind.SUPPORT_DECISION:
        if decision is None or decision.outcome != Outcome.APPROVED.value:
            raise Conflict("Hồ sơ chưa được phê duyệt hỗ trợ; chưa thể lập quyết định.")
        items = [letters.DecisionItem(catalogue_code=i.catalogue_item.code,
                                      name=i.catalogue_item.name, approved_vnd=i.approved_vnd)
                 for i in dossier.items if i.approved_vnd]
        authority = ("GIÁM ĐỐC SỞ KHOA HỌC VÀ CÔNG NGHỆ"
                     if dossier.program_year.authority == "director"
                     else "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH")
        return letters.SupportDecision(organisation=org, items=items,
                                       total_vnd=decision.total_vnd,
                                       program_year=dossier.program_year.year,
                                       deciding_authority=authority, dossier_code=dossier.code)
    if kind == DocumentKind.REJECTION_LETTER:
        if decision is None or decision.outcome != Outcome.REJECTED.value:
            raise Conflict("Hồ sơ không ở trạng thái bị từ chối hỗ trợ; chưa thể lập văn bản "
                           "trả lời.")
        return letters.RejectionLetter(
            organisation=org, dossier_code=dossier.code,
            reasons=json.loads(decision.reasons_json), next_steps=decision.next_steps or "",
            program_year=dossier.program_year.year,
            received_on=to_local(dossier.received_at).date() if dossier.received_at else None)
    raise InvalidInput("Loại văn bản không hợp lệ.", field="kind")


def _person(line: str) -> letters.Person:
    name, _, title = line.partition(" - ")
    return letters.Person(name=name.strip(), title=title.strip())


def check_available(dossier: Dossier, kind: DocumentKind) -> None:
    """Refuse (Conflict) a document asked for before its step."""
    if Status(dossier.status) not in AVAILABLE_FROM[kind]:
        raise Conflict(f"Chưa thể lập «{TITLES[kind.value]}» khi hồ sơ đang ở trạng thái "
                       f"«{Status(dossier.status).label}».")


def render(dossier: Dossier, kind: DocumentKind, *, actor: User | None,
           number: int | None = None, issued_on=None) -> bytes:
    """Render ``kind`` for the dossier (a draft when a numbered kind has no number yet)."""
    kind = DocumentKind(kind)
    check_available(dossier, kind)
    header = letters.DocumentHeader(number=number, symbol=SYMBOLS.get(kind),
                                    issued_on=issued_on)
    try:
        return letters.BUILDERS[kind.value](_data(dossier, kind), header=header,
                                            issuer=_issuer(dossier, kind, actor),
                                            texts=_texts(kind) or None)
    except ValueError as err:  # the builders refuse incomplete content in Vietnamese
        raise InvalidInput(str(err), field="kind") from err


def preview(dossier: Dossier, kind: DocumentKind, *, actor: User) -> bytes:
    """A draft (unnumbered, marked DỰ THẢO) for review before issue; nothing is stored."""
    return render(dossier, kind, actor=actor, issued_on=None)


def issue_document(dossier: Dossier, kind: DocumentKind, *, actor: User) -> Document:
    """Give the document its number (if numbered) and date, render and store it as issued."""
    kind = DocumentKind(kind)
    check_available(dossier, kind)
    symbol = SYMBOLS.get(kind)
    today = local_today()
    number = next_number(dossier.program_year.year, symbol) if symbol else None
    pdf = render(dossier, kind, actor=actor, number=number, issued_on=today)
    document = Document(dossier_id=dossier.id, kind=kind.value, year=dossier.program_year.year,
                        number=number, symbol=symbol or "", issued_on=today,
                        issued_by_id=actor.id, sha256=hashlib.sha256(pdf).hexdigest(),
                        size_bytes=len(pdf), pdf=pdf)
    db.session.add(document)
    db.session.flush()
    audit.record("document.issue", document, actor=actor, dossier=dossier,
                 after={"kind": kind.value, "number": document.number_symbol
                        if number else None, "sha256": document.sha256})
    return document


def issue_outcome(dossier: Dossier, *, actor: User, expected_version: int | None = None):
    """The records clerk numbers and issues the decision (or the rejection letter) and the
    dossier moves to «issued»."""
    from grants.services.dossiers import transition

    if not actor.has_role(Role.RECORDS):
        raise Forbidden("Chỉ văn thư được vào số và ban hành văn bản.")
    kind = (DocumentKind.SUPPORT_DECISION if dossier.outcome == Outcome.APPROVED.value
            else DocumentKind.REJECTION_LETTER)
    document = issue_document(dossier, kind, actor=actor)
    decision = db.session.scalar(select(Decision).where(Decision.dossier_id == dossier.id))
    if decision is not None:
        decision.document_id = document.id
    transition(dossier, Action.ISSUE, actor, expected_version=expected_version,
               details={"document": document.number_symbol})
    return document


def documents_of(dossier: Dossier) -> list[Document]:
    return list(db.session.scalars(select(Document).where(Document.dossier_id == dossier.id)
                                   .order_by(Document.id)))
