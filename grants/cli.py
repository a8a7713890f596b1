"""Flask CLI commands: create-user, api-token, seed-demo."""

import sys

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
@click.option("--password", required=True, help="Mật khẩu (ít nhất 8 ký tự).")
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
@with_appcontext
def api_token_command(email, label):
    """Print a new API bearer token for EMAIL (only its hash is stored)."""
    from sqlalchemy import select

    from grants.extensions import db
    from grants.models import User
    from grants.services import accounts

    with atomic():
        user = db.session.scalar(select(User).where(User.email == accounts.normalise_email(email)))
        if user is None:
            _fail(f"không có tài khoản {email}.")
        token = accounts.issue_api_token(user, label=label)
    click.echo(token)


@click.command("seed-demo")
@click.option("--dossiers", "n_dossiers", default=None, type=click.IntRange(min=0),
              help="Thêm N hồ sơ mẫu trải đều mọi trạng thái (mặc định: 150 ở lần nạp "
                   "đầu, 0 ở các lần sau).")
@click.option("--seed", default=43, type=int, help="Hạt giống ngẫu nhiên.")
@with_appcontext
def seed_demo_command(n_dossiers, seed):
    """Load demo data (idempotent); optionally add N generated dossiers."""
    from grants.services import demo

    with atomic():
        created = demo.seed_base()
    click.echo("Đã nạp dữ liệu mẫu." if created else "Dữ liệu mẫu đã có; không thêm gì.")
    if n_dossiers is None:  # a first start gets a believable year; later starts add nothing
        n_dossiers = demo.FIRST_RUN_DOSSIERS if created else 0
    if n_dossiers:
        from grants.extensions import db

        # Outside atomic() on purpose: the bulk seeder commits after each batch of dossiers
        # (every batch is consistent on its own) instead of one giant transaction.
        try:
            count, seconds = demo.seed_dossiers(n_dossiers, seed=seed,
                                                commit=db.session.commit)
        except Exception:
            db.session.rollback()
            raise
        click.echo(f"Đã thêm {count} hồ sơ mẫu trong {seconds:.1f} giây.")


def register_cli(app: Flask) -> None:
    for command in (create_user_command, api_token_command, seed_demo_command):
        app.cli.add_command(command)
