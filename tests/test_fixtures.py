"""The test client runs each request as production does: in its own app context, with its own
``g`` and database session, never the test body's (tests/conftest.py, RequestClient)."""

from flask import g


def test_a_request_shares_nothing_with_the_test_body_or_the_previous_request(app, client, db):
    seen = []

    def probe():
        seen.append({"marker": getattr(g, "marker", None), "session": db.session()})
        g.marker = "request"
        return ""

    app.add_url_rule("/_probe", view_func=probe)
    g.marker = "test body"
    body_session = db.session()
    assert client.get("/_probe").status_code == 200
    assert client.get("/_probe").status_code == 200
    assert [s["marker"] for s in seen] == [None, None]
    assert body_session not in [s["session"] for s in seen]
    assert seen[0]["session"] is not seen[1]["session"]
    assert g.marker == "test body" and db.session() is body_session


def test_a_request_finds_what_the_test_set_up_and_the_test_then_sees_its_writes(
        app, client, db, make_org):
    from grants.models import Organisation

    org = make_org(name="Trước")
    org_id = org.id
    org.name = "Chưa lưu"  # pending in the test body: committed before the request

    def rename():
        row = db.session.get(Organisation, org_id)
        found = row.name
        row.name = "Sau"
        db.session.commit()
        return found

    app.add_url_rule("/_rename", view_func=rename)
    assert client.get("/_rename").get_data(as_text=True) == "Chưa lưu"
    assert org.name == "Sau"  # expired by the commit, so reloaded
