"""Safe retries of the API's POSTs (``Idempotency-Key``), not a blueprint.

The first request with a key (per API token) claims it: a row is committed before the view runs,
then the answer (status, body, Location) is stored on it once the view has answered. A retry
with the same key and the same request (method, path, query, body) gets that first answer
again, with ``Idempotent-Replayed: true``, and runs nothing; the same key with another request
is a 422; a retry while the first is still running is a 409. A 5xx answer (or a crash) releases
the key, so the retry runs for real. Rows expire after ``IDEMPOTENCY_SECONDS``; the periodic
task ``purge_expired`` deletes them.
"""

import hashlib
import json
import re
from datetime import timedelta

from flask import Response, current_app, g, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from grants.db import atomic, utcnow
from grants.domain.errors import Conflict, InvalidInput
from grants.extensions import db
from grants.models import ApiToken, IdempotencyRecord
from grants.queue import crontab, periodic_task
from grants.services import accounts

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"[!-~]{1,255}")
#: A claimed key with no answer after this long is taken to belong to a request that died.
PENDING_SECONDS = 120


def _digest() -> str:
    body = request.get_data(cache=True)
    parts = [request.method.encode(), request.path.encode(), request.query_string,
             (request.mimetype or "").encode(), body]
    if request.mimetype == "multipart/form-data":
        # The boundary differs between two sends of the same form: digest the fields instead.
        parts[-1] = repr(sorted(request.form.items(multi=True))).encode() + b"".join(
            f"{name}:{f.filename}:".encode() + hashlib.sha256(f.stream.read()).digest()
            for name, f in sorted(request.files.items(multi=True)))
        for f in request.files.values():
            f.stream.seek(0)
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


def _token_id(token: str) -> int | None:
    return db.session.scalar(select(ApiToken.id).where(
        ApiToken.token_hash == accounts.hash_token(token)))


def _replay(row: IdempotencyRecord) -> Response:
    response = Response(row.body or b"", status=row.status, content_type=row.content_type)
    if row.location:
        response.headers["Location"] = row.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def claim(token: str) -> Response | None:
    """Before a POST's view: claim its key, or answer the retry (None: run the view)."""
    key = request.headers.get(HEADER)
    if key is None or request.method != "POST":
        return None
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidInput("Idempotency-Key phải là 1–255 ký tự ASCII in được.", field=HEADER)
    token_id, digest, now = _token_id(token), _digest(), utcnow()
    expires = now + timedelta(seconds=current_app.config["IDEMPOTENCY_SECONDS"])
    for _attempt in range(2):
        try:
            with atomic():
                row = IdempotencyRecord(token_id=token_id, key=key, request_digest=digest,
                                        expires_at=expires)
                db.session.add(row)
            g.idempotency_record_id = row.id
            return None
        except IntegrityError:
            pass
        with atomic():
            row = db.session.scalar(select(IdempotencyRecord).where(
                IdempotencyRecord.token_id == token_id, IdempotencyRecord.key == key))
            if row is None:
                continue
            stale = row.status is None and row.created_at < now - timedelta(
                seconds=PENDING_SECONDS)
            if row.expires_at <= now or stale:
                db.session.delete(row)
                continue
            if row.request_digest != digest:
                raise InvalidInput("Idempotency-Key này đã được dùng cho một yêu cầu khác; hãy "
                                   "dùng một khóa mới cho yêu cầu mới.", field=HEADER)
            if row.status is None:
                raise Conflict("Yêu cầu với Idempotency-Key này đang được xử lý; hãy thử lại "
                               "sau giây lát.")
            return _replay(row)
    raise Conflict("Không giữ được Idempotency-Key; hãy thử lại.")


def remember(response: Response) -> Response:
    """After the view: store the answer on the claimed key (or free the key after a 5xx)."""
    record_id = g.pop("idempotency_record_id", None)
    if record_id is None:
        return response
    db.session.rollback()
    with atomic():
        row = db.session.get(IdempotencyRecord, record_id)
        if row is None:
            return response
        if response.status_code >= 500:
            db.session.delete(row)
        else:
            row.status = response.status_code
            row.content_type = response.content_type
            row.location = response.headers.get("Location")
            row.body = _kept_body(response)
    return response


def forget_in_replay(*keys: str) -> None:
    """Called by a view whose JSON answer holds a secret shown once (a webhook's signing
    secret): the stored copy of the answer has those keys set to null, so the secret is never
    kept in clear in the records; a replay says so by the null."""
    g.idempotency_forget = keys


def _kept_body(response: Response) -> bytes:
    body = response.get_data()
    keys = g.pop("idempotency_forget", ())
    if not keys or not response.is_json:
        return body
    data = json.loads(body)
    return json.dumps({**data, **dict.fromkeys(keys)}, ensure_ascii=False).encode()


def release() -> None:
    """Teardown after an unhandled error: free the key so a retry runs."""
    record_id = g.pop("idempotency_record_id", None)
    if record_id is not None:
        db.session.rollback()
        with atomic():
            db.session.execute(delete(IdempotencyRecord).where(
                IdempotencyRecord.id == record_id))


def purge(now=None) -> int:
    """Delete the expired records; the number deleted."""
    with atomic():
        result = db.session.execute(delete(IdempotencyRecord).where(
            IdempotencyRecord.expires_at <= (now or utcnow())))
    return result.rowcount or 0


@periodic_task(crontab(minute="*/15"))
def purge_expired() -> int:
    """Every quarter hour: forget the answers kept for retries once they have expired."""
    return purge()
