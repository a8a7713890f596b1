"""Factory fixtures: callables with sane defaults that create rows in the test database."""

import itertools

import pytest

from grants.domain.roles import Role

_seq = itertools.count(1)
PASSWORD = "matkhau123"


def saved(db, *rows):
    """Add ``rows``, commit them, and return the first."""
    db.session.add_all(rows)
    db.session.commit()
    return rows[0]


@pytest.fixture
def make_year(db):
    from grants.models import ProgramYear
    from grants.services.year_defaults import setup_year_defaults

    def make(year=2026, budget_vnd=800_000_000, **kw):
        row = ProgramYear(year=year, budget_vnd=budget_vnd, committed_vnd=0, disbursed_vnd=0,
                          target_min=kw.pop("target_min", 16), target_max=kw.pop("target_max", 50),
                          statutory_days=kw.pop("statutory_days", 16), **kw)
        setup_year_defaults(row)
        return saved(db, row)

    return make


@pytest.fixture
def make_org(db):
    from grants.models import Organisation

    def make(**kw):
        n = next(_seq)
        values = dict(name=f"Công ty TNHH Thử nghiệm Số {n}", org_type="enterprise",
                      tax_code=f"01{n:08d}", commune="Phường Kinh Bắc",
                      address="Số 1 Lý Thái Tổ, Bắc Ninh")
        values.update(kw)
        return saved(db, Organisation(**values))

    return make


@pytest.fixture
def make_user(db, make_org):
    from grants.models import User

    def make(*roles, email=None, organisation=None, password=PASSWORD, **kw):
        roles = roles or (Role.CLERK,)
        if Role.APPLICANT in roles and organisation is None:
            organisation = make_org()
        n = next(_seq)
        user = User(email=email or f"user{n}@test.vn", full_name=kw.pop("full_name",
                                                                        f"Người dùng {n}"),
                    organisation=organisation, **kw)
        user.set_password(password)
        user.set_roles(roles)
        return saved(db, user)

    return make


@pytest.fixture
def login(client):
    def do(user, password=PASSWORD):
        client.post("/auth/logout")
        response = client.post("/auth/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.data[:500]
        return user

    return do


@pytest.fixture
def login_as(make_user, login):
    """Create a user with ``roles`` and log the test client in as them."""

    def do(*roles, **kw):
        return login(make_user(*roles, **kw))

    return do


@pytest.fixture
def catalogue(db):
    """Six catalogue items of the demo catalogue."""
    from grants.demo.reference import CATALOGUE
    from grants.models import CatalogueItem

    wanted = {"ISO9001", "ISO14001", "HACCP", "5S", "KAIZEN", "KPI"}
    items = [CatalogueItem(code=c, name=n, kind=k) for c, n, k in CATALOGUE if c in wanted]
    saved(db, *items)
    return items


@pytest.fixture
def world(db, make_year, make_user, catalogue):
    """A 2026 year (800 M, 50 % capped at 50 M per item), one user per staff role and an
    applicant with its organisation."""
    from grants.models import SupportRule

    year = make_year(budget_vnd=800_000_000)
    for item in catalogue:
        year.rules.append(SupportRule(catalogue_item=item, share_percent=50,
                                      cap_vnd=50_000_000))
    db.session.commit()
    people = {role: make_user(role) for role in Role if role != Role.APPLICANT}
    applicant = make_user(Role.APPLICANT)
    return {"year": year, "applicant": applicant, "org": applicant.organisation, **people}
