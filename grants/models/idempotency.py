"""The answers the API keeps for ``Idempotency-Key`` retries."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from grants.extensions import db
from grants.models._types import created_at


class IdempotencyRecord(db.Model):
    """One POST made with an ``Idempotency-Key``: keyed per API token and key, with a digest of
    the request (method, path, body) and, once answered, the first answer's status and body.
    A row without a status is a request still running. Rows expire at ``expires_at`` (the
    periodic task ``grants.web.idempotency.purge_expired`` deletes them)."""

    __tablename__ = "idempotency_records"
    __table_args__ = (
        UniqueConstraint("token_id", "key", name="uq_idempotency_records_token_key"),
        Index("ix_idempotency_records_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = created_at()
    expires_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
