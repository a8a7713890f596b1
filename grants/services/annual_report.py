"""The annual report's text: an officer of the leadership or the division writes the
introduction, assessment and proposals around the figures (one text per year or range)."""

from dataclasses import asdict

from grants.db import utcnow
from grants.domain.annual_report import TEXT_FIELDS, check_period, clean_texts
from grants.domain.errors import Conflict, Forbidden
from grants.domain.policy import Permission, can
from grants.extensions import db
from grants.models import AnnualReportText
from grants.queries.reports.annual import saved_texts
from grants.services import audit

STALE = ("Nội dung báo cáo vừa được người khác lưu. Nội dung của bạn chưa được lưu; hãy xem bản "
         "mới nhất rồi sửa lại nếu cần.")


def save_texts(first: int, last: int, *, actor, values: dict[str, str | None],
               expected_version: int | None = None) -> AnnualReportText:
    """Store the report's three paragraphs for ``first``..``last`` and audit the change.

    ``expected_version`` is the version the form was made from (None: no text was saved
    then). Raises Forbidden (not the leadership or the head of division), InvalidInput (a
    reversed or too long range, an empty or too long paragraph, naming the field), Conflict
    (someone saved in between). Flushes, never commits.
    """
    if not can(actor, Permission.EDIT_ANNUAL_REPORT):
        raise Forbidden("Chỉ lãnh đạo Sở hoặc lãnh đạo Chi cục được sửa nội dung báo cáo.")
    check_period(first, last)
    texts = asdict(clean_texts(values))
    row = saved_texts(first, last)
    current = row.version if row is not None else None
    if expected_version != current:
        raise Conflict(STALE)
    if row is None:
        row = AnnualReportText(first_year=first, last_year=last, updated_by_id=actor.id,
                               updated_at=utcnow(), **texts)
        db.session.add(row)
        db.session.flush()
        audit.record("annual_report.write", row, actor=actor,
                     after={"first_year": first, "last_year": last, **texts})
        return row
    before = {f: getattr(row, f) for f in TEXT_FIELDS if getattr(row, f) != texts[f]}
    if not before:
        return row
    for name in before:
        setattr(row, name, texts[name])
    row.updated_by_id, row.updated_at = actor.id, utcnow()
    db.session.flush()
    audit.record("annual_report.write", row, actor=actor, before=before,
                 after={f: texts[f] for f in before})
    return row
