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
    "finance": frozenset({Role.FINANCE}),
    "budget": frozenset({Role.FINANCE, Role.LEADER, Role.ADMIN}),
    "applicant": frozenset({Role.APPLICANT}),
    "intake": frozenset({Role.CLERK}),
    "review": frozenset({Role.HEAD}),
    "appraisal": frozenset({Role.APPRAISER}),
    "decisions": frozenset({Role.LEADER}),
    "records": frozenset({Role.RECORDS}),
    "dossiers": frozenset(STAFF_ROLES),
    "reports": frozenset({Role.LEADER, Role.HEAD, Role.FINANCE, Role.ADMIN}),
    "public": OPEN,
    "auth": OPEN,
    "main": OPEN,
    "static": OPEN,
    "bootstrap": OPEN,
    "api": frozenset({"bearer"}),  # tested by test_api_matrix
}

#: Endpoints narrower than their blueprint.
ENDPOINT_ROLES: dict[str, frozenset] = {
    "budget.close_year": frozenset({Role.FINANCE, Role.ADMIN}),
    "reports.import_form": frozenset({Role.ADMIN}),
    "reports.download_import_template": frozenset({Role.ADMIN}),
    "reports.dry_run_import": frozenset({Role.ADMIN}),
    "reports.confirm_import": frozenset({Role.ADMIN}),
}

#: In an open blueprint, but only for someone logged in.
LOGIN_REQUIRED = {"main.index", "main.home", "auth.logout"}

#: API endpoints anyone may call without a token.
API_PUBLIC = {"api.lookup", "api.openapi"}


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
        url = build_url(app, rule, scene)
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
            if rule.endpoint != "auth.logout":  # would end the session the caller needs
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
        except Exception as err:
            failures.append(f"{label}: raised {type(err).__name__}: {err}")
            continue
        status = response.status_code
        pdf = rule.endpoint == "api.get_document" and status == 200
        if not pdf and not response.is_json:
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
