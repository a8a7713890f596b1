"""Every refused request (HTTP 403, on pages and on the API alike) goes to the security log,
in a transaction of its own: the refused request's own changes are rolled back (a refused
request writes nothing else), the log row is committed. Not a blueprint."""

import logging

from flask import Flask, g, request
from flask_login import current_user

from grants.db import atomic
from grants.extensions import db
from grants.services import security_log

log = logging.getLogger(__name__)


def _who():
    user = g.get("api_user")
    if user is None and current_user and current_user.is_authenticated:
        user = current_user._get_current_object()
    return user


def record_refusal(status: int = 403) -> None:
    """Log the current request as refused; never raises (the 403 page must still go out)."""
    try:
        db.session.rollback()
        with atomic():
            security_log.record("forbidden", user=_who(),
                                detail={"status": status, "method": request.method,
                                        "path": request.path[:300],
                                        "endpoint": request.endpoint})
    except Exception:  # noqa: BLE001 - logging a refusal must not turn it into a 500
        log.exception("could not log a refused request to the security log")
        db.session.rollback()


def register_refusal_log(app: Flask) -> None:
    @app.after_request
    def _log_refusal(response):
        if response.status_code == 403:
            record_refusal()
        return response
