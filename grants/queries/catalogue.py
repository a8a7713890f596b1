"""The reference lists forms and filters pick from: catalogue items and communes/wards."""

from sqlalchemy import select

from grants.extensions import db
from grants.models import CatalogueItem, Organisation

NO_COMMUNE = "(Chưa ghi xã/phường)"
"""Group label for organisations without a commune/ward in the breakdowns by commune."""


def catalogue_items(*, active_only: bool = False, by_kind: bool = False) -> list[CatalogueItem]:
    """Catalogue items by code (``by_kind``: grouped by kind first, as the admin lists them);
    ``active_only`` leaves out the retired ones."""
    order = (CatalogueItem.kind, CatalogueItem.code) if by_kind else (CatalogueItem.code,)
    stmt = select(CatalogueItem).order_by(*order)
    if active_only:
        stmt = stmt.where(CatalogueItem.is_active.is_(True))
    return list(db.session.scalars(stmt))


def communes() -> list[str]:
    """Distinct communes/wards of the organisations, for the filter list."""
    return list(db.session.scalars(select(Organisation.commune).distinct()
                                   .where(Organisation.commune.is_not(None))
                                   .order_by(Organisation.commune)))
