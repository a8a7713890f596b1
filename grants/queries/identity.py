"""Reads for the identity of organisations: the desk's queue of claims, and what else names a
claim's tax code (issue 13 point 7)."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from grants.domain.enums import Verification
from grants.extensions import db
from grants.models import Organisation, OrganisationClaim
from grants.queries.paging import Page, paginate


def pending_claims(*, page: int | str | None = 1, per_page: int | None = None) -> Page:
    """One page of the claims waiting for the desk, oldest first (those with a certificate
    first)."""
    return paginate(
        select(OrganisationClaim).options(joinedload(OrganisationClaim.organisation),
                                          joinedload(OrganisationClaim.user))
        .where(OrganisationClaim.status == Verification.PENDING.value)
        .order_by(OrganisationClaim.certificate_uploaded_at.is_(None),
                  OrganisationClaim.created_at, OrganisationClaim.id),
        page=page, per_page=per_page)


def other_claims(claim: OrganisationClaim) -> list[OrganisationClaim]:
    """Every other claim on the same tax code, newest first."""
    return list(db.session.scalars(
        select(OrganisationClaim).where(OrganisationClaim.tax_code == claim.tax_code,
                                        OrganisationClaim.id != claim.id)
        .order_by(OrganisationClaim.id.desc())))


def verified_organisation(tax_code: str) -> Organisation | None:
    """The verified organisation with this tax code, if there is one."""
    return db.session.scalar(select(Organisation).where(
        Organisation.tax_code == tax_code,
        Organisation.verification == Verification.VERIFIED.value))


def latest_claim(user_id: int, organisation_id: int | None) -> OrganisationClaim | None:
    if organisation_id is None:
        return None
    return db.session.scalar(
        select(OrganisationClaim).where(OrganisationClaim.user_id == user_id,
                                        OrganisationClaim.organisation_id == organisation_id)
        .order_by(OrganisationClaim.id.desc()).limit(1))
