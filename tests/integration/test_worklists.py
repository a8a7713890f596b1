"""Work queues in SQL: oldest deadline first (NULLS LAST), late flags from the database, filters,
search, pagination without loading every row, and the appraisers' workload."""

import itertools
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event

from grants.domain.deadlines import DeadlineStatus
from grants.domain.roles import Role
from grants.domain.workflow import Status
from grants.queries import catalogue, identity, worklists, years

NOW = datetime(2026, 3, 10, 3, 0)  # 10:00 Tuesday, Vietnam time
_codes = itertools.count(1)


@pytest.fixture
def setup(db, make_year, make_org):
    from grants.models import CatalogueItem, SupportRule

    items = {code: CatalogueItem(code=code, name=name, kind="standard")
             for code, name in (("ISO9001", "ISO 9001"), ("HACCP", "HACCP"))}
    db.session.add_all(items.values())
    year = make_year(2026)
    old_year = make_year(2025, intake_open=False)
    for item in items.values():
        year.rules.append(SupportRule(catalogue_item=item, share_percent=50, cap_vnd=50_000_000))
    db.session.commit()
    orgs = [make_org(name="Công ty TNHH Thực phẩm Sạch Bắc Ninh", commune="Phường Kinh Bắc",
                     tax_code="2300000001"),
            make_org(name="Hợp tác xã Rau an toàn Tiên Du", commune="Xã Tiên Du",
                     tax_code="2300000002")]
    return {"year": year, "old_year": old_year, "items": items, "orgs": orgs}


@pytest.fixture
def make_dossier(db, setup):
    from grants.models import Dossier, DossierItem

    def make(status="received", *, step_due=None, due=None, org=0, year=None, item="ISO9001",
             assignee=None, submitted=None):
        n = next(_codes)
        dossier = Dossier(code=f"HS-2026-{n:05d}", organisation_id=setup["orgs"][org].id,
                          program_year_id=(year or setup["year"]).id, status=status,
                          channel="counter",
                          return_channel="counter", step_due_at=step_due, due_at=due,
                          submitted_at=submitted or NOW - timedelta(days=30 - n),
                          assignee_id=assignee.id if assignee else None)
        dossier.items = [DossierItem(catalogue_item_id=setup["items"][item].id,
                                     consulting_cost_vnd=100_000_000, requested_vnd=50_000_000)]
        db.session.add(dossier)
        db.session.commit()
        return dossier

    return make


def codes(page):
    return [row.dossier.code for row in page.items]


def test_oldest_deadline_first_nulls_last_and_late_flags(make_dossier):
    later = make_dossier(step_due=NOW + timedelta(days=3), due=NOW + timedelta(days=10))
    none = make_dossier(step_due=None, due=None)
    late = make_dossier(step_due=NOW - timedelta(hours=2), due=NOW + timedelta(days=5))
    sooner = make_dossier(step_due=NOW + timedelta(hours=1), due=NOW - timedelta(days=1))
    due_only = make_dossier(step_due=None, due=NOW + timedelta(days=2))
    page = worklists.queue((Status.RECEIVED,), now=NOW)
    assert codes(page) == [late.code, sooner.code, later.code, due_only.code, none.code]
    flags = {row.dossier.code: (row.step_late, row.late) for row in page.items}
    assert flags[late.code] == (True, False)
    assert flags[sooner.code] == (False, True)
    assert flags[later.code] == (False, False)
    assert flags[none.code] == (False, False)
    assert all(isinstance(v, bool) for pair in flags.values() for v in pair)


def test_without_deadlines_the_oldest_filing_comes_first(make_dossier):
    newer = make_dossier("submitted", submitted=NOW - timedelta(days=1))
    older = make_dossier("submitted", submitted=NOW - timedelta(days=5))
    assert codes(worklists.queue((Status.SUBMITTED,), now=NOW)) == [older.code, newer.code]


def test_states_and_state_filter(make_dossier):
    received = make_dossier("received")
    appraised = make_dossier("appraised")
    make_dossier("approved")
    draft = make_dossier("draft")
    head = worklists.waiting_states({Role.HEAD})
    assert head == (Status.RECEIVED, Status.APPRAISED)
    assert set(codes(worklists.queue(head, now=NOW))) == {received.code, appraised.code}
    assert codes(worklists.queue(head, status="appraised", now=NOW)) == [appraised.code]
    # A state outside the queue gives nothing rather than widening it.
    assert codes(worklists.queue(head, status="approved", now=NOW)) == []
    register = codes(worklists.queue(None, now=NOW))
    assert draft.code not in register and len(register) == 3


def test_filters_year_commune_catalogue_assignee(make_dossier, setup, make_user):
    appraiser = make_user(Role.APPRAISER)
    a = make_dossier("assigned", org=0, item="ISO9001", assignee=appraiser)
    b = make_dossier("assigned", org=1, item="HACCP")
    c = make_dossier("assigned", org=1, item="ISO9001", year=setup["old_year"])
    states = (Status.ASSIGNED,)
    assert codes(worklists.queue(states, year_id=setup["old_year"].id, now=NOW)) == [c.code]
    assert codes(worklists.queue(states, commune="Phường Kinh Bắc", now=NOW)) == [a.code]
    assert set(codes(worklists.queue(states, catalogue_code="ISO9001", now=NOW))) == {a.code,
                                                                                    c.code}
    assert codes(worklists.queue(states, catalogue_code="HACCP", commune="Xã Tiên Du",
                                 now=NOW)) == [b.code]
    assert codes(worklists.queue(states, assignee_id=appraiser.id, now=NOW)) == [a.code]
    assert codes(worklists.queue(states, catalogue_code="KHONGCO", now=NOW)) == []


def test_search_by_code_name_and_tax_code(make_dossier):
    a = make_dossier(org=0)
    b = make_dossier(org=1)
    states = (Status.RECEIVED,)
    assert codes(worklists.queue(states, search=a.code.lower(), now=NOW)) == [a.code]
    assert codes(worklists.queue(states, search="  Rau an toàn ", now=NOW)) == [b.code]
    assert codes(worklists.queue(states, search="rau AN", now=NOW)) == [b.code]
    assert codes(worklists.queue(states, search="2300000001", now=NOW)) == [a.code]
    assert set(codes(worklists.queue(states, search="230000000", now=NOW))) == {a.code, b.code}
    # LIKE wildcards typed by a user are literal characters.
    assert codes(worklists.queue(states, search="%", now=NOW)) == []
    assert codes(worklists.queue(states, search="_", now=NOW)) == []


def test_pagination_runs_a_bounded_number_of_queries(db, make_dossier):
    made = [make_dossier(step_due=NOW + timedelta(hours=i)) for i in range(12)]
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        page = worklists.queue((Status.RECEIVED,), page=2, per_page=5, now=NOW)
        items = [(row.dossier.code, row.dossier.organisation.name,
                  [i.catalogue_item.code for i in row.dossier.items],
                  row.dossier.program_year.year) for row in page.items]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [code for code, *_ in items] == [d.code for d in made[5:10]]
    assert page.total == 12 and page.pages == 3 and page.has_next and page.has_prev
    # (begin,) the page's keys, its dossiers, their items (selectin), count; nothing per row
    assert len(statements) <= 5, statements
    assert worklists.queue((Status.RECEIVED,), page=9, per_page=5, now=NOW).items == []


def test_deadline_marks_use_the_working_day_calendar(make_dossier):
    # Friday 2026-03-13 16:00 local; a Monday 11:00 step deadline is within one working day.
    friday = datetime(2026, 3, 13, 9, 0)
    soon = make_dossier(step_due=datetime(2026, 3, 16, 4, 0), due=datetime(2026, 3, 30, 10, 0))
    late = make_dossier(step_due=datetime(2026, 3, 13, 8, 0), due=None)
    done = make_dossier("returned", step_due=datetime(2026, 3, 1, 1, 0))
    marks = worklists.deadline_marks([soon, late, done], now=friday)
    assert marks[soon.id] == {"step": DeadlineStatus.DUE_SOON, "due": DeadlineStatus.ON_TIME}
    assert marks[late.id] == {"step": DeadlineStatus.LATE, "due": None}
    assert marks[done.id] == {"step": None, "due": None}


def test_appraiser_workload_counts_open_assignments(db, make_dossier, make_user):
    busy = make_user(Role.APPRAISER, full_name="Phạm Thị Dung")
    free = make_user(Role.APPRAISER, full_name="Hoàng Văn Em")
    gone = make_user(Role.APPRAISER, full_name="Đã nghỉ")
    gone.is_active_account = False
    make_user(Role.HEAD)
    db.session.commit()
    make_dossier("assigned", assignee=busy)
    make_dossier("assigned", assignee=busy)
    make_dossier("appraised", assignee=busy)   # no longer waiting for the appraiser
    make_dossier("assigned", assignee=free)
    rows = [(user.full_name, n) for user, n in worklists.appraiser_workload()]
    assert rows == [("Hoàng Văn Em", 1), ("Phạm Thị Dung", 2)]


def test_appraiser_with_nothing_assigned_counts_zero(make_user):
    make_user(Role.APPRAISER, full_name="Mới")
    assert [(u.full_name, n) for u, n in worklists.appraiser_workload()] == [("Mới", 0)]


def test_read_helpers(db, make_dossier, setup):
    make_dossier()
    assert catalogue.communes() == ["Phường Kinh Bắc", "Xã Tiên Du"]
    assert [y.year for y in years.open_years()] == [2026]
    assert identity.verified_organisation("2300000002").name.startswith("Hợp tác xã")
    assert identity.verified_organisation("0000000000") is None
    assert [c.code for c in catalogue.catalogue_items()] == ["HACCP", "ISO9001"]


def test_register_order_newest_first(make_dossier):
    first = make_dossier(step_due=NOW - timedelta(days=1))
    second = make_dossier(step_due=NOW + timedelta(days=1))
    third = make_dossier("approved")
    assert codes(worklists.queue(None, order="newest", now=NOW)) == [third.code, second.code,
                                                                     first.code]


@pytest.mark.parametrize("typed", ["thuc pham sach", "THUC PHAM SACH", "Thực phẩm sạch",
                                   "THỰC PHẨM SẠCH", "thực pham sach", "  thuc   pham sach "])
def test_search_by_name_with_or_without_diacritics_in_any_case(make_dossier, typed):
    a = make_dossier(org=0)
    make_dossier(org=1)
    assert codes(worklists.queue((Status.RECEIVED,), search=typed, now=NOW)) == [a.code]


def test_search_name_follows_a_renamed_organisation(db, make_dossier):
    a = make_dossier(org=0)
    a.organisation.name = "Công ty Cổ phần Đồng Đức"
    db.session.commit()
    assert codes(worklists.queue((Status.RECEIVED,), search="dong duc", now=NOW)) == [a.code]
    assert codes(worklists.queue((Status.RECEIVED,), search="thuc pham", now=NOW)) == []
