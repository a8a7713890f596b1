"""JSON API ``/api/v1`` for the provincial one-stop software: bearer tokens, the same services.

Each request authenticates with ``Authorization: Bearer <token>`` (except the public lookup and
the OpenAPI document), is validated against the schemas published in ``grants.api_schemas``, runs
the lifecycle services inside one ``atomic()`` block, and answers JSON. Every error is
``{"error": {"code", "message", "fields"}}``; field paths name the JSON field
(``items[0].requested_vnd``).
"""

import base64
import binascii
import hashlib
import json
import re
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

import flask_swagger_ui
from flask import (
    Blueprint,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    send_file,
    send_from_directory,
    url_for,
)
from flask_limiter.util import get_remote_address
from sqlalchemy import and_, or_, select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from grants import api_schemas
from grants.api_schemas import ID_MAX, PayloadInvalid
from grants.db import LOCAL_TZ, atomic, local_today, to_local
from grants.domain import personal_data
from grants.domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from grants.domain.forecast import forecast_figures
from grants.domain.organisations import OrgType, validate_tax_code
from grants.domain.roles import BUDGET_ROLES, Role
from grants.domain.workflow import (
    PAUSED_IN_PROCESS,
    Action,
    Status,
    allowed_actions,
    is_decided,
    next_status,
)
from grants.extensions import csrf, db, limiter
from grants.letters import Letterhead
from grants.models import (
    Attachment,
    AuditEvent,
    CatalogueItem,
    ChecklistItem,
    Document,
    Dossier,
    Organisation,
    ProgramYear,
    RejectionReason,
    SupplementRequest,
    SupportRule,
    User,
)
from grants.permissions import Permission, can
from grants.queries import budget, catalogue, support_limits, worklists, years
from grants.queries.access import visible_dossiers, visible_organisations
from grants.queries.forecast import year_forecast
from grants.queries.outcome import dossier_outcome
from grants.services import accounts, documents, jobs, ledger, organisations, processing, uploads
from grants.services import dossiers as svc
from grants.services.dossiers import ChecklistLine, ItemInput
from grants.web import downloads, idempotency

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, not cookies: there is no session for a forged form to ride on

PUBLIC_ENDPOINTS = frozenset({"api.lookup", "api.openapi", "api.docs", "api.docs_asset"})
PER_PAGE_MAX = api_schemas.PER_PAGE_MAX
SWAGGER_UI_DIR = Path(flask_swagger_ui.__file__).resolve().parent / "dist"


def _rate_key() -> str:
    """Whose allowance a request spends: its bearer token's (hashed), else its address's."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "api-token:" + hashlib.sha256(token.strip().encode()).hexdigest()
    return "api-address:" + (get_remote_address() or "")


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_rate_key)(bp)


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
    return idempotency.claim(token)


@bp.after_request
def _remember_for_retries(response):
    return idempotency.remember(response)


@bp.teardown_request
def _release_retry_key(_exc):
    idempotency.release()


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
    if isinstance(err, PayloadInvalid):  # the schema's own findings: paths it knows
        fields = err.errors
    else:
        fields = {_api_field(err.field): [err.message]} if err.field and _asked(
            _api_field(err.field)) else {}
    return _error(status, err.code, err.message, fields)


def _asked(path: str) -> bool:
    """Whether the request holds (or its schema names) the field a refusal names: a service's
    internal name must never reach the client as if the client had sent it."""
    root = re.split(r"[.\[]", path, maxsplit=1)[0]
    if root in (request.view_args or {}) or root in request.args or root in request.files:
        return True
    if root in request.form or root.lower() in {h.lower() for h in request.headers.keys()}:
        return True
    payload = getattr(g, "api_payload", None)
    return (isinstance(payload, dict) and root in payload) or _schema_field(root)


def _schema_field(name: str) -> bool:
    """A field the operation's body schema names (a missing required one is named too)."""
    endpoint = request.endpoint or ""
    schema_name = {"api.create_dossier": "DossierInput",
                   "api.create_organisation": "OrganisationInput",
                   "api.correct_visit": "VisitCorrectionPayload",
                   "api.void_visit": "VisitVoidPayload",
                   "api.upload_attachment": "AttachmentUpload"}.get(endpoint, "")
    if endpoint.startswith("api.action_"):
        action = endpoint.removeprefix("api.action_")
        schema_name = api_schemas.PAYLOAD_NAMES.get(Action._value2member_map_.get(action), "")
    known = {*api_schemas.SCHEMAS.get(schema_name, {}).get("properties", {}),
             *api_schemas.SCHEMAS["Dossier"]["properties"]}  # e.g. a dossier's attachments
    return name in known


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
    response = _error(err.code or 500, "http_error", err.description or err.name)
    if getattr(err, "valid_methods", None):
        response.headers["Allow"] = ", ".join(sorted(err.valid_methods))
    return response


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
            payload = json.loads(raw, parse_constant=_reject_constant,
                                 parse_float=api_schemas.integral_float)
        except ValueError:
            raise ApiError(400, "bad_json", "Thân yêu cầu không phải JSON hợp lệ (UTF-8).") \
                from None
    if not isinstance(payload, dict):
        raise ApiError(400, "bad_json", "Thân yêu cầu phải là một đối tượng JSON {…}.")
    g.api_payload = payload
    return payload


def _int_arg(name: str, *, minimum: int = 1, maximum: int = ID_MAX, default=None):
    if name not in request.args:
        return default
    raw = request.args[name]  # present: it must be an integer (an empty value is not one)
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
    if dossier is None or not can(user, Permission.VIEW_DOSSIER, dossier):
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


def _organisation(org: Organisation, user: User) -> dict:
    """The organisation as JSON, its personal fields None unless ``user`` needs them
    (grants.domain.personal_data: finance, for one, gets no phone or e-mail)."""
    return personal_data.redact(user, _organisation_fields(org),
                                personal_data.ORGANISATION_FIELDS, org.id)


def _organisation_fields(org: Organisation) -> dict:
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
            "state_label": dossier.status_label,
            "due_date": (None if dossier.status in PAUSED_IN_PROCESS
                         else _local_date(dossier.due_at)),
            "version": dossier.version, "url": _dossier_url(dossier),
            "external_ref": dossier.external_ref, "updated_at": _stamp(dossier.updated_at)}


def _stamp(at: datetime) -> str:
    """A naive-UTC change time as RFC 3339 in UTC, microseconds kept (what updated_since and
    the cursor compare)."""
    return at.replace(tzinfo=UTC).isoformat(timespec="microseconds")


def _items(dossier: Dossier, user: User) -> list[dict]:
    # The appraiser's figures are internal until the leadership has decided.
    internal_hidden = not user.is_staff and not is_decided(dossier.status)
    limits = support_limits.item_limits(dossier)
    return [{"id": i.id, "catalogue_code": i.catalogue_item.code,
             "catalogue_name": i.catalogue_item.name, "evidence": i.evidence,
             "consulting_cost_vnd": i.consulting_cost_vnd, "requested_vnd": i.requested_vnd,
             "max_support_vnd": limits[i.id].max_support_vnd,
             "above_max_support": limits[i.id].over,
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
             "url": url_for("api.get_document", dossier_id=dossier.id, document_id=d.id),
             "site_visit_id": d.site_visit_id}
            for d in documents.documents_of(dossier)]


def _visits(dossier: Dossier, user: User) -> list[dict]:
    if not user.is_staff:
        return []
    return [{"id": v.id, "visited_at": v.visited_local.isoformat(timespec="seconds"),
             "place": v.place, "team": v.team, "org_representatives": v.org_representatives,
             "findings": v.findings, "voided_at": _iso(v.voided_at),
             "void_reason": v.void_reason, "minutes": [d.id for d in v.minutes]}
            for v in svc.site_visits(dossier)]


def _attachment(a) -> dict:
    return {"id": a.id, "checklist_item_id": a.checklist_item_id,
            "original_name": a.original_name, "content_type": a.content_type,
            "size_bytes": a.size_bytes, "sha256": a.sha256, "uploaded_at": _iso(a.uploaded_at),
            "url": url_for("api.get_attachment", attachment_id=a.id)}


def _decision(dossier: Dossier) -> dict | None:
    decision = svc.decision_of(dossier)
    if decision is None:
        return None
    return {"outcome": decision.outcome, "total_vnd": decision.total_vnd,
            "reasons": json.loads(decision.reasons_json) if decision.reasons_json else [],
            "next_steps": decision.next_steps, "decided_at": _iso(decision.decided_at)}


def _result(dossier: Dossier) -> dict:
    result = dossier_outcome(dossier)
    return {"outcome": result.outcome, "issued": result.issued, "text": result.headline,
            "document_number": result.document_number,
            "document_date": result.document_date.isoformat() if result.document_date else None,
            "approved_vnd": result.approved_vnd, "paid_vnd": result.paid_vnd,
            "payments": [{"paid_on": p.paid_on.isoformat(), "amount_vnd": p.amount_vnd,
                          "voucher_no": p.voucher_no} for p in result.payments],
            "due_note": result.due_note or None,
            "promised_return_date": (result.promised_on.isoformat() if result.promised_on
                                     else None),
            "recovery": {"recovered_vnd": result.recovered_vnd, "repaid_vnd": result.repaid_vnd,
                         "owed_vnd": result.owed_vnd,
                         "decisions": [{"decided_on": r.decided_on.isoformat(),
                                        "amount_vnd": r.amount_vnd, "reason": r.reason}
                                       for r in result.recoveries]}
            if result.recovered_vnd else None}


def _supplement(dossier: Dossier) -> dict | None:
    if dossier.status != Status.SUPPLEMENT_REQUESTED and dossier.status not in PAUSED_IN_PROCESS:
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
        "organisation": _organisation(dossier.organisation, user),
        "year": dossier.program_year.year, "channel": dossier.channel,
        "return_channel": dossier.return_channel, "state": dossier.status,
        "state_label": dossier.status_label,
        "due_date": (None if dossier.status in PAUSED_IN_PROCESS
                     else _local_date(dossier.due_at)),
        "step": step, "submitted_at": _iso(dossier.submitted_at),
        "received_at": _iso(dossier.received_at), "outcome": dossier.outcome,
        "assignee_id": dossier.assignee_id, "requested_vnd": dossier.requested_vnd,
        "approved_vnd": dossier.approved_vnd, "paid_vnd": dossier.paid_vnd,
        "items": _items(dossier, user), "history": _history(dossier),
        "documents": _documents(dossier), "visits": _visits(dossier, user),
        "attachments": [_attachment(a) for a in uploads.active_attachments(dossier)],
        "decision": _decision(dossier), "result": _result(dossier),
        "supplement_request": _supplement(dossier),
        "allowed_actions": [a.value for a in allowed_actions(dossier.status, user.roles,
                                                             dossier.program_year.authority)],
        "warnings": svc.support_warnings(dossier),
        "version": dossier.version,
        "external_ref": dossier.external_ref, "updated_at": _stamp(dossier.updated_at),
    }


# ---------------------------------------------------------------- organisations


@bp.post("/organisations")
def create_organisation():
    user = g.api_user
    if not can(user, Permission.REGISTER_ORGANISATION):
        raise Forbidden("Chỉ Bộ phận một cửa hoặc quản trị viên được đăng ký tổ chức.")
    payload = api_schemas.validate(_json_body(), "OrganisationInput")
    with atomic():
        org = organisations.create_organisation(actor=user, **payload)
        body = _organisation(org, user)
    return body, 201


@bp.get("/organisations")
def list_organisations():
    user = g.api_user
    page, per_page = _paging()
    stmt = select(Organisation).order_by(Organisation.id)
    tax_code = _text_arg("tax_code", 14, api_schemas.TAX_CODE_PATTERN)
    if tax_code:
        stmt = stmt.where(Organisation.tax_code == validate_tax_code(tax_code))
    stmt = stmt.where(visible_organisations(user))
    with atomic():
        result = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
        body = {"items": [_organisation(o, user) for o in result.items], "page": page,
                "per_page": per_page, "total": result.total, "pages": result.pages}
    return body


# ---------------------------------------------------------------- dossiers


@bp.post("/dossiers")
def create_dossier():
    user = g.api_user
    payload = api_schemas.validate(_json_body(), "DossierInput")
    with atomic():
        org = db.session.get(Organisation, payload["organisation_id"])
        if org is None or not can(user, Permission.VIEW_ORGANISATION, org):
            raise InvalidInput("Không tìm thấy tổ chức.", field="organisation_id")
        year = years.find_year(payload["year"])
        if year is None:
            raise InvalidInput(f"Không có năm chương trình {payload['year']}.", field="year")
        items = [ItemInput(catalogue_code=i["catalogue_code"],
                           consulting_cost_vnd=i["consulting_cost_vnd"],
                           requested_vnd=i["requested_vnd"], evidence=i.get("evidence"))
                 for i in payload["items"]]
        optional = {k: payload[k] for k in ("return_channel", "submitter_name",
                                            "submitter_phone", "submitter_email", "note",
                                            "external_ref")
                    if payload.get(k) is not None}
        dossier = svc.create_draft(org, year, actor=user, items=items,
                                   channel=payload["channel"], **optional)
    # As committed: the stamp is the commit's.
    return _detail(dossier, user), 201, {"Location": _dossier_url(dossier)}


def _updated_since() -> datetime | None:
    """``updated_since`` as naive UTC (microseconds kept), or None."""
    if "updated_since" not in request.args:
        return None
    raw = request.args["updated_since"]
    if not re.fullmatch(api_schemas.RFC3339_PATTERN, raw):
        raise InvalidInput("Phải là thời điểm RFC 3339 có múi giờ, ví dụ "
                           "2026-03-05T09:00:00.123456+07:00.", field="updated_since")
    try:
        value = datetime.fromisoformat(raw.upper().replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        raise InvalidInput("Thời điểm không tồn tại.", field="updated_since") from None
    return value.astimezone(UTC).replace(tzinfo=None)


def _cursor_after() -> tuple[datetime, int] | None:
    """The (updated_at, id) a ``cursor`` points after, or None."""
    if "cursor" not in request.args:
        return None
    raw = request.args["cursor"]
    try:
        if not re.fullmatch(r"[A-Za-z0-9_-]+={0,2}", raw):
            raise ValueError(raw)
        stamp, _, dossier_id = base64.urlsafe_b64decode(raw.encode("ascii")).decode().partition(
            "|")
        after, after_id = datetime.fromisoformat(stamp), int(dossier_id)
        if after.tzinfo is not None or not 1 <= after_id <= ID_MAX:  # not one we wrote
            raise ValueError(raw)
        return after, after_id
    except (ValueError, binascii.Error, UnicodeError):
        raise InvalidInput("Con trỏ (cursor) không hợp lệ; hãy dùng next_cursor của trang "
                           "trước.", field="cursor") from None


def _cursor_of(dossier: Dossier) -> str:
    text = f"{dossier.updated_at.isoformat(timespec='microseconds')}|{dossier.id}"
    return base64.urlsafe_b64encode(text.encode()).decode("ascii")


def _text_arg(name: str, max_length: int, pattern: str | None = None) -> str:
    """A text filter, without the spaces around it; with a ``pattern``, a present value (even
    empty) must match it."""
    value = request.args.get(name, "").strip()
    if len(value) > max_length or (pattern and name in request.args
                                   and not re.fullmatch(pattern, value)):
        raise InvalidInput(f"Giá trị không hợp lệ (tối đa {max_length} ký tự).", field=name)
    return value


@bp.get("/dossiers")
def list_dossiers():
    user = g.api_user
    page, per_page = _paging()
    stmt = select(Dossier).where(visible_dossiers(user))
    status = request.args.get("status")
    if status is not None:
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
    code = _text_arg("code", 30).upper()
    if code:
        stmt = stmt.where(Dossier.code == code)
    external_ref = _text_arg("external_ref", 100)
    if external_ref:
        stmt = stmt.where(Dossier.external_ref == external_ref)
    since, after = _updated_since(), _cursor_after()
    if since is None and after is None:
        with atomic():
            result = db.paginate(stmt.order_by(Dossier.id.desc()), page=page,
                                 per_page=per_page, error_out=False)
            body = {"items": [_summary(d) for d in result.items], "page": page,
                    "per_page": per_page, "total": result.total, "pages": result.pages,
                    "next_cursor": None}
        return body
    # Sync by change: a stable order (updated_at, id), a page at a time after the cursor.
    if since is not None:
        stmt = stmt.where(Dossier.updated_at >= since)
    with atomic():
        total = db.session.scalar(select(db.func.count()).select_from(stmt.subquery()))
        if after is not None:
            stamp, last_id = after
            stmt = stmt.where(or_(Dossier.updated_at > stamp,
                                  and_(Dossier.updated_at == stamp, Dossier.id > last_id)))
            page = 1
        rows = list(db.session.scalars(stmt.order_by(Dossier.updated_at, Dossier.id)
                                       .offset((page - 1) * per_page).limit(per_page + 1)))
        more = len(rows) > per_page
        rows = rows[:per_page]
        body = {"items": [_summary(d) for d in rows], "page": page, "per_page": per_page,
                "total": total, "pages": -(-total // per_page),
                "next_cursor": _cursor_of(rows[-1]) if more else None}
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
    downloads.log_download("download.document", dossier, document, name)  # as on the web
    g.no_store = True
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
            expected_version=int(version) if version else None,
            trusted=current_app.config["SIGNATURE_TRUST"])
        body = _attachment(attachment)
    return body, 201


# ---------------------------------------------------------------- actions


def _checklist(payload: dict) -> list[ChecklistLine] | None:
    if payload.get("checklist") is None:
        return None
    return [ChecklistLine(line["checklist_item_id"], line["is_present"], line.get("copy_kind"),
                          line.get("note")) for line in payload["checklist"]]


# One function per action: (dossier, user, payload, version) → the service call.


def _submit(dossier, user, payload, version):
    svc.submit(dossier, actor=user, expected_version=version,
               declaration=payload.get("declaration") is True)


def _receive(dossier, user, payload, version):
    svc.receive(dossier, actor=user, lines=_checklist(payload), expected_version=version,
                letterhead=_letterhead())


def _request_supplement(dossier, user, payload, version):
    svc.request_supplement(dossier, actor=user, items=payload["items"],
                           lines=_checklist(payload), expected_version=version,
                           letterhead=_letterhead())


def _refuse(dossier, user, payload, version):
    svc.refuse(dossier, actor=user, reason=payload["reason"], expected_version=version,
               letterhead=_letterhead())


def _resubmit(dossier, user, payload, version):
    svc.resubmit(dossier, actor=user, note=payload.get("note"), expected_version=version)


def _assign(dossier, user, payload, version):
    appraiser = db.session.get(User, payload["appraiser_id"])
    svc.assign(dossier, actor=user, appraiser=appraiser, expected_version=version)


def _letterhead() -> Letterhead:
    return Letterhead.from_config(current_app.config)


def _record_visit(dossier, user, payload, version):
    svc.record_visit(dossier, actor=user,
                     visited_at=_local_datetime(payload["visited_at"], "visited_at"),
                     place=payload["place"], team=payload["team"], findings=payload["findings"],
                     org_representatives=payload.get("org_representatives"),
                     expected_version=version, letterhead=_letterhead())


def _visit_change(dossier_id: int, visit_id: int, schema: str, change):
    """Correct or void a visit: 404 unseen dossier or visit, 409/403 unless visits may change
    now, 422 for the payload, then the service's own rules."""
    user = g.api_user
    payload = _json_body()
    with atomic():
        dossier = _visible_dossier(dossier_id, user, lock=True)
        visit = svc.site_visit_of(dossier, min(visit_id, ID_MAX))
        next_status(dossier.status, Action.RECORD_VISIT, user.roles)
        api_schemas.validate(payload, schema)
        change(dossier, visit, user, payload)
    return _detail(dossier, user)  # as committed: the stamp is the commit's


@bp.post("/dossiers/<int:dossier_id>/visits/<int:visit_id>/correct")
def correct_visit(dossier_id: int, visit_id: int):
    return _visit_change(dossier_id, visit_id, "VisitCorrectionPayload", lambda d, v, u, p: (
        svc.correct_visit(
            d, v, actor=u, reason=p["reason"],
            visited_at=_local_datetime(p["visited_at"], "visited_at"), place=p["place"],
            team=p["team"], findings=p["findings"],
            org_representatives=p.get("org_representatives"),
            expected_version=p.get("version"), letterhead=_letterhead())))


@bp.post("/dossiers/<int:dossier_id>/visits/<int:visit_id>/void")
def void_visit(dossier_id: int, visit_id: int):
    return _visit_change(dossier_id, visit_id, "VisitVoidPayload", lambda d, v, u, p: (
        svc.void_visit(d, v, actor=u, reason=p["reason"], expected_version=p.get("version"))))


def _appraise(dossier, user, payload, version):
    svc.appraise(dossier, actor=user, documents_ok=payload["documents_ok"],
                 documents_note=payload.get("documents_note"),
                 eligible_costs=_item_keys(payload["eligible_costs"]),
                 recommendation=payload["recommendation"], reasons=payload.get("reasons") or [],
                 conclusion=payload.get("conclusion"), expected_version=version)


def _review(dossier, user, payload, version):
    svc.review(dossier, actor=user, note=payload.get("note"), expected_version=version)


def _return_for_rework(dossier, user, payload, version):
    svc.return_for_rework(dossier, actor=user, note=payload["note"], expected_version=version)


def _approve(dossier, user, payload, version):
    svc.approve(dossier, actor=user, amounts=_item_keys(payload.get("amounts")),
                overrides=_item_keys(payload.get("overrides")), note=payload.get("note"),
                expected_version=version)


def _reject(dossier, user, payload, version):
    svc.reject(dossier, actor=user, reasons=payload["reasons"],
               next_steps=payload.get("next_steps"), expected_version=version)


def _issue(dossier, user, payload, version):
    documents.issue_outcome(dossier, actor=user, expected_version=version,
                            letterhead=_letterhead())


def _return_result(dossier, user, payload, version):
    svc.return_result(dossier, actor=user, channel=payload["channel"],
                      collected_by=payload.get("collected_by"),
                      shown_document=payload.get("shown_document"), note=payload.get("note"),
                      expected_version=version)


def _request_papers(dossier, user, payload, version):
    processing.request_papers(dossier, actor=user, items=payload["items"],
                              note=payload.get("note"), expected_version=version,
                              letterhead=_letterhead())


def _apologise(dossier, user, payload, version):
    processing.apologise(dossier, actor=user,
                         new_return_on=_iso_date(payload["new_return_date"], "new_return_date"),
                         reason=payload["reason"], expected_version=version,
                         letterhead=_letterhead())


def _iso_date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("Ngày phải có dạng YYYY-MM-DD.", field=field) from None


def _submit_to_committee(dossier, user, payload, version):
    svc.submit_to_committee(dossier, actor=user, note=payload.get("note"),
                            expected_version=version, letterhead=_letterhead())


def _record_committee_approval(dossier, user, payload, version):
    svc.record_committee_approval(
        dossier, actor=user, decision_number=payload["decision_number"],
        decided_on=_date(payload["decided_on"], "decided_on"),
        signer_name=payload.get("signer_name"), amounts=_item_keys(payload.get("amounts")),
        overrides=_item_keys(payload.get("overrides")), note=payload.get("note"),
        expected_version=version)


def _record_committee_rejection(dossier, user, payload, version):
    svc.record_committee_rejection(dossier, actor=user, reasons=payload["reasons"],
                                   reference=payload.get("reference"),
                                   next_steps=payload.get("next_steps"),
                                   expected_version=version)


def _withdraw(dossier, user, payload, version):
    svc.withdraw(dossier, actor=user, reason=payload.get("reason"), expected_version=version)


ACTIONS = {
    Action.SUBMIT: _submit,
    Action.RECEIVE: _receive,
    Action.REQUEST_SUPPLEMENT: _request_supplement,
    Action.REFUSE: _refuse,
    Action.RESUBMIT: _resubmit,
    Action.REQUEST_PAPERS: _request_papers,  # issue 14
    Action.APOLOGISE: _apologise,  # issue 14
    Action.ASSIGN: _assign,
    Action.RECORD_VISIT: _record_visit,
    Action.APPRAISE: _appraise,
    Action.REVIEW: _review,
    Action.RETURN_FOR_REWORK: _return_for_rework,
    Action.APPROVE: _approve,
    Action.REJECT: _reject,
    Action.ISSUE: _issue,
    Action.RETURN_RESULT: _return_result,
    Action.WITHDRAW: _withdraw,
    Action.SUBMIT_TO_COMMITTEE: _submit_to_committee,
    Action.RECORD_COMMITTEE_APPROVAL: _record_committee_approval,
    Action.RECORD_COMMITTEE_REJECTION: _record_committee_rejection,
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
    return _detail(dossier, user)  # as committed: the stamp is the commit's


for _action in Action:
    bp.add_url_rule(f"/dossiers/<int:dossier_id>/actions/{_action.value}",
                    endpoint=f"action_{_action.value}", view_func=run_action, methods=["POST"],
                    defaults={"action": _action.value})


# ---------------------------------------------------------------- recovery of undue support


def _money_change(dossier_id: int, schema: str, change):
    """A recovery or a repayment: 404 unseen dossier, 422 for the payload, then the ledger's
    own rules (role, state, amounts). The dossier is not locked here: the ledger locks the
    year, then the dossier (its lock order)."""
    user = g.api_user
    payload = _json_body()
    with atomic():
        dossier = _visible_dossier(dossier_id, user)
        api_schemas.validate(payload, schema)
        change(dossier, user, payload)
    return _detail(dossier, user), 201  # as committed: the stamp is the commit's


def _date(text: str, field: str):
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput("Ngày không hợp lệ (ví dụ 2026-03-05).", field=field) from None


@bp.post("/dossiers/<int:dossier_id>/recoveries")
def record_recovery(dossier_id: int):
    return _money_change(dossier_id, "RecoveryInput", lambda d, u, p: ledger.record_recovery(
        d, actor=u, amount_vnd=p["amount_vnd"], reason=p["reason"],
        expected_version=p.get("version"), letterhead=_letterhead()))


@bp.post("/dossiers/<int:dossier_id>/repayments")
def record_repayment(dossier_id: int):
    return _money_change(dossier_id, "RepaymentInput", lambda d, u, p: ledger.record_repayment(
        d, actor=u, amount_vnd=p["amount_vnd"], paid_on=_date(p["paid_on"], "paid_on"),
        voucher_no=p["voucher_no"], method=p["method"], bank_reference=p.get("bank_reference"),
        expected_version=p.get("version")))


# ---------------------------------------------------------------- programs, lookup, document


def _program_year(year: int) -> ProgramYear:
    found = years.find_year(year) if api_schemas.YEAR_MIN <= year <= api_schemas.YEAR_MAX \
        else None
    if found is None:
        raise NotFound(f"Không có năm chương trình {year}.")
    return found


@bp.get("/programs")
def list_programs():
    with atomic():
        rows = years.program_years()
        body = {"items": [{"year": y.year, "intake_open": bool(y.intake_open and not y.is_closed),
                           "closed": bool(y.is_closed),
                           "url": url_for("api.get_program", year=y.year)}
                          for y in sorted(rows, key=lambda y: -y.year)]}
    return body


@bp.get("/programs/<int:year>")
def get_program(year: int):
    with atomic():
        program = _program_year(year)
        figures = budget.program_figures(year)
        rules = db.session.execute(
            select(SupportRule, CatalogueItem)
            .join(CatalogueItem, CatalogueItem.id == SupportRule.catalogue_item_id)
            .where(SupportRule.program_year_id == program.id).order_by(CatalogueItem.code))
        checklist = db.session.scalars(select(ChecklistItem).where(
            ChecklistItem.program_year_id == program.id).order_by(ChecklistItem.position,
                                                                   ChecklistItem.id))
        body = {"year": year, **figures,
                "intake_open": bool(program.intake_open and not program.is_closed),
                "statutory_days": program.statutory_days,
                "support_rules": [{"catalogue_code": item.code, "catalogue_name": item.name,
                                   "share_percent": rule.share_percent,
                                   "cap_vnd": rule.cap_vnd, "is_demo": bool(rule.is_demo)}
                                  for rule, item in rules],
                "checklist": [{"id": c.id, "code": c.code, "name": c.label,
                               "required": bool(c.is_required), "position": c.position}
                              for c in checklist]}
    return body


def _bool_arg(name: str) -> bool | None:
    if name not in request.args:
        return None
    raw = request.args[name]
    if raw not in {"true", "false"}:
        raise InvalidInput("Phải là true hoặc false.", field=name)
    return raw == "true"


@bp.get("/catalogue")
def list_catalogue():
    active = _bool_arg("active")
    with atomic():
        items = [i for i in catalogue.catalogue_items()
                 if active is None or bool(i.is_active) == active]
        body = {"items": [{"code": i.code, "name": i.name, "kind": i.kind,
                           "description": i.description, "active": bool(i.is_active)}
                          for i in items]}
    return body


@bp.get("/staff")
def list_staff():
    user = g.api_user
    if not user.is_staff:
        raise Forbidden("Chỉ cán bộ được xem danh sách cán bộ.")
    role = request.args.get("role", "")
    if role != Role.APPRAISER.value:
        raise InvalidInput("Chọn vai trò: appraiser.", field="role")
    with atomic():
        body = {"items": [{"id": u.id, "name": u.full_name, "roles": [str(r) for r in u.roles],
                           "workload": count}
                          for u, count in worklists.appraiser_workload()]}
    return body


@bp.get("/refusal-reasons")
def list_refusal_reasons():
    year_number = _int_arg("year", minimum=api_schemas.YEAR_MIN, maximum=api_schemas.YEAR_MAX)
    with atomic():
        if year_number is None:
            program = years.current_year()
            if program is None:
                raise NotFound("Chưa có năm chương trình nào.")
        else:
            program = _program_year(year_number)
        reasons = db.session.scalars(select(RejectionReason).where(
            RejectionReason.program_year_id == program.id).order_by(RejectionReason.position,
                                                                     RejectionReason.id))
        body = {"year": program.year, "items": [{"id": r.id, "text": r.text,
                                                 "position": r.position} for r in reasons]}
    return body


# ---------------------------------------------------------------- files


@bp.get("/dossiers/<int:dossier_id>/attachments")
def list_attachments(dossier_id: int):
    user = g.api_user
    with atomic():
        dossier = _visible_dossier(dossier_id, user)
        body = {"items": [_attachment(a) for a in uploads.active_attachments(dossier)]}
    return body


@bp.get("/attachments/<int:attachment_id>")
def get_attachment(attachment_id: int):
    """An uploaded paper, to whoever may see its dossier (404 otherwise, as on the portal)."""
    user = g.api_user
    with atomic():
        row = db.session.get(Attachment, attachment_id) if attachment_id <= ID_MAX else None
        if row is None or row.is_removed:
            raise NotFound("Không tìm thấy tệp.")
        dossier = _visible_dossier(row.dossier_id, user)
        path = uploads.open_attachment(row, current_app.config["UPLOAD_DIR"])
        content_type, name, sha256 = row.content_type, row.original_name, row.sha256
    downloads.log_download("download.attachment", dossier, row, name)  # as on the web
    # Read whole (a paper is at most MAX_UPLOAD_BYTES): no file handle outlives the request.
    # Sent as the web sends it: a download, never sniffed, sandboxed.
    response = downloads.send_uploaded(BytesIO(Path(path).read_bytes()), mimetype=content_type,
                                       download_name=name)
    response.set_etag(sha256)
    return response


@bp.get("/programs/<int:year>/forecast")
def get_program_forecast(year: int):
    # The leader's forecast (grants.domain.forecast), for the roles of the budget dashboard.
    if not g.api_user.has_role(*BUDGET_ROLES):
        raise Forbidden("Chỉ lãnh đạo, kế toán, kế toán trưởng hoặc quản trị viên được xem dự "
                        "báo ngân sách.")
    if year > api_schemas.YEAR_MAX:
        raise NotFound(f"Không có năm chương trình {year}.")
    with atomic():
        return forecast_figures(year_forecast(years.require_year(year), local_today()))


@bp.get("/lookup")
@limiter.limit(lambda: current_app.config["LOOKUP_RATE_LIMIT"])
def lookup():
    code = _text_arg("code", 30)
    tax_code = request.args.get("tax_code", "").strip()
    missing = {name: ["bắt buộc nhập."] for name, value in (("code", code),
                                                             ("tax_code", tax_code))
               if not value}
    if missing:
        raise PayloadInvalid(missing)
    _text_arg("tax_code", 14, api_schemas.TAX_CODE_PATTERN)
    with atomic():
        dossier = organisations.find_dossier_for_lookup(code, tax_code)
        if dossier is None:
            raise NotFound("Không tìm thấy hồ sơ với mã hồ sơ và mã số thuế đã nhập.")
        promised = processing.promised_on(dossier)
        body = {"code": dossier.code, "state": dossier.status,
                "state_label": dossier.status_label,
                "due_date": (None if dossier.status in PAUSED_IN_PROCESS
                             else _local_date(dossier.due_at)),
                "promised_return_date": promised.isoformat() if promised else None}
    return body


@bp.get("/openapi.json")
def openapi():
    return api_schemas.openapi_document()


# ---------------------------------------------------------------- webhooks and events
# One self-contained block (webhooks helper, issue 17). Webhooks: admin tokens only. Events:
# any staff token; an applicant's token is refused (403) — the feed spans every organisation.

from grants.models import Webhook  # noqa: E402
from grants.queries import events as event_queries  # noqa: E402
from grants.services import webhooks as webhook_service  # noqa: E402


def _require_api_admin(user: User) -> None:
    if Role.ADMIN not in user.roles:
        raise Forbidden("Chỉ mã truy cập của quản trị viên được quản lý webhook.")


def _webhook(webhook: Webhook) -> dict:
    return {"id": webhook.id, "url": webhook.url, "label": webhook.label,
            "events": webhook.events, "active": webhook.is_active,
            "created_at": _iso(webhook.created_at), "deactivated_at": _iso(webhook.deactivated_at),
            "deliveries": event_queries.delivery_counts(webhook)}


@bp.post("/webhooks")
def create_webhook():
    user = g.api_user
    _require_api_admin(user)
    payload = api_schemas.validate(_json_body(), "WebhookInput")
    with atomic():
        webhook, secret = webhook_service.register_webhook(
            actor=user, url=payload["url"], events=payload.get("events"),
            label=payload.get("label"))
        body = {**_webhook(webhook), "secret": secret}
    idempotency.forget_in_replay("secret")
    return body, 201


@bp.get("/webhooks")
def list_webhooks():
    user = g.api_user
    _require_api_admin(user)
    with atomic():
        body = {"items": [_webhook(w) for w in event_queries.webhooks()]}
    return body


@bp.post("/webhooks/<int:webhook_id>/deactivate")
def deactivate_webhook(webhook_id: int):
    user = g.api_user
    _require_api_admin(user)
    with atomic():
        webhook = db.session.get(Webhook, webhook_id) if webhook_id <= ID_MAX else None
        if webhook is None:
            raise NotFound("Không tìm thấy webhook.")
        webhook_service.deactivate_webhook(webhook, actor=user)
        body = _webhook(webhook)
    return body


@bp.get("/events")
def list_events():
    user = g.api_user
    if not user.is_staff:
        raise Forbidden("Chỉ mã truy cập của cán bộ được đọc dòng sự kiện.")
    after = _int_arg("after", minimum=0, default=0)
    limit = _int_arg("limit", maximum=event_queries.EVENTS_LIMIT_MAX, default=100)
    with atomic():
        items = event_queries.events_after(after, limit + 1)
    more = len(items) > limit
    items = items[:limit]
    return {"items": items, "next_after": items[-1]["id"] if items else after,
            "has_more": more}


@bp.get("/docs")
def docs():
    """The OpenAPI document, browsable (Swagger UI served from the installed package)."""
    g.no_store = False
    return render_template("api/docs.html")


@bp.get("/docs/assets/<path:filename>")
def docs_asset(filename: str):
    g.no_store = False
    return send_from_directory(SWAGGER_UI_DIR, filename, max_age=3600)


# ---------------------------------------------------------------- notifications (issue 16)
# One block owned by the notifications change: the token's own notifications.


def _notification(row) -> dict:
    from grants.services.notifications import absolute

    return {"id": row.id, "kind": row.kind, "title": row.title, "body": row.body,
            "link": absolute(row.link), "dossier_id": row.dossier_id,
            "created_at": _iso(row.created_at), "read": row.read_at is not None,
            "read_at": _iso(row.read_at)}


@bp.get("/notifications")
def list_notifications():
    from grants.services import notifications

    page, per_page = _paging()
    user = g.api_user
    with atomic():
        rows = notifications.recent(user.id, limit=per_page, offset=(page - 1) * per_page)
        return {"items": [_notification(r) for r in rows],
                "unread": notifications.unread_count(user.id),
                "page": page, "per_page": per_page}


@bp.post("/notifications/<int:notification_id>/read")
def read_notification(notification_id: int):
    from grants.services import notifications

    with atomic():
        row = notifications.mark_read(g.api_user, notification_id)
        if row is None:
            raise NotFound("Không tìm thấy thông báo.")
        return _notification(row)


# ---------------------------------------------------------------- background jobs (exports)
# One block, kept together: the exports run as jobs (grants/services/jobs.py); the web's
# "Tệp đã xuất" pages show the same jobs.

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _job_body(job) -> dict:
    body = jobs.describe(job)
    body["file_url"] = (url_for("api.get_job_file", job_id=job.id) if body["file_name"]
                        else None)
    return body


@bp.post("/exports")
def start_export():
    payload = api_schemas.validate(_json_body(), "ExportInput")
    with atomic():
        job_id = jobs.start_export(payload["kind"], actor=g.api_user,
                                   parameters=payload.get("parameters") or {}).id
    with atomic():  # in a fresh transaction: an immediate queue has run it already
        body = _job_body(jobs.job_for(job_id, user=g.api_user))
    response = jsonify(body)
    response.status_code = 202
    response.headers["Location"] = url_for("api.get_job", job_id=job_id)
    return response


@bp.get("/jobs/<int:job_id>")
def get_job(job_id: int):
    if job_id > ID_MAX:
        raise NotFound("Không có công việc này.")
    with atomic():
        return _job_body(jobs.job_for(job_id, user=g.api_user))


@bp.get("/jobs/<int:job_id>/file")
def get_job_file(job_id: int):
    if job_id > ID_MAX:
        raise NotFound("Không có công việc này.")
    with atomic():
        job = jobs.job_for(job_id, user=g.api_user)
        path, name = jobs.file_of(job), job.file_name
    return send_file(path, mimetype=XLSX, as_attachment=True, download_name=name)


# ---------------------------------------------------------------- payment details and ratings
# One block, kept together (issue 14 points 5 and 6); the schemas are the block at the end of
# grants/api_schemas.py.


def _visible_organisation(organisation_id: int, user: User) -> Organisation:
    org = db.session.get(Organisation, organisation_id) if organisation_id <= ID_MAX else None
    if org is None or not can(user, Permission.VIEW_ORGANISATION, org):
        raise NotFound("Không tìm thấy tổ chức.")
    return org


def _bank_account(org: Organisation) -> dict:
    return {"organisation_id": org.id, "bank_account_no": org.bank_account_no,
            "bank_name": org.bank_name, "bank_branch": org.bank_branch}


@bp.get("/organisations/<int:organisation_id>/bank-account")
def get_bank_account(organisation_id: int):
    user = g.api_user
    with atomic():
        org = _visible_organisation(organisation_id, user)
        if not can(user, Permission.RECORD_BANK_ACCOUNT, org):
            raise Forbidden("Chỉ kế toán, quản trị viên hoặc chính tổ chức xem được tài khoản "
                            "ngân hàng.")
        return _bank_account(org)


@bp.post("/organisations/<int:organisation_id>/bank-account")
def record_bank_account(organisation_id: int):
    user = g.api_user
    payload = _json_body()
    with atomic():
        org = _visible_organisation(organisation_id, user)
        if not can(user, Permission.RECORD_BANK_ACCOUNT, org):
            raise Forbidden("Bạn không thể ghi tài khoản ngân hàng của tổ chức này.")
        api_schemas.validate(payload, "BankAccountInput")
        organisations.record_bank_account(org, actor=user, number=payload["bank_account_no"],
                                          bank=payload["bank_name"],
                                          branch=payload.get("bank_branch"))
        return _bank_account(org)


def _rating(rating) -> dict:
    return {"dossier_id": rating.dossier_id, "level": rating.level,
            "level_label": rating.level_label, "comment": rating.comment,
            "channel": rating.channel, "rated_at": _iso(rating.rated_at)}


@bp.get("/dossiers/<int:dossier_id>/rating")
def get_rating(dossier_id: int):
    from grants.services import ratings

    with atomic():
        dossier = _visible_dossier(dossier_id, g.api_user)
        rating = ratings.rating_of(dossier.id)
        return {"dossier_id": dossier.id, "rating": _rating(rating) if rating else None}


@bp.post("/dossiers/<int:dossier_id>/rating")
def rate_service(dossier_id: int):
    from grants.services import ratings

    user = g.api_user
    payload = _json_body()
    with atomic():
        dossier = _visible_dossier(dossier_id, user)
        if not can(user, Permission.RATE_SERVICE, dossier):
            raise Forbidden("Chỉ tổ chức nộp hồ sơ hoặc Bộ phận một cửa được ghi nhận đánh giá.")
        api_schemas.validate(payload, "RatingInput")
        body = _rating(ratings.rate_service(dossier, actor=user, level=payload["level"],
                                            comment=payload.get("comment")))
    return body, 201


@bp.get("/payments/<int:entry_id>/payment-order")
def get_payment_order(entry_id: int):
    from grants.models import LedgerEntry
    from grants.services import payment_orders

    user = g.api_user
    if not user.roles & {Role.FINANCE, Role.CHIEF_ACCOUNTANT}:
        raise Forbidden("Chỉ kế toán hoặc kế toán trưởng in giấy rút dự toán.")
    with atomic():
        entry = db.session.get(LedgerEntry, entry_id) if entry_id <= ID_MAX else None
        if entry is None:
            raise NotFound("Không tìm thấy khoản chi.")
        pdf = payment_orders.payment_order_pdf(entry, actor=user, settings=current_app.config)
    return send_file(BytesIO(pdf), mimetype="application/pdf",
                     download_name=f"giay-rut-du-toan-{entry_id}.pdf")
