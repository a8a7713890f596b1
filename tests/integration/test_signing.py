"""Issued papers are signed (PAdES, ETSI.CAdES.detached) and carry their verification code
(issue 14 points 7 and 8); the agency's certificate is a setting that production requires."""

import hashlib
import io
import re

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from grants.domain.enums import DocumentKind
from grants.domain.roles import Role
from grants.domain.verification_codes import CODE_ALPHABET
from grants.letters import Letterhead, signing
from grants.services import documents
from grants.services import dossiers as svc
from tests.walk import act as _act
from tests.walk import draft as _draft
from tests.walk import to_reviewed as _to_reviewed


def _text(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.split())


def _every_kind(db, world, letterhead):
    """One issued paper of each kind, through the services."""
    clerk, leader, records = world[Role.CLERK], world[Role.LEADER], world[Role.RECORDS]
    approved = _to_reviewed(db, world, _draft(db, world))  # receipt, minutes
    _act(db, svc.approve, approved, actor=leader)
    _act(db, documents.issue_outcome, approved, actor=records, letterhead=letterhead)
    rejected = _to_reviewed(db, world, _draft(db, world))
    _act(db, svc.reject, rejected, actor=leader, reasons=["Hóa đơn không hợp lệ"],
         next_steps="Nộp lại năm sau.")
    _act(db, documents.issue_outcome, rejected, actor=records, letterhead=letterhead)
    asked = _draft(db, world)
    _act(db, svc.submit, asked, actor=clerk)
    _act(db, svc.request_supplement, asked, actor=clerk, letterhead=letterhead,
         items=[{"label": "Hóa đơn chi phí tư vấn", "note": ""}])
    refused = _draft(db, world)
    _act(db, svc.submit, refused, actor=clerk)
    _act(db, svc.refuse, refused, actor=clerk, reason="Không thuộc đối tượng",
         letterhead=letterhead)
    from grants.db import to_local
    from grants.services import processing
    from tests.integration.test_processing_paths import (
        PAPERS,
        _assigned_now,
        _working_day_after,
    )

    paused = _assigned_now(db, world)  # during appraisal: the processing supplement notice
    _act(db, processing.request_papers, paused, actor=world[Role.APPRAISER], items=PAPERS,
         letterhead=letterhead)
    late = _assigned_now(db, world)  # the apology with a new return date
    _act(db, processing.apologise, late, actor=world[Role.APPRAISER],
         new_return_on=_working_day_after(to_local(late.due_at).date()),
         reason="Cần thẩm định thực tế lần hai.", letterhead=letterhead)
    from grants.db import local_today
    from grants.services import ledger
    from tests.integration.test_chairman import make_chairman_year

    _act(db, ledger.record_payment, approved, actor=world[Role.FINANCE], amount_vnd=20_000_000,
         paid_on=local_today(), voucher_no="PC-1", method="transfer")
    _act(db, ledger.record_recovery, approved, actor=leader, amount_vnd=20_000_000,
         reason="Giấy chứng nhận giả mạo", letterhead=letterhead)  # the recovery decision
    make_chairman_year(db, world)
    proposed = _to_reviewed(db, world, _draft(db, world))  # the proposal to the Committee
    _act(db, svc.submit_to_committee, proposed, actor=leader, letterhead=letterhead)
    papers = [d for dossier in (approved, rejected, asked, refused, paused, late, proposed)
              for d in documents.documents_of(dossier)]
    assert {d.kind for d in papers} == {k.value for k in DocumentKind}
    return papers


def _validate(pdf: bytes, trusted):
    reader = PdfFileReader(io.BytesIO(pdf))
    [embedded] = reader.embedded_signatures
    context = ValidationContext(trust_roots=[trusted], allow_fetching=False)
    return embedded, signing.outside_event_loop(
        lambda: validate_pdf_signature(embedded, signer_validation_context=context))


def test_every_kind_is_signed_pades_and_stored_signed(db, world):
    seal = signing.demo_seal()
    for paper in _every_kind(db, world, Letterhead(seal=seal, base_url="https://dvc.example")):
        embedded, status = _validate(paper.pdf, seal.certificate)
        assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached", paper.kind
        assert status.bottom_line, (paper.kind, status.pretty_print_details())
        assert status.intact and status.valid and status.trusted
        assert hashlib.sha256(paper.pdf).hexdigest() == paper.sha256
        assert paper.size_bytes == len(paper.pdf)
        code = paper.verification_code
        assert len(code) == 10 and set(code) <= set(CODE_ALPHABET)
        text = _text(paper.pdf)
        assert f"{code[:5]}-{code[5:]}" in text, paper.kind
        base = "https://dvc.example" if paper.kind in ("support_decision", "rejection_letter",
                                                       "intake_refusal", "supplement_request",
                                                       "processing_supplement",
                                                       "delay_apology", "recovery_decision",
                                                       "committee_proposal") \
            else "http://127.0.0.1:5000"  # steps walked without a letterhead: the default
        assert f"{base}/xac-thuc/{code}" in text
        assert signing.DEMO_MARK in text  # signed with the demo certificate: it says so


def test_a_real_certificate_signs_without_the_demo_line(db, world, tmp_path):
    # A certificate issued by a CA (here: the demo root signing a leaf) is not a demo one.
    root = signing.demo_seal()
    leaf = _leaf_pkcs12(root, "SỞ KHOA HỌC VÀ CÔNG NGHỆ BẮC NINH", "mat-khau")
    path = tmp_path / "agency.p12"
    path.write_bytes(leaf)
    seal = signing.load_seal(path, "mat-khau")
    assert not seal.is_demo
    dossier = _draft(db, world)
    _act(db, svc.submit, dossier, actor=world[Role.CLERK])
    _act(db, svc.refuse, dossier, actor=world[Role.CLERK], reason="Không thuộc đối tượng",
         letterhead=Letterhead(seal=seal))
    [paper] = documents.documents_of(dossier)
    _embedded, status = _validate(paper.pdf, root.certificate)
    assert status.bottom_line
    assert signing.DEMO_MARK not in _text(paper.pdf)
    [check] = signing.check_signatures(paper.pdf, trusted=[root.certificate])
    assert check.state == "trusted" and check.signer == "SỞ KHOA HỌC VÀ CÔNG NGHỆ BẮC NINH"


def _leaf_pkcs12(root, common_name: str, password: str) -> bytes:
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    root_cert = x509.load_der_x509_certificate(root.certificate.dump())
    root_key = serialization.load_der_private_key(root.signer.signing_key.dump(), None)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(root_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                         False), critical=True)
            .sign(root_key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(
        b"agency", key, cert, [root_cert],
        serialization.BestAvailableEncryption(password.encode()))


# ---------------------------------------------------------------- the setting


@pytest.mark.parametrize("problem", ["missing", "unreadable", "wrong password"])
def test_load_seal_refuses_with_one_line(tmp_path, problem):
    path = tmp_path / "agency.p12"
    if problem == "unreadable":
        path.write_bytes(b"not a pkcs12 file")
    elif problem == "wrong password":
        path.write_bytes(signing.make_demo_pkcs12("dung"))
    with pytest.raises(signing.SealUnusable) as caught:
        signing.load_seal(path, "sai")
    message = str(caught.value)
    assert "\n" not in message and str(path) in message


def _production(monkeypatch, tmp_path, **settings):
    from config import ProductionConfig

    monkeypatch.setenv("GRANTS_SECRET_KEY", "a-production-secret-for-the-test")
    attrs = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.sqlite'}",
             "SECRET_KEY": "a-production-secret-for-the-test", "UPLOAD_DIR": str(tmp_path),
             "HUEY_IMMEDIATE": True, **settings}
    return type("Prod", (ProductionConfig,), attrs)


@pytest.mark.parametrize("problem", ["missing", "wrong password"])
def test_production_does_not_start_without_a_usable_certificate(monkeypatch, tmp_path, problem):
    from grants.app import create_app

    path = tmp_path / "agency.p12"
    if problem == "wrong password":
        path.write_bytes(signing.make_demo_pkcs12("dung"))
    monkeypatch.setenv("GRANTS_SIGNING_P12_PATH", str(path))
    monkeypatch.setenv("GRANTS_SIGNING_P12_PASSWORD", "sai")
    with pytest.raises(SystemExit) as caught:
        create_app(_production(monkeypatch, tmp_path))
    message = str(caught.value.code)
    assert message.startswith("Lỗi: không dùng được chứng thư số") and "\n" not in message


def test_production_signs_with_the_configured_certificate(monkeypatch, tmp_path):
    from grants.app import create_app

    path = tmp_path / "agency.p12"
    path.write_bytes(signing.make_demo_pkcs12("dung"))
    monkeypatch.setenv("GRANTS_SIGNING_P12_PATH", str(path))
    monkeypatch.setenv("GRANTS_SIGNING_P12_PASSWORD", "dung")
    app = create_app(_production(monkeypatch, tmp_path))
    seal = app.config["DOCUMENT_SEAL"]
    assert seal.certificate.dump() == signing.load_seal(path, "dung").certificate.dump()
    assert Letterhead.from_config(app.config).seal is seal


def test_development_falls_back_to_the_demo_certificate(app):
    seal = app.config["DOCUMENT_SEAL"]
    assert seal.is_demo
    assert re.search("THỬ NGHIỆM", seal.subject)


def test_seed_demo_makes_a_demo_certificate_and_says_so(app, db, tmp_path):
    path = tmp_path / "demo.p12"
    app.config["DEMO_P12_PATH"] = str(path)
    result = app.test_cli_runner().invoke(args=["seed-demo", "--dossiers", "0"])
    assert result.exit_code == 0, result.output
    assert "TỰ KÝ" in result.output and "không có giá trị pháp lý" in result.output
    seal = signing.load_seal(path, app.config["DEMO_P12_PASSWORD"])
    assert seal.is_demo


def test_flask_commands_stop_with_one_line_in_production(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "GRANTS_ENV": "production", "GRANTS_SECRET_KEY": "x" * 64,
           "GRANTS_DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite'}",
           "GRANTS_UPLOAD_DIR": str(tmp_path), "GRANTS_SIGNING_P12_PATH": str(tmp_path / "no.p12"),
           "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "grants", "routes"], cwd=root,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Lỗi: không dùng được chứng thư số ký văn bản")
    assert "no.p12" in lines[0]


def test_signing_and_checking_work_inside_a_running_event_loop():
    """pyHanko's synchronous calls use asyncio.run, which refuses to start inside a running
    loop: in the whole suite Playwright's synchronous API leaves one running in the worker, and
    135 tests failed after the browser journeys. An async server would meet the same."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from grants.domain.enums import SignatureState
    from grants.letters import preview

    seal = signing.demo_seal()

    async def inside_a_loop():
        pdf = signing.sign_pdf(preview("receipt"), seal, reason="Thử", location="Bắc Ninh")
        return signing.check_signatures(pdf, trusted=[seal.certificate])

    # In a thread of its own: this worker may already run Playwright's loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        [check] = pool.submit(lambda: asyncio.run(inside_a_loop())).result()
    assert check.state == SignatureState.TRUSTED
