"""Each dossier keeps the count and sums of its items (for the demand report's breakdowns by
place): after a draft is created or edited, items written directly, and the bulk seeder's rows."""

from sqlalchemy import func, select


def _mismatches(db):
    from grants.models import Dossier, DossierItem

    sums = (select(DossierItem.dossier_id.label("id"), func.count().label("n"),
                   func.sum(DossierItem.consulting_cost_vnd).label("cost"),
                   func.sum(DossierItem.requested_vnd).label("requested"))
            .group_by(DossierItem.dossier_id).subquery())
    return db.session.execute(
        select(Dossier.code, Dossier.item_count, sums.c.n)
        .outerjoin(sums, sums.c.id == Dossier.id)
        .where((Dossier.item_count != func.coalesce(sums.c.n, 0))
               | (Dossier.items_cost_vnd != func.coalesce(sums.c.cost, 0))
               | (Dossier.items_requested_vnd != func.coalesce(sums.c.requested, 0)))).all()


def test_item_sums_follow_every_write(db):
    from grants.demo import base
    from grants.demo.bulk import bulk_dossiers
    from grants.models import CatalogueItem, DossierItem, ProgramYear, User
    from grants.services import dossiers

    assert base.seed_base()
    bulk_dossiers(150, seed=7)
    db.session.commit()
    assert _mismatches(db) == []

    applicant = db.session.scalar(select(User).where(User.email == "applicant@demo.vn"))
    year = db.session.scalar(select(ProgramYear).where(ProgramYear.year == 2026))
    draft = dossiers.create_draft(applicant.organisation, year, actor=applicant, items=[
        dossiers.ItemInput("ISO9001", 80_000_000, 40_000_000),
        dossiers.ItemInput("5S", 30_000_000, 15_000_000)])
    db.session.commit()
    assert (draft.item_count, draft.items_cost_vnd, draft.items_requested_vnd) == (
        2, 110_000_000, 55_000_000)

    dossiers.update_draft(draft, actor=applicant,
                          items=[dossiers.ItemInput("LEAN", 60_000_000, 30_000_000)])
    db.session.commit()
    assert (draft.item_count, draft.items_cost_vnd, draft.items_requested_vnd) == (
        1, 60_000_000, 30_000_000)

    kaizen = db.session.scalar(select(CatalogueItem.id).where(CatalogueItem.code == "KAIZEN"))
    db.session.add(DossierItem(dossier_id=draft.id, catalogue_item_id=kaizen,
                               consulting_cost_vnd=10_000_000, requested_vnd=5_000_000))
    db.session.commit()
    assert draft.item_count == 2 and draft.items_requested_vnd == 35_000_000

    assert _mismatches(db) == []
