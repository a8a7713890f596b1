"""A seeded world for the security tests: two organisations, a dossier in every state, files,
documents, ledger entries and one row of every admin object, with every free text supplied by a
``texts`` callable (plain Vietnamese for the access matrix, HTML/JS for the hostile-input tests).

Also how to turn a URL rule into a concrete URL with real ids from the scene.
"""

import io
from dataclasses import dataclass, field
from datetime import datetime

from werkzeug.routing import Rule

from grants.domain.roles import Role
from grants.domain.workflow import Status
from tests.walk import act, full_checklist

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


def plain(tag: str) -> str:
    return f"Nội dung {tag}"


def hostile(tag: str) -> str:
    """A payload naming its field (``tag``); the image one has no "/" (file names split on it)."""
    return f"{IMG if tag.startswith('file') or len(tag) % 2 else SCRIPT}{tag}"


@dataclass
class Scene:
    users: dict = field(default_factory=dict)      # Role (and "applicant_b") -> User
    dossiers: dict = field(default_factory=dict)   # label -> Dossier id (org A unless "b_…")
    ids: dict = field(default_factory=dict)        # object label -> id
    tags: dict = field(default_factory=dict)       # free-text tag -> the text stored
    year: int = 2026


def build(db, world, make_user, texts=plain) -> Scene:
    """Seed the scene through the services (as the app's own views would)."""
    from flask import current_app

    from grants.models import ApiToken, AuditEvent, Document, LedgerEntry, SiteVisit
    from grants.services import accounts, documents, ledger, organisations, uploads
    from grants.services import admin as admin_service
    from grants.services import dossiers as svc
    from grants.services.dossiers import ItemInput

    scene = Scene()

    def t(tag: str, limit: int = 200) -> str:
        value = texts(tag)[:limit]
        scene.tags[tag] = value
        return value

    people = {role: world[role] for role in Role if role != Role.APPLICANT}
    admin = people[Role.ADMIN]
    clerk, head, appraiser = people[Role.CLERK], people[Role.HEAD], people[Role.APPRAISER]
    leader, records, finance = people[Role.LEADER], people[Role.RECORDS], people[Role.FINANCE]
    applicant = world["applicant"]
    year = world["year"]
    org = world["org"]
    scene.users = {**people, Role.APPLICANT: applicant}
    applicant_b = make_user(Role.APPLICANT)
    scene.users["applicant_b"] = applicant_b

    # Names people and organisations carry onto pages and letters.
    for role, user in scene.users.items():
        if role != "applicant_b":
            user.full_name = t(f"name_{role}")
            user.title = t(f"title_{role}") if role != Role.APPLICANT else None
    act(db, organisations.update_profile, org, actor=admin, name=t("org_name", 300),
        address=t("org_address"), commune=t("org_commune", 120), sector=t("org_sector"),
        size=t("size", 50), representative=t("org_representative"),
        representative_title=t("org_rep_title", 100))
    act(db, admin_service.update_program_year, year, actor=admin, budget_vnd=year.budget_vnd,
        target_min=year.target_min, target_max=year.target_max, authority=year.authority,
        signer_title=t("signer_title"), signer_name=t("signer_name"),
        plan_reference=t("plan_reference"), intake_open=True)

    def items():
        return [ItemInput("ISO9001", 120_000_000, 50_000_000, t("evidence", 500)),
                ItemInput("5S", 40_000_000, 20_000_000)]

    def new(channel="counter", owner=org, actor=clerk):
        return act(db, svc.create_draft, owner, year, actor=actor, items=items(),
                   channel=channel, submitter_name=t("submitter_name"), note=t("dossier_note"))

    def store(dossier, actor, tag):
        return act(db, uploads.store_attachment, dossier, actor=actor, stream=io.BytesIO(PDF),
                   original_name=t(tag) + ".pdf", checklist_item_id=None,
                   upload_dir=current_app.config["UPLOAD_DIR"], max_bytes=1 << 20,
                   max_dossier_bytes=1 << 22)

    def received(dossier):
        act(db, svc.submit, dossier, actor=clerk)
        act(db, svc.receive, dossier, actor=clerk, lines=full_checklist(dossier),
            received_at=datetime(2026, 3, 2, 2, 0))
        return dossier

    def assigned(dossier):
        received(dossier)
        act(db, svc.assign, dossier, actor=head, appraiser=appraiser)
        act(db, svc.record_visit, dossier, actor=appraiser,
            visited_at=datetime(2026, 3, 5, 9, 0), place=t("visit_place"),
            team=t("visit_team"), findings=t("visit_findings"),
            org_representatives=t("visit_org_reps"))
        return dossier

    def appraised(dossier, recommendation="support"):
        assigned(dossier)
        eligible = {i.id: i.consulting_cost_vnd for i in dossier.items}
        act(db, svc.appraise, dossier, actor=appraiser, documents_ok=True,
            documents_note=t("appraisal_documents_note"), eligible_costs=eligible,
            recommendation=recommendation,
            reasons=[t("appraisal_reason")] if recommendation == "reject" else [],
            conclusion=t("appraisal_conclusion"))
        return dossier

    def reviewed(dossier, recommendation="support"):
        appraised(dossier, recommendation)
        act(db, svc.review, dossier, actor=head, note=t("review_note"))
        return dossier

    approvals = []

    def approved(dossier):
        reviewed(dossier)
        # The organisation was supported for these items before: the leader says why again.
        overrides = {i.id: t("double_support_override") for i in dossier.items} \
            if approvals else None
        act(db, svc.approve, dossier, actor=leader, note=t("approve_note"), overrides=overrides)
        approvals.append(dossier.id)
        return dossier

    d = scene.dossiers
    draft = new(channel="online", actor=applicant)
    scene.ids["attachment"] = store(draft, applicant, "file_name").id
    d["draft"] = draft.id
    withdrawable = new(channel="online", actor=applicant)
    d["draft_2"] = withdrawable.id
    submitted = new()
    act(db, svc.submit, submitted, actor=clerk)
    d["submitted"] = submitted.id
    supplement = new()
    act(db, svc.submit, supplement, actor=clerk)
    act(db, svc.request_supplement, supplement, actor=clerk,
        items=[{"label": t("supplement_label"), "note": t("supplement_note")}])
    d["supplement_requested"] = supplement.id
    resubmitted = new()
    act(db, svc.submit, resubmitted, actor=clerk)
    act(db, svc.request_supplement, resubmitted, actor=clerk,
        items=[{"label": t("supplement_label_2"), "note": ""}])
    act(db, svc.resubmit, resubmitted, actor=applicant, note=t("supplement_answer"))
    d["resubmitted"] = resubmitted.id
    refused = new()
    act(db, svc.submit, refused, actor=clerk)
    act(db, svc.refuse, refused, actor=clerk, reason=t("refuse_reason"))
    d["refused"] = refused.id
    withdrawn = new(channel="online", actor=applicant)
    act(db, svc.withdraw, withdrawn, actor=applicant, reason=t("withdraw_reason"))
    d["withdrawn"] = withdrawn.id
    d["received"] = received(new()).id
    d["assigned"] = assigned(new()).id
    scene.ids["site_visit"] = db.session.scalars(
        db.select(SiteVisit.id).where(SiteVisit.dossier_id == d["assigned"])).first()
    d["appraised"] = appraised(new()).id
    reworked = appraised(new())
    act(db, svc.return_for_rework, reworked, actor=head, note=t("rework_note"))
    d["reworked"] = reworked.id
    d["reviewed"] = reviewed(new()).id
    # The Chairman's path (issue 14.3): a dossier at the People's Committee, proposed while the
    # year's authority was the Chairman.
    at_committee = reviewed(new())
    year.authority = "chairman"
    db.session.commit()
    act(db, svc.submit_to_committee, at_committee, actor=leader, note=t("committee_note"))
    year.authority = "director"
    db.session.commit()
    d["submitted_to_committee"] = at_committee.id

    paid = approved(new())
    entry = act(db, ledger.record_payment, paid, actor=finance, amount_vnd=10_000_000,
                paid_on=datetime(2026, 3, 20).date(), voucher_no=t("voucher", 50),
                method="transfer", bank_reference=t("bank_reference", 100))
    scene.ids["entry"] = entry.id
    wrong = act(db, ledger.record_payment, paid, actor=finance, amount_vnd=1_000_000,
                paid_on=datetime(2026, 3, 21).date(), voucher_no="PC-02", method="cash")
    act(db, ledger.reverse_payment, wrong, actor=finance, reason=t("reversal_reason"))
    # A payment above the year's threshold waits for a second person (issue 13.2).
    threshold, paid.program_year.payment_threshold_vnd = paid.program_year.payment_threshold_vnd, 0
    db.session.commit()
    pending = act(db, ledger.record_payment, paid, actor=finance, amount_vnd=1_000_000,
                  paid_on=datetime(2026, 3, 22).date(), voucher_no="PC-03", method="cash")
    scene.ids["pending"] = pending.id
    paid.program_year.payment_threshold_vnd = threshold
    db.session.commit()
    d["approved"] = paid.id

    # Support found undue (issue 14.4): paid, then a recovery decision, nothing repaid yet
    # (before the issued and returned dossiers: the audit list's first page keeps its events).
    recovered = approved(new())
    act(db, ledger.record_payment, recovered, actor=finance, amount_vnd=5_000_000,
        paid_on=datetime(2026, 3, 20).date(), voucher_no="PC-04", method="transfer")
    act(db, ledger.record_recovery, recovered, actor=leader, amount_vnd=2_000_000,
        reason=t("recovery_reason"))
    d["recovered"] = recovered.id

    issued = approved(new())
    act(db, documents.issue_outcome, issued, actor=records)
    d["issued"] = issued.id
    returned = approved(new())
    act(db, documents.issue_outcome, returned, actor=records)
    act(db, svc.return_result, returned, actor=clerk, channel="counter",
        collected_by=t("collected_by"), shown_document=t("shown_document"),
        note=t("return_note"))
    d["returned"] = returned.id
    rejected = reviewed(new(), "reject")
    act(db, svc.reject, rejected, actor=leader, reasons=[t("reject_reason")],
        next_steps=t("reject_next_steps"))
    act(db, documents.issue_outcome, rejected, actor=records)
    d["rejected_issued"] = rejected.id

    # Organisation B and its own draft with a file.
    other = new(channel="online", owner=applicant_b.organisation, actor=applicant_b)
    scene.ids["b_attachment"] = store(other, applicant_b, "file_b").id
    d["b_draft"] = other.id

    # Admin objects, one of each.
    item = act(db, admin_service.create_catalogue_item, actor=admin, code="SEC1",
               name=t("catalogue_name"), kind="tool", description=t("catalogue_description"))
    scene.ids["catalogue_item"] = item.id
    act(db, admin_service.set_support_rule, year, actor=admin, item=item, share_percent=50,
        cap_vnd=10_000_000, note=t("rule_note"))
    scene.ids["rule"] = next(r.id for r in year.rules if r.catalogue_item_id == item.id)
    line = act(db, admin_service.add_checklist_item, year, actor=admin, code="SEC",
               label=t("checklist_label"), is_required=False)
    scene.ids["checklist_item"] = line.id
    reason = act(db, admin_service.add_rejection_reason, year, actor=admin,
                 text=t("rejection_reason_text"))
    scene.ids["reason"] = reason.id
    override = act(db, admin_service.add_holiday_override, datetime(2026, 12, 24).date(),
                   actor=admin, kind="day_off", note=t("holiday_note"))
    scene.ids["holiday_override"] = override.id
    # A self-registration waiting for the desk, with its certificate (issue 13 point 7).
    from grants.services import identity

    claimant = act(db, accounts.register_applicant, email="claim@scene.vn",
                   password="matkhau-dai-123", full_name=t("claimant_name"), phone=None,
                   tax_code="0100109106", org_name=t("claim_org_name", 300),
                   org_type="enterprise", address=t("claim_address"), commune=None,
                   consent=True, notice_version="test")
    claim = act(db, identity.upload_certificate, claimant, stream=io.BytesIO(PDF),
                original_name="giay-chung-nhan-dkdn.pdf",
                upload_dir=current_app.config["UPLOAD_DIR"], max_bytes=1024 * 1024)
    scene.ids["claim"] = claim.id
    act(db, accounts.issue_api_token, clerk, actor=clerk, label=t("token_label", 100))
    scene.ids["token"] = db.session.scalars(db.select(ApiToken.id)).first()
    scene.ids["audit_event"] = db.session.scalars(
        db.select(AuditEvent.id).where(AuditEvent.note.is_not(None))
        .order_by(AuditEvent.id.desc())).first()
    scene.ids["document"] = db.session.scalars(
        db.select(Document.id).where(Document.dossier_id == issued.id)
        .order_by(Document.id.desc())).first()
    scene.ids["verification_code"] = db.session.scalar(
        db.select(Document.verification_code).where(Document.id == scene.ids["document"]))
    scene.ids["entry_count"] = db.session.scalar(db.select(db.func.count(LedgerEntry.id)))

    # A webhook (registered while private addresses were allowed: a port where nothing
    # listens; with the setting off again, no delivery leaves the machine) and one delivery.
    from grants.domain.enums import DeliveryState
    from grants.models import DomainEvent, WebhookDelivery
    from grants.services import webhooks

    current_app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    hook, _secret = act(db, webhooks.register_webhook, actor=admin,
                        url="http://127.0.0.1:9/hook", label=t("webhook_label", 100))
    current_app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    scene.ids["webhook"] = hook.id
    delivery = WebhookDelivery(
        webhook_id=hook.id, state=DeliveryState.FAILED, attempts=9,
        event_id=db.session.scalars(db.select(DomainEvent.id).order_by(DomainEvent.id.desc()))
        .first(), last_status_code=500, last_error=t("delivery_error"))
    db.session.add(delivery)
    db.session.commit()
    scene.ids["delivery"] = delivery.id
    # One finished export job per role that may start one: a job is seen by its owner only,
    # so each role's pages are walked with its own job (url_values(..., who=)).
    from grants.services import jobs

    for role in (Role.LEADER, Role.HEAD, Role.FINANCE, Role.ADMIN):
        job = act(db, jobs.start_job, "years_report", actor=scene.users[role])
        scene.ids[f"job:{role.value}"] = job.id
    assert Status(db.session.get(type(issued), d["issued"]).status) == Status.ISSUED
    return scene


# ---------------------------------------------------------------- URL rules → URLs

#: The dossier (by scene label) each endpoint is exercised with: the state its page expects.
DOSSIER_FOR = {
    "intake.check": "submitted", "intake.request_supplement": "submitted",
    "intake.refuse": "submitted", "intake.resubmit": "supplement_requested",
    "intake.return_result": "issued", "intake.rate_service": "returned",
    "review.assign": "received", "review.review": "appraised", "review.submit": "appraised",
    "review.rework": "appraised",
    "appraisal.visit": "assigned", "appraisal.appraise": "assigned",
    "appraisal.correct_visit": "assigned", "appraisal.void_visit": "assigned",
    "processing.request_papers": "assigned", "processing.apologise": "assigned",
    "decisions.decide": "reviewed", "decisions.approve": "reviewed",
    "decisions.reject": "reviewed", "decisions.rework": "reviewed",
    "decisions.submit_to_committee": "reviewed",
    "decisions.committee": "submitted_to_committee",
    "decisions.record_committee_approval": "submitted_to_committee",
    "decisions.record_committee_rejection": "submitted_to_committee",
    "records.issue": "approved", "records.show": "approved", "records.preview": "approved",
    "finance.dossier_payments": "approved", "finance.record_payment": "approved",
    "finance.record_repayment": "recovered",
    "decisions.recovery": "approved", "decisions.recover": "approved",
    "applicant.edit_dossier": "draft", "applicant.submit": "draft",
    "applicant.withdraw": "draft_2", "applicant.upload": "draft",
    "applicant.remove_attachment": "draft",
    "applicant.answer_supplement": "supplement_requested",
}


def any_choice(rule: Rule, name: str) -> str:
    """The first value an ``any(...)`` converter accepts."""
    converter = rule._converters[name]
    items = getattr(converter, "items", None)
    if items:
        return sorted(items)[0]
    regex = converter.regex  # "(?:a|b|c)" on older Werkzeug
    return regex.strip("(?:)").split("|")[0].replace("\\", "")


def url_values(rule: Rule, scene: Scene, dossier_label: str | None = None, who=None) -> dict:
    """Real values for every variable of ``rule``; KeyError names a variable the matrix does not
    know yet (add it here)."""
    endpoint = rule.endpoint
    values = {}
    for name in sorted(rule.arguments - set(rule.defaults or {})):
        if name == "dossier_id":
            label = dossier_label or (
                "draft" if "attachment_id" in rule.arguments
                else "issued" if "document_id" in rule.arguments
                else DOSSIER_FOR.get(endpoint, "issued"))
            values[name] = scene.dossiers[label]
        elif name == "attachment_id":
            values[name] = scene.ids["b_attachment" if (dossier_label or "").startswith("b_")
                                     else "attachment"]
        elif name == "document_id":
            values[name] = scene.ids["document"]
        elif name == "visit_id":
            values[name] = scene.ids["site_visit"]
        elif name == "organisation_id":
            values[name] = scene.users[Role.APPLICANT].organisation_id
        elif name == "entry_id":
            values[name] = scene.ids["entry"]
        elif name == "pending_id":
            values[name] = scene.ids["pending"]
        elif name == "event_id":
            values[name] = scene.ids["audit_event"]
        elif name == "item_id":
            values[name] = scene.ids["checklist_item" if "checklist" in endpoint
                                     else "catalogue_item"]
        elif name == "override_id":
            values[name] = scene.ids["holiday_override"]
        elif name == "reason_id":
            values[name] = scene.ids["reason"]
        elif name == "rule_id":
            values[name] = scene.ids["rule"]
        elif name == "webhook_id":
            values[name] = scene.ids["webhook"]
        elif name == "delivery_id":
            values[name] = scene.ids["delivery"]
        elif name == "claim_id":
            values[name] = scene.ids["claim"]
        elif name == "code" and endpoint.startswith("authenticity."):
            values[name] = scene.ids["verification_code"]
        elif name == "token":
            values[name] = "jeton-invalide"
        elif name in ("notification_id", "email_id"):  # any id: refused or 404 if not one's own
            values[name] = 1
        elif name == "token_id":
            values[name] = scene.ids["token"]
        elif name == "job_id":  # the job of ``who`` when it has one (only the owner sees it)
            values[name] = scene.ids.get(f"job:{getattr(who, 'value', who)}",
                                         scene.ids[f"job:{Role.LEADER.value}"])
        elif name == "kind" and endpoint == "jobs.start":
            values[name] = any_choice(rule, name)
        elif name == "user_id":
            # A token is issued only to its own user (issue 13.1): the admin asks for its own;
            # asking for someone else's is test_access_matrix::test_no_token_for_someone_else.
            values[name] = scene.users[Role.ADMIN if endpoint == "admin.issue_token"
                                       else Role.CLERK].id
        elif name == "year_id":
            from grants.extensions import db
            from grants.models import ProgramYear

            values[name] = db.session.scalar(db.select(ProgramYear.id)
                                             .where(ProgramYear.year == scene.year))
        elif name in {"number", "year"}:
            values[name] = scene.year
        elif name in {"name", "fmt"}:
            values[name] = any_choice(rule, name)
        elif name == "kind" and endpoint.startswith("admin."):
            from grants.letters.texts import DEFAULT_TEXTS

            values[name] = next(iter(DEFAULT_TEXTS))
        elif name == "field" and endpoint.startswith("admin."):
            from grants.letters.texts import DEFAULT_TEXTS

            values[name] = next(iter(DEFAULT_TEXTS[next(iter(DEFAULT_TEXTS))]))
        elif name == "token" and endpoint == "auth.reset_password":
            values[name] = "not-a-valid-reset-token"
        elif name == "filename" and endpoint == "static":
            values[name] = "css/app.css"
        elif name == "filename" and endpoint == "api.docs_asset":
            values[name] = "swagger-ui.css"
        elif name == "filename" and endpoint == "bootstrap.static":
            values[name] = "css/bootstrap.min.css"
        else:
            raise KeyError(f"{endpoint}: no value for URL variable <{name}>; add it to "
                           "tests/security/scene.py:url_values")
    return values


def build_url(app, rule: Rule, scene: Scene, dossier_label: str | None = None,
              who=None) -> str:
    values = url_values(rule, scene, dossier_label, who)
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def page_rules(app, *, api: bool = False):
    """Every (rule, method) of the URL map, GET before POST; the API's only when ``api``."""
    found = []
    for rule in app.url_map.iter_rules():
        is_api = rule.endpoint.startswith("api.")
        if is_api != api:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule, method))
    return sorted(found, key=lambda rm: (rm[1] != "GET", rm[0].rule, rm[1]))
