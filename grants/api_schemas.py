"""The JSON API's OpenAPI 3.1 document as data, and the validation of its request bodies.

The request schemas published at ``GET /api/v1/openapi.json`` are the very objects ``validate()``
checks payloads against (with the maintained ``jsonschema`` library, Draft 2020-12), so the
document cannot drift from what the API accepts. Every problem is reported at once, each under
its field path (``items[0].requested_vnd``, ``eligible_costs.12``), in Vietnamese. Pure data and
functions: no request handling, no database access.
"""

import copy
import functools
import re
from typing import Any

from jsonschema import Draft202012Validator

from grants.domain.enums import Channel, CopyKind, DocumentKind, PaymentMethod, Recommendation
from grants.domain.errors import InvalidInput
from grants.domain.jobs import EXPORT_KINDS, JobKind, JobState
from grants.domain.money import MAX_VND
from grants.domain.organisations import OrgType
from grants.domain.roles import Role
from grants.domain.workflow_states import STATUS_LABELS, Action, Status

API_VERSION = "1.1.0"
ID_MAX = 2**31 - 1  # ids are INTEGER columns; larger values could never match a row
YEAR_MIN, YEAR_MAX = 2000, 2100
#: The highest page number (grants.queries.paging.MAX_PAGE; the app refuses more).
PAGE_MAX = 1_000_000
PER_PAGE_MAX = 100
ITEM_KEY_PATTERN = r"^[1-9][0-9]{0,9}$"
LOCAL_DATETIME_PATTERN = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?"
                          r"(Z|[+-][0-9]{2}:[0-9]{2})?$")
#: Control characters no text may hold (NUL breaks PostgreSQL; the others are never typed):
#: every C0 control but tab, line feed and carriage return. ``grants.app`` refuses them in
#: every query string, form and JSON body with the same class.
CONTROL_CLASS = "\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F"
CONTROL_CHARACTERS = re.compile(f"[{CONTROL_CLASS}]")
#: Free text: no control character.
PLAIN_TEXT = f"^[^{CONTROL_CLASS}]*$"
#: Required text: no control character and at least one character that is not white space.
REQUIRED_TEXT = f"^[^{CONTROL_CLASS}]*[^{CONTROL_CLASS}\\s][^{CONTROL_CLASS}]*$"
RFC3339_PATTERN = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
                   r"([Zz]|[+-][0-9]{2}:[0-9]{2})$")
TAX_CODE_PATTERN = r"^[0-9]{10}(-(00[1-9]|0[1-9][0-9]|[1-9][0-9]{2}))?$"


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
        schema.update(minLength=1, pattern=REQUIRED_TEXT)
    else:
        schema.update(type=["string", "null"], pattern=PLAIN_TEXT)
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
       "description": "Whole đồng as a JSON integer (JSON Schema's integer: 50000000, and also "
                      "50000000.0, which is the same number; never a fraction, a string or "
                      "thousands separators like \"50.000.000\")."}
VERSION = {"type": "integer", "minimum": 1, "maximum": ID_MAX,
           "description": "Optimistic lock: the dossier `version` the client last saw. If the "
                          "dossier has changed since, the request fails with 409 and nothing is "
                          "written."}
DATE_TIME = {"type": "string", "format": "date-time",
             "description": "ISO 8601 with the +07:00 offset (Vietnam local time)."}
DATE = {"type": "string", "format": "date"}
NOTE = _text(5000)
EMAIL_PATTERN = (f"^[^@\\s{CONTROL_CLASS}]+@[^@\\s{CONTROL_CLASS}]+"
                 f"\\.[^@\\s{CONTROL_CLASS}]+$")
EXTERNAL_REF = {"type": "string", "minLength": 1, "maxLength": 100,
                "pattern": "^[A-Za-z0-9][A-Za-z0-9._:/-]*$",
                "description": "The one-stop software's own number for the dossier (letters, "
                               "digits and . _ : / -); unique: a second dossier with the same "
                               "number is refused with 409."}
UPDATED_AT = {"type": "string", "format": "date-time",
              "description": "When anything about the dossier last changed (state, items, "
                             "papers, documents, payments), RFC 3339 in UTC with microseconds; "
                             "what `updated_since` compares."}


def _item_map(value_schema: dict, description: str) -> dict:
    return {"type": "object", "propertyNames": {"pattern": ITEM_KEY_PATTERN},
            "additionalProperties": value_schema, "maxProperties": 100,
            "description": description}


def _page(item_schema: str) -> dict:
    return _obj({"items": {"type": "array", "items": _ref(item_schema)},
                 "page": {"type": "integer", "minimum": 1, "maximum": PAGE_MAX},
                 "per_page": {"type": "integer", "minimum": 1, "maximum": PER_PAGE_MAX},
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

VISIT_FIELDS = {
    "visited_at": {"type": "string", "pattern": LOCAL_DATETIME_PATTERN,
                   "description": "When the visit took place, Vietnam local time, e.g. "
                                  "2026-03-05T09:00 (an explicit offset is converted); not in "
                                  "the future, not before the date the dossier was received."},
    "place": _text(500, required=True),
    "team": _text(5000, required=True, description="One member per line: `Name - Title`."),
    "findings": _text(20000, required=True),
    "org_representatives": _text(5000, description="One per line: `Name - Title`."),
}
VISIT_PAYLOADS = {
    "VisitCorrectionPayload": _obj(
        {**VISIT_FIELDS, "reason": _text(5000, required=True), "version": VERSION},
        ["visited_at", "place", "team", "findings", "reason"],
        description="The visit as it should read, and why. The minutes already issued stay "
                    "as issued; new minutes of the visit, stating the reason, supersede them."),
    "VisitVoidPayload": _obj(
        {"reason": _text(5000, required=True), "version": VERSION}, ["reason"],
        description="Why the visit is voided. It stays on record, with its minutes, but no "
                    "longer counts."),
}

ACTION_PAYLOADS: dict[str, dict] = {
    Action.SUBMIT: _action_payload(
        {"declaration": {"type": "boolean",
                         "description": "The applicant's declaration that the papers are true "
                                        "(required, true, when the applicant files its own "
                                        "dossier)."}},
        description="File a draft (online dossiers need a file for every required "
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
    # issue 14: papers asked after reception; the apology for a late dossier
    Action.REQUEST_PAPERS: _action_payload(
        {"items": {"type": "array", "minItems": 1, "maxItems": 50,
                   "items": _obj({"label": _text(300, required=True), "note": _text(1000)},
                                 ["label"])},
         "note": NOTE},
        ["items"], "After reception, ask for more papers, each listed; the clock stops until "
                   "the applicant resubmits, then the dossier goes back to the step that asked "
                   "with its due date moved by the pause. Head of division (received or "
                   "assigned) or the assigned appraiser (assigned)."),
    Action.APOLOGISE: _action_payload(
        {"new_return_date": {**DATE, "description": "A working day after the current due "
                                                    "date."},
         "reason": _text(5000, required=True)},
        ["new_return_date", "reason"],
        "Before the due moment passes, the role holding the dossier apologises and promises a "
        "new return date (422 on `new_return_date` unless after the current due date; 409 "
        "once past due). The dossier still counts as late."),
    Action.ASSIGN: _action_payload(
        {"appraiser_id": {**ID, "description": "An active user holding the appraiser role."}},
        ["appraiser_id"], "Assign (or reassign) the appraiser. Head of division."),
    Action.RECORD_VISIT: _action_payload(
        VISIT_FIELDS, ["visited_at", "place", "team", "findings"],
        "Record the on-site appraisal visit and issue its minutes (dated the day of the "
        "visit). `visited_at` may not be in the future nor before the date the dossier was "
        "received (422 on `visited_at`). The assigned appraiser."),
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
    Action.RETURN_RESULT: {
        **_action_payload(
            {"channel": _enum(Channel, "How the result was handed over."),
             "collected_by": _text(200, description="Required (non-blank) for `counter`."),
             "shown_document": _text(300, description="Required (non-blank) for `counter`: "
                                                      "appointment slip or introduction letter "
                                                      "shown."),
             "note": NOTE},
            ["channel"], "Hand the result over. Clerk. At the counter (`channel` = `counter`) "
                         "`collected_by` and `shown_document` are required."),
        "if": {"properties": {"channel": {"const": Channel.COUNTER.value}},
               "required": ["channel"]},
        "then": {"required": ["collected_by", "shown_document"],
                 "properties": {"collected_by": _text(200, required=True),
                                "shown_document": _text(300, required=True)}}},
    Action.WITHDRAW: _action_payload(
        {"reason": NOTE}, description="The applicant withdraws its dossier before a decision."),
    # The Chairman's path (issue 14.3).
    Action.SUBMIT_TO_COMMITTEE: _action_payload(
        {"note": NOTE},
        description="Where the year's deciding authority is the provincial Chairman: issue the "
                    "Department's proposal (tờ trình, N/TTr-SKHCN) with the appraised amounts "
                    "and submit the dossier to the People's Committee (409 in a Director's "
                    "year). Leader."),
    Action.RECORD_COMMITTEE_APPROVAL: _action_payload(
        {"decision_number": {"type": "integer", "minimum": 1, "maximum": 999_999,
                             "description": "The number of the Committee's decision "
                                            "(N/QĐ-UBND)."},
         "decided_on": {**DATE, "description": "Its date: not in the future, not before the "
                                               "proposal."},
         "signer_name": _text(200, description="Who signed it (default: the year's signer)."),
         "amounts": _item_map(VND, "Approved amount per item id; an item left out gets the "
                                   "proposed amount."),
         "overrides": _item_map(_text(2000, required=True),
                                "Reason for supporting an item the organisation was already "
                                "supported for (otherwise 409)."),
         "note": NOTE},
        ["decision_number", "decided_on"],
        "Record the People's Committee's decision to support as it came back; the total is "
        "committed against the year's budget (409 with the remaining amount when it does not "
        "fit). The records clerk then files the Committee's paper (`issue`). Leader."),
    Action.RECORD_COMMITTEE_REJECTION: _action_payload(
        {"reasons": {"type": "array", "minItems": 1, "maxItems": 50,
                     "items": _text(1000, required=True)},
         "reference": _text(200, description="The Committee's reply (number, date)."),
         "next_steps": NOTE},
        ["reasons"], "Record that the People's Committee did not approve support, with its "
                     "reasons; the Department's reply letter follows (`issue`). Leader."),
}

PAYLOAD_NAMES = {action: "".join(part.title() for part in str(action).split("_")) + "Payload"
                 for action in ACTION_PAYLOADS}

# ---------------------------------------------------------------- components

ORGANISATION_FIELDS = {
    "name": _text(300, required=True),
    "org_type": _enum(OrgType, "enterprise (DN), cooperative (HTX), union (LHHTX)."),
    "tax_code": {"type": "string", "minLength": 10, "maxLength": 14,
                 "pattern": TAX_CODE_PATTERN,
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
         "phone": {**ORGANISATION_FIELDS["phone"], "pattern": r"^[0-9+(). \-]{6,30}$"},
         "email": {**ORGANISATION_FIELDS["email"], "pattern": EMAIL_PATTERN}},
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
         "submitter_email": _text(254), "note": NOTE,
         "external_ref": EXTERNAL_REF},
        ["organisation_id", "year", "channel", "items"]),
    "ChecklistLineInput": CHECKLIST_LINE,
    "DossierItem": _obj(
        {"id": ID, "catalogue_code": {"type": "string"}, "catalogue_name": {"type": "string"},
         "evidence": {"type": ["string", "null"]}, "consulting_cost_vnd": VND,
         "requested_vnd": VND,
         "max_support_vnd": {**_nullable(VND), "description": (
             "The most the year's rule can give the item: min(share × consulting cost, cap), "
             "the same function as appraisal with the whole cost eligible; null when the year "
             "has no rule for the item.")},
         "above_max_support": {"type": "boolean",
                               "description": "requested_vnd is above max_support_vnd (a "
                                              "warning: the excess will not be supported)."},
         "eligible_cost_vnd": _nullable(VND),
         "proposed_vnd": _nullable(VND), "approved_vnd": _nullable(VND)},
        ["id", "catalogue_code", "consulting_cost_vnd", "requested_vnd"], closed=False),
    "HistoryEntry": _obj(
        {"at": DATE_TIME, "action": {"type": "string",
                                     "description": "create, or an action name."},
         "from": _enum(Status, nullable=True), "to": _enum(Status)},
        ["at", "action", "from", "to"], closed=False),
    "SiteVisit": _obj(
        {"id": ID, "visited_at": {"type": "string", "description": "Vietnam local time, "
                                                                   "e.g. 2026-03-05T09:00:00."},
         "place": {"type": "string"}, "team": {"type": "string"},
         "org_representatives": {"type": ["string", "null"]}, "findings": {"type": "string"},
         "voided_at": _nullable(DATE_TIME), "void_reason": {"type": ["string", "null"]},
         "minutes": {"type": "array", "items": ID,
                     "description": "Ids of its minutes in `documents`, oldest first; the "
                                    "last is current, earlier ones were superseded by a "
                                    "correction."}},
        ["id", "visited_at", "place", "team", "findings", "voided_at", "minutes"],
        closed=False),
    "DocumentRef": _obj(
        {"id": ID, "kind": _enum(DocumentKind),
         "number_symbol": {"type": "string", "description": "e.g. 12/QĐ-SKHCN"},
         "issued_on": DATE, "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
         "url": {"type": "string", "description": "Download URL of the PDF as issued."},
         "site_visit_id": {**_nullable(ID), "description": "The visit appraisal minutes "
                                                           "record (null for other kinds)."}},
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
    "DossierResult": _obj(
        {"outcome": {"type": ["string", "null"], "enum": ["approved", "rejected", None]},
         "issued": {"type": "boolean",
                    "description": "The decision or the reply letter has been issued."},
         "text": {**_nullable({"type": "string"}), "description": (
             "The outcome in words and figures, e.g. «Được hỗ trợ 70.000.000 đ – Quyết định "
             "số 1/QĐ-SKHCN ngày 02/04/2026»; null before the decision.")},
         "document_number": _nullable({"type": "string"}),
         "document_date": _nullable(DATE), "approved_vnd": VND, "paid_vnd": VND,
         "payments": {"type": "array", "items": _obj(
             {"paid_on": DATE, "amount_vnd": VND, "voucher_no": _nullable({"type": "string"})},
             ["paid_on", "amount_vnd"], closed=False),
             "description": "Payments received (reversed ones left out), oldest first."},
         "due_note": {**_nullable({"type": "string"}),
                      "description": "Why there is no due date (null when there is one)."},
         "promised_return_date": {**_nullable(DATE), "description": (
             "The new return date promised by an apology for a delay (phiếu xin lỗi và hẹn "
             "lại ngày trả kết quả); null without one. The dossier still counts as late.")},
         "recovery": {"oneOf": [_ref("Recovery"), {"type": "null"}],
                      "description": "Support found undue and claimed back (null if none)."}},
        ["outcome", "issued", "text", "approved_vnd", "paid_vnd", "payments"], closed=False),
    "DossierSummary": _obj(
        {"id": ID, "code": {"type": "string", "description": "e.g. HS-2026-0001"},
         "organisation_id": ID, "organisation_name": {"type": "string"},
         "year": {"type": "integer"}, "state": _enum(Status),
         "state_label": {"type": "string", "description": "Vietnamese label of the state."},
         "due_date": _nullable(DATE), "version": {"type": "integer"},
         "url": {"type": "string"}, "external_ref": _nullable(EXTERNAL_REF),
         "updated_at": UPDATED_AT},
        ["id", "code", "state", "state_label", "due_date", "version", "external_ref",
         "updated_at"], closed=False),
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
         "visits": {"type": "array", "items": _ref("SiteVisit"),
                    "description": "On-site appraisal visits, voided ones too, in the order "
                                   "they took place (staff only; empty for an applicant)."},
         "attachments": {"type": "array", "items": _ref("Attachment")},
         "decision": {"oneOf": [_ref("Decision"), {"type": "null"}]},
         "result": _ref("DossierResult"),
         "supplement_request": {"type": ["object", "null"], "properties": {
             "requested_at": DATE_TIME,
             "items": {"type": "array", "items": {"type": "object"}}}},
         "allowed_actions": {"type": "array", "items": _enum(Action),
                             "description": "Actions the token's user may take now."},
         "warnings": {"type": "array", "items": {"type": "string"},
                      "description": "E.g. the organisation was already supported for an "
                                     "item."},
         "version": {"type": "integer"}, "external_ref": _nullable(EXTERNAL_REF),
         "updated_at": UPDATED_AT},
        ["id", "code", "state", "state_label", "due_date", "items", "history", "documents",
         "version", "external_ref", "updated_at"], closed=False),
    "DossierPage": {**_page("DossierSummary"), "properties": {
        **_page("DossierSummary")["properties"],
        "next_cursor": {"type": ["string", "null"], "description": (
            "With `updated_since`: pass it as `cursor` to read the rows after this page; "
            "null on the last page.")}}},
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
         "target_max": {"type": "integer"}, "items_approved": {"type": "integer"},
         "intake_open": {"type": "boolean", "description": "The year takes new dossiers."},
         "statutory_days": {"type": "integer",
                            "description": "Working days from reception to the result."},
         "support_rules": {"type": "array", "items": _ref("SupportRule"),
                           "description": "What the year supports, per catalogue code."},
         "checklist": {"type": "array", "items": _ref("ChecklistItem"),
                       "description": "The papers of a dossier of the year (the ids `receive` "
                                      "and uploads name)."}},
        ["year", "budget_vnd", "committed_vnd", "disbursed_vnd", "remaining_vnd", "target_min",
         "target_max", "items_approved", "support_rules", "checklist"], closed=False),
    "Forecast": _obj(
        {"items": {"type": "integer"}, "committed_vnd": VND, "remaining_vnd": VND,
         "demand_vnd": VND, "exceeds_budget": {"type": "boolean"},
         "target_status": {"type": "string", "enum": ["short", "in_range", "over"]},
         "sentence": {"type": "string"},
         "months": {"type": "array", "items": {"type": "object"}}},
        ["items", "committed_vnd", "remaining_vnd", "demand_vnd", "exceeds_budget",
         "target_status", "sentence", "months"], closed=False),
    "ProgramYearSummary": _obj(
        {"year": {"type": "integer"}, "intake_open": {"type": "boolean"},
         "closed": {"type": "boolean"}, "url": {"type": "string"}},
        ["year", "intake_open", "closed", "url"], closed=False),
    "ProgramList": _obj({"items": {"type": "array", "items": _ref("ProgramYearSummary")}},
                        ["items"], closed=False),
    "SupportRule": _obj(
        {"catalogue_code": {"type": "string"}, "catalogue_name": {"type": "string"},
         "share_percent": {"type": "integer", "minimum": 0, "maximum": 100,
                           "description": "Share of the eligible cost supported, in percent."},
         "cap_vnd": {**VND, "description": "The most supported per item, in đồng."},
         "is_demo": {"type": "boolean", "description": "A demo value, not a decided one."}},
        ["catalogue_code", "share_percent", "cap_vnd"], closed=False),
    "ChecklistItem": _obj(
        {"id": ID, "code": {"type": "string"}, "name": {"type": "string"},
         "required": {"type": "boolean"}, "position": {"type": "integer"}},
        ["id", "name", "required"], closed=False),
    "CatalogueItem": _obj(
        {"code": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"},
         "description": {"type": ["string", "null"]}, "active": {"type": "boolean"}},
        ["code", "name", "kind", "active"], closed=False),
    "CatalogueList": _obj({"items": {"type": "array", "items": _ref("CatalogueItem")}},
                          ["items"], closed=False),
    "StaffMember": _obj(
        {"id": ID, "name": {"type": "string"},
         "roles": {"type": "array", "items": _enum(Role)},
         "workload": {"type": "integer", "minimum": 0,
                      "description": "Dossiers assigned to them and still being appraised."}},
        ["id", "name", "roles", "workload"], closed=False),
    "StaffList": _obj({"items": {"type": "array", "items": _ref("StaffMember")}}, ["items"],
                      closed=False),
    "RefusalReason": _obj({"id": ID, "text": {"type": "string"},
                           "position": {"type": "integer"}},
                          ["id", "text"], closed=False),
    "RefusalReasonList": _obj(
        {"year": {"type": "integer"},
         "items": {"type": "array", "items": _ref("RefusalReason")}}, ["year", "items"],
        closed=False),
    "AttachmentList": _obj({"items": {"type": "array", "items": _ref("Attachment")}},
                           ["items"], closed=False),
    "LookupResult": _obj(
        {"code": {"type": "string"}, "state": _enum(Status), "state_label": {"type": "string"},
         "due_date": _nullable(DATE),
         "promised_return_date": {**_nullable(DATE), "description": (
             "The new return date of an apology for a delay; null without one.")}},
        ["code", "state", "state_label", "due_date"]),
    **{PAYLOAD_NAMES[action]: schema for action, schema in ACTION_PAYLOADS.items()},
    **VISIT_PAYLOADS,
}

INPUT_SCHEMAS = ("OrganisationInput", "DossierItemInput", "DossierInput", "ChecklistLineInput",
                 *PAYLOAD_NAMES.values(), *VISIT_PAYLOADS)


def _forbid_controls(schema: Any) -> None:
    """Give every free string of an input schema the no-control-character pattern, in place:
    the app refuses those characters before any view runs, so the document says so too."""
    if isinstance(schema, list):
        for element in schema:
            _forbid_controls(element)
        return
    if not isinstance(schema, dict):
        return
    kinds = schema.get("type")
    is_string = kinds == "string" or (isinstance(kinds, list) and "string" in kinds)
    if is_string and not {"pattern", "enum", "const", "format"} & schema.keys():
        schema["pattern"] = PLAIN_TEXT
    for key, value in schema.items():
        if key in {"properties", "patternProperties", "$defs"}:
            for sub in value.values():
                _forbid_controls(sub)
        elif isinstance(value, dict | list) and key not in {"enum", "required", "const"}:
            _forbid_controls(value)


for _name in INPUT_SCHEMAS:
    _forbid_controls(SCHEMAS[_name])

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
#: What any request may meet before its view runs: a forbidden character in a parameter (422)
#: and the per-token rate limit (429, with the RateLimit-* headers).
GUARD_ERRORS = {
    "422": _error("A parameter holds a control character (such as U+0000) or is out of its "
                  "bounds; `fields` names it."),
    "429": _error("Too many requests for this token; the `RateLimit-Reset` header says in how "
                  "many seconds the window resets."),
}
BAD_BODY = {"400": _error("The body is not a JSON object."),
            "413": _error("The body is larger than the server accepts."),
            "422": _error("A field is missing or malformed, or the Idempotency-Key was used "
                          "with another body; `fields` names each one.")}


def _errors(**described: str) -> dict:
    """Error responses keyed by status (``e404="…"``)."""
    return {code.removeprefix("e"): _error(text) for code, text in described.items()}


def _path_param(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": schema or ID}


def _query(name: str, schema: dict, description: str, *, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema}


def _query_text(max_length: int, pattern: str = PLAIN_TEXT) -> dict:
    return {"type": "string", "maxLength": max_length, "pattern": pattern}


DOSSIER_ID = _path_param("dossier_id", "The dossier's numeric id.")
YEAR = {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX}
PAGING = [_query("page", {"type": "integer", "minimum": 1, "maximum": PAGE_MAX, "default": 1},
                 f"Page number (1 to {PAGE_MAX})."),
          _query("per_page", {"type": "integer", "minimum": 1, "maximum": PER_PAGE_MAX,
                              "default": 25}, f"Rows per page (at most {PER_PAGE_MAX}).")]
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "Any unique string (e.g. a UUID) to make the POST safe to retry: the first "
                   "answer (status and body) is kept for a while and replayed for the same key "
                   "and body from the same token; the same key with another body is a 422.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"}}


def _post(operation: dict) -> dict:
    """A POST operation: the Idempotency-Key header joins its parameters."""
    return {**operation, "parameters": [*operation.get("parameters", []), IDEMPOTENCY_KEY]}


def _get(operation: dict) -> dict:
    operation["responses"] = {**GUARD_ERRORS, **AUTH_ERRORS, **operation["responses"]}
    if operation.get("security") == []:
        operation["responses"].pop("401"), operation["responses"].pop("403")
    return operation


def _action_operation(action: Action) -> dict:
    name = PAYLOAD_NAMES[action]
    schema = ACTION_PAYLOADS[action]
    description = schema.get("description", "")
    required = bool(schema.get("required"))
    return {"post": _post({
        "operationId": f"action_{action}", "tags": ["actions"],
        "summary": f"{action.label} ({action})", "description": description,
        "parameters": [DOSSIER_ID],
        "requestBody": {"required": required,
                        **({} if required else {"description": "May be empty: no field is "
                                                               "required."}),
                        "content": {"application/json": {"schema": _ref(name)}}},
        "responses": {
            "200": _json(_ref("Dossier"), "The dossier after the action."),
            **GUARD_ERRORS, **BAD_BODY, **AUTH_ERRORS,
            "404": _error("No such dossier, or not visible to the token's user."),
            "409": _error("The action is not possible from the dossier's state "
                          "(invalid_transition), the version is stale, or a rule such as the "
                          "budget refuses it (conflict)."),
        }})}


def _visit_operation(operation_id: str, payload: str, summary: str) -> dict:
    return {"post": _post({
        "operationId": operation_id, "tags": ["actions"], "summary": summary,
        "description": SCHEMAS[payload]["description"] + " The assigned appraiser, while the "
                       "dossier is being appraised (`assigned`).",
        "parameters": [DOSSIER_ID, _path_param("visit_id", "The visit's id (`visits[].id`).")],
        "requestBody": _body(payload),
        "responses": {
            "200": _json(_ref("Dossier"), "The dossier after the change."),
            **GUARD_ERRORS, **BAD_BODY, **AUTH_ERRORS,
            "404": _error("No such dossier or visit, or not visible to the token's user."),
            "409": _error("The dossier is not being appraised (invalid_transition), the "
                          "version is stale, or the visit was voided (conflict)."),
        }})}


BINARY = {"schema": {"type": "string", "format": "binary"}}


# ---------------------------------------------------------------- background jobs (exports)
# One block, kept together (helper "jobs"): the schemas and paths of POST /exports and
# GET /jobs/{job_id}[/file]; openapi_document adds them with two lines.

SCHEMAS.update({
    "ExportInput": {
        "type": "object", "additionalProperties": False, "required": ["kind"],
        "properties": {
            "kind": {"type": "string", "enum": sorted(k.value for k in EXPORT_KINDS),
                     "description": "register (the full register; year optional: all years), "
                                    "budget_report, target_report, demand_report, "
                                    "processing_report (year required), years_report."},
            "parameters": {"type": ["object", "null"], "additionalProperties": False,
                           "properties": {"year": {"type": ["integer", "null"], "minimum": YEAR_MIN,
                                                   "maximum": YEAR_MAX,
                                                   "description": "Program year, e.g. 2026."}}},
        }},
    "Job": {
        "type": "object",
        "required": ["id", "kind", "state", "done", "finished"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string", "enum": [k.value for k in JobKind]},
            "title": {"type": "string", "description": "Vietnamese name of the job."},
            "parameters": {"type": "object"},
            "state": {"type": "string", "enum": [s.value for s in JobState],
                      "description": "queued, running, done, failed, expired (file removed)."},
            "state_label": {"type": "string"},
            "done": {"type": "integer", "minimum": 0, "description": "Rows (units) done."},
            "total": {"type": ["integer", "null"], "description": "Rows (units) in all; null "
                                                                  "until known."},
            "percent": {"type": ["integer", "null"]},
            "message": {"type": ["string", "null"],
                        "description": "The result, or why it failed (Vietnamese)."},
            "finished": {"type": "boolean"},
            "file_name": {"type": ["string", "null"]},
            "file_url": {"type": ["string", "null"],
                         "description": "GET it (same token) once the job is done."},
            "created_at": {"type": "string"}, "started_at": {"type": ["string", "null"]},
            "finished_at": {"type": ["string", "null"]},
            "expires_at": {"type": ["string", "null"],
                           "description": "When the file is removed (UTC)."}}},
})

JOB_ID = {"name": "job_id", "in": "path", "required": True,
          "schema": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
          "description": "The job's id."}


# ---------------------------------------------------------------- recovery of undue support
# One block (issue 14.4): the schemas and paths of POST /dossiers/{id}/recoveries and
# /repayments; openapi_document adds them with one line.

SCHEMAS.update({
    "Recovery": _obj(
        {"recovered_vnd": VND, "repaid_vnd": VND,
         "owed_vnd": {**VND, "description": "Still to be paid back."},
         "decisions": {"type": "array", "items": _obj(
             {"decided_on": DATE, "amount_vnd": VND, "reason": {"type": "string"}},
             ["decided_on", "amount_vnd", "reason"], closed=False),
             "description": "Each recovery decision, oldest first."}},
        ["recovered_vnd", "repaid_vnd", "owed_vnd", "decisions"], closed=False),
    "RecoveryInput": _obj(
        {"amount_vnd": {**VND, "minimum": 1,
                        "description": "What is claimed back: at most what was paid and is not "
                                       "already being recovered."},
         "reason": _text(2000, required=True,
                         description="Why the support is undue (a forged certificate, a double "
                                     "support found later …)."),
         "version": VERSION},
        ["amount_vnd", "reason"],
        description="The leadership's recovery decision: the unpaid part of the commitment is "
                    "released, the amount becomes a receivable, and the recovery decision "
                    "(QĐ-SKHCN) is issued."),
    "RepaymentInput": _obj(
        {"amount_vnd": {**VND, "minimum": 1,
                        "description": "At most what is still owed."},
         "paid_on": {**DATE, "description": "When the money came back (not in the future)."},
         "voucher_no": _text(50, required=True, description="The receipt voucher."),
         "method": _enum(PaymentMethod),
         "bank_reference": _text(100),
         "version": VERSION},
        ["amount_vnd", "paid_on", "voucher_no", "method"],
        description="Money paid back against the recovery decisions (a finance officer)."),
})


def _recovery_operation(operation_id: str, payload: str, summary: str, who: str) -> dict:
    return {"post": _post({
        "operationId": operation_id, "tags": ["money"], "summary": summary,
        "description": SCHEMAS[payload]["description"] + f" {who}",
        "parameters": [DOSSIER_ID],
        "requestBody": _body(payload),
        "responses": {
            "201": _json(_ref("Dossier"), "The dossier after the change (`result.recovery`)."),
            **GUARD_ERRORS, **BAD_BODY, **AUTH_ERRORS,
            **_errors(e403="The token's user may not do this.",
                      e404="No such dossier, or not visible to the token's user.",
                      e409="The dossier is not approved, its year is closed, a payment waits "
                           "for confirmation, or the version is stale.",
                      e422="Above what was paid (recovery) or owed (repayment), or a bad "
                           "field.")}})}


def _recovery_paths() -> dict:
    return {
        "/dossiers/{dossier_id}/recoveries": _recovery_operation(
            "record_recovery", "RecoveryInput", "Decide to recover support found undue.",
            "Leadership only."),
        "/dossiers/{dossier_id}/repayments": _recovery_operation(
            "record_repayment", "RepaymentInput", "Record money paid back against a recovery.",
            "Finance officer only."),
    }


def _job_paths() -> dict:
    paths = {
        "/exports": {"post": {
            "operationId": "start_export", "tags": ["jobs"],
            "summary": "Start an export as a background job; poll the job, then get its file.",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ExportInput"}}}},
            "responses": {
                "202": {"description": "Started: the job (Location: /api/v1/jobs/{id}).",
                        "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Job"}}}},
                **BAD_BODY, **AUTH_ERRORS,
                "404": _error("No program year with that number.")}}},
        "/jobs/{job_id}": {"get": {
            "operationId": "get_job", "tags": ["jobs"],
            "summary": "A job's state and progress (only the token's own jobs).",
            "parameters": [JOB_ID],
            "responses": {"200": {"description": "The job.", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Job"}}}},
                          "401": AUTH_ERRORS["401"],
                          "404": _error("No such job, or another user's.")}}},
        "/jobs/{job_id}/file": {"get": {
            "operationId": "get_job_file", "tags": ["jobs"],
            "summary": "The file a finished export job made (.xlsx), while it is kept.",
            "parameters": [JOB_ID],
            "responses": {
                "200": {"description": "The .xlsx file.", "content": {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}}}},
                "401": AUTH_ERRORS["401"],
                "404": _error("No such job, not finished, failed, or its file expired.")}}},
    }
    # The common answers (input guard, rate limit, token) and, on POST, the Idempotency-Key.
    return {path: {method: _post(_get(op)) if method == "post" else _get(op)
                   for method, op in methods.items()}
            for path, methods in paths.items()}


def openapi_document() -> dict:
    """The OpenAPI 3.1 description of every ``/api/v1`` route (a fresh copy each call)."""
    paths = {
        "/organisations": {
            "get": _get({
                "operationId": "list_organisations", "tags": ["organisations"],
                "summary": "Find organisations (staff: all, by tax code; applicant: its own).",
                "parameters": [_query("tax_code", _query_text(14, TAX_CODE_PATTERN),
                                      "Exact tax code (10 digits, or 10-3 for a branch)."),
                               *PAGING],
                "responses": {"200": _json(_ref("OrganisationPage"), "A page of organisations.")}}),
            "post": _post({
                "operationId": "create_organisation", "tags": ["organisations"],
                "summary": "Register an organisation (clerk or admin).",
                "requestBody": _body("OrganisationInput"),
                "responses": {"201": _json(_ref("Organisation"), "Created."),
                              **GUARD_ERRORS, **BAD_BODY, **AUTH_ERRORS,
                              **_errors(e409="An organisation with that tax code exists.")}})},
        "/dossiers": {
            "get": _get({
                "operationId": "list_dossiers", "tags": ["dossiers"],
                "summary": "List dossiers (an applicant sees only its own organisation's): "
                           "newest first, or, with `updated_since`, by change.",
                "description": (
                    "To keep a copy in sync, pass `updated_since` (RFC 3339 with an offset, "
                    "microseconds kept; inclusive): the answer lists the dossiers changed at or "
                    "after that moment in a stable order (`updated_at`, then `id`), a page at a "
                    "time; follow `next_cursor` (pass it as `cursor` with the same filters) "
                    "until it is null, and start the next sync from the largest `updated_at` "
                    "seen. The cursor is opaque. `page` is ignored when a cursor is given. "
                    "Nothing is skipped: a change that becomes visible later always carries a "
                    "later `updated_at` (stamped as it commits)."),
                "parameters": [
                    _query("status", _enum(Status), "State."),
                    _query("year", YEAR, "Program year, e.g. 2026."),
                    _query("organisation_id", ID, "Organisation id."),
                    _query("code", _query_text(30), "Exact dossier code."),
                    _query("external_ref", _query_text(100), "The one-stop software's number."),
                    _query("updated_since", {"type": "string", "format": "date-time",
                                             "pattern": RFC3339_PATTERN},
                           "Only dossiers changed at or after this moment (RFC 3339)."),
                    _query("cursor", {"type": "string", "maxLength": 200,
                                      "pattern": "^[A-Za-z0-9_-]+={0,2}$"},
                           "`next_cursor` of the previous page (with `updated_since`)."),
                    *PAGING],
                "responses": {"200": _json(_ref("DossierPage"), "A page of dossiers.")}}),
            "post": _post({
                "operationId": "create_dossier", "tags": ["dossiers"],
                "summary": "Create a draft dossier (the organisation's applicant, or a clerk "
                           "filing a paper/postal dossier on its behalf).",
                "requestBody": _body("DossierInput"),
                "responses": {"201": {**_json(_ref("Dossier"), "The new draft."), "headers": {
                                  "Location": {"description": "The dossier's URL.",
                                               "schema": {"type": "string"}}}},
                              **GUARD_ERRORS, **BAD_BODY, **AUTH_ERRORS,
                              **_errors(e409="The year does not take dossiers now, or another "
                                             "dossier has this external_ref.")}})},
        "/dossiers/{dossier_id}": {"get": _get({
            "operationId": "get_dossier", "tags": ["dossiers"],
            "summary": "A dossier with its state, due date, items, history and documents.",
            "parameters": [DOSSIER_ID],
            "responses": {"200": _json(_ref("Dossier"), "The dossier."),
                          **_errors(e404="No such dossier, or not visible to the token's "
                                         "user.")}})},
        "/dossiers/{dossier_id}/documents/{document_id}": {"get": _get({
            "operationId": "get_document", "tags": ["files"],
            "summary": "An issued document's PDF, byte for byte as issued.",
            "parameters": [DOSSIER_ID, _path_param("document_id", "The document's id.")],
            "responses": {
                "200": {"description": "The PDF.", "content": {"application/pdf": BINARY}},
                **_errors(e404="No such dossier or document, or not visible.")}})},
        "/dossiers/{dossier_id}/attachments": {
            "get": _get({
                "operationId": "list_attachments", "tags": ["files"],
                "summary": "The dossier's uploaded papers (removed ones left out).",
                "parameters": [DOSSIER_ID],
                "responses": {"200": _json(_ref("AttachmentList"), "The papers, oldest first."),
                              **_errors(e404="No such dossier, or not visible.")}}),
            "post": _post({
                "operationId": "upload_attachment", "tags": ["files"],
                "summary": "Attach a file against a checklist line.",
                "parameters": [DOSSIER_ID],
                "requestBody": {"required": True, "content": {"multipart/form-data": {
                    "schema": _ref("AttachmentUpload")}}},
                "responses": {"201": _json(_ref("Attachment"), "Stored."),
                              **AUTH_ERRORS, **GUARD_ERRORS,
                              **_errors(e400="The body is not multipart/form-data.",
                                        e404="No such dossier, or not visible.",
                                        e409="The dossier no longer takes files.",
                                        e413="The request is larger than the server accepts.",
                                        e422="Missing file or checklist line, wrong file type, "
                                             "or over the size limit.")}})},
        "/attachments/{attachment_id}": {"get": _get({
            "operationId": "get_attachment", "tags": ["files"],
            "summary": "Download an uploaded paper, byte for byte (same access as the dossier).",
            "parameters": [_path_param("attachment_id", "The attachment's id.")],
            "responses": {
                "200": {"description": "The file (PDF, JPEG or PNG).", "content": {
                    "application/pdf": BINARY, "image/jpeg": BINARY, "image/png": BINARY}},
                **_errors(e404="No such paper, a removed one, or its dossier is not "
                               "visible.")}})},
        **{f"/dossiers/{{dossier_id}}/actions/{action}": _action_operation(action)
           for action in ACTION_PAYLOADS},
        "/dossiers/{dossier_id}/visits/{visit_id}/correct": _visit_operation(
            "correct_visit", "VisitCorrectionPayload",
            "Correct a recorded site visit, with the reason (audited before/after)."),
        "/dossiers/{dossier_id}/visits/{visit_id}/void": _visit_operation(
            "void_visit", "VisitVoidPayload", "Void a recorded site visit, with the reason "
                                              "(audited)."),
        "/programs": {"get": _get({
            "operationId": "list_programs", "tags": ["reference"],
            "summary": "The program years, newest first.",
            "responses": {"200": _json(_ref("ProgramList"), "The years.")}})},
        "/programs/{year}": {"get": _get({
            "operationId": "get_program", "tags": ["reference"],
            "summary": "The year's budget and target figures, its support rules and its "
                       "checklist of papers.",
            "parameters": [_path_param("year", "The program year, e.g. 2026.", YEAR)],
            "responses": {"200": _json(_ref("Program"), "The year."),
                          **_errors(e404="No program year with that number.")}})},
        "/programs/{year}/forecast": {"get": _get({
            "operationId": "get_program_forecast", "tags": ["programs"],
            "summary": "The leader's forecast: items and commitments projected to the year's end.",
            "description": "Leader, finance officer or admin only. The dossiers in process at "
                           "the observed conversion rate and intake pace, capped by the budget; "
                           "the Vietnamese sentence and the months to 31/12.",
            "parameters": [_path_param("year", "The program year, e.g. 2026.", YEAR)],
            "responses": {"200": _json(_ref("Forecast"), "The projection."),
                          **_errors(e404="No program year with that number.")}})},
        "/catalogue": {"get": _get({
            "operationId": "list_catalogue", "tags": ["reference"],
            "summary": "The catalogue of standards, tools and models (the codes dossier items "
                       "name).",
            "parameters": [_query("active", {"type": "boolean"},
                                  "Only active items (true) or only retired ones (false).")],
            "responses": {"200": _json(_ref("CatalogueList"), "The catalogue.")}})},
        "/staff": {"get": _get({
            "operationId": "list_staff", "tags": ["reference"],
            "summary": "Active staff holding a role, with their current workload (no contact "
                       "data). Staff tokens only.",
            "parameters": [_query("role", {"type": "string",
                                           "enum": [str(r) for r in Role
                                                    if r is not Role.APPLICANT]},
                                  "The role, e.g. appraiser.", required=True)],
            "responses": {"200": _json(_ref("StaffList"), "The staff.")}})},
        "/refusal-reasons": {"get": _get({
            "operationId": "list_refusal_reasons", "tags": ["reference"],
            "summary": "The year's standard reasons for a rejection or a refusal.",
            "parameters": [_query("year", YEAR, "Program year (default: the current one).")],
            "responses": {"200": _json(_ref("RefusalReasonList"), "The reasons."),
                          **_errors(e404="No program year with that number.")}})},
        "/lookup": {"get": _get({
            "operationId": "lookup", "tags": ["public"], "security": [],
            "summary": "Public status lookup by dossier code plus the organisation's tax code.",
            "description": "No token. Answers only the state and due date; a wrong code and a "
                           "wrong tax code give the same 404. Rate-limited per client address.",
            "parameters": [
                _query("code", {**_query_text(30), "minLength": 1}, "The dossier code.",
                       required=True),
                _query("tax_code", _query_text(14, TAX_CODE_PATTERN),
                       "The organisation's tax code.", required=True)],
            "responses": {"200": _json(_ref("LookupResult"), "State and due date."),
                          **_errors(e404="No dossier with that code and tax code.",
                                    e422="code or tax_code missing or malformed.",
                                    e429="Too many lookups; try again later.")}})},
        "/openapi.json": {"get": {
            "operationId": "openapi", "tags": ["public"], "security": [],
            "summary": "This document.",
            "responses": {"200": _json({"type": "object"}, "The OpenAPI document.")}}},
        # -- webhooks and events (webhooks helper): defined at the end of this module
        **webhook_paths(),
        # -- notifications (issue 16): the token's own notifications, one block
        "/notifications": {"get": _get({
            "operationId": "list_notifications", "tags": ["notifications"],
            "summary": "The token's own notifications, newest first, with the unread count.",
            "parameters": PAGING,
            "responses": {"200": _json({"type": "object", "properties": {
                "items": {"type": "array", "items": {"type": "object", "properties": {
                    "id": ID, "kind": {"type": "string"}, "title": {"type": "string"},
                    "body": {"type": "string"}, "link": {"type": ["string", "null"]},
                    "dossier_id": {"type": ["integer", "null"]},
                    "created_at": {"type": "string"}, "read": {"type": "boolean"},
                    "read_at": {"type": ["string", "null"]}}}},
                "unread": {"type": "integer"}, "page": {"type": "integer"},
                "per_page": {"type": "integer"}}}, "A page of notifications."),
                "422": _error("A malformed paging parameter.")}})},
        "/notifications/{notification_id}/read": {"post": _post(_get({
            "operationId": "read_notification", "tags": ["notifications"],
            "summary": "Mark one of the token's own notifications read.",
            "parameters": [_path_param("notification_id", "The notification's id.")],
            "responses": {"200": _json({"type": "object"}, "The notification, read."),
                          "404": _error("No such notification of this user.")}}))},
    }
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "Hỗ trợ NQ 43/2022 — API cho phần mềm một cửa",
            "version": API_VERSION,
            "description": (
                "JSON API for the provincial one-stop software: file dossiers, move them "
                "through the procedure, read their state, papers and documents, and keep a "
                "copy in sync. Authenticate with `Authorization: Bearer <token>` (`flask --app "
                "grants api-token EMAIL` prints one); the token's user acts with exactly the "
                "roles it has in the web app. Money is whole đồng as JSON integers. Dates are "
                "Vietnam local time. Every POST takes an `Idempotency-Key` header for safe "
                "retries. Each token has a rate limit, announced in the `RateLimit-Limit`, "
                "`RateLimit-Remaining` and `RateLimit-Reset` headers. No text may hold a "
                "control character (U+0000–U+001F except tab, line feed and carriage return). "
                "Every error is JSON `{\"error\": {\"code\", \"message\", \"fields\"}}`: 400 "
                "malformed body, 401 token, 403 role, 404 unknown or not visible, 405 method "
                "(with `Allow`), 409 not possible from the state or stale version, 422 "
                "invalid field, 429 rate limit. States: "
                + ", ".join(f"`{s}` ({STATUS_LABELS[s]})" for s in Status) + "."),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": n} for n in ("organisations", "dossiers", "actions", "files",
                                       "reference", "public")],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "An API token of a user."}},
            "schemas": SCHEMAS,
        },
    }
    paths.update(_job_paths())  # background jobs (exports): see the block above
    paths.update(_recovery_paths())  # recovery of undue support: see its block
    document["tags"].append({"name": "money"})
    document["tags"].append({"name": "jobs"})
    paths.update(payrate_paths())  # bank account, rating, payment order: see the block below
    return copy.deepcopy(document)


# ---------------------------------------------------------------- validation

_TYPE_MESSAGES = {
    "object": "phải là một đối tượng JSON",
    "array": "phải là một danh sách JSON",
    "string": "phải là chuỗi ký tự",
    "integer": "phải là số nguyên JSON (không có phần lẻ, không đặt trong dấu nháy, không có "
               "dấu phân cách hàng nghìn)",
    "number": "phải là số",
    "boolean": "phải là true hoặc false",
    "null": "phải là null",
}


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _path(parts) -> str:
    path = ""
    for part in parts:
        path = f"{path}[{part}]" if isinstance(part, int) else _join(path, str(part))
    return path


@functools.cache
def _validator(schema_name: str) -> Draft202012Validator:
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": f"#/components/schemas/{schema_name}",
            "components": {"schemas": copy.deepcopy(SCHEMAS)}}
    Draft202012Validator.check_schema(root)
    return Draft202012Validator(root)


def _string_message(error) -> str:
    value, schema = error.instance, error.schema
    if error.validator == "maxLength":
        return f"dài quá {schema['maxLength']} ký tự."
    if error.validator == "minLength":
        return "bắt buộc nhập."
    if CONTROL_CHARACTERS.search(value):
        return ("chứa ký tự không hợp lệ (ký tự điều khiển, ví dụ U+0000); hãy xóa ký tự đó "
                "rồi gửi lại.")
    if not value.strip():
        return ("bắt buộc nhập." if schema.get("pattern") == REQUIRED_TEXT else
                "không được để trống; bỏ trường này hoặc gửi null.")
    return "sai định dạng."


def _messages(error) -> list[tuple[str, str]]:
    """(field path, Vietnamese message) of one jsonschema error."""
    path = _path(error.absolute_path)
    kind, schema = error.validator, error.schema
    if kind == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        return [(_join(path, name), "bắt buộc nhập.") for name in error.validator_value
                if name not in present]
    if kind == "additionalProperties":
        allowed = set(schema.get("properties", {}))
        return [(_join(path, str(name)), "trường không được hỗ trợ.")
                for name in error.instance if name not in allowed]
    if "propertyNames" in error.schema_path or (
            error.parent is not None and error.parent.validator == "propertyNames"):
        return [(_join(path, str(error.instance)), "khóa phải là mã số (id) của một mục.")]
    if kind == "type":
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        return [(path, " hoặc ".join(_TYPE_MESSAGES[k] for k in kinds) + ".")]
    if kind in {"enum", "const"}:
        allowed = schema.get("enum", [schema.get("const")])
        return [(path, "giá trị không hợp lệ (chọn một trong: "
                       + ", ".join(str(v) for v in allowed if v is not None) + ").")]
    if kind in {"pattern", "minLength", "maxLength"} and isinstance(error.instance, str):
        return [(path, _string_message(error))]
    if kind == "minimum":
        return [(path, "không được âm." if schema["minimum"] == 0
                 else f"phải từ {schema['minimum']} trở lên.")]
    if kind == "maximum":
        return [(path, f"không được lớn hơn {schema['maximum']}.")]
    if kind == "minItems":
        return [(path, "cần ít nhất một mục." if schema["minItems"] == 1
                 else f"cần ít nhất {schema['minItems']} mục.")]
    if kind in {"maxItems", "maxProperties"}:
        return [(path, f"nhiều nhất {error.validator_value} mục.")]
    return [(path, "không hợp lệ.")]


def _leaves(errors):
    """The innermost errors: a oneOf/anyOf/if-then failure reports what its branches found."""
    for error in errors:
        if error.context and error.validator in {"oneOf", "anyOf", "allOf"}:
            yield from _leaves(error.context)
        else:
            yield error


def integral_float(text: str):
    """``json.loads(parse_float=…)``: a number written with a fraction or an exponent that is
    a whole number (``249.0``, ``2.5e1``) is that integer, as JSON Schema counts it; any other
    stays a float (and fails an integer field)."""
    from decimal import Decimal, InvalidOperation

    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - json only passes number literals
        return float(text)
    if number.is_finite() and number.adjusted() <= 30 and number == number.to_integral_value():
        return int(number)
    return float(text)


def validate(payload: Any, schema_name: str) -> dict:
    """Return ``payload`` if it matches the named component schema.

    Raises PayloadInvalid (an InvalidInput, HTTP 422) listing every problem by field path.
    """
    errors: dict[str, list[str]] = {}
    found = sorted(_validator(schema_name).iter_errors(payload),
                   key=lambda e: [str(p) for p in e.absolute_path])
    for error in _leaves(found):
        for path, message in _messages(error):
            if message not in errors.get(path, []):
                errors.setdefault(path, []).append(message)
    if errors:
        raise PayloadInvalid(errors)
    return payload


# ---------------------------------------------------------------- webhooks and events
# One self-contained block (webhooks helper, issue 17): the schemas join SCHEMAS (so
# ``validate`` knows them) and ``webhook_paths()`` is spliced into ``openapi_document``.

from grants.domain.enums import DeliveryState, EventKind  # noqa: E402 - kept with the block it serves

EVENT_KINDS = [str(k) for k in EventKind]
WEBHOOK_SCHEMAS = {
    "WebhookInput": _obj(
        {"url": {"type": "string", "minLength": 1, "maxLength": 2000, "pattern": r"^https?://",
                 "description": "Where the events are POSTed: http(s) only; a host resolving "
                                "to a private, loopback, link-local or reserved address is "
                                "refused (422) unless the server allows it "
                                "(WEBHOOK_ALLOW_PRIVATE)."},
         "events": {"type": ["array", "null"], "maxItems": 10,
                    "items": _enum(["*", *EVENT_KINDS]),
                    "description": "The event types to receive; omitted, empty or `[\"*\"]`: "
                                   "all of them."},
         "label": _text(100, description="Whose webhook it is (shown to the admin).")},
        ["url"], description="Register a webhook."),
    "Webhook": _obj(
        {"id": ID, "url": {"type": "string"}, "label": {"type": ["string", "null"]},
         "events": {"type": "array", "items": _enum(["*", *EVENT_KINDS])},
         "active": {"type": "boolean"}, "created_at": DATE_TIME,
         "deactivated_at": _nullable(DATE_TIME),
         "deliveries": _obj({s.value: {"type": "integer", "minimum": 0}
                             for s in DeliveryState}, [s.value for s in DeliveryState],
                            description="How many deliveries are in each state (`sending`: "
                                        "an attempt in flight).")},
        ["id", "url", "label", "events", "active", "created_at", "deactivated_at",
         "deliveries"], closed=False),
    "WebhookCreated": {"allOf": [_ref("Webhook"), _obj(
        {"secret": {"type": ["string", "null"],
                    "description": "The signing secret, shown this once: keep it to verify "
                                   "X-Grants-Signature. A retry with the same Idempotency-Key "
                                   "answers null here (the secret is never stored in clear): "
                                   "deactivate the webhook and register it again."}},
        ["secret"], closed=False)]},
    "WebhookList": _obj({"items": {"type": "array", "items": _ref("Webhook")}}, ["items"]),
    "Event": _obj(
        {"id": {**ID, "description": "Increasing: the order of the events."},
         "type": _enum(EVENT_KINDS),
         "time": {**DATE_TIME, "description": "When it happened (RFC 3339, +07:00)."},
         "dossier": {"type": ["object", "null"], "properties": {
             "id": ID, "code": {"type": "string"},
             "status": {**_enum(Status), "description": "The dossier's state just after the "
                                                       "event."}},
             "required": ["id", "code", "status"]},
         "payload": {"type": "object", "description": "What the event says: for "
                     "`dossier.status_changed` action, from_status, to_status, note; for "
                     "`document.issued` document_id, kind, number, issued_on, sha256; for "
                     "`payment.*` the ledger entry and paid_total_vnd."}},
        ["id", "type", "time", "dossier", "payload"], closed=False,
        description="One domain event: the body of a webhook POST and an item of GET /events."),
    "EventList": _obj(
        {"items": {"type": "array", "items": _ref("Event")},
         "next_after": {"type": "integer", "minimum": 0,
                        "description": "Pass as `after` to read on."},
         "has_more": {"type": "boolean"}},
        ["items", "next_after", "has_more"]),
}
SCHEMAS.update(WEBHOOK_SCHEMAS)

_WEBHOOK_TEXT = (
    "Each event is POSTed as JSON (the `Event` schema) with the headers `X-Grants-Event-Id`, "
    "`X-Grants-Event-Type`, `X-Grants-Delivery-Id` and `X-Grants-Signature: sha256=<hex "
    "HMAC-SHA256 of the raw body with the secret>`. Any 2xx answer acknowledges it; anything "
    "else (or no answer within the timeout) is retried with growing delays for about two "
    "hours (9 attempts), then marked failed; the admin can send it again. Delivery is at "
    "least once: deduplicate by event id and apply events in id order.")


def webhook_paths() -> dict:
    """The OpenAPI paths of the webhooks and the event feed."""
    admin_only = {"401": AUTH_ERRORS["401"], "403": _error("Not an admin's token.")}
    paths = {
        "/webhooks": {
            "get": {"operationId": "list_webhooks", "tags": ["webhooks"],
                    "summary": "The registered webhooks (admin).",
                    "responses": {"200": _json(_ref("WebhookList"), "Every webhook."),
                                  **admin_only}},
            "post": {"operationId": "create_webhook", "tags": ["webhooks"],
                     "summary": "Register a webhook (admin); the answer carries its secret, "
                                "the only time it is shown.",
                     "description": _WEBHOOK_TEXT,
                     "requestBody": _body("WebhookInput"),
                     "responses": {"201": _json(_ref("WebhookCreated"), "Registered."),
                                   **BAD_BODY, **admin_only,
                                   "422": _error("A malformed field; a URL that is not "
                                                 "http(s), does not resolve, or resolves to a "
                                                 "private address; an unknown event type.")}}},
        "/webhooks/{webhook_id}/deactivate": {"post": {
            "operationId": "deactivate_webhook", "tags": ["webhooks"],
            "summary": "Stop sending to a webhook (admin); its pending deliveries are dropped.",
            "parameters": [_path_param("webhook_id", "The webhook's id.")],
            "responses": {"200": _json(_ref("Webhook"), "Deactivated."), **admin_only,
                          "404": _error("No such webhook."),
                          "409": _error("Already inactive.")}}},
        "/events": {"get": {
            "operationId": "list_events", "tags": ["events"],
            "summary": "The domain events after a given id, in id order (any staff token; "
                       "an applicant's token gets 403).",
            "description": "For an integrator that cannot receive webhooks: the same events, "
                           "in the same shape. Start with `after=0`, then pass `next_after`. "
                           "Ids become visible in increasing order (taken as each change "
                           "commits), so an event is never passed over.",
            "parameters": [
                _query("after", {"type": "integer", "minimum": 0, "maximum": ID_MAX,
                                 "default": 0}, "Only events with a greater id."),
                _query("limit", {"type": "integer", "minimum": 1, "maximum": 500,
                                 "default": 100}, "At most this many events.")],
            "responses": {"200": _json(_ref("EventList"), "The next events."),
                          "401": AUTH_ERRORS["401"],
                          "403": _error("Not a staff token."),
                          "422": _error("`after` or `limit` out of range.")}}},
    }
    # The answers every operation may give (the input guard, the rate limit, the token), and
    # the Idempotency-Key header of every POST, as for the other operations.
    return {path: {method: _post(_get(op)) if method == "post" else _get(op)
                   for method, op in methods.items()}
            for path, methods in paths.items()}


# ---------------------------------------------------------------- payment details and ratings
# One self-contained block (issue 14 points 5 and 6): the schemas join SCHEMAS (so ``validate``
# knows them) and ``payrate_paths()`` is spliced into ``openapi_document``.

from grants.domain.payment_details import (  # noqa: E402 - kept with the block it serves
    ACCOUNT_MAX_DIGITS,
    ACCOUNT_MIN_DIGITS,
    BANK_NAME_MAX,
    BRANCH_MAX,
)
from grants.domain.ratings import COMMENT_MAX, RatingChannel, RatingLevel  # noqa: E402

PAYRATE_SCHEMAS = {
    "BankAccountInput": _obj(
        {"bank_account_no": {
            "type": "string", "minLength": 1, "maxLength": 40, "pattern": r"^[0-9 ]+$",
            "description": f"Digits only, {ACCOUNT_MIN_DIGITS} to {ACCOUNT_MAX_DIGITS} of them "
                           "(spaces between groups are dropped)."},
         "bank_name": _text(BANK_NAME_MAX, required=True,
                            description="E.g. Ngân hàng TMCP Công thương Việt Nam."),
         "bank_branch": _text(BRANCH_MAX)},
        ["bank_account_no", "bank_name"],
        description="The account the organisation's support is paid to."),
    "BankAccount": _obj(
        {"organisation_id": ID,
         "bank_account_no": {"type": ["string", "null"], "description": "Digits only."},
         "bank_name": {"type": ["string", "null"]},
         "bank_branch": {"type": ["string", "null"]}},
        ["organisation_id", "bank_account_no", "bank_name", "bank_branch"], closed=False),
    "RatingInput": _obj(
        {"level": _enum(RatingLevel, "satisfied (Hài lòng), acceptable (Chấp nhận được), "
                                     "not_satisfied (Không hài lòng)."),
         "comment": _text(COMMENT_MAX, description="Required when not_satisfied.")},
        ["level"], description="Rate the service once the result has been returned: the "
                               "organisation's applicant (portal) or a one-stop clerk (desk)."),
    "Rating": _obj(
        {"dossier_id": ID, "level": _enum(RatingLevel), "level_label": {"type": "string"},
         "comment": {"type": ["string", "null"]}, "channel": _enum(RatingChannel),
         "rated_at": DATE_TIME},
        ["dossier_id", "level", "level_label", "comment", "channel", "rated_at"], closed=False),
    "RatingState": _obj(
        {"dossier_id": ID, "rating": {"oneOf": [_ref("Rating"), {"type": "null"}]}},
        ["dossier_id", "rating"], closed=False),
}
SCHEMAS.update(PAYRATE_SCHEMAS)
for _name in ("BankAccountInput", "RatingInput"):
    _forbid_controls(SCHEMAS[_name])


def payrate_paths() -> dict:
    """The OpenAPI paths of the bank account, the rating and the payment order."""
    org_id = _path_param("organisation_id", "The organisation's id.")
    paths = {
        "/organisations/{organisation_id}/bank-account": {
            "get": {"operationId": "get_bank_account", "tags": ["organisations"],
                    "summary": "The account the organisation's support is paid to (finance, an "
                               "admin, or the organisation's own applicant).",
                    "parameters": [org_id],
                    "responses": {"200": _json(_ref("BankAccount"), "The account (null fields "
                                                                    "when none is recorded)."),
                                  "404": _error("No such organisation, or not visible.")}},
            "post": {"operationId": "record_bank_account", "tags": ["organisations"],
                     "summary": "Record (or change) the organisation's bank account; payments "
                                "already recorded keep the account they were paid to.",
                     "parameters": [org_id], "requestBody": _body("BankAccountInput"),
                     "responses": {"200": _json(_ref("BankAccount"), "The account recorded."),
                                   **BAD_BODY,
                                   "404": _error("No such organisation, or not visible.")}}},
        "/dossiers/{dossier_id}/rating": {
            "get": {"operationId": "get_rating", "tags": ["dossiers"],
                    "summary": "The dossier's rating of the service (null until rated).",
                    "parameters": [DOSSIER_ID],
                    "responses": {"200": _json(_ref("RatingState"), "The rating or null."),
                                  "404": _error("No such dossier, or not visible.")}},
            "post": {"operationId": "rate_service", "tags": ["dossiers"],
                     "summary": "Rate the service once the result is returned (once per "
                                "dossier).",
                     "description": PAYRATE_SCHEMAS["RatingInput"]["description"],
                     "parameters": [DOSSIER_ID], "requestBody": _body("RatingInput"),
                     "responses": {"201": _json(_ref("Rating"), "The rating recorded."),
                                   **BAD_BODY,
                                   "404": _error("No such dossier, or not visible."),
                                   "409": _error("Not returned yet (the message names the "
                                                 "state) or already rated "
                                                 "(rating_not_allowed).")}}},
        "/payments/{entry_id}/payment-order": {"get": {
            "operationId": "get_payment_order", "tags": ["files"],
            "summary": "The State Treasury's payment order (Giấy rút dự toán ngân sách nhà "
                       "nước, form C2-02a/NS) of a recorded payment, as PDF (finance).",
            "parameters": [_path_param("entry_id", "The payment's ledger entry id.")],
            "responses": {"200": {"description": "The PDF.",
                                  "content": {"application/pdf": BINARY}},
                          "404": _error("No such payment (a commitment or a reversal is not "
                                        "one)."),
                          "409": _error("The payment was reversed.")}}},
    }
    return {path: {method: _post(_get(op)) if method == "post" else _get(op)
                   for method, op in methods.items()}
            for path, methods in paths.items()}
