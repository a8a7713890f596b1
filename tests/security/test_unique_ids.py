"""No page of the app has two elements with the same id (a label focuses the wrong field, a
link to a field lands on the wrong one): every GET page of the URL map × every role, each
dossier page for a dossier in each state of the scene, with CSRF on (every form carries a
``csrf_token``)."""

import pytest

from grants.domain.roles import Role
from tests.security.conftest import who_id
from tests.security.markup import duplicate_ids
from tests.security.scene import build_url, page_rules
from tests.security.test_access_matrix import OPEN, roles_for


@pytest.mark.slow
def test_no_page_has_duplicate_ids(app, db, scene, as_user):
    failures = []
    pages = 0
    for who in [*Role, None]:
        app.config["WTF_CSRF_ENABLED"] = False  # to log in
        client = as_user(scene.users[who] if who is not None else None)
        app.config["WTF_CSRF_ENABLED"] = True  # every form then carries its csrf_token
        for rule, method in page_rules(app):
            allowed = roles_for(rule.endpoint)
            if method != "GET" or (allowed is not OPEN and who not in allowed):
                continue
            labels = [label for label in scene.dossiers if not label.startswith("b_")] \
                if rule.arguments == {"dossier_id"} else [None]
            for label in labels:
                url = build_url(app, rule, scene, label, who=who)
                response = client.get(url)
                response.close()
                if response.mimetype != "text/html" or response.status_code >= 300:
                    continue
                pages += 1
                if duplicates := duplicate_ids(response.get_data(as_text=True)):
                    failures.append(f"{url} as {who_id(who)}: duplicate ids {duplicates}")
    app.config["WTF_CSRF_ENABLED"] = False
    assert pages >= 100, pages
    assert not failures, f"{len(failures)} page(s):\n" + "\n".join(failures)


def test_the_two_note_fields_of_review_and_decision_have_their_own_ids(app, db, scene,
                                                                       as_user):
    """The head's review page and the leader's decision page each hold two note fields (submit
    / approve, and return for rework): each label focuses its own field."""
    from tests.security.markup import Page

    for who, url in ((Role.HEAD, f"/review/{scene.dossiers['appraised']}"),
                     (Role.LEADER, f"/decisions/{scene.dossiers['reviewed']}")):
        html = as_user(scene.users[who]).get(url).get_data(as_text=True)
        assert Page(html).ids.count("note") <= 1, url
        assert not duplicate_ids(html), url
