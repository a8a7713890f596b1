"""What a document kind is: one :class:`DocumentSpec` per kind, written in its own module under
grants/letters/kinds/ and listed in grants/letters/registry.py.

A spec's ``gather`` reads the dossier (the ORM object, by attribute: letters import neither
Flask nor SQLAlchemy) and whatever else it needs through :class:`DossierRecords`, which the
documents service implements.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple, Protocol

from grants.domain.enums import DocumentKind
from grants.domain.workflow_states import Status

from .data import DocumentHeader, Issuer, Letterhead, Organisation, Person

__all__ = [
    "DocumentSpec",
    "DossierRecords",
    "Sample",
    "desk_signer",
    "leadership_signer",
    "organisation_of",
    "parties_of",
    "person_of",
    "team_signer",
]


class DossierRecords(Protocol):
    """The reads a gatherer needs beyond the dossier's own attributes."""

    def today(self) -> date:
        """Today in Vietnam."""
        ...

    def latest_supplement_request(self) -> Any | None: ...

    def site_visit(self) -> Any | None:
        """The visit a set of minutes records: the one they are issued for, else the latest
        visit that counts (not voided)."""
        ...

    def correction(self) -> str | None:
        """Why a visit's minutes are issued again (they replace the earlier ones), or None."""
        ...

    def latest_audit_note(self, action: str) -> str | None:
        """The note of the dossier's latest audit event ``action`` ("" when there is none)."""
        ...

    def decision(self) -> Any | None: ...

    def latest_delay_apology(self) -> Any | None:
        """The dossier's latest apology for a delay (issue 14), or None."""
        ...

    def latest_recovery(self) -> Any | None:
        """The dossier's latest recovery decision entry of the ledger (amount, reason, date)."""
        ...


class Sample(NamedTuple):
    """A kind's demo record and the header and issuer it is printed with."""

    data: Any
    header: DocumentHeader
    issuer: Issuer


@dataclass(frozen=True, kw_only=True)
class DocumentSpec:
    """Everything about one kind of document.

    ``build(data, *, header, issuer, texts=None) -> bytes`` renders the PDF of a ``data``
    record; ``texts`` are its default templates (keys TEXT_KEYS) and ``variables`` the template
    variables it adds to the common ones (name → help): each is the record's attribute of that
    name unless ``computed(data)`` gives it; ``sample()`` is demo data (admin preview, template
    checks, tests); ``gather(dossier, records)`` makes its record from a dossier and
    ``signer(letterhead, dossier, actor)`` says who issues it; it can be drawn up while the
    dossier is in one of ``available_in``; numbered kinds have a ``symbol`` (numbers run per
    year and symbol).
    """

    kind: DocumentKind
    title: str
    data: type
    build: Callable[..., bytes]
    texts: Mapping[str, str]
    variables: Mapping[str, str]
    sample: Callable[[], Sample]
    gather: Callable[[Any, DossierRecords], Any]
    signer: Callable[[Letterhead, Any, Any], Issuer]
    available_in: frozenset[Status]
    symbol: str | None = None
    computed: Callable[[Any], dict[str, Any]] | None = None


# ---------------------------------------------------------------------------- gathering


def organisation_of(dossier: Any) -> Organisation:
    org = dossier.organisation
    return Organisation(name=org.name, address=org.address or "", tax_code=org.tax_code,
                        phone=org.phone or "", email=org.email or "",
                        representative=org.representative or "")


def parties_of(dossier: Any) -> dict[str, Any]:
    """The DossierRecord fields of a dossier's document (``Record(**parties_of(d), ...)``)."""
    return {"organisation": organisation_of(dossier), "dossier_code": dossier.code}


def person_of(line: str) -> Person:
    """ "Name - Title" (one line of a team list) as a Person."""
    name, _, title = line.partition(" - ")
    return Person(name=name.strip(), title=title.strip())


def _name(actor: Any) -> str:
    return actor.full_name if actor else ""


def desk_signer(letterhead: Letterhead, dossier: Any, actor: Any) -> Issuer:
    """One-stop-desk slips: the officer who took the dossier in signs."""
    return Issuer(body_lines=letterhead.body_lines, place=letterhead.place,
                  signer_title_lines=("NGƯỜI TIẾP NHẬN HỒ SƠ",), signer_name=_name(actor))


def team_signer(letterhead: Letterhead, dossier: Any, actor: Any) -> Issuer:
    """Appraisal minutes: issued by the sub-department, signed by the team leader."""
    return Issuer(body_lines=(*letterhead.body_lines[1:],
                              "CHI CỤC TIÊU CHUẨN ĐO LƯỜNG CHẤT LƯỢNG"),
                  place=letterhead.place, signer_title_lines=("TRƯỞNG ĐOÀN THẨM ĐỊNH",),
                  signer_name=_name(actor))


def leadership_signer(letterhead: Letterhead, dossier: Any, actor: Any) -> Issuer:
    """Decisions and replies: signed as the programme year says (title lines and name)."""
    year = dossier.program_year
    lines = tuple(line.strip() for line in (year.signer_title or "").splitlines() if line.strip())
    return Issuer(body_lines=letterhead.body_lines, place=letterhead.place,
                  signer_title_lines=lines or ("GIÁM ĐỐC",), signer_name=year.signer_name or "")
