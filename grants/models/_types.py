"""Column helpers shared by the models (money, timestamps, enum-as-string with CHECK)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, DateTime, String
from sqlalchemy.orm import mapped_column
from sqlalchemy.types import TypeDecorator

from grants.db import utcnow


def money(nullable: bool = False, **kw):
    """A VND amount: BigInteger (never a float)."""
    return mapped_column(BigInteger, nullable=nullable, **kw)


def created_at():
    return mapped_column(DateTime, nullable=False, default=utcnow)


def enum_column(enum: type[StrEnum], nullable: bool = False, **kw):
    length = max(len(m.value) for m in enum)
    return mapped_column(String(length), nullable=nullable, **kw)


class EnumString(TypeDecorator):
    """A string column read back as a member of ``enum`` (a StrEnum, so the member still compares,
    hashes and prints as its stored value). Writes and query parameters take a member or its
    value and store the plain string."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int | None = None):
        super().__init__(length or max(len(m.value) for m in enum))
        self.enum = enum

    def process_bind_param(self, value, dialect):
        return value.value if isinstance(value, self.enum) else value

    def process_literal_param(self, value, dialect):
        return self.process_bind_param(value, dialect)

    def process_result_value(self, value, dialect):
        return self.enum._value2member_map_.get(value, value)


def enum_check(column: str, enum: type[StrEnum], name: str, nullable: bool = False):
    """CHECK that ``column`` holds one of the enum's values (the DB mirrors the domain)."""
    values = ", ".join(f"'{m.value}'" for m in enum)
    sql = f"{column} IN ({values})"
    if nullable:
        sql = f"{column} IS NULL OR {sql}"
    return CheckConstraint(sql, name=name)


__all__ = ["money", "created_at", "enum_column", "EnumString", "enum_check", "datetime"]
