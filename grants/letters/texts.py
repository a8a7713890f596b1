"""The admin's view of the letters' wording: each kind's default texts (Jinja2 templates an
admin can override), the variables they may use, and the check of an edited template.

The texts themselves are written in each kind's module (grants/letters/kinds/); the engine is
grants.letters.templating.
"""

from __future__ import annotations

from jinja2 import TemplateError, meta

from .registry import SPECS, spec_of
from .samples import sample_context
from .templating import COMMON_VARIABLES, FILTER_HELP, TEXT_KEYS, compile_template, parse

__all__ = [
    "DEFAULT_TEXTS",
    "DOCUMENT_TITLES",
    "KINDS",
    "TEXT_KEYS",
    "template_variable_help",
    "template_variables",
    "validate_template",
]

KINDS = tuple(SPECS)
DOCUMENT_TITLES = {kind: spec.title for kind, spec in SPECS.items()}
DEFAULT_TEXTS = {kind: dict(spec.texts) for kind, spec in SPECS.items()}


def template_variables(kind: str) -> list[str]:
    """Names an admin may use in the templates of ``kind`` ("org.name", "due_on", ...).

    Raises KeyError for an unknown kind.
    """
    return [*COMMON_VARIABLES, *spec_of(kind).variables]


def template_variable_help(kind: str) -> list[tuple[str, str]]:
    """(name, Vietnamese description) of every variable, then of every filter, for ``kind``."""
    variables = {**COMMON_VARIABLES, **spec_of(kind).variables}
    return [*variables.items(), *((f"| {name}", text) for name, text in FILTER_HELP.items())]


def validate_template(text: str, kind: str | None = None) -> str | None:
    """None when ``text`` is a usable template, else a Vietnamese message for the admin.

    With ``kind``, unknown variables are reported and the template is tried on sample data.
    """
    ast, problem = parse(text)
    if problem or kind is None:
        return problem
    names = {name.split(".", 1)[0] for name in template_variables(kind)}
    unknown = sorted(meta.find_undeclared_variables(ast) - names)
    if unknown:
        allowed = ", ".join(template_variables(kind))
        return f"Mẫu dùng biến không có: {', '.join(unknown)}. Các biến dùng được: {allowed}."
    try:
        compile_template(text).render(sample_context(kind))
    except TemplateError as exc:
        return f"Mẫu văn bản không hiển thị được với dữ liệu mẫu: {exc}"
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        return f"Mẫu văn bản không hiển thị được với dữ liệu mẫu: {exc}"
    return None
