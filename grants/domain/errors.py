"""Base error for every rule violation; ``field`` names the form/API field when there is one.

A subclass names its machine-readable code in its header (``class NotFound(DomainError,
code="not_found")``) and may carry figures for the caller as keyword details, which become
attributes (``BudgetExceeded(...).remaining_vnd``).
"""


class DomainError(Exception):
    """A business rule was broken. ``message`` is Vietnamese, fit to show a user."""

    code = "domain_error"

    def __init_subclass__(cls, code: str | None = None, **kwargs):
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code

    def __init__(self, message: str, field: str | None = None, **details):
        super().__init__(message)
        self.message = message
        self.field = field
        for name, value in details.items():
            setattr(self, name, value)


class NotFound(DomainError, code="not_found"):
    """The object does not exist, or the user may not know that it does: HTTP 404."""


class Forbidden(DomainError, code="forbidden"):
    """The user may not do this: HTTP 403."""


class Conflict(DomainError, code="conflict"):
    """The object changed under the user (stale version, illegal state): HTTP 409."""


class InvalidInput(DomainError, code="invalid"):
    """A value has the wrong shape: HTTP 422."""


def valid_choice(enum, value, message: str, field: str) -> str:
    """The stored value of the member of ``enum`` that ``value`` names; InvalidInput(message,
    field) when it names none."""
    try:
        return enum(value).value
    except ValueError:
        raise InvalidInput(message, field=field) from None
