"""Access-control matrix: every rule of the URL map × every role and anonymous.

The routes come from ``app.url_map``, so a new route is exercised the day it is added, and a new
blueprint fails ``test_every_blueprint_is_in_the_matrix`` until someone decides who may use it.
URL variables are filled with real ids of a seeded scene (a dossier in the state each page
expects, its file, its document, a ledger entry …).

Expected answers:
* anonymous → 302 to the login page (401 JSON on /api);
* a role the blueprint is not for → 403;
* a role it is for → neither 403, 404, 405 nor 5xx (3xx, 409 and 422 are fine for pages that
  depend on the dossier's state), and no redirect to the login page;
* a refused POST writes nothing (row counts of every table unchanged);
* an applicant probing another organisation's dossiers, files or documents by id → 404.
"""

import traceback

import pytest

from grants.domain.roles import STAFF_ROLES, Role
from grants.domain.workflow import TRANSITIONS, Action, Status
from tests.security.conftest import WHO, changed_tables, header_problems, row_counts, who_id
from tests.security.scene import build_url, page_rules

OPEN = frozenset({"open"})  # no login needed

#: Blueprint → the roles it is for.  A blueprint missing here fails the suite.
BLUEPRINT_ROLES: dict[str, frozenset] = {
    "admin": frozenset({Role.ADMIN}),
    "finance": frozenset({Role.FINANCE, Role.CHIEF_ACCOUNTANT}),
    "budget": frozenset({Role.FINANCE, Role.CHIEF_ACCOUNTANT, Role.LEADER, Role.ADMIN}),
    "applicant": frozenset({Role.APPLICANT}),
    "intake": frozenset({Role.CLERK}),
    "review": frozenset({Role.HEAD}),
    "appraisal": frozenset({Role.APPRAISER}),
    "decisions": frozenset({Role.LEADER}),
    "records": frozenset({Role.RECORDS}),
    # issue 14: the staff holding a received dossier (narrowed per endpoint below)
    "processing": frozenset({Role.HEAD, Role.APPRAISER, Role.LEADER, Role.RECORDS, Role.CLERK}),
    "webhooks": frozenset({Role.ADMIN}),
    "dossiers": frozenset(STAFF_ROLES),
    "reports": frozenset({Role.LEADER, Role.HEAD, Role.FINANCE, Role.ADMIN}),
    "jobs": frozenset({Role.LEADER, Role.HEAD, Role.FINANCE, Role.ADMIN}),  # own jobs only
    "public": OPEN,
    "authenticity": OPEN,  # /xac-thuc: the verification page of issued papers
    "auth": OPEN,
    "main": OPEN,
    "static": OPEN,
    "bootstrap": OPEN,
    "api": frozenset({"bearer"}),  # tested by test_api_matrix
    "identity": frozenset({Role.APPLICANT}),
    "verification": frozenset({Role.CLERK}),
    "privacy": frozenset({Role.ADMIN}),
    "notifications": OPEN,  # every signed-in user's own notifications (LOGIN_REQUIRED below)
}

#: Endpoints narrower than their blueprint.
ENDPOINT_ROLES: dict[str, frozenset] = {
    "budget.close_year": frozenset({Role.FINANCE, Role.ADMIN}),
    "finance.record_payment": frozenset({Role.FINANCE}),  # the chief accountant confirms only
    "finance.reverse_payment": frozenset({Role.FINANCE}),
    "finance.record_repayment": frozenset({Role.FINANCE}),
    "reports.import_form": frozenset({Role.ADMIN}),
    "reports.download_import_template": frozenset({Role.ADMIN}),
    "reports.dry_run_import": frozenset({Role.ADMIN}),
    "reports.confirm_import": frozenset({Role.ADMIN}),
    "reports.save_annual_texts": frozenset({Role.LEADER, Role.HEAD}),  # finance, admin read
    "auth.issue_reset_link": frozenset({Role.ADMIN}),
    "identity.confirm": OPEN,
    "privacy.notice": OPEN,
    "notifications.admin_mail": frozenset({Role.ADMIN}),
    "notifications.retry_mail": frozenset({Role.ADMIN}),
    # issue 14, on an assigned dossier: the head or its appraiser asks for papers; the
    # appraiser, whose step is running, apologises for a delay
    "processing.request_papers": frozenset({Role.HEAD, Role.APPRAISER}),
    "processing.apologise": frozenset({Role.APPRAISER}),
}

#: In an open blueprint, but only for someone logged in.
LOGIN_REQUIRED = {"main.index", "main.home", "auth.logout", "auth.account", "auth.end_sessions",
                  "auth.change_password", "auth.two_factor_disable", "auth.recovery_codes",
                  # without a password just checked, these send back to the login page
                  "auth.two_factor", "auth.two_factor_setup",
                  "notifications.index", "notifications.mark_read",
                  "notifications.mark_all_read", "notifications.preferences"}

#: API endpoints anyone may call without a token.
API_PUBLIC = {"api.lookup", "api.openapi", "api.docs", "api.docs_asset"}
#: API routes that answer a file or a page, not JSON.
API_FILES = {"api.get_document", "api.get_attachment", "api.get_job_file", "api.docs",
             "api.docs_asset", "api.get_payment_order"}


def blueprint_of(endpoint: str) -> str:
    return endpoint.rpartition(".")[0] or endpoint


def roles_for(endpoint: str) -> frozenset:
    return ENDPOINT_ROLES.get(endpoint) or BLUEPRINT_ROLES[blueprint_of(endpoint)]


def _to_login(response) -> bool:
    return response.status_code == 302 and \
        response.headers.get("Location", "").split("?")[0].endswith("/auth/login")


def test_every_blueprint_is_in_the_matrix(app):
    missing = sorted({blueprint_of(rule.endpoint) for rule in app.url_map.iter_rules()}
                     - set(BLUEPRINT_ROLES))
    assert not missing, f"blueprints not in the access matrix (add them to BLUEPRINT_ROLES): " \
                        f"{missing}"
    stale = sorted(set(ENDPOINT_ROLES) - set(app.view_functions))
    assert not stale, f"ENDPOINT_ROLES names endpoints that no longer exist: {stale}"


def _expectation(endpoint: str, who) -> str:
    allowed = roles_for(endpoint)
    if who is None:
        return "login" if allowed is not OPEN or endpoint in LOGIN_REQUIRED else "open"
    return "allowed" if allowed is OPEN or who in allowed else "forbidden"


def _request(client, method, url, failures, label):
    try:
        response = client.open(url, method=method, data={})
        response.close()  # file responses hold the file open until closed
        return response
    except Exception as err:  # an unhandled error is a 500 in production
        failures.append(f"{label}: raised {type(err).__name__}: {err}\n"
                        + "".join(traceback.format_exception(err)[-3:]))
        return None


@pytest.mark.slow
def test_access_matrix(app, db, scene, as_user):
    """Every page route × every role and anonymous (one seeded scene for all of them)."""
    failures = []
    allowed_posts: dict = {}  # who → [(method, url, label)]
    for who in WHO:
        client = as_user(scene.users[who] if who else None)
        failures += _matrix_for(app, db, scene, client, who, allowed_posts)
    assert sum(map(len, allowed_posts.values())) >= 40, "too few POST routes exercised"
    # Last, the POSTs each role may make, with an empty form: they may do anything (and change
    # the scene, hence last) but fail with a 5xx, a 403 or a 405.
    for who in WHO:
        client = as_user(scene.users[who] if who else None)
        for method, url, label in allowed_posts.get(who, []):
            response = _request(client, method, url, failures, label)
            if response is not None and (response.status_code >= 500
                                         or response.status_code in {403, 405}):
                failures.append(f"{label}: got {response.status_code}")
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures)


def _matrix_for(app, db, scene, client, who, allowed_posts) -> list[str]:
    failures = []
    posts = []
    before = row_counts(db)
    for rule, method in page_rules(app):
        url = build_url(app, rule, scene, who=who)
        expect = _expectation(rule.endpoint, who)
        label = f"{method} {url} ({rule.endpoint}) as {who_id(who)}, expected {expect}"
        if method != "GET":
            posts.append((rule, method, url, expect, label))
            continue
        response = _request(client, method, url, failures, label)
        if response is None:
            continue
        status = response.status_code
        if expect == "login" and not _to_login(response):
            failures.append(f"{label}: got {status} {response.headers.get('Location')}")
        elif expect == "forbidden" and status != 403:
            failures.append(f"{label}: got {status}")
        elif expect in {"allowed", "open"} and (status in {403, 404, 405} or status >= 500
                                                 or _to_login(response)):
            failures.append(f"{label}: got {status} {response.headers.get('Location', '')}")
        failures += [f"{label}: {p}" for p in header_problems(response)]
    after = row_counts(db)
    if changed_tables(before, after):
        failures.append(f"GET requests as {who_id(who)} wrote rows: "
                        f"{changed_tables(before, after)}")

    # POSTs this user may not make: refused, and nothing written.
    for rule, method, url, expect, label in posts:
        if expect in {"allowed", "open"}:
            # (these would end the session the caller needs)
            if rule.endpoint not in {"auth.logout", "auth.end_sessions"}:
                allowed_posts.setdefault(who, []).append((method, url, label))
            continue
        before = row_counts(db)
        response = _request(client, method, url, failures, label)
        if response is None:
            continue
        status = response.status_code
        if expect == "login" and not _to_login(response):
            failures.append(f"{label}: got {status}")
        elif expect == "forbidden" and status != 403:
            failures.append(f"{label}: got {status}")
        if changed := changed_tables(before, row_counts(db)):
            failures.append(f"{label}: refused, yet wrote {changed}")
    return failures


# ---------------------------------------------------------------- the JSON API


@pytest.fixture
def tokens(db, scene):
    from grants.services import accounts

    issued = {who: accounts.issue_api_token(scene.users[who], label="matrix")
              for who in [*Role, "applicant_b"]}
    db.session.commit()
    return issued


def _dossier_for_action(scene, db, action: Action) -> str | None:
    """A scene dossier (of organisation A) in a state where ``action`` exists."""
    from grants.models import Dossier

    for label, dossier_id in scene.dossiers.items():
        if label.startswith("b_"):
            continue
        status = Status(db.session.get(Dossier, dossier_id).status)
        if (status, action) in TRANSITIONS:
            return label
    return None


def _api_call(client, method, url, token, body=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method == "GET":
        return client.get(url, headers=headers)
    return client.post(url, json=body if body is not None else {}, headers=headers)


@pytest.mark.slow
def test_api_matrix(app, db, scene, tokens):
    """Anonymous → 401 JSON (but the lookup and the OpenAPI document); with a token every
    answer is JSON and never a 5xx; a workflow action by a role the workflow table does not
    name → 403 and nothing written."""
    failures = []
    for who in WHO:
        failures += _api_matrix_for(app, db, scene, tokens[who] if who else None, who)
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures)


def _api_matrix_for(app, db, scene, token, who) -> list[str]:
    client = app.test_client()
    failures = []
    for rule, method in page_rules(app, api=True):
        action = (rule.defaults or {}).get("action")
        label_name = _dossier_for_action(scene, db, Action(action)) if action else None
        if action and label_name is None:
            failures.append(f"{rule.endpoint}: no scene dossier in a state allowing {action}")
            continue
        url = build_url(app, rule, scene, label_name)
        label = f"{method} {url} as {who_id(who)}"
        permitted = None
        if action:
            from grants.models import Dossier

            status_now = Status(db.session.get(Dossier, scene.dossiers[label_name]).status)
            permitted = TRANSITIONS[(status_now, Action(action))][1]
            if who in permitted:
                continue  # would move the dossier; the lifecycle tests cover the allowed path
        before = row_counts(db) if method == "POST" else None
        try:
            response = _api_call(client, method, url, token)
            response.close()  # a file answer (a job's .xlsx) holds its file open until closed
        except Exception as err:
            failures.append(f"{label}: raised {type(err).__name__}: {err}")
            continue
        status = response.status_code
        response.close()  # a file answer holds its file open until closed
        file = rule.endpoint in API_FILES and status == 200
        if not file and not response.is_json:
            failures.append(f"{label}: {status} not JSON ({response.mimetype})")
        if who is None and rule.endpoint not in API_PUBLIC:
            if status != 401:
                failures.append(f"{label}: anonymous got {status}")
        elif status >= 500:
            failures.append(f"{label}: got {status}")
        elif action and status != 403:
            failures.append(f"{label}: {action} by a role not in {sorted(permitted)} got {status}")
        if before is not None and status >= 400 and \
                (changed := changed_tables(before, row_counts(db))):
            failures.append(f"{label}: refused with {status}, yet wrote {changed}")
    return failures


# ---------------------------------------------------------------- other organisations


def test_applicant_cannot_reach_another_organisations_dossiers(app, db, scene, as_user,
                                                                tokens):
    """Organisation B's applicant asks for organisation A's dossiers, files and documents by id
    (every portal and API route with a dossier id, GET and POST) and gets 404 — as if they did
    not exist — with nothing written; the same holds the other way round."""
    failures = []
    probes = [("applicant_b", scene.users["applicant_b"], None, "draft"),
              ("applicant_b", scene.users["applicant_b"], None, "issued"),
              ("applicant_b", scene.users["applicant_b"], None, "supplement_requested"),
              ("applicant A", scene.users[Role.APPLICANT], None, "b_draft")]
    for name, user, _, label_name in probes:
        client = as_user(user)
        token = tokens["applicant_b" if name == "applicant_b" else Role.APPLICANT]
        rules = [(r, m) for r, m in page_rules(app) if r.endpoint.startswith("applicant.")]
        rules += page_rules(app, api=True)
        for rule, method in rules:
            if "dossier_id" not in rule.arguments:
                continue
            if label_name == "b_draft" and "document_id" in rule.arguments:
                continue  # organisation B's draft has no documents; A's issued one is probed
            url = build_url(app, rule, scene, label_name)
            before = row_counts(db) if method == "POST" else None
            if rule.endpoint.startswith("api."):
                response = _api_call(client, method, url, token)
            else:
                response = client.open(url, method=method, data={})
            if response.status_code != 404:
                failures.append(f"{name}: {method} {url} got {response.status_code}")
            if before is not None and (changed := changed_tables(before, row_counts(db))):
                failures.append(f"{name}: {method} {url} wrote {changed}")
    assert not failures, "\n".join(failures)

    # Lists and searches do not leak them either.
    client = app.test_client()
    headers = {"Authorization": f"Bearer {tokens['applicant_b']}"}
    org_a = scene.users[Role.APPLICANT].organisation_id
    listed = client.get(f"/api/v1/dossiers?organisation_id={org_a}", headers=headers).json
    assert listed["total"] == 0
    listed = client.get("/api/v1/dossiers?per_page=100", headers=headers).json
    assert {d["id"] for d in listed["items"]} == {scene.dossiers["b_draft"]}
    organisations = client.get("/api/v1/organisations", headers=headers).json["items"]
    assert [o["id"] for o in organisations] == [scene.users["applicant_b"].organisation_id]
    page = as_user(scene.users["applicant_b"]).get("/portal/dossiers")
    from grants.models import Dossier

    code_a = db.session.get(Dossier, scene.dossiers["draft"]).code
    assert page.status_code == 200 and code_a.encode() not in page.data


# ---------------------------------------------------------------- separation of duties (13.1)


def test_no_token_for_someone_else_and_no_self_role_change(db, scene, as_user):
    """The admin asks for a token of each other user (403, nothing written) and tries to give
    itself each other role (422, nothing written)."""
    admin = scene.users[Role.ADMIN]
    client = as_user(admin)
    failures = []
    for who, user in scene.users.items():
        if user.id == admin.id:
            continue
        before = row_counts(db)
        response = client.post(f"/admin/users/{user.id}/tokens", data={"label": "x"})
        if response.status_code != 403:
            failures.append(f"token for {who_id(who)}: got {response.status_code}")
        if changed := changed_tables(before, row_counts(db)):
            failures.append(f"token for {who_id(who)}: wrote {changed}")
    for role in Role:
        if role == Role.ADMIN:
            continue
        before = row_counts(db)
        response = client.post(f"/admin/users/{admin.id}/edit", data={
            "full_name": admin.full_name, "roles": ["admin", role.value], "is_active": "y"})
        if response.status_code != 422:
            failures.append(f"admin gives itself {role}: got {response.status_code}")
        if changed := changed_tables(before, row_counts(db)):
            failures.append(f"admin gives itself {role}: wrote {changed}")
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------- need-to-know (issue 13.11)

PHONE, EMAIL, REPRESENTATIVE = "0987 654 321", "lienhe@nhucau.vn", "Phạm Văn Đại Diện"
SUBMITTER_PHONE, SUBMITTER_EMAIL = "0911 222 333", "nguoinop@nhucau.vn"


@pytest.fixture
def contact_scene(db, world):
    """The world's organisation with a representative, phone and e-mail, and a dossier filed
    at the desk by a named submitter with a phone and e-mail, received (so the register and the
    API list it)."""
    from tests.walk import draft, to_assigned

    org = world["org"]
    org.representative, org.phone, org.email = REPRESENTATIVE, PHONE, EMAIL
    dossier = draft(db, world)
    dossier.submitter_name = "Lê Thị Người Nộp"
    dossier.submitter_phone, dossier.submitter_email = SUBMITTER_PHONE, SUBMITTER_EMAIL
    db.session.commit()
    to_assigned(db, world, dossier)
    return dossier


def _contacts_in(text: str) -> set[str]:
    return {v for v in (PHONE, EMAIL, SUBMITTER_PHONE, SUBMITTER_EMAIL) if v in text}


@pytest.mark.parametrize("role", sorted(STAFF_ROLES), ids=str)
def test_personal_data_table(client, db, world, contact_scene, login, role):
    """For each staff role: the dossier page, the API (organisations and the dossier) and the
    register export show the representative's name to every role, and the phones and e-mails
    only to the roles that contact the organisation (grants.domain.personal_data.NEEDS)."""
    import io

    import pandas as pd

    from grants.domain.personal_data import PersonalData, may_see
    from grants.services import accounts

    user = world[role]
    wants_contact = may_see(user, PersonalData.CONTACT, world["org"].id)
    assert wants_contact == (role in {Role.CLERK, Role.APPRAISER, Role.ADMIN})
    expected = {PHONE, EMAIL, SUBMITTER_PHONE, SUBMITTER_EMAIL} if wants_contact else set()

    login(user)
    page = client.get(f"/dossiers/{contact_scene.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert REPRESENTATIVE in text
    assert _contacts_in(text) == expected, f"{role} on the dossier page"

    exported = client.get("/reports/register.xlsx")
    if exported.status_code != 200:
        exported.close()
    else:  # the roles the reports are for
        data = exported.data
        exported.close()  # the register streams from a temporary file
        sheet = pd.read_excel(io.BytesIO(data), header=None).to_string()
        assert contact_scene.code in sheet
        assert _contacts_in(sheet) == set(), f"{role} in the register export"

    token = accounts.issue_api_token(user, label="need-to-know")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    listed = client.get("/api/v1/organisations", headers=headers)
    assert listed.status_code == 200
    (org,) = [o for o in listed.json["items"] if o["id"] == world["org"].id]
    assert org["representative"] == REPRESENTATIVE
    assert (org["phone"], org["email"]) == ((PHONE, EMAIL) if wants_contact else (None, None))
    detail = client.get(f"/api/v1/dossiers/{contact_scene.id}", headers=headers).get_data(
        as_text=True)
    assert _contacts_in(detail) == ({PHONE, EMAIL} if wants_contact else set()), \
        f"{role} on the API's dossier"


def test_an_applicant_sees_its_own_contacts_only(client, db, world, make_user, make_org):
    from grants.services import accounts

    other = make_user(Role.APPLICANT, organisation=make_org())
    for user, sees in ((world["applicant"], True), (other, False)):
        token = accounts.issue_api_token(user, label="own")
        db.session.commit()
        items = client.get("/api/v1/organisations",
                           headers={"Authorization": f"Bearer {token}"}).json["items"]
        own = [o for o in items if o["id"] == world["org"].id]
        assert bool(own) == sees  # another organisation is not listed at all
