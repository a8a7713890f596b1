"""The list query ``visible_dossiers`` agrees with the policy; the audit trail takes the client
address from the request edge and from nowhere else."""

from sqlalchemy import select

from grants.domain.policy import Permission, can
from grants.domain.roles import Role
from grants.queries.access import visible_dossiers, visible_organisations


def test_visible_dossiers_is_the_policy_as_a_where_clause(db, make_year, make_org, make_user):
    from grants.models import Dossier, Organisation

    year, mine, theirs = make_year(), make_org(), make_org()
    for n, org in enumerate((mine, theirs, theirs)):
        db.session.add(Dossier(code=f"HS-T-{n}", organisation=org, program_year=year))
    db.session.commit()
    users = [make_user(Role.APPLICANT, organisation=mine), make_user(Role.CLERK),
             make_user(Role.FINANCE), make_user(Role.APPLICANT, Role.APPRAISER,
                                                organisation=mine)]
    everything = db.session.scalars(select(Dossier)).all()
    organisations = db.session.scalars(select(Organisation)).all()
    for user in users:
        listed = set(db.session.scalars(select(Dossier).where(visible_dossiers(user))))
        assert listed == {d for d in everything if can(user, Permission.VIEW_DOSSIER, d)}
        listed = set(db.session.scalars(select(Organisation).where(visible_organisations(user))))
        assert listed == {o for o in organisations
                          if can(user, Permission.VIEW_ORGANISATION, o)}
    applicant = users[0]
    assert {d.organisation_id for d in db.session.scalars(
        select(Dossier).where(visible_dossiers(applicant)))} == {mine.id}


def test_a_request_hands_its_client_address_to_the_audit_trail(app, client, db):
    from grants.extensions import db as ext_db
    from grants.models import AuditEvent
    from grants.services import audit

    def probe():
        event = audit.record("test.probe", None, actor=None)
        ext_db.session.commit()
        return str(event.id)

    app.add_url_rule("/_probe_origin", "probe_origin", probe)
    event_id = client.get("/_probe_origin", environ_base={"REMOTE_ADDR": "203.0.113.9"}).text
    assert db.session.get(AuditEvent, int(event_id)).ip == "203.0.113.9"
    # Outside a request (CLI, a service called directly) nothing is carried over.
    assert audit.record("test.probe", None, actor=None).ip is None
    db.session.rollback()
