"""The engine behind the admin-editable wording: a sandboxed Jinja2 environment with the
letters' filters, and the rendering of one kind's four texts.

Templates produce plain text: one paragraph per line, blank lines ignored. The rendered text
is escaped before typesetting, so markup typed into a template (or into user data) is printed
as written. Lists that a document must carry (documents received, items to supplement, the
refusal reason, the reasons for rejection, the amount tables) are set by the builders, not by
the templates, so an edited template cannot drop them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

from .base import format_date, format_datetime, format_time, vnd
from .data import DocumentHeader, Issuer
from .words import amount_in_words

if TYPE_CHECKING:
    from .spec import DocumentSpec

__all__ = [
    "COMMON_VARIABLES",
    "FILTER_HELP",
    "MAX_TEMPLATE_LENGTH",
    "ORG_LINES",
    "PERSON_LINE",
    "TEXT_KEYS",
    "compile_template",
    "parse",
    "render_texts",
    "template_context",
]

# Key meanings: "title" is the centred title (for the rejection letter, a công văn, the
# "V/v ..." summary under the number); "body" comes before the document's list or table,
# "next_steps" after it; "recipients" is the "Nơi nhận" list, one recipient per line.
TEXT_KEYS = ("title", "body", "next_steps", "recipients")

# Fragments the default texts of several kinds share.
ORG_LINES = (
    "{% if org.address %}Địa chỉ: {{ org.address }}{% endif %}\n"
    "{% if org.tax_code %}Mã số thuế: {{ org.tax_code }}{% endif %}\n"
)
PERSON_LINE = "- Ông/Bà {{ p.name }}{% if p.title %}, {{ p.title }}{% endif %};\n"

COMMON_VARIABLES = {
    "org.name": "Tên tổ chức",
    "org.address": "Địa chỉ tổ chức",
    "org.tax_code": "Mã số thuế",
    "org.phone": "Số điện thoại",
    "org.email": "Thư điện tử",
    "org.representative": "Người đại diện",
    "dossier_code": "Mã hồ sơ",
    "place": "Địa danh ghi trên văn bản (Bắc Ninh)",
    "issued_on": "Ngày ban hành văn bản (dùng: {{ issued_on | date }})",
    "reference": "Số, ký hiệu văn bản (vd. 12/QĐ-SKHCN), rỗng nếu chưa cấp số",
}
FILTER_HELP = {
    "vnd": "định dạng tiền: {{ total | vnd }} → 50.000.000 đ",
    "words": "số tiền bằng chữ: {{ total | words }} → Năm mươi triệu đồng",
    "date": "ngày: {{ due_on | date }} → 05/03/2026",
    "time": "giờ: {{ visited_at | time }} → 09 giờ 30 phút",
    "datetime": "giờ và ngày: {{ received_at | datetime }} → 09 giờ 30 phút, ngày 05/03/2026",
}


def _filter_date(value: date | datetime | None) -> str:
    return format_date(value)


_ENV = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined)
_ENV.filters.update(
    vnd=vnd,
    words=amount_in_words,
    date=_filter_date,
    time=format_time,
    datetime=format_datetime,
)

MAX_TEMPLATE_LENGTH = 20_000


@lru_cache(maxsize=256)
def compile_template(text: str):
    return _ENV.from_string(text)


def parse(text: str) -> tuple[nodes.Template | None, str | None]:
    """(syntax tree, None) for a usable template, else (None, a Vietnamese message)."""
    if len(text) > MAX_TEMPLATE_LENGTH:
        return None, f"Mẫu văn bản quá dài (tối đa {MAX_TEMPLATE_LENGTH} ký tự)."
    try:
        ast = _ENV.parse(text)
        compile_template(text)
    except TemplateSyntaxError as exc:
        return None, f"Mẫu văn bản có lỗi cú pháp ở dòng {exc.lineno}: {exc.message}"
    return ast, None


def template_context(
    spec: DocumentSpec, data: Any, *, header: DocumentHeader, issuer: Issuer
) -> dict[str, Any]:
    """The variables of COMMON_VARIABLES and of ``spec.variables`` for one document's data."""
    computed = spec.computed(data) if spec.computed else {}
    return {
        "org": data.organisation,
        "dossier_code": data.dossier_code,
        "place": issuer.place,
        "issued_on": header.issued_on,
        "reference": header.reference or "",
        **{
            name: computed[name] if name in computed else getattr(data, name)
            for name in spec.variables
        },
    }


def render_texts(
    spec: DocumentSpec,
    overrides: Mapping[str, str] | None,
    data: Any,
    *,
    header: DocumentHeader,
    issuer: Issuer,
) -> dict[str, str]:
    """The four texts of ``spec`` (defaults, overridden by ``overrides``) rendered for ``data``.
    Raises ValueError (Vietnamese) on an unknown key or a broken template."""
    context = template_context(spec, data, header=header, issuer=issuer)
    texts = dict(spec.texts)
    for key, value in (overrides or {}).items():
        if key not in texts:
            raise ValueError(f"Không có phần văn bản «{key}» (chỉ có: {', '.join(TEXT_KEYS)}).")
        if value is not None:
            texts[key] = value
    rendered = {}
    for key, source in texts.items():
        _ast, problem = parse(source)
        if problem:
            raise ValueError(f"{spec.title}, phần «{key}»: {problem}")
        try:
            rendered[key] = compile_template(source).render(context)
        except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
            raise ValueError(f"{spec.title}, phần «{key}» không hiển thị được: {exc}") from exc
    return rendered
