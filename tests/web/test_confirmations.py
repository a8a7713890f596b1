"""Confirmation before the actions that cannot be undone (issue 12, point 6): the applicant's
declaration when it files its own dossier (checked by the server, recorded in the trail), and
the data-confirm question on submit, approve, reject, issue and close the year."""

import re

from sqlalchemy import select

from grants.domain.declaration import SUBMIT_DECLARATION
from grants.domain.roles import Role
from grants.domain.workflow import Status
from grants.services import dossiers as svc
from tests.walk import act, draft, to_reviewed


def _html(response) -> str:
    return response.get_data(as_text=True)


def _confirming_button(html: str, label: str) -> str:
    """The data-confirm question of the submit button labelled ``label``."""
    match = re.search(r'<button[^>]*type="submit"[^>]*data-confirm="([^"]+)"[^>]*>\s*'
                      + re.escape(label), html)
    assert match, f"no confirming button «{label}»"
    return match.group(1)


def _ready_to_submit(db, world, tmp_path):
    """An online draft of the world's applicant with a file on every checklist line."""
    import io

    from grants.services import uploads
    from tests.integration.test_uploads import PDF

    dossier = draft(db, world, channel="online")
    for line in dossier.program_year.checklist:
        act(db, uploads.store_attachment, dossier, actor=world["applicant"],
            stream=io.BytesIO(PDF), original_name="giay-to.pdf", checklist_item_id=line.id,
            upload_dir=str(tmp_path), max_bytes=10_000_000, max_dossier_bytes=100_000_000)
    return dossier


def test_every_page_loads_the_confirmation_script(client, world, login):
    login(world["applicant"])
    html = _html(client.get("/portal/dossiers"))
    assert '<script src="/static/js/confirm.js"></script>' in html
    script = client.get("/static/js/confirm.js")
    assert script.status_code == 200 and b"data-confirm" in script.data
    script.close()


def test_submit_form_has_the_declaration_and_a_confirming_button(client, db, world, login,
        tmp_path):
    dossier = _ready_to_submit(db, world, tmp_path)
    login(world["applicant"])
    html = _html(client.get(f"/portal/dossiers/{dossier.id}"))
    assert re.search(r'<input[^>]*type="checkbox" name="declaration" id="declaration"[^>]*'
                     r'required', html)
    assert f'<label class="form-check-label" for="declaration"><strong>Cam đoan:</strong> ' \
           f'{SUBMIT_DECLARATION}</label>' in html
    assert dossier.code in _confirming_button(html, "Nộp hồ sơ")


def test_submit_without_the_declaration_is_refused_beside_the_box(client, db, world, login,
        tmp_path):
    from grants.models import Dossier

    dossier = _ready_to_submit(db, world, tmp_path)
    login(world["applicant"])
    response = client.post(f"/portal/dossiers/{dossier.id}/submit",
                           data={"version": str(dossier.version)})
    assert response.status_code == 422
    html = _html(response)
    assert "Chưa nộp được hồ sơ" in html
    assert re.search(r'id="declaration-error">Hãy đánh dấu ô cam đoan', html)
    assert 'class="form-check-input is-invalid"' in html
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).status == Status.DRAFT


def test_the_service_refuses_an_applicant_without_declaration(db, world, tmp_path):
    import pytest

    from grants.domain.errors import InvalidInput

    dossier = _ready_to_submit(db, world, tmp_path)
    with pytest.raises(InvalidInput) as refused:
        act(db, svc.submit, dossier, actor=world["applicant"])
    assert refused.value.field == "declaration"


def test_the_declaration_is_recorded_in_the_trail(client, db, world, login,
        tmp_path):
    from grants.models import AuditEvent, Dossier

    dossier = _ready_to_submit(db, world, tmp_path)
    login(world["applicant"])
    response = client.post(f"/portal/dossiers/{dossier.id}/submit",
                           data={"version": str(dossier.version), "declaration": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Dossier, dossier.id).status == Status.SUBMITTED
    notes = db.session.scalars(select(AuditEvent.note).where(
        AuditEvent.dossier_id == dossier.id)).all()
    assert f"Cam đoan: {SUBMIT_DECLARATION}" in notes


def test_the_desk_files_paper_dossiers_without_the_box(db, world):
    dossier = draft(db, world)
    act(db, svc.submit, dossier, actor=world[Role.CLERK])
    assert dossier.status == Status.SUBMITTED


def test_approve_reject_and_issue_ask_first(client, db, world, login):
    dossier = to_reviewed(db, world, draft(db, world))
    login(world[Role.LEADER])
    html = _html(client.get(f"/decisions/{dossier.id}"))
    assert dossier.code in _confirming_button(html, "Phê duyệt hỗ trợ")
    assert dossier.code in _confirming_button(html, "Không hỗ trợ")
    act(db, svc.approve, dossier, actor=world[Role.LEADER])
    login(world[Role.RECORDS])
    html = _html(client.get(f"/records/{dossier.id}/issue"))
    assert dossier.code in _confirming_button(html, "Vào số và phát hành")


def test_closing_the_year_asks_first(client, world, login):
    login(world[Role.FINANCE])
    html = _html(client.get(f"/budget/{world['year'].year}/close"))
    assert "Sau khi khóa sổ" in _confirming_button(html, f"Khóa sổ năm {world['year'].year}")
