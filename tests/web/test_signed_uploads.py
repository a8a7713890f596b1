"""Digitally signed PDFs uploaded by an applicant (issue 14 point 9): the signature is checked at
upload and the desk sees who signed and whether it holds; a broken or foreign signature is shown
as such, and the upload is never refused for it."""

import functools

import pytest

from grants import letters
from grants.letters import signing
from grants.services import dossiers as svc
from tests.web.test_applicant import create_draft, upload, upload_all


@functools.cache
def _plain_pdf() -> bytes:
    sample = letters.spec_of("receipt").sample()
    return letters.spec_of("receipt").build(sample.data, header=sample.header,
                                            issuer=sample.issuer)


@functools.cache
def _foreign_seal():
    """A certificate nobody here trusts (self-signed, like a test token's)."""
    return signing._seal_from_pkcs12(
        signing.make_demo_pkcs12("x", common_name="CÔNG TY TNHH THỬ NGHIỆM KÝ SỐ"), "x")


def _signed(seal) -> bytes:
    return signing.sign_pdf(_plain_pdf(), seal, reason="Nộp hồ sơ", location="Bắc Ninh")


def _tampered(pdf: bytes) -> bytes:
    at = pdf.index(b"/MediaBox [ 0 0 595.2756")
    return pdf[:at] + pdf[at:].replace(b"595.2756", b"595.2757", 1)


@pytest.fixture
def submitted(app, client, db, world, login):
    """An online dossier whose first three checklist lines carry a PDF signed with a trusted
    certificate, one signed with a foreign one, and a signed one edited afterwards."""
    login(world["applicant"])
    dossier = create_draft(client, ("ISO9001", "120.000.000", "50.000.000"))
    upload_all(client, dossier)  # unsigned PDFs on every line
    trusted = _signed(app.config["DOCUMENT_SEAL"])  # the app trusts its own certificate
    lines = dossier.program_year.checklist
    for line, data, name in ((lines[0], trusted, "ky-so-tin-cay.pdf"),
                             (lines[1], _signed(_foreign_seal()), "ky-so-ngoai.pdf"),
                             (lines[2], _tampered(trusted), "ky-so-bi-sua.pdf")):
        response = upload(client, dossier, line.id, data=data, name=name)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    svc.submit(dossier, actor=world["applicant"], declaration=True)
    db.session.commit()
    return dossier


def _by_name(dossier):
    return {a.original_name: a for a in dossier.attachments}


def test_signatures_are_checked_at_upload(db, submitted):
    files = _by_name(submitted)
    seal_name = signing.demo_seal().subject
    assert files["ky-so-tin-cay.pdf"].signature_state == "trusted"
    assert seal_name in files["ky-so-tin-cay.pdf"].signature_summary
    assert files["ky-so-ngoai.pdf"].signature_state == "untrusted"
    assert "CÔNG TY TNHH THỬ NGHIỆM KÝ SỐ" in files["ky-so-ngoai.pdf"].signature_summary
    assert files["ky-so-bi-sua.pdf"].signature_state == "broken"
    unsigned = [a for a in submitted.attachments if a.original_name.startswith(
        tuple(line.code for line in submitted.program_year.checklist))]
    assert unsigned and all(a.signature_state is None and a.signature_summary is None
                            for a in unsigned)


def test_the_desk_sees_signer_and_validity(client, world, login, submitted):
    from grants.domain.roles import Role

    login(world[Role.CLERK])
    for url in (f"/intake/{submitted.id}/check", f"/dossiers/{submitted.id}"):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert 'data-signature="trusted"' in text and "Chữ ký số hợp lệ" in text
        assert 'data-signature="untrusted"' in text
        assert "không thuộc danh sách tin cậy: CÔNG TY TNHH THỬ NGHIỆM KÝ SỐ" in text
        assert 'data-signature="broken"' in text and "Chữ ký số không hợp lệ" in text


def test_the_upload_is_audited_with_its_signature(db, submitted):
    from sqlalchemy import select

    from grants.models import AuditEvent

    rows = db.session.scalars(select(AuditEvent).where(
        AuditEvent.dossier_id == submitted.id, AuditEvent.action == "attachment.store")).all()
    signatures = [r for r in rows if "Chữ ký số" in (r.after_json or "")]
    assert len(signatures) == 3


def test_a_certificate_authority_in_the_trust_list_makes_a_signature_trusted(tmp_path):
    from asn1crypto import pem

    foreign = _foreign_seal()
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(pem.armor("CERTIFICATE", foreign.certificate.dump()))
    roots = signing.load_trust_roots(bundle)
    [check] = signing.check_signatures(_signed(foreign), trusted=roots)
    assert check.state == "trusted"
    with pytest.raises(signing.SealUnusable):
        signing.load_trust_roots(tmp_path / "missing.pem")
