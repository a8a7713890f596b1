"""The flask CLI: create-user, api-token, seed-demo; mistakes exit 2 and write nothing."""

import pytest
from sqlalchemy import func, select

from grants.domain.roles import Role
from tests.factories import PASSWORD


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args):
        return runner.invoke(args=list(args))

    return run


def _users(db):
    from grants.models import User

    return db.session.scalar(select(func.count()).select_from(User))


def test_create_user_with_several_roles(cli, db):
    from grants.models import User

    result = cli("create-user", "Head@Demo.vn", "--password", "matkhau-dai-123", "--role", "head",
                 "--role", "appraiser")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "head@demo.vn"))
    assert user.roles == {Role.HEAD, Role.APPRAISER}


@pytest.mark.parametrize("args", [
    ("x@demo.vn", "--password", "matkhau-dai-123", "--role", "superuser"),
    ("x@demo.vn", "--password", "matkhau-dai-123", "--role", "applicant", "--tax-code", "123"),
    ("x@demo.vn", "--password", "matkhau-dai-123", "--role", "applicant",
     "--tax-code", "2300000001"),
    ("x@demo.vn", "--password", "short", "--role", "clerk"),
])
def test_cli_mistakes_exit_2_and_write_nothing(cli, db, args):
    result = cli("create-user", *args)
    assert result.exit_code == 2
    assert result.output.startswith("Lỗi: ") and result.output.count("\n") == 1
    assert _users(db) == 0


def test_applicant_is_bound_to_its_organisation(cli, db, make_org):
    from grants.models import User

    org = make_org(tax_code="2300000001")
    result = cli("create-user", "dn@demo.vn", "--password", "matkhau-dai-123", "--role",
                 "applicant", "--tax-code", "2300000001")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.email == "dn@demo.vn")).organisation_id \
        == org.id


def test_api_token_is_printed_once_and_stored_hashed(cli, db, make_user):
    from grants.models import ApiToken

    user = make_user(Role.CLERK)
    result = cli("api-token", user.email, "--password", PASSWORD)
    token = result.output.strip()
    assert result.exit_code == 0 and len(token) > 30
    stored = db.session.scalar(select(ApiToken.token_hash))
    assert stored != token and len(stored) == 64
    assert cli("api-token", "khong@co.vn", "--password", PASSWORD).exit_code == 2


def test_api_token_only_for_whoever_knows_the_accounts_password(cli, db, make_user):
    """Issue 13.1: the operator running the CLI cannot mint a leader's token without the
    leader's own password; a wrong password writes nothing."""
    from grants.models import ApiToken

    leader = make_user(Role.LEADER)
    result = cli("api-token", leader.email, "--password", "doan-mo-thoi")
    assert result.exit_code == 2 and "mật khẩu" in result.output
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_create_user_refuses_admin_with_money_roles(cli, db):
    for role in ("leader", "finance", "chief_accountant"):
        result = cli("create-user", f"{role}@so.vn", "--password", "matkhau12345", "--role",
                     "admin", "--role", role)
        assert result.exit_code == 2 and "không được kiêm nhiệm" in result.output, result.output
    assert _users(db) == 0


def test_seed_demo_is_idempotent(cli, db):
    from grants.models import Dossier, ProgramYear

    first = cli("seed-demo", "--dossiers", "30")
    assert first.exit_code == 0, first.output
    counts = (_users(db), db.session.scalar(select(func.count()).select_from(Dossier)))
    second = cli("seed-demo")
    assert "không thêm gì" in second.output
    assert (_users(db), db.session.scalar(select(func.count()).select_from(Dossier))) == counts
    year = db.session.scalar(select(ProgramYear).where(ProgramYear.year == 2026))
    assert (year.budget_vnd, year.target_min, year.target_max) == (800_000_000, 16, 50)


def test_seed_demo_commits_batch_by_batch_and_an_interruption_keeps_whole_batches(
        cli, db, monkeypatch):
    from itertools import islice

    from grants.demo import bulk
    from grants.models import Dossier

    generate = bulk.generate

    def interrupted(n, *, seed):  # the setup and one batch of 10, then a failure
        yield from islice(generate(n, seed=seed, batch_size=10), 2)
        raise RuntimeError("interrupted")

    monkeypatch.setattr(bulk, "generate", interrupted)
    result = cli("seed-demo", "--dossiers", "30")
    assert isinstance(result.exception, RuntimeError)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Dossier)) == 10


def test_production_refuses_a_missing_secret(monkeypatch):
    from config import ProductionConfig
    from grants.app import create_app

    monkeypatch.delenv("GRANTS_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="GRANTS_SECRET_KEY"):
        create_app(ProductionConfig)
