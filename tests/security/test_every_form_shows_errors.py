"""Every POST form of the app, submitted with an error the server finds, shows that error where
the person sees it: beside a visible field, or in the summary at the top naming the field, or in
a flashed message on the page the browser is sent to; never only on a hidden or absent field
(issue 12: the clerk's supplement request failed silently, its error on ``copy_kind_7``, a
hidden input).

The forms are found the way a person finds them: every GET page of the URL map, for every role,
read as HTML; each POST ``<form>`` is mapped back to its endpoint through the URL map, and each
of its submit buttons (``op=receive`` / ``op=supplement`` …) is one submission. A form is sent
as the browser would send it, with every visible field emptied (or with ``OVERRIDES``, for a
form an empty submission satisfies). The error the server found is read from the forms the
answer was rendered with (every field error and form error) and from the flashed messages;
each must be in the visible text of the answer (hidden inputs and ``hidden`` / ``d-none`` /
``display:none`` elements do not count).

Every POST endpoint of the URL map must be exercised, reached through ``NOT_ON_A_PAGE``, or
listed in ``NO_SERVER_ERROR`` with the reason, so a new form is never silently skipped.
"""

from contextlib import ExitStack

import pytest
from flask import message_flashed, template_rendered
from wtforms.form import BaseForm

from grants.domain.roles import Role
from grants.forms.base import leaf_fields
from tests.security.conftest import who_id
from tests.security.markup import Page, shows
from tests.security.scene import build_url, page_rules
from tests.security.test_access_matrix import OPEN, roles_for

#: POST endpoints with no server-side error to show, and why.
NO_SERVER_ERROR = {
    "auth.logout": "a button without fields: logging out always succeeds",
    "admin.delete_holiday": "a button without fields: the override is deleted",
    "admin.export_security": "a button whose fields are hidden (the filters applied on the "
                             "page): the log is exported (a wrong filter is a 422, "
                             "tests/security/test_security_log.py)",
    "admin.delete_reason": "a button without fields: the reason is deleted",
    "admin.revoke_token": "a button without fields: the token is revoked",
    "finance.confirm_payment": "a button without fields: a second person confirms the payment",
    "admin.reset_letter_text": "a button without fields: the default text comes back",
    "admin.issue_token": "its one field (a label) is optional: the answer is the new token",
    "admin.edit_letter_text": "one text, any value accepted (an empty one too)",
    "applicant.remove_attachment": "a button without fields: the file is removed",
    "webhooks.deactivate_webhook": "a button without fields: the webhook stops (a second "
                                   "time is flashed, tested in tests/web/test_webhooks_admin.py)",
    "webhooks.redeliver": "a button without fields: the delivery is queued again",
    "jobs.start": "a button without visible fields: the export starts (a bad year is flashed, "
                  "tests/web/test_jobs.py::test_a_bad_year_starts_nothing)",
    "reports.confirm_import": "its only field is the token of an import checked on the dry "
                              "run; a stale token is tested in tests/web/test_reports.py",
    "auth.end_sessions": "a button without fields: signing out everywhere always succeeds",
    "auth.issue_reset_link": "a button without fields: the answer is the new link",
    "auth.two_factor": "shown only between the password and the code; wrong codes are tested "
                       "in tests/security/test_two_factor.py",
    "auth.two_factor_disable": "on the account page only once two-factor is on; a wrong "
                               "password is tested in tests/security/test_two_factor.py",
    "auth.recovery_codes": "on the account page only once two-factor is on (its one field is "
                           "the password, checked like auth.two_factor_disable)",
    "auth.reset_password": "reached from an e-mailed link only; its errors are tested in "
                           "tests/security/test_passwords.py",
    "identity.resend": "a button without fields: the confirmation link is sent again",
    "identity.confirm": "a button without fields, on the page an e-mailed link opens; used, "
                        "forged and expired links are tested in tests/web/test_identity.py",
    "identity.certificate": "shown only to a claimant whose organisation is not verified (the "
                            "scene's applicant is); a missing or wrongly typed file is tested "
                            "in tests/web/test_identity.py",
    "privacy.export": "a button without fields: the answer is the JSON file",
    "verification.verify": "its one field, a note, is optional; a claim decided already or "
                           "without a certificate is refused (tests/web/test_identity.py)",
    "notifications.mark_read": "a button without fields: the notification is marked read",
    "notifications.mark_all_read": "a button without fields: all are marked read",
    "notifications.retry_mail": "a button without fields (only failed e-mails show it): the "
                                "message is queued again",
}

#: Forms that no GET page holds: how to reach the page that holds them (who, a function of the
#: client and the scene that returns that page's response).
NOT_ON_A_PAGE = {
    # The supplement request is drafted from the completeness check ("Yêu cầu bổ sung…").
    "intake.request_supplement": (
        Role.CLERK,
        lambda client, scene, version, db: client.post(
            f"/intake/{scene.dossiers['submitted']}/check",
            data={"op": "supplement", "expected_version": version("submitted")})),
    # The proposal to the People's Committee is offered only in a year the Chairman decides.
    "decisions.submit_to_committee": (Role.LEADER, lambda client, scene, version, db: (
        _chairman_year(db, scene), client.get(f"/decisions/{scene.dossiers['reviewed']}"))[1]),
    # Repayments are recorded only against a recovery decision.
    "finance.record_repayment": (Role.FINANCE, lambda client, scene, version, db: client.get(
        f"/finance/dossiers/{scene.dossiers['recovered']}")),
    # The form to add a support rule shows only while an item of the catalogue has none.
    "admin.list_rules": (Role.ADMIN, lambda client, scene, version, db: _item_without_rule(
        client, scene, db)),
}


def _item_without_rule(client, scene, db):
    from grants.services import admin as admin_service
    from tests.walk import act

    act(db, admin_service.create_catalogue_item, actor=scene.users[Role.ADMIN], code="SEC2",
        name="Công cụ chưa có mức hỗ trợ", kind="tool", description="")
    return client.get(f"/admin/years/{_year_id(db, scene)}/rules")


def _chairman_year(db, scene) -> None:
    from grants.models import ProgramYear

    year = db.session.scalar(db.select(ProgramYear).where(ProgramYear.year == scene.year))
    year.authority = "chairman"
    db.session.commit()


def _year_id(db, scene) -> int:
    from grants.models import ProgramYear

    return db.session.scalar(db.select(ProgramYear.id).where(ProgramYear.year == scene.year))

#: Submissions that carry an error an empty form would not: endpoint (and button value) → the
#: values changed on the form as the page gives it (not emptied). A value of None drops it.
OVERRIDES = {
    # Issue 12 #1: "Có" ticked without "Hình thức", then "Yêu cầu bổ sung…".
    ("intake.check", "supplement"): lambda form: {
        name.replace("copy_kind_", "present_"): "y" for name, _ in form.fields
        if name.startswith("copy_kind_")},
    # … and the same lines reaching the request itself (their kinds ride in hidden inputs).
    ("intake.request_supplement", ""): lambda form: {
        **{name.replace("copy_kind_", "present_"): "y" for name, _ in form.fields
           if name.startswith("copy_kind_")},
        **{name: "" for name, _ in form.fields if name.startswith("copy_kind_")},
        "items": "Hoá đơn tài chính"},
    # Unticking every box is a valid choice (no e-mail at all); a wrong second address is not.
    ("notifications.preferences", ""): lambda form: {"contact_email": "không phải thư"},
}

#: Forms whose every field may be empty: submitted from a page older than the dossier (another
#: user acted since), which the server refuses with a message.
STALE = {"expected_version": "0"}
EMPTY_IS_VALID = {
    "review.submit", "decisions.approve", "decisions.reject", "intake.resubmit",
    "decisions.submit_to_committee",
    "records.do_issue", "applicant.submit", "applicant.withdraw",
}

ERROR_CATEGORIES = {"danger", "warning", "error"}


def _blank(form) -> dict:
    """What the browser sends once every visible field is emptied (hidden inputs kept)."""
    hidden = {name for _, _, name, _, is_hidden in form.inputs if is_hidden}
    data: dict = {}
    for name, value in form.fields:
        if name in hidden:
            data.setdefault(name, []).append(value)
    for tag, kind, name, _, is_hidden in form.inputs:
        if not is_hidden and kind not in {"checkbox", "radio"} and name not in hidden:
            data[name] = [""]
    return data


def _as_sent(form) -> dict:
    data: dict = {}
    for name, value in form.fields:
        data.setdefault(name, []).append(value)
    return data


def _submission(endpoint, button, form) -> tuple[str, dict]:
    key = (endpoint, button[1] if button else "")
    if key in OVERRIDES:
        data = _as_sent(form)
        for name, value in OVERRIDES[key](form).items():
            if value is None:
                data.pop(name, None)
            else:
                data[name] = [value]
        how = "with " + ", ".join(sorted(OVERRIDES[key](form)))
    elif endpoint in EMPTY_IS_VALID:
        data = {**_as_sent(form), **{k: [v] for k, v in STALE.items()}}
        how = "from a stale page"
    else:
        data, how = _blank(form), "emptied"
    if button and button[0]:
        data[button[0]] = [button[1]]
    return how, data


def _form_errors(forms) -> list[str]:
    messages = []
    for form in forms:
        messages += [m for m in form.form_errors if isinstance(m, str)]
        for field in leaf_fields(form):
            messages += [m for m in field.errors if isinstance(m, str)]
    return messages


class Recorder:
    """The forms each answer was rendered with, and the messages flashed while answering."""

    def __init__(self, app):
        self.app, self.forms, self.flashed, self.messages = app, [], [], []

    def __enter__(self):
        self.stack = ExitStack()
        self.stack.enter_context(template_rendered.connected_to(self._rendered, self.app))
        self.stack.enter_context(message_flashed.connected_to(self._flashed, self.app))
        return self

    def __exit__(self, *exc):
        self.stack.close()

    def reset(self):
        self.forms, self.flashed, self.messages = [], [], []

    def _rendered(self, sender, template, context, **_):
        self.forms += [v for v in context.values() if isinstance(v, BaseForm)]
        for name, value in context.items():  # submit_error="…", upload_error={"message": …}
            if name.endswith("error") and isinstance(value, dict):
                value = value.get("message")
            if name.endswith("error") and isinstance(value, str) and value:
                self.messages.append(value)

    def _flashed(self, sender, message, category, **_):
        self.flashed.append((category, message))


def _endpoint_of(app, action: str, page_url: str) -> str | None:
    from urllib.parse import urljoin, urlsplit

    path = urlsplit(urljoin(f"http://localhost{page_url}", action or page_url)).path
    try:
        endpoint, _ = app.url_map.bind("localhost").match(path, method="POST")
    except Exception:  # noqa: BLE001 (a form to nowhere is reported below)
        return None
    return endpoint


def _find_forms(app, scene, as_user) -> dict:
    """endpoint → [(who, page url, Form)] of the POST forms of every GET page, per role."""
    found: dict = {}
    for who in Role:
        client = as_user(scene.users[who])
        for rule, method in page_rules(app):
            allowed = roles_for(rule.endpoint)
            if method != "GET" or "static" in rule.endpoint or \
                    (allowed is not OPEN and who not in allowed):
                continue
            labels = [label for label in scene.dossiers if not label.startswith("b_")] \
                if rule.arguments == {"dossier_id"} else [None]
            for label in labels:
                url = build_url(app, rule, scene, label, who=who)
                response = client.get(url)
                response.close()
                if response.status_code != 200 or response.mimetype != "text/html":
                    continue
                for form in Page(response.get_data(as_text=True)).forms:
                    if form.method != "post":
                        continue
                    endpoint = _endpoint_of(app, form.action, url)
                    found.setdefault(endpoint, []).append((who, url, form))
    anonymous = as_user(None)
    for url in ("/auth/login", "/auth/register"):
        for form in Page(anonymous.get(url).get_data(as_text=True)).forms:
            if form.method == "post":
                found.setdefault(_endpoint_of(app, form.action, url), []).append(
                    (None, url, form))
    return found


def _check(client, recorder, label, response) -> list[str]:
    """The problems with one answer to an erroneous submission."""
    status = response.status_code
    if status >= 500:
        return [f"{label}: {status}"]
    if 300 <= status < 400:
        errors = [m for c, m in recorder.flashed if c in ERROR_CATEGORIES]
        if not errors:
            return [f"{label}: accepted ({status} with {recorder.flashed}); give it an erroneous "
                    "submission in OVERRIDES or EMPTY_IS_VALID, or list it in NO_SERVER_ERROR"]
        target = client.get(response.headers["Location"])
        text = Page(target.get_data(as_text=True)).text
        return [f"{label}: flashed {m!r} not visible on {response.headers['Location']}"
                for m in errors if not shows(text, m)]
    messages = _form_errors(recorder.forms) + recorder.messages + [
        m for c, m in recorder.flashed if c in ERROR_CATEGORIES]
    if not messages:
        return [f"{label}: {status} with no error; give it an erroneous submission in OVERRIDES"
                if status < 400 else f"{label}: {status} without any error message"]
    text = Page(response.get_data(as_text=True)).text
    return [f"{label}: error {m!r} is not in the visible page" for m in messages
            if not shows(text, m)]


@pytest.mark.slow
def test_every_form_shows_its_errors(app, db, scene, as_user):
    from grants.models import Dossier

    def version(label):
        db.session.rollback()
        return str(db.session.get(Dossier, scene.dossiers[label]).version)

    found = _find_forms(app, scene, as_user)
    failures = [f"a form posts to {endpoint!r}, which is no POST route"
                for endpoint in found if endpoint is None]
    posts = sorted({rule.endpoint for rule, method in page_rules(app) if method == "POST"})
    for endpoint in posts:
        if endpoint in NO_SERVER_ERROR:
            continue
        if endpoint not in found and endpoint in NOT_ON_A_PAGE:
            who, reach = NOT_ON_A_PAGE[endpoint]
            client = as_user(scene.users[who])
            response = reach(client, scene, version, db)
            assert response.status_code == 200, (endpoint, response.status_code)
            where = response.request.path
            found[endpoint] = [(who, where, form)
                               for form in Page(response.get_data(as_text=True)).forms
                               if form.method == "post"
                               and _endpoint_of(app, form.action, where) == endpoint]
        if not found.get(endpoint):
            failures.append(f"{endpoint}: no page holds its form; reach it in NOT_ON_A_PAGE or "
                            "say why it has no error to show in NO_SERVER_ERROR")
    stale = sorted(set(NO_SERVER_ERROR) & set(found) - {None})
    assert not stale or all(e in posts for e in stale)

    tried = 0
    with Recorder(app) as recorder:
        for endpoint in posts:
            if endpoint in NO_SERVER_ERROR or not found.get(endpoint):
                continue
            seen = set()
            for who, page_url, form in found[endpoint]:
                for button in form.buttons or [(None, "")]:
                    if (endpoint, button[1]) in seen:
                        continue
                    seen.add((endpoint, button[1]))
                    client = as_user(scene.users[who] if who is not None else None)
                    how, data = _submission(endpoint, button, form)
                    label = f"{endpoint} [{button[1] or 'submit'}] as {who_id(who)} " \
                            f"(form on {page_url}) {how}"
                    recorder.reset()
                    response = client.post(form.action or page_url, data=data)
                    failures += _check(client, recorder, label, response)
                    tried += 1
    assert tried >= 40, tried
    assert not failures, f"{len(failures)} form(s):\n" + "\n".join(failures)
