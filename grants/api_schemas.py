"""The JSON API's OpenAPI 3.1 document as data, and a small validator for its request bodies.

The request schemas published at ``GET /api/v1/openapi.json`` are the ones ``validate()`` checks
payloads against, so the document cannot drift from what the API accepts. The validator handles
the JSON Schema subset used here ($ref, type, enum, required, properties,
additionalProperties, propertyNames, items, min/maxItems, min/maxLength, pattern,
minimum/maximum) and reports every problem at once, each under its field path
(``items[0].requested_vnd``, ``eligible_costs.12``). Pure data and functions: no request
handling, no database access.
"""

import copy
import re
from typing import Any

from grants.domain.errors import InvalidInput
from grants.domain.money import MAX_VND
from grants.domain.organisations import OrgType
from grants.domain.workflow_states import STATUS_LABELS, Action, Status
from grants.models.enums import Channel, CopyKind, DocumentKind, Recommendation

API_VERSION = "1.0.0"
ID_MAX = 2**31 - 1  # ids are INTEGER columns; larger values could never match a row
YEAR_MIN, YEAR_MAX = 2000, 2100
ITEM_KEY_PATTERN = r"^[1-9][0-9]{0,9}$"
LOCAL_DATETIME_PATTERN = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?"
                          r"(Z|[+-][0-9]{2}:[0-9]{2})?$")


class PayloadInvalid(InvalidInput):
    """A request body does not match its schema; ``errors`` maps each field path to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        first_field, messages = next(iter(errors.items()))
        super().__init__("Dữ liệu gửi lên không hợp lệ: " + "; ".join(
            f"{path or '(thân yêu cầu)'}: {' '.join(msgs)}" for path, msgs in errors.items()),
            field=first_field)
        self.errors = errors


# ---------------------------------------------------------------- building blocks


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _text(max_length: int, *, required: bool = False, description: str | None = None) -> dict:
    """A string; ``required`` ones must contain a non-blank character (and are never null)."""
    schema: dict[str, Any] = {"type": "string", "maxLength": max_length}
    if required:
        schema.update(minLength=1, pattern=r"\S")
    else:
        schema["type"] = ["string", "null"]
    if description:
        schema["description"] = description
    return schema


def _enum(values, description: str | None = None, *, nullable: bool = False) -> dict:
    values = [str(v) for v in values]
    schema: dict[str, Any] = {"type": ["string", "null"] if nullable else "string",
                              "enum": [*values, None] if nullable else values}
    if description:
        schema["description"] = description
    return schema


def _nullable(schema: dict) -> dict:
    out = dict(schema)
    out["type"] = [schema["type"], "null"]
    return out


def _obj(properties: dict, required=(), *, description: str | None = None,
         closed: bool = True) -> dict:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    if closed:
        schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return schema


ID = {"type": "integer", "minimum": 1, "maximum": ID_MAX}
VND = {"type": "integer", "minimum": 0, "maximum": MAX_VND,
       "description": "Whole đồng as a JSON integer: no fraction, exponent, string or thousands "
                      "separator (50000000, not 50000000.0 or \"50.000.000\")."}
VERSION = {"type": "integer", "minimum": 1, "maximum": ID_MAX,
           "description": "Optimistic lock: the dossier `version` the client last saw. If the "
                          "dossier has changed since, the request fails with 409 and nothing is "
                          "written."}
DATE_TIME = {"type": "string", "format": "date-time",
             "description": "ISO 8601 with the +07:00 offset (Vietnam local time)."}
DATE = {"type": "string", "format": "date"}
NOTE = _text(5000)


def _item_map(value_schema: dict, description: str) -> dict:
    return {"type": "object", "propertyNames": {"pattern": ITEM_KEY_PATTERN},
            "additionalProperties": value_schema, "maxProperties": 100,
            "description": description}


def _page(item_schema: str) -> dict:
    return _obj({"items": {"type": "array", "items": _ref(item_schema)},
                 "page": {"type": "integer", "minimum": 1},
                 "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
                 "total": {"type": "integer", "minimum": 0},
                 "pages": {"type": "integer", "minimum": 0}},
                ["items", "page", "per_page", "total", "pages"], closed=False)


def _action_payload(properties: dict, required=(), description: str = "") -> dict:
    return _obj({**properties, "version": VERSION}, required, description=description)


CHECKLIST_LINE = _obj(
    {"checklist_item_id": {**ID, "description": "A checklist line of the dossier's year."},
     "is_present": {"type": "boolean"},
     "copy_kind": _enum(CopyKind, "Required when is_present is true: certified copy, copy with "
                        "the original sighted (the clerk and time are recorded), original, or "
                        "digital/signed file.", nullable=True),
     "note": _text(500)},
    ["checklist_item_id", "is_present"])

CHECKLIST = {"type": "array", "items": _ref("ChecklistLineInput"), "maxItems": 100,
             "description": "The desk's completeness check, one entry per checklist line."}

# ---------------------------------------------------------------- action payloads

ACTION_PAYLOADS: dict[str, dict] = {
    Action.SUBMIT: _action_payload(
        {}, description="File a draft (online dossiers need a file for every required "
                        "checklist line). Applicant of the organisation or clerk."),
    Action.RECEIVE: _action_payload(
        {"checklist": CHECKLIST},
        description="Receive a complete submitted dossier; starts the working-day clock (after "
                    "15:00 it starts the next working day) and sets due_date. Clerk."),
    Action.REQUEST_SUPPLEMENT: _action_payload(
        {"items": {"type": "array", "minItems": 1, "maxItems": 50,
                   "items": _obj({"label": _text(300, required=True), "note": _text(1000)},
                                 ["label"])},
         "checklist": CHECKLIST},
        ["items"], "Ask for missing or incorrect papers, each listed; the clock stops. Clerk."),
    Action.REFUSE: _action_payload(
        {"reason": _text(5000, required=True)}, ["reason"],
        "Refuse at intake, with the reason. Clerk."),
    Action.RESUBMIT: _action_payload(
        {"note": NOTE},
        description="Answer a supplement request; the desk receives the dossier again. "
                    "Applicant or clerk."),
    Action.ASSIGN: _action_payload(
        {"appraiser_id": {**ID, "description": "An active user holding the appraiser role."}},
        ["appraiser_id"], "Assign (or reassign) the appraiser. Head of division."),
    Action.RECORD_VISIT: _action_payload(
        {"visited_at": {"type": "string", "pattern": LOCAL_DATETIME_PATTERN,
                        "description": "When the visit took place, Vietnam local time, e.g. "
                                       "2026-03-05T09:00 (an explicit offset is converted)."},
         "place": _text(500, required=True),
         "team": _text(5000, required=True,
                       description="One member per line: `Name - Title`."),
         "findings": _text(20000, required=True),
         "org_representatives": _text(5000, description="One per line: `Name - Title`.")},
        ["visited_at", "place", "team", "findings"],
        "Record the on-site appraisal visit. The assigned appraiser."),
    Action.APPRAISE: _action_payload(
        {"documents_ok": {"type": "boolean"},
         "documents_note": NOTE,
         "eligible_costs": _item_map(VND, "Eligible cost per requested item, keyed by the "
                                          "item `id` of the dossier (every item)."),
         "recommendation": _enum(Recommendation),
         "reasons": {"type": "array", "maxItems": 50, "items": _text(1000, required=True),
                     "description": "Required when recommending rejection."},
         "conclusion": NOTE},
        ["documents_ok", "eligible_costs", "recommendation"],
        "Finish the appraisal (a site visit must be recorded first); the proposed amount per "
        "item is min(share × eligible cost, cap, requested). The assigned appraiser."),
    Action.REVIEW: _action_payload(
        {"note": NOTE}, description="Accept the appraisal and submit it to the leadership. "
                                    "Head of division."),
    Action.RETURN_FOR_REWORK: _action_payload(
        {"note": _text(5000, required=True)}, ["note"],
        "Send the appraisal back to the appraiser with a note. Head of division (or leader "
        "from «reviewed»)."),
    Action.APPROVE: _action_payload(
        {"amounts": _item_map(VND, "Approved amount per item id; an item left out gets the "
                                   "appraiser's proposal."),
         "overrides": _item_map(_text(2000, required=True),
                                "Reason for supporting an item the organisation was already "
                                "supported for (otherwise 409)."),
         "note": NOTE},
        description="Approve support; the total is committed against the year's budget (409 "
                    "with the remaining amount when it does not fit). Leader."),
    Action.REJECT: _action_payload(
        {"reasons": {"type": "array", "minItems": 1, "maxItems": 50,
                     "items": _text(1000, required=True)},
         "next_steps": NOTE},
        ["reasons"], "Reject with the reasons written in the reply letter. Leader."),
    Action.ISSUE: _action_payload(
        {}, description="Number, render and store the decision or rejection letter. Records "
                        "clerk."),
    Action.RETURN_RESULT: _action_payload(
        {"channel": _enum(Channel, "How the result was handed over."),
         "collected_by": _text(200, description="Required for `counter`."),
         "shown_document": _text(300, description="Required for `counter`: appointment slip "
                                                  "or introduction letter shown."),
         "note": NOTE},
        ["channel"], "Hand the result over. Clerk."),
    Action.WITHDRAW: _action_payload(
        {"reason": NOTE}, description="The applicant withdraws its dossier before a decision."),
}

PAYLOAD_NAMES = {action: "".join(part.title() for part in str(action).split("_")) + "Payload"
                 for action in ACTION_PAYLOADS}

# ---------------------------------------------------------------- components

ORGANISATION_FIELDS = {
    "name": _text(300, required=True),
    "org_type": _enum(OrgType, "enterprise (DN), cooperative (HTX), union (LHHTX)."),
    "tax_code": {"type": "string", "minLength": 1, "maxLength": 20,
                 "description": "10 digits, or 10 digits-3 digits for a branch "
                                "(e.g. 2400123456-001)."},
    "address": _text(500), "commune": _text(120), "sector": _text(200), "size": _text(50),
    "representative": _text(200), "representative_title": _text(100), "phone": _text(30),
    "email": _text(254),
}

SCHEMAS: dict[str, dict] = {
    "Error": _obj({"error": _obj(
        {"code": {"type": "string", "description": "Machine-readable: unauthorized, forbidden, "
                                                   "not_found, invalid, invalid_transition, "
                                                   "conflict, …"},
         "message": {"type": "string", "description": "Vietnamese, fit to show a user."},
         "fields": {"type": "object", "additionalProperties": {"type": "array",
                                                               "items": {"type": "string"}},
                    "description": "Field path → messages (422)."}},
        ["code", "message", "fields"], closed=False)}, ["error"], closed=False),
    "OrganisationInput": _obj(
        {**ORGANISATION_FIELDS,
         "phone": {**ORGANISATION_FIELDS["phone"], "pattern": r"^[0-9+().\-\s]{6,30}$"},
         "email": {**ORGANISATION_FIELDS["email"], "pattern": r"^[^@\s]+@[^@\s]+\.[^@\s]+$"}},
        ["name", "org_type", "tax_code"]),
    "Organisation": _obj({"id": ID, **ORGANISATION_FIELDS,
                          "org_type_label": {"type": "string"}, "created_at": DATE_TIME},
                         ["id", "name", "org_type", "tax_code"], closed=False),
    "OrganisationPage": _page("Organisation"),
    "DossierItemInput": _obj(
        {"catalogue_code": {"type": "string", "minLength": 1, "maxLength": 30,
                            "description": "Code of a catalogue item with a support rule in the "
                                           "year (e.g. ISO9001, 5S)."},
         "consulting_cost_vnd": VND,
         "requested_vnd": {**VND, "description": "At most consulting_cost_vnd; above 0."},
         "evidence": _text(500, description="E.g. the certificate number.")},
        ["catalogue_code", "consulting_cost_vnd", "requested_vnd"]),
    "DossierInput": _obj(
        {"organisation_id": ID,
         "year": {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX},
         "channel": _enum(Channel, "How the dossier was filed."),
         "return_channel": _enum(Channel, "How the result is to be returned (default online)."),
         "items": {"type": "array", "minItems": 1, "maxItems": 50,
                   "items": _ref("DossierItemInput")},
         "submitter_name": _text(200), "submitter_phone": _text(30),
         "submitter_email": _text(254), "note": NOTE},
        ["organisation_id", "year", "channel", "items"]),
    "ChecklistLineInput": CHECKLIST_LINE,
    "DossierItem": _obj(
        {"id": ID, "catalogue_code": {"type": "string"}, "catalogue_name": {"type": "string"},
         "evidence": {"type": ["string", "null"]}, "consulting_cost_vnd": VND,
         "requested_vnd": VND, "eligible_cost_vnd": _nullable(VND),
         "proposed_vnd": _nullable(VND), "approved_vnd": _nullable(VND)},
        ["id", "catalogue_code", "consulting_cost_vnd", "requested_vnd"], closed=False),
    "HistoryEntry": _obj(
        {"at": DATE_TIME, "action": {"type": "string",
                                     "description": "create, or an action name."},
         "from": _enum(Status, nullable=True), "to": _enum(Status)},
        ["at", "action", "from", "to"], closed=False),
    "DocumentRef": _obj(
        {"id": ID, "kind": _enum(DocumentKind),
         "number_symbol": {"type": "string", "description": "e.g. 12/QĐ-SKHCN"},
         "issued_on": DATE, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
         "url": {"type": "string", "description": "Download URL of the PDF as issued."}},
        ["id", "kind", "number_symbol", "issued_on", "sha256", "url"], closed=False),
    "Attachment": _obj(
        {"id": ID, "checklist_item_id": _nullable(ID), "original_name": {"type": "string"},
         "content_type": {"type": "string"}, "size_bytes": {"type": "integer"},
         "sha256": {"type": "string"}, "uploaded_at": DATE_TIME},
        ["id", "original_name", "content_type", "size_bytes", "sha256"], closed=False),
    "Decision": _obj(
        {"outcome": {"type": "string", "enum": ["approved", "rejected"]}, "total_vnd": VND,
         "reasons": {"type": "array", "items": {"type": "string"}},
         "next_steps": {"type": ["string", "null"]}, "decided_at": DATE_TIME},
        ["outcome", "total_vnd"], closed=False),
    "DossierSummary": _obj(
        {"id": ID, "code": {"type": "string", "description": "e.g. HS-2026-0001"},
         "organisation_id": ID, "organisation_name": {"type": "string"},
         "year": {"type": "integer"}, "state": _enum(Status),
         "state_label": {"type": "string", "description": "Vietnamese label of the state."},
         "due_date": _nullable(DATE), "version": {"type": "integer"},
         "url": {"type": "string"}},
        ["id", "code", "state", "state_label", "due_date", "version"], closed=False),
    "Dossier": _obj(
        {"id": ID, "code": {"type": "string"}, "organisation": _ref("Organisation"),
         "year": {"type": "integer"}, "channel": _enum(Channel),
         "return_channel": _enum(Channel), "state": _enum(Status),
         "state_label": {"type": "string"},
         "due_date": {**_nullable(DATE), "description": "Date results are due (local); null "
                                                        "until received and while a supplement "
                                                        "request stops the clock."},
         "step": {"type": ["object", "null"], "properties": {
             "key": {"type": "string"}, "due_at": _nullable(DATE_TIME)}},
         "submitted_at": _nullable(DATE_TIME), "received_at": _nullable(DATE_TIME),
         "outcome": {"type": ["string", "null"], "enum": ["approved", "rejected", None]},
         "assignee_id": _nullable(ID), "requested_vnd": VND, "approved_vnd": VND,
         "paid_vnd": VND,
         "items": {"type": "array", "items": _ref("DossierItem")},
         "history": {"type": "array", "items": _ref("HistoryEntry")},
         "documents": {"type": "array", "items": _ref("DocumentRef")},
         "attachments": {"type": "array", "items": _ref("Attachment")},
         "decision": {"oneOf": [_ref("Decision"), {"type": "null"}]},
         "supplement_request": {"type": ["object", "null"], "properties": {
             "requested_at": DATE_TIME,
             "items": {"type": "array", "items": {"type": "object"}}}},
         "allowed_actions": {"type": "array", "items": _enum(Action),
                             "description": "Actions the token's user may take now."},
         "warnings": {"type": "array", "items": {"type": "string"},
                      "description": "E.g. the organisation was already supported for an "
                                     "item."},
         "version": {"type": "integer"}},
        ["id", "code", "state", "state_label", "due_date", "items", "history", "documents",
         "version"], closed=False),
    "DossierPage": _page("DossierSummary"),
    "AttachmentUpload": _obj(
        {"file": {"type": "string", "format": "binary",
                  "description": "PDF, JPEG or PNG (checked by content); size limits per file "
                                 "and per dossier."},
         "checklist_item_id": {**ID, "description": "The checklist line the file answers; omit "
                                                    "it for an additional paper."},
         "version": VERSION},
        ["file"]),
    "Program": _obj(
        {"year": {"type": "integer"}, "budget_vnd": VND, "committed_vnd": VND,
         "disbursed_vnd": VND, "remaining_vnd": VND, "target_min": {"type": "integer"},
         "target_max": {"type": "integer"}, "items_approved": {"type": "integer"}},
        ["year", "budget_vnd", "committed_vnd", "disbursed_vnd", "remaining_vnd", "target_min",
         "target_max", "items_approved"], closed=False),
    "LookupResult": _obj(
        {"code": {"type": "string"}, "state": _enum(Status), "state_label": {"type": "string"},
         "due_date": _nullable(DATE)},
        ["code", "state", "state_label", "due_date"]),
    **{PAYLOAD_NAMES[action]: schema for action, schema in ACTION_PAYLOADS.items()},
}

# ---------------------------------------------------------------- the document


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": _ref("Error")}}}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema_name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(schema_name)}}}


AUTH_ERRORS = {
    "401": _error("Missing, unknown, revoked or inactive bearer token."),
    "403": _error("The token's user lacks the role for this operation."),
}
BAD_BODY = {"400": _error("The body is not a JSON object."),
            "413": _error("The body is larger than the server accepts."),
            "422": _error("A field is missing or malformed; `fields` names each one.")}


def _path_param(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": schema or ID}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


DOSSIER_ID = _path_param("dossier_id", "The dossier's numeric id.")
PAGING = [_query("page", {"type": "integer", "minimum": 1, "default": 1}, "Page number."),
          _query("per_page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 25},
                 "Rows per page (at most 100).")]


def _action_operation(action: Action) -> dict:
    name = PAYLOAD_NAMES[action]
    description = ACTION_PAYLOADS[action].get("description", "")
    return {"post": {
        "operationId": f"action_{action}", "tags": ["actions"],
        "summary": f"{action.label} ({action})", "description": description,
        "parameters": [DOSSIER_ID],
        "requestBody": {"required": False, "description": "May be empty when no field is "
                                                           "required.",
                        "content": {"application/json": {"schema": _ref(name)}}},
        "responses": {
            "200": _json(_ref("Dossier"), "The dossier after the action."),
            **BAD_BODY, **AUTH_ERRORS,
            "404": _error("No such dossier, or not visible to the token's user."),
            "409": _error("The action is not possible from the dossier's state "
                          "(invalid_transition), the version is stale, or a rule such as the "
                          "budget refuses it (conflict)."),
        }}}


def openapi_document() -> dict:
    """The OpenAPI 3.1 description of every ``/api/v1`` route (a fresh copy each call)."""
    paths = {
        "/organisations": {
            "get": {
                "operationId": "list_organisations", "tags": ["organisations"],
                "summary": "Find organisations (staff: all, by tax code; applicant: its own).",
                "parameters": [_query("tax_code", {"type": "string"}, "Exact tax code."),
                               *PAGING],
                "responses": {"200": _json(_ref("OrganisationPage"), "A page of organisations."),
                              "401": AUTH_ERRORS["401"],
                              "422": _error("Malformed tax code or paging parameter.")}},
            "post": {
                "operationId": "create_organisation", "tags": ["organisations"],
                "summary": "Register an organisation (clerk or admin).",
                "requestBody": _body("OrganisationInput"),
                "responses": {"201": _json(_ref("Organisation"), "Created."),
                              **BAD_BODY, **AUTH_ERRORS}}},
        "/dossiers": {
            "get": {
                "operationId": "list_dossiers", "tags": ["dossiers"],
                "summary": "List dossiers, newest first (an applicant sees only its own "
                           "organisation's).",
                "parameters": [
                    _query("status", _enum(Status), "State."),
                    _query("year", {"type": "integer"}, "Program year, e.g. 2026."),
                    _query("organisation_id", ID, "Organisation id."),
                    _query("code", {"type": "string"}, "Exact dossier code."), *PAGING],
                "responses": {"200": _json(_ref("DossierPage"), "A page of dossiers."),
                              "401": AUTH_ERRORS["401"],
                              "422": _error("A malformed filter or paging parameter.")}},
            "post": {
                "operationId": "create_dossier", "tags": ["dossiers"],
                "summary": "Create a draft dossier (the organisation's applicant, or a clerk "
                           "filing a paper/postal dossier on its behalf).",
                "requestBody": _body("DossierInput"),
                "responses": {"201": _json(_ref("Dossier"), "The new draft."),
                              **BAD_BODY, **AUTH_ERRORS,
                              "409": _error("The year does not take dossiers now.")}}},
        "/dossiers/{dossier_id}": {"get": {
            "operationId": "get_dossier", "tags": ["dossiers"],
            "summary": "A dossier with its state, due date, items, history and documents.",
            "parameters": [DOSSIER_ID],
            "responses": {"200": _json(_ref("Dossier"), "The dossier."),
                          "401": AUTH_ERRORS["401"],
                          "404": _error("No such dossier, or not visible to the token's "
                                        "user.")}}},
        "/dossiers/{dossier_id}/documents/{document_id}": {"get": {
            "operationId": "get_document", "tags": ["dossiers"],
            "summary": "An issued document's PDF, byte for byte as issued.",
            "parameters": [DOSSIER_ID, _path_param("document_id", "The document's id.")],
            "responses": {
                "200": {"description": "The PDF.", "content": {"application/pdf": {
                    "schema": {"type": "string", "format": "binary"}}}},
                "401": AUTH_ERRORS["401"],
                "404": _error("No such dossier or document, or not visible.")}}},
        "/dossiers/{dossier_id}/attachments": {"post": {
            "operationId": "upload_attachment", "tags": ["dossiers"],
            "summary": "Attach a file against a checklist line.",
            "parameters": [DOSSIER_ID],
            "requestBody": {"required": True, "content": {"multipart/form-data": {
                "schema": _ref("AttachmentUpload")}}},
            "responses": {"201": _json(_ref("Attachment"), "Stored."),
                          **AUTH_ERRORS,
                          "404": _error("No such dossier, or not visible."),
                          "409": _error("The dossier no longer takes files."),
                          "413": _error("The request is larger than the server accepts."),
                          "422": _error("Missing file or checklist line, wrong file type, or "
                                        "over the size limit.")}}},
        **{f"/dossiers/{{dossier_id}}/actions/{action}": _action_operation(action)
           for action in ACTION_PAYLOADS},
        "/programs/{year}": {"get": {
            "operationId": "get_program", "tags": ["programs"],
            "summary": "The year's budget and target figures.",
            "parameters": [_path_param("year", "The program year, e.g. 2026.",
                                       {"type": "integer", "minimum": 1})],
            "responses": {"200": _json(_ref("Program"), "Budget and target figures."),
                          "401": AUTH_ERRORS["401"],
                          "404": _error("No program year with that number.")}}},
        "/lookup": {"get": {
            "operationId": "lookup", "tags": ["public"], "security": [],
            "summary": "Public status lookup by dossier code plus the organisation's tax code.",
            "description": "No token. Answers only the state and due date; a wrong code and a "
                           "wrong tax code give the same 404. Rate-limited per client address.",
            "parameters": [
                {"name": "code", "in": "query", "required": True, "schema": {"type": "string"}},
                {"name": "tax_code", "in": "query", "required": True,
                 "schema": {"type": "string"}}],
            "responses": {"200": _json(_ref("LookupResult"), "State and due date."),
                          "404": _error("No dossier with that code and tax code."),
                          "422": _error("code or tax_code missing."),
                          "429": _error("Too many lookups; try again later.")}}},
        "/openapi.json": {"get": {
            "operationId": "openapi", "tags": ["public"], "security": [],
            "summary": "This document.",
            "responses": {"200": _json({"type": "object"}, "The OpenAPI document.")}}},
    }
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "Hỗ trợ NQ 43/2022 — API cho phần mềm một cửa",
            "version": API_VERSION,
            "description": (
                "JSON API for the provincial one-stop software: file dossiers, move them "
                "through the procedure and read their state. Authenticate with `Authorization: "
                "Bearer <token>` (`flask --app grants api-token EMAIL` prints one); the token's "
                "user acts with exactly the roles it has in the web app. Money is whole đồng "
                "as JSON integers. Dates are Vietnam local time. Every error is JSON "
                "`{\"error\": {\"code\", \"message\", \"fields\"}}`: 400 malformed body, 401 "
                "token, 403 role, 404 unknown or not visible, 409 not possible from the state "
                "or stale version, 422 invalid field. States: "
                + ", ".join(f"`{s}` ({STATUS_LABELS[s]})" for s in Status) + "."),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": n} for n in ("organisations", "dossiers", "actions", "programs",
                                       "public")],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "An API token of a user."}},
            "schemas": SCHEMAS,
        },
    }
    return copy.deepcopy(document)


# ---------------------------------------------------------------- validation

_TYPE_MESSAGES = {
    "object": "phải là một đối tượng JSON",
    "array": "phải là một danh sách JSON",
    "string": "phải là chuỗi ký tự",
    "integer": "phải là số nguyên JSON (không có phần thập phân, không đặt trong dấu nháy, "
               "không có dấu phân cách hàng nghìn)",
    "number": "phải là số",
    "boolean": "phải là true hoặc false",
    "null": "phải là null",
}


def _is_type(value, kind: str) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, {"object": dict, "array": list, "string": str, "boolean": bool,
                              "null": type(None)}[kind])


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _check(value, schema: dict, path: str, errors: dict[str, list[str]]) -> None:
    def fail(message: str) -> None:
        errors.setdefault(path, []).append(message)

    schema = _resolve(schema)
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_is_type(value, k) for k in kinds):
            fail(" hoặc ".join(_TYPE_MESSAGES[k] for k in kinds) + ".")
            return
    if value is None:
        return
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(str(v) for v in schema["enum"] if v is not None)
        fail(f"giá trị không hợp lệ (chọn một trong: {allowed}).")
        return
    if isinstance(value, str):
        if schema.get("minLength", 0) >= 1 and not value.strip():
            fail("bắt buộc nhập.")
        elif "pattern" in schema and not re.search(schema["pattern"], value):
            fail("sai định dạng." if value.strip() else
                 "không được để trống; bỏ trường này hoặc gửi null.")
        elif len(value) > schema.get("maxLength", len(value)):
            fail(f"dài quá {schema['maxLength']} ký tự.")
    elif isinstance(value, int) and not isinstance(value, bool):
        if value < schema.get("minimum", value):
            fail("không được âm." if schema["minimum"] == 0 else
                 f"phải từ {schema['minimum']} trở lên.")
        elif value > schema.get("maximum", value):
            fail(f"không được lớn hơn {schema['maximum']}.")
    elif isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            fail("cần ít nhất một mục." if schema["minItems"] == 1
                 else f"cần ít nhất {schema['minItems']} mục.")
        elif len(value) > schema.get("maxItems", len(value)):
            fail(f"nhiều nhất {schema['maxItems']} mục.")
        else:
            for index, element in enumerate(value):
                _check(element, schema.get("items", {}), f"{path}[{index}]", errors)
    elif isinstance(value, dict):
        _check_object(value, schema, path, errors, fail)


def _check_object(value: dict, schema: dict, path: str, errors, fail) -> None:
    properties = schema.get("properties", {})
    if len(value) > schema.get("maxProperties", len(value)):
        fail(f"nhiều nhất {schema['maxProperties']} mục.")
        return
    for name in schema.get("required", ()):
        if name not in value:
            errors.setdefault(_join(path, name), []).append("bắt buộc nhập.")
    names = schema.get("propertyNames")
    extra = schema.get("additionalProperties", True)
    for name, element in value.items():
        where = _join(path, name)
        if names and not re.search(names["pattern"], name):
            errors.setdefault(where, []).append("khoá phải là mã số (id) của một mục.")
        elif name in properties:
            _check(element, properties[name], where, errors)
        elif extra is False:
            errors.setdefault(where, []).append("trường không được hỗ trợ.")
        elif isinstance(extra, dict):
            _check(element, extra, where, errors)


def validate(payload: Any, schema_name: str) -> dict:
    """Return ``payload`` if it matches the named component schema.

    Raises PayloadInvalid (an InvalidInput, HTTP 422) listing every problem by field path.
    """
    errors: dict[str, list[str]] = {}
    _check(payload, SCHEMAS[schema_name], "", errors)
    if errors:
        raise PayloadInvalid(errors)
    return payload
