"""Flask CLI commands: create-user, api-token, seed-demo, worker, check-summaries."""

import sys
import time
from collections.abc import Iterator

import click
from flask import Flask
from flask.cli import with_appcontext

from grants.db import atomic
from grants.domain.errors import DomainError


def _fail(message: str) -> None:
    """One-line error on stderr and exit status 2 (nothing has been written)."""
    click.echo(f"Lỗi: {message}", err=True)
    sys.exit(2)


@click.command("create-user")
@click.argument("email")
@click.option("--password", required=True, help="Mật khẩu (ít nhất 10 ký tự, không dễ đoán).")
@click.option("--role", "roles", multiple=True, required=True,
              help="Vai trò; lặp lại để cấp nhiều vai trò.")
@click.option("--tax-code", default=None, help="Mã số thuế của tổ chức (vai trò applicant).")
@click.option("--name", "full_name", default=None, help="Họ và tên.")
@with_appcontext
def create_user_command(email, password, roles, tax_code, full_name):
    """Create a user with one or more roles."""
    from grants.services import accounts

    try:
        with atomic():
            user = accounts.create_user(email=email, password=password,
                                        full_name=full_name or email.split("@")[0],
                                        roles=roles, tax_code=tax_code)
    except DomainError as err:
        _fail(err.message)
    click.echo(f"Đã tạo tài khoản {user.email} ({', '.join(sorted(r.value for r in user.roles))})")


@click.command("api-token")
@click.argument("email")
@click.option("--label", default=None)
@click.option("--password", prompt="Mật khẩu của tài khoản", hide_input=True,
              help="Mật khẩu của chính tài khoản EMAIL (hỏi khi không truyền).")
@with_appcontext
def api_token_command(email, label, password):
    """Print a new API bearer token for EMAIL, to its owner only: the account's own password is
    asked first (a token acts as its owner; nobody else may obtain one). Only its hash is
    stored."""
    from sqlalchemy import select

    from grants.extensions import db
    from grants.models import User
    from grants.services import accounts

    try:
        with atomic():
            user = db.session.scalar(select(User).where(
                User.email == accounts.normalise_email(email)))
            if user is None or not user.is_active or not user.check_password(password or ""):
                _fail(f"sai thư điện tử hoặc mật khẩu, hoặc tài khoản {email} đang bị khóa.")
            token = accounts.issue_api_token(user, actor=user, label=label)
    except DomainError as err:
        _fail(err.message)
    click.echo(token)


@click.command("seed-demo")
@click.option("--dossiers", "n_dossiers", default=None, type=click.IntRange(min=0),
              help="Thêm N hồ sơ mẫu trải đều mọi trạng thái (mặc định: 150 ở lần nạp "
                   "đầu, 0 ở các lần sau).")
@click.option("--seed", default=43, type=int, help="Hạt giống ngẫu nhiên.")
@with_appcontext
def seed_demo_command(n_dossiers, seed):
    """Load demo data (idempotent); optionally add N generated dossiers."""
    from grants.demo import base, bulk

    with atomic():
        created = base.seed_base()
    click.echo("Đã nạp dữ liệu mẫu." if created else "Dữ liệu mẫu đã có; không thêm gì.")
    _demo_certificate()
    if n_dossiers is None:  # a first start gets a believable year; later starts add nothing
        n_dossiers = base.FIRST_RUN_DOSSIERS if created else 0
    if n_dossiers:
        started = time.perf_counter()
        # One transaction per batch of dossiers (each leaves the database consistent) instead
        # of one giant transaction.
        _each_step_in_atomic(bulk.generate(n_dossiers, seed=seed))
        click.echo(f"Đã thêm {n_dossiers} hồ sơ mẫu trong "
                   f"{time.perf_counter() - started:.1f} giây.")


def _demo_certificate() -> None:
    """Write the self-signed demo signing certificate (issue 14 point 7) unless the app signs
    with a real one or the demo file exists; say which certificate signs the papers."""
    from pathlib import Path

    from flask import current_app

    from grants.letters import signing

    config = current_app.config
    seal = config.get("DOCUMENT_SEAL")
    if seal is not None and not seal.is_demo:
        click.echo(f"Văn bản được ký số bằng chứng thư của cơ quan: {seal.subject}.")
        return
    path = Path(config["DEMO_P12_PATH"]) if config.get("DEMO_P12_PATH") else None
    if path is not None and not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(signing.make_demo_pkcs12(config["DEMO_P12_PASSWORD"]))
        path.chmod(0o600)
        click.echo(f"Đã tạo chứng thư số TỰ KÝ để dùng thử: {path}.")
    click.echo("Văn bản ban hành được ký bằng chứng thư thử nghiệm (tự ký), không có giá trị "
               "pháp lý; mỗi văn bản đều ghi rõ điều này. Ở môi trường thật, đặt "
               "GRANTS_SIGNING_P12_PATH và GRANTS_SIGNING_P12_PASSWORD.")


def _each_step_in_atomic(steps: Iterator) -> None:
    """Run ``steps`` one by one, each in its own transaction."""
    done = object()
    while True:
        with atomic():
            if next(steps, done) is done:
                return


@click.command("worker")
@click.option("--threads", type=int, default=None,
              help="Số luồng xử lý (mặc định: thiết lập WORKER_THREADS).")
@with_appcontext
def worker_command(threads):
    """Run the task queue's worker: deliveries, scheduled work, background jobs."""
    from flask import current_app

    from grants import queue

    if queue.huey.immediate:
        _fail("hàng đợi đang ở chế độ chạy ngay (HUEY_IMMEDIATE): không cần worker.")
    workers = threads or current_app.config["WORKER_THREADS"]
    click.echo(f"Worker: {workers} luồng, hàng đợi {queue.storage_name()}")
    consumer = queue.huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                          check_worker_health=True)
    consumer.run()


@click.command("check-summaries")
@click.option("--repair", is_flag=True,
              help="Thay các dòng tổng hợp bằng số tính lại từ dữ liệu gốc.")
@with_appcontext
def check_summaries_command(repair):
    """Recompute every report summary row from the source rows and print any difference
    (exit status 1 if there is one); with --repair, rebuild the rows from the source (exit
    status 0 once they are rebuilt: the differences are printed, and mended)."""
    from grants.services import summaries

    with atomic():
        found = summaries.check(repair=repair)
    for table, key, expected, stored in found:
        click.echo(f"{table} {key}: tính lại {expected}, đang lưu {stored}")
    if not found:
        click.echo("Các dòng tổng hợp khớp với dữ liệu gốc.")
        return
    click.echo(f"{len(found)} dòng tổng hợp lệch"
               + ("; đã dựng lại từ dữ liệu gốc." if repair else "."))
    if not repair:
        sys.exit(1)


def register_cli(app: Flask) -> None:
    for command in (create_user_command, api_token_command, seed_demo_command, worker_command,
                    check_summaries_command):
        app.cli.add_command(command)
