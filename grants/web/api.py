"""JSON API ``/api/v1`` for the provincial one-stop software: bearer tokens, the same services.

Each request authenticates with ``Authorization: Bearer <token>`` (except the public lookup and
the OpenAPI document), is validated against the schemas published in ``grants.api_schemas``, runs
the lifecycle services inside one ``atomic()`` block, and answers JSON. Every error is
``{"error": {"code", "message", "fields"}}``; field paths name the JSON field
(``items[0].requested_vnd``).
"""

import json
import re
from datetime import UTC, datetime
from io import BytesIO

from flask import Blueprint, current_app, g, jsonify, request, send_file, url_for
from sqlalchemy import false, select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from grants import api_schemas
from grants.api_schemas import ID_MAX, PayloadInvalid
from grants.db import LOCAL_TZ, atomic, to_local
from grants.domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from grants.domain.organisations import OrgType, validate_tax_code
from grants.domain.roles import Role
from grants.domain.workflow import Action, Status, allowed_actions, is_decided, next_status
from grants.extensions import csrf, db, limiter
from grants.models import (
    AuditEvent,
    Document,
    Dossier,
    Organisation,
    ProgramYear,
    SupplementRequest,
    User,
)
from grants.permissions import can_view_dossier
from grants.services import accounts, budget_queries, documents, organisations, uploads
from grants.services import dossiers as svc
from grants.services.dossiers import ChecklistLine, ItemInput

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, not cookies: there is no session for a forged form to ride on

PUBLIC_ENDPOINTS = frozenset({"api.lookup", "api.openapi"})
PER_PAGE_MAX = 100


class ApiError(Exception):
    """An HTTP-level problem with the request itself (malformed JSON, not an object)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _error(status: int, code: str, message: str, fields=None, headers=None):
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    response.headers.update(headers or {})
    return response


# ---------------------------------------------------------------- authentication and errors


@bp.before_request
def _authenticate():
    g.no_store = True
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    user = accounts.user_for_token(token) if scheme.lower() == "bearer" and token else None
    if user is None:
        challenge = 'Bearer realm="grants"' + (', error="invalid_token"' if token else "")
        return _error(401, "unauthorized", "Cần mã truy cập API hợp lệ trong tiêu đề "
                      "Authorization: Bearer <mã>.", headers={"WWW-Authenticate": challenge})
    g.api_user = user
    return None


_FIELD_NAMES = (
    (re.compile(r"items-(\d+)-(\w+)"), r"items[\1].\2"),
    (re.compile(r"eligible_(\d+)"), r"eligible_costs.\1"),
    (re.compile(r"eligible"), "eligible_costs"),
    (re.compile(r"amount_(\d+)"), r"amounts.\1"),
)


def _api_field(field: str) -> str:
    """A service's form-style field name as the JSON path a client sent."""
    for pattern, replacement in _FIELD_NAMES:
        if pattern.fullmatch(field):
            return pattern.sub(replacement, field)
    match = re.fullmatch(r"copy_kind_(\d+)", field)
    if match:
        lines = (getattr(g, "api_payload", None) or {}).get("checklist") or []
        for index, line in enumerate(lines):
            if str(line.get("checklist_item_id")) == match.group(1):
                return f"checklist[{index}].copy_kind"
        return "checklist"
    return field


@bp.errorhandler(DomainError)
def _domain_error(err: DomainError):
    status = 422
    for kind, code in ((NotFound, 404), (Forbidden, 403), (Conflict, 409)):
        if isinstance(err, kind):
            status = code
    if isinstance(err, PayloadInvalid):
        fields = err.errors
    else:
        fields = {_api_field(err.field): [err.message]} if err.field else {}
    return _error(status, err.code, err.message, fields)


@bp.errorhandler(ApiError)
def _api_error(err: ApiError):
    return _error(err.status, err.code, err.message)


@bp.errorhandler(StaleDataError)
def _stale(err):
    db.session.rollback()
    return _error(409, "conflict", "Hồ sơ vừa được người khác thay đổi; hãy đọc lại và thử lại.")


@bp.errorhandler(HTTPException)
def _http_error(err: HTTPException):
    # Codes the app has no JSON handler for (e.g. 415); the others are answered app-wide.
    return _error(err.code or 500, "http_error", err.description or err.name)


# ---------------------------------------------------------------- parsing


def _reject_constant(name: str):
    raise ValueError(name)


def _json_body() -> dict:
    """The request body as a JSON object ({} when empty); ApiError 400 otherwise."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        payload = {}
    else:
        try:
            payload = json.loads(raw, parse_constant=_reject_constant)
        except ValueError:
            raise ApiError(400, "bad_json", "Thân yêu cầu không phải JSON hợp lệ (UTF-8).") \
                from None
    if not isinstance(payload, dict):
        raise ApiError(400, "bad_json", "Thân yêu cầu phải là một đối tượng JSON {…}.")
    g.api_payload = payload
    return payload


def _int_arg(name: str, *, minimum: int = 1, maximum: int = ID_MAX, default=None):
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]{1,10}", raw) or not minimum <= int(raw) <= maximum:
        raise InvalidInput(f"Phải là số nguyên từ {minimum} đến {maximum}.", field=name)
    return int(raw)


def _paging() -> tuple[int, int]:
    per_page = _int_arg("per_page", maximum=PER_PAGE_MAX,
                        default=min(current_app.config["PER_PAGE"], PER_PAGE_MAX))
    return _int_arg("page", maximum=10**6, default=1), per_page


def _local_datetime(text: str, field: str) -> datetime:
    """ISO text to naive Vietnam local time (an explicit offset is converted)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput("Ngày giờ không hợp lệ (ví dụ 2026-03-05T09:00).", field=field) \
            from None
    if value.tzinfo is not None:
        value = value.astimezone(LOCAL_TZ).replace(tzinfo=None)
    return value


def _item_keys(mapping: dict | None) -> dict[int, object] | None:
    return None if mapping is None else {int(k): v for k, v in mapping.items()}


# ---------------------------------------------------------------- loading


def _visible_dossier(dossier_id: int, user: User, *, lock: bool = False) -> Dossier:
    if dossier_id > ID_MAX:
        raise NotFound("Không tìm thấy hồ sơ.")
    dossier = svc.lock_dossier(dossier_id) if lock else db.session.get(Dossier, dossier_id)
    if dossier is None or not can_view_dossier(user, dossier):
        raise NotFound("Không tìm thấy hồ sơ.")
    return dossier


# ---------------------------------------------------------------- serialising


def _iso(at: datetime | None) -> str | None:
    """A naive-UTC column value as ISO 8601 in Vietnam local time (+07:00)."""
    if at is None:
        return None
    return at.replace(tzinfo=UTC).astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def _local_date(at: datetime | None) -> str | None:
    return to_local(at).date().isoformat() if at else None


def _organisation(org: Organisation) -> dict:
    return {"id": org.id, "name": org.name, "org_type": org.org_type,
            "org_type_label": OrgType(org.org_type).label, "tax_code": org.tax_code,
            "address": org.address, "commune": org.commune, "sector": org.sector,
            "size": org.size, "representative": org.representative,
            "representative_title": org.representative_title, "phone": org.phone,
            "email": org.email, "created_at": _iso(org.created_at)}


def _dossier_url(dossier: Dossier) -> str:
    return url_for("api.get_dossier", dossier_id=dossier.id)


def _summary(dossier: Dossier) -> dict:
    return {"id": dossier.id, "code": dossier.code, "organisation_id": dossier.organisation_id,
            "organisation_name": dossier.organisation.name,
            "year": dossier.program_year.year, "state": dossier.status,
            "state_label": dossier.status_label, "due_date": _local_date(dossier.due_at),
            "version": dossier.version, "url": _dossier_url(dossier)}


def _items(dossier: Dossier, user: User) -> list[dict]:
    # The appraiser's figures are internal until the leadership has decided.
    internal_hidden = not user.is_staff and not is_decided(dossier.status)
    return [{"id": i.id, "catalogue_code": i.catalogue_item.code,
             "catalogue_name": i.catalogue_item.name, "evidence": i.evidence,
             "consulting_cost_vnd": i.consulting_cost_vnd, "requested_vnd": i.requested_vnd,
             "eligible_cost_vnd": None if internal_hidden else i.eligible_cost_vnd,
             "proposed_vnd": None if internal_hidden else i.proposed_vnd,
             "approved_vnd": i.approved_vnd}
            for i in dossier.items]


def _history(dossier: Dossier) -> list[dict]:
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id,
                                                       AuditEvent.to_status.is_not(None))
                              .order_by(AuditEvent.id))
    return [{"at": _iso(r.at), "action": r.action.removeprefix("dossier."),
             "from": r.from_status, "to": r.to_status} for r in rows]


def _documents(dossier: Dossier) -> list[dict]:
    return [{"id": d.id, "kind": d.kind, "number_symbol": d.number_symbol,
             "issued_on": d.issued_on.isoformat(), "sha256": d.sha256,
             "url": url_for("api.get_document", dossier_id=dossier.id, document_id=d.id)}
            for d in documents.documents_of(dossier)]


def _attachment(a) -> dict:
    return {"id": a.id, "checklist_item_id": a.checklist_item_id,
            "original_name": a.original_name, "content_type": a.content_type,
            "size_bytes": a.size_bytes, "sha256": a.sha256, "uploaded_at": _iso(a.uploaded_at)}


def _decision(dossier: Dossier) -> dict | None:
    decision = svc.decision_of(dossier)
    if decision is None:
        return None
    return {"outcome": decision.outcome, "total_vnd": decision.total_vnd,
            "reasons": json.loads(decision.reasons_json) if decision.reasons_json else [],
            "next_steps": decision.next_steps, "decided_at": _iso(decision.decided_at)}


def _supplement(dossier: Dossier) -> dict | None:
    if dossier.state != Status.SUPPLEMENT_REQUESTED:
        return None
    request_row = db.session.scalar(select(SupplementRequest).where(
        SupplementRequest.dossier_id == dossier.id).order_by(SupplementRequest.id.desc()))
    if request_row is None:
        return None
    return {"requested_at": _iso(request_row.requested_at),
            "items": json.loads(request_row.items_json)}


def _detail(dossier: Dossier, user: User) -> dict:
    step = ({"key": dossier.step_key, "due_at": _iso(dossier.step_due_at)}
            if dossier.step_key else None)
    return {
        "id": dossier.id, "code": dossier.code,
        "organisation": _organisation(dossier.organisation),
        "year": dossier.program_year.year, "channel": dossier.channel,
        "return_channel": dossier.return_channel, "state": dossier.status,
        "state_label": dossier.status_label, "due_date": _local_date(dossier.due_at),
        "step": step, "submitted_at": _iso(dossier.submitted_at),
        "received_at": _iso(dossier.received_at), "outcome": dossier.outcome,
        "assignee_id": dossier.assignee_id, "requested_vnd": dossier.requested_vnd,
        "approved_vnd": dossier.approved_vnd, "paid_vnd": dossier.paid_vnd,
        "items": _items(dossier, user), "history": _history(dossier),
        "documents": _documents(dossier),
        "attachments": [_attachment(a) for a in uploads.active_attachments(dossier)],
        "decision": _decision(dossier), "supplement_request": _supplement(dossier),
        "allowed_actions": [a.value for a in allowed_actions(dossier.status, user.roles)],
        "warnings": svc.support_warnings(dossier),
        "version": dossier.version,
    }


# ---------------------------------------------------------------- organisations


@bp.post("/organisations")
def create_organisation():
    user = g.api_user
    if not user.has_role(Role.CLERK, Role.ADMIN):
        raise Forbidden("Chỉ Bộ phận một cửa hoặc quản trị viên được đăng ký tổ chức.")
    payload = api_schemas.validate(_json_body(), "OrganisationInput")
    with atomic():
        org = organisations.create_organisation(actor=user, **payload)
        body = _organisation(org)
    return body, 201


@bp.get("/organisations")
def list_organisations():
    user = g.api_user
    page, per_page = _paging()
    stmt = select(Organisation).order_by(Organisation.id)
    tax_code = request.args.get("tax_code", "").strip()
    if tax_code:
        stmt = stmt.where(Organisation.tax_code == validate_tax_code(tax_code))
    if not user.is_staff:
        stmt = stmt.where(Organisation.id == user.organisation_id
                          if user.organisation_id else false())
    with atomic():
        result = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
        body = {"items": [_organisation(o) for o in result.items], "page": page,
                "per_page": per_page, "total": result.total, "pages": result.pages}
    return body


# ---------------------------------------------------------------- dossiers


@bp.post("/dossiers")
def create_dossier():
    user = g.api_user
    payload = api_schemas.validate(_json_body(), "DossierInput")
    with atomic():
        org = db.session.get(Organisation, payload["organisation_id"])
        if org is None or not (user.is_staff or org.id == user.organisation_id):
            raise InvalidInput("Không tìm thấy tổ chức.", field="organisation_id")
        year = budget_queries.find_year(payload["year"])
        if year is None:
            raise InvalidInput(f"Không có năm chương trình {payload['year']}.", field="year")
        items = [ItemInput(catalogue_code=i["catalogue_code"],
                           consulting_cost_vnd=i["consulting_cost_vnd"],
                           requested_vnd=i["requested_vnd"], evidence=i.get("evidence"))
                 for i in payload["items"]]
        optional = {k: payload[k] for k in ("return_channel", "submitter_name",
                                            "submitter_phone", "submitter_email", "note")
                    if payload.get(k) is not None}
        dossier = svc.create_draft(org, year, actor=user, items=items,
                                   channel=payload["channel"], **optional)
        body = _detail(dossier, user)
    return body, 201, {"Location": _dossier_url(dossier)}


@bp.get("/dossiers")
def list_dossiers():
    user = g.api_user
    page, per_page = _paging()
    stmt = select(Dossier)
    if not user.is_staff:
        stmt = stmt.where(Dossier.organisation_id == user.organisation_id
                          if user.organisation_id else false())
    status = request.args.get("status", "").strip()
    if status:
        if status not in {s.value for s in Status}:
            raise InvalidInput("Trạng thái không hợp lệ (chọn một trong: "
                               + ", ".join(s.value for s in Status) + ").", field="status")
        stmt = stmt.where(Dossier.status == status)
    year = _int_arg("year", minimum=api_schemas.YEAR_MIN, maximum=api_schemas.YEAR_MAX)
    if year is not None:
        stmt = stmt.where(Dossier.program_year_id.in_(
            select(ProgramYear.id).where(ProgramYear.year == year)))
    organisation_id = _int_arg("organisation_id")
    if organisation_id is not None:
        stmt = stmt.where(Dossier.organisation_id == organisation_id)
    code = request.args.get("code", "").strip().upper()
    if code:
        stmt = stmt.where(Dossier.code == code)
    with atomic():
        result = db.paginate(stmt.order_by(Dossier.id.desc()), page=page, per_page=per_page,
                             error_out=False)
        body = {"items": [_summary(d) for d in result.items], "page": page,
                "per_page": per_page, "total": result.total, "pages": result.pages}
    return body


@bp.get("/dossiers/<int:dossier_id>")
def get_dossier(dossier_id: int):
    user = g.api_user
    with atomic():
        body = _detail(_visible_dossier(dossier_id, user), user)
    return body


@bp.get("/dossiers/<int:dossier_id>/documents/<int:document_id>")
def get_document(dossier_id: int, document_id: int):
    user = g.api_user
    with atomic():
        dossier = _visible_dossier(dossier_id, user)
        document = db.session.get(Document, document_id) if document_id <= ID_MAX else None
        if document is None or document.dossier_id != dossier.id:
            raise NotFound("Không tìm thấy văn bản.")
        pdf, name, sha256 = document.pdf, f"{dossier.code}-{document.kind}.pdf", document.sha256
    response = send_file(BytesIO(pdf), mimetype="application/pdf", download_name=name)
    response.set_etag(sha256)
    return response


@bp.post("/dossiers/<int:dossier_id>/attachments")
def upload_attachment(dossier_id: int):
    user = g.api_user
    upload = request.files.get("file")
    errors = {}
    if upload is None:
        errors["file"] = ["bắt buộc gửi tệp (trường multipart «file»)."]
    checklist_item_id = None
    raw_line = request.form.get("checklist_item_id", "").strip()
    if raw_line:
        if not re.fullmatch(r"[0-9]{1,10}", raw_line) or not 1 <= int(raw_line) <= ID_MAX:
            errors["checklist_item_id"] = ["phải là mã số (id) của một dòng danh mục giấy tờ."]
        else:
            checklist_item_id = int(raw_line)
    version = request.form.get("version", "").strip()
    if version and not re.fullmatch(r"[0-9]{1,10}", version):
        errors["version"] = ["phải là số nguyên."]
    with atomic():
        dossier = _visible_dossier(dossier_id, user)
        uploads.check_editable(dossier, user)
        if errors:
            raise PayloadInvalid(errors)
        attachment = uploads.store_attachment(
            dossier, actor=user, stream=upload.stream, original_name=upload.filename,
            checklist_item_id=checklist_item_id, upload_dir=current_app.config["UPLOAD_DIR"],
            max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
            max_dossier_bytes=current_app.config["MAX_DOSSIER_BYTES"],
            expected_version=int(version) if version else None)
        body = _attachment(attachment)
    return body, 201


# ---------------------------------------------------------------- actions


def _checklist(payload: dict) -> list[ChecklistLine] | None:
    if payload.get("checklist") is None:
        return None
    return [ChecklistLine(line["checklist_item_id"], line["is_present"], line.get("copy_kind"),
                          line.get("note")) for line in payload["checklist"]]


def _assign(dossier, user, p, version):
    appraiser = db.session.get(User, p["appraiser_id"])
    svc.assign(dossier, actor=user, appraiser=appraiser, expected_version=version)


def _record_visit(dossier, user, p, version):
    svc.record_visit(dossier, actor=user,
                     visited_at=_local_datetime(p["visited_at"], "visited_at"),
                     place=p["place"], team=p["team"], findings=p["findings"],
                     org_representatives=p.get("org_representatives"),
                     expected_version=version)


def _appraise(dossier, user, p, version):
    svc.appraise(dossier, actor=user, documents_ok=p["documents_ok"],
                 documents_note=p.get("documents_note"),
                 eligible_costs=_item_keys(p["eligible_costs"]),
                 recommendation=p["recommendation"], reasons=p.get("reasons") or [],
                 conclusion=p.get("conclusion"), expected_version=version)


ACTIONS = {
    Action.SUBMIT: lambda d, u, p, v: svc.submit(d, actor=u, expected_version=v),
    Action.RECEIVE: lambda d, u, p, v: svc.receive(d, actor=u, lines=_checklist(p),
                                                   expected_version=v),
    Action.REQUEST_SUPPLEMENT: lambda d, u, p, v: svc.request_supplement(
        d, actor=u, items=p["items"], lines=_checklist(p), expected_version=v),
    Action.REFUSE: lambda d, u, p, v: svc.refuse(d, actor=u, reason=p["reason"],
                                                 expected_version=v),
    Action.RESUBMIT: lambda d, u, p, v: svc.resubmit(d, actor=u, note=p.get("note"),
                                                     expected_version=v),
    Action.ASSIGN: _assign,
    Action.RECORD_VISIT: _record_visit,
    Action.APPRAISE: _appraise,
    Action.REVIEW: lambda d, u, p, v: svc.review(d, actor=u, note=p.get("note"),
                                                 expected_version=v),
    Action.RETURN_FOR_REWORK: lambda d, u, p, v: svc.return_for_rework(
        d, actor=u, note=p["note"], expected_version=v),
    Action.APPROVE: lambda d, u, p, v: svc.approve(
        d, actor=u, amounts=_item_keys(p.get("amounts")),
        overrides=_item_keys(p.get("overrides")), note=p.get("note"), expected_version=v),
    Action.REJECT: lambda d, u, p, v: svc.reject(d, actor=u, reasons=p["reasons"],
                                                 next_steps=p.get("next_steps"),
                                                 expected_version=v),
    Action.ISSUE: lambda d, u, p, v: documents.issue_outcome(d, actor=u, expected_version=v),
    Action.RETURN_RESULT: lambda d, u, p, v: svc.return_result(
        d, actor=u, channel=p["channel"], collected_by=p.get("collected_by"),
        shown_document=p.get("shown_document"), note=p.get("note"), expected_version=v),
    Action.WITHDRAW: lambda d, u, p, v: svc.withdraw(d, actor=u, reason=p.get("reason"),
                                                     expected_version=v),
}


def run_action(dossier_id: int, action: str):
    """Apply one workflow action: 404 unseen dossier, then 409/403 from the workflow table,
    then 422 for the payload, then the service's own rules."""
    user = g.api_user
    action = Action(action)
    payload = _json_body()
    with atomic():
        dossier = _visible_dossier(dossier_id, user, lock=True)
        next_status(dossier.status, action, user.roles)
        api_schemas.validate(payload, api_schemas.PAYLOAD_NAMES[action])
        ACTIONS[action](dossier, user, payload, payload.get("version"))
        body = _detail(dossier, user)
    return body


for _action in Action:
    bp.add_url_rule(f"/dossiers/<int:dossier_id>/actions/{_action.value}",
                    endpoint=f"action_{_action.value}", view_func=run_action, methods=["POST"],
                    defaults={"action": _action.value})


# ---------------------------------------------------------------- programs, lookup, document


@bp.get("/programs/<int:year>")
def get_program(year: int):
    if year > api_schemas.YEAR_MAX:
        raise NotFound(f"Không có năm chương trình {year}.")
    with atomic():
        figures = budget_queries.program_figures(year)
    return {"year": year, **figures}


@bp.get("/lookup")
@limiter.limit(lambda: current_app.config["LOOKUP_RATE_LIMIT"])
def lookup():
    code = request.args.get("code", "").strip()
    tax_code = request.args.get("tax_code", "").strip()
    missing = {name: ["bắt buộc nhập."] for name, value in (("code", code),
                                                             ("tax_code", tax_code))
               if not value}
    if missing:
        raise PayloadInvalid(missing)
    with atomic():
        dossier = organisations.find_dossier_for_lookup(code, tax_code)
        if dossier is None:
            raise NotFound("Không tìm thấy hồ sơ với mã hồ sơ và mã số thuế đã nhập.")
        body = {"code": dossier.code, "state": dossier.status,
                "state_label": dossier.status_label, "due_date": _local_date(dossier.due_at)}
    return body


@bp.get("/openapi.json")
def openapi():
    return api_schemas.openapi_document()
