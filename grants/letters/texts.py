"""Wording of the letters as Jinja2 templates an admin can adjust, and their variables.

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
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

from .base import format_date, format_datetime, format_time, vnd
from .words import amount_in_words

__all__ = [
    "DEFAULT_TEXTS",
    "DOCUMENT_TITLES",
    "KINDS",
    "TEXT_KEYS",
    "render_texts",
    "template_variable_help",
    "template_variables",
    "validate_template",
]

KINDS = (
    "receipt",
    "supplement_request",
    "intake_refusal",
    "appraisal_minutes",
    "support_decision",
    "rejection_letter",
)
TEXT_KEYS = ("title", "body", "next_steps", "recipients")

DOCUMENT_TITLES = {
    "receipt": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "supplement_request": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "intake_refusal": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "appraisal_minutes": "Biên bản thẩm định thực tế",
    "support_decision": "Quyết định hỗ trợ",
    "rejection_letter": "Văn bản trả lời nêu rõ lý do không hỗ trợ",
}

_ORG_LINES = (
    "{% if org.address %}Địa chỉ: {{ org.address }}{% endif %}\n"
    "{% if org.tax_code %}Mã số thuế: {{ org.tax_code }}{% endif %}\n"
)
_PERSON = "- Ông/Bà {{ p.name }}{% if p.title %}, {{ p.title }}{% endif %};\n"

# Key meanings: "title" is the centred title (for the rejection letter, a công văn, the
# "V/v ..." summary under the number); "body" comes before the document's list or table,
# "next_steps" after it; "recipients" is the "Nơi nhận" list, one recipient per line.
DEFAULT_TEXTS: dict[str, dict[str, str]] = {
    "receipt": {
        "title": "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "body": (
            "Bộ phận Tiếp nhận và trả kết quả Sở Khoa học và Công nghệ tiếp nhận hồ sơ của: "
            "{{ org.name }}\n" + _ORG_LINES + "Người nộp hồ sơ: {{ submitter }}"
            "{% if submitter_phone %}; số điện thoại: {{ submitter_phone }}{% endif %}\n"
            "Nội dung yêu cầu giải quyết: {{ procedure_name }}.\n"
            "1. Thành phần hồ sơ nộp gồm:\n"
        ),
        "next_steps": (
            "2. Số lượng hồ sơ: {{ '%02d' | format(dossier_sets) }} bộ.\n"
            "3. Thời gian giải quyết hồ sơ theo quy định: {% if processing_days %}"
            "{{ processing_days }} ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ"
            "{% else %}theo quy định của thủ tục hành chính{% endif %}.\n"
            "4. Thời gian nhận hồ sơ: {{ received_at | datetime }}.\n"
            "5. Thời gian trả kết quả giải quyết hồ sơ: ngày {{ due_on | date }}.\n"
            "6. Đăng ký nhận kết quả tại: {{ return_channel }}.\n"
            "Khi nhận kết quả trực tiếp, người nhận xuất trình Giấy tiếp nhận hồ sơ và hẹn trả "
            "kết quả này hoặc giấy giới thiệu của tổ chức. Tình trạng hồ sơ được tra cứu bằng "
            "mã hồ sơ {{ dossier_code }}.\n"
        ),
        "recipients": "",
    },
    "supplement_request": {
        "title": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "body": (
            "Hồ sơ của: {{ org.name }}\n"
            + _ORG_LINES
            + "Nội dung yêu cầu giải quyết: {{ procedure_name }}.\n"
            "Sau khi kiểm tra thành phần hồ sơ, đề nghị {{ org.name }} bổ sung, hoàn thiện hồ "
            "sơ gồm những nội dung sau:\n"
        ),
        "next_steps": (
            "{% if deadline_on %}Thời hạn bổ sung, hoàn thiện hồ sơ: trước ngày "
            "{{ deadline_on | date }}.{% endif %}\n"
            "Thời hạn giải quyết được tính lại kể từ ngày nhận đủ hồ sơ đã bổ sung, hoàn thiện.\n"
            "Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, đề nghị liên hệ "
            "{% if contact %}{{ contact }}{% else %}Bộ phận Tiếp nhận và trả kết quả Sở Khoa học "
            "và Công nghệ{% endif %} để được hướng dẫn.\n"
        ),
        "recipients": "",
    },
    "intake_refusal": {
        "title": "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        "body": (
            "Bộ phận Tiếp nhận và trả kết quả Sở Khoa học và Công nghệ tiếp nhận hồ sơ của: "
            "{{ org.name }}\n" + _ORG_LINES + "Nội dung yêu cầu giải quyết: {{ procedure_name }}.\n"
            "Sau khi xem xét hồ sơ, đối chiếu với các quy định hiện hành, Bộ phận Tiếp nhận và "
            "trả kết quả từ chối tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:\n"
        ),
        "next_steps": "Xin trân trọng thông báo!\n",
        "recipients": "",
    },
    "appraisal_minutes": {
        "title": (
            "BIÊN BẢN\n"
            "Thẩm định thực tế hồ sơ đề nghị hỗ trợ áp dụng tiêu chuẩn, công cụ, mô hình, "
            "phương pháp quản lý tiên tiến\n"
        ),
        "body": (
            "Hôm nay, hồi {{ visited_at | time }} ngày {{ visited_at | date }}, tại "
            "{{ visit_place }}, Đoàn thẩm định tiến hành thẩm định thực tế hồ sơ số "
            "{{ dossier_code }} của {{ org.name }} đề nghị hỗ trợ theo Nghị quyết số "
            "43/2022/NQ-HĐND.\n"
            "I. THÀNH PHẦN\n"
            "1. Đoàn thẩm định:\n"
            "{% for p in team %}" + _PERSON + "{% endfor %}\n"
            "2. Đại diện {{ org.name }}:\n"
            "{% for p in representatives %}" + _PERSON + "{% endfor %}\n"
            "II. NỘI DUNG THẨM ĐỊNH\n"
            "{{ findings }}\n"
            "III. ĐỀ XUẤT MỨC HỖ TRỢ\n"
        ),
        "next_steps": (
            "IV. KẾT LUẬN\n"
            "{{ conclusion }}\n"
            "Biên bản kết thúc{% if ended_at %} hồi {{ ended_at | datetime }}{% endif %}, đã "
            "được đọc lại cho các thành viên tham dự cùng nghe và thống nhất ký tên. Biên bản "
            "được lập thành 02 bản có giá trị như nhau, Đoàn thẩm định giữ 01 bản, "
            "{{ org.name }} giữ 01 bản.\n"
        ),
        "recipients": "",
    },
    "support_decision": {
        "title": (
            "QUYẾT ĐỊNH\n"
            "Về việc hỗ trợ kinh phí áp dụng tiêu chuẩn, công cụ, mô hình, phương pháp quản lý "
            "tiên tiến năm {{ program_year }} cho {{ org.name }}\n"
        ),
        "body": (
            "Điều 1. Hỗ trợ kinh phí áp dụng tiêu chuẩn, công cụ, mô hình, phương pháp quản lý "
            "tiên tiến theo Nghị quyết số 43/2022/NQ-HĐND năm {{ program_year }} cho "
            "{{ org.name }}{% if org.tax_code %} (mã số thuế: {{ org.tax_code }}){% endif %}"
            "{% if org.address %}, địa chỉ: {{ org.address }}{% endif %}"
            "{% if dossier_code %}, hồ sơ số {{ dossier_code }}{% endif %}, với các nội dung "
            "sau:\n"
        ),
        "next_steps": (
            "Điều 2. Kinh phí hỗ trợ được chi từ nguồn kinh phí thực hiện Nghị quyết số "
            "43/2022/NQ-HĐND năm {{ program_year }} giao Chi cục Tiêu chuẩn Đo lường Chất lượng. "
            "{{ org.name }} có trách nhiệm sử dụng kinh phí đúng mục đích, thực hiện thủ tục "
            "thanh toán, quyết toán theo quy định.\n"
            "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng Sở, Chi cục "
            "trưởng Chi cục Tiêu chuẩn Đo lường Chất lượng, Thủ trưởng các đơn vị có liên quan "
            "và {{ org.name }} chịu trách nhiệm thi hành Quyết định này./.\n"
        ),
        "recipients": ("Như Điều 3;\nGiám đốc, các Phó Giám đốc Sở;\nLưu: VT, TĐC.\n"),
    },
    "rejection_letter": {
        "title": "V/v trả lời hồ sơ đề nghị hỗ trợ theo Nghị quyết số 43/2022/NQ-HĐND\n",
        "body": (
            "Sở Khoa học và Công nghệ nhận được hồ sơ số {{ dossier_code }} của {{ org.name }} "
            "đề nghị hỗ trợ áp dụng tiêu chuẩn, công cụ, mô hình, phương pháp quản lý tiên tiến "
            "theo Nghị quyết số 43/2022/NQ-HĐND ngày 09/12/2022 của Hội đồng nhân dân tỉnh Bắc "
            "Giang{% if program_year %} năm {{ program_year }}{% endif %}"
            "{% if received_on %} (tiếp nhận ngày {{ received_on | date }}){% endif %}.\n"
            "Sau khi thẩm định hồ sơ và kiểm tra thực tế tại tổ chức, Sở Khoa học và Công nghệ "
            "trả lời như sau: hồ sơ chưa đủ điều kiện để được hỗ trợ, với các lý do cụ thể:\n"
        ),
        "next_steps": (
            "{% if next_steps %}{{ next_steps }}{% else %}{{ org.name }} có thể bổ sung, khắc "
            "phục các nội dung nêu trên và nộp lại hồ sơ đề nghị hỗ trợ khi đáp ứng đủ điều "
            "kiện theo quy định.{% endif %}\n"
            "Trường hợp cần hướng dẫn thêm, đề nghị liên hệ Chi cục Tiêu chuẩn Đo lường Chất "
            "lượng.\n"
            "Sở Khoa học và Công nghệ trả lời để {{ org.name }} được biết./.\n"
        ),
        "recipients": (
            "Như trên;\n"
            "Giám đốc Sở (để b/c);\n"
            "Chi cục Tiêu chuẩn Đo lường Chất lượng;\n"
            "Lưu: VT, TĐC.\n"
        ),
    },
}

_COMMON_HELP = {
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
_KIND_HELP: dict[str, dict[str, str]] = {
    "receipt": {
        "submitter": "Người nộp hồ sơ",
        "submitter_phone": "Số điện thoại người nộp",
        "received_at": "Thời điểm nhận hồ sơ (dùng: {{ received_at | datetime }})",
        "due_on": "Ngày hẹn trả kết quả (dùng: {{ due_on | date }})",
        "return_channel": "Hình thức nhận kết quả",
        "procedure_name": "Tên thủ tục",
        "processing_days": "Số ngày làm việc giải quyết theo quy định",
        "dossier_sets": "Số bộ hồ sơ",
        "documents": "Danh sách giấy tờ (mỗi mục: name, copy_kind, quantity)",
    },
    "supplement_request": {
        "procedure_name": "Tên thủ tục",
        "items": "Nội dung cần bổ sung (mỗi mục: name, note)",
        "deadline_on": "Hạn bổ sung (có thể trống)",
        "contact": "Đầu mối liên hệ để được hướng dẫn",
    },
    "intake_refusal": {
        "procedure_name": "Tên thủ tục",
        "reason": "Lý do từ chối",
        "received_at": "Thời điểm nhận hồ sơ (có thể trống)",
    },
    "appraisal_minutes": {
        "visited_at": "Thời điểm bắt đầu thẩm định thực tế",
        "ended_at": "Thời điểm kết thúc (có thể trống)",
        "visit_place": "Địa điểm thẩm định",
        "team": "Đoàn thẩm định (mỗi người: name, title)",
        "representatives": "Đại diện tổ chức (mỗi người: name, title)",
        "findings": "Nội dung, kết quả thẩm định",
        "conclusion": "Kết luận",
        "items": "Nội dung đề xuất (catalogue_name, consulting_cost_vnd, eligible_cost_vnd, "
        "proposed_vnd)",
        "total_proposed": "Tổng mức đề xuất hỗ trợ (đồng; dùng: {{ total_proposed | vnd }})",
    },
    "support_decision": {
        "program_year": "Năm kế hoạch",
        "deciding_authority": "Chức danh người có thẩm quyền quyết định",
        "legal_bases": "Các căn cứ pháp lý",
        "items": "Nội dung hỗ trợ (catalogue_code, name, approved_vnd)",
        "total": "Tổng số tiền hỗ trợ (đồng; dùng: {{ total | vnd }})",
        "total_words": "Tổng số tiền bằng chữ",
    },
    "rejection_letter": {
        "program_year": "Năm kế hoạch (có thể trống)",
        "reasons": "Các lý do không hỗ trợ",
        "next_steps": "Hướng dẫn tổ chức các bước tiếp theo (có thể trống)",
        "received_on": "Ngày tiếp nhận hồ sơ (có thể trống)",
    },
}
_FILTER_HELP = {
    "vnd": "định dạng tiền: {{ total | vnd }} → 50.000.000 đ",
    "words": "số tiền bằng chữ: {{ total | words }} → Năm mươi triệu đồng",
    "date": "ngày: {{ due_on | date }} → 05/03/2026",
    "time": "giờ: {{ visited_at | time }} → 09 giờ 30 phút",
    "datetime": "giờ và ngày: {{ received_at | datetime }} → 09 giờ 30 phút, ngày 05/03/2026",
}


def _check_kind(kind: str) -> None:
    if kind not in DEFAULT_TEXTS:
        raise KeyError(f"Không có loại văn bản {kind!r}.")


def template_variables(kind: str) -> list[str]:
    """Names an admin may use in the templates of ``kind`` ("org.name", "due_on", ...).

    Raises KeyError for an unknown kind.
    """
    _check_kind(kind)
    return [*_COMMON_HELP, *_KIND_HELP[kind]]


def template_variable_help(kind: str) -> list[tuple[str, str]]:
    """(name, Vietnamese description) of every variable, then of every filter, for ``kind``."""
    _check_kind(kind)
    variables = {**_COMMON_HELP, **_KIND_HELP[kind]}
    return [*variables.items(), *((f"| {name}", text) for name, text in _FILTER_HELP.items())]


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
def _compile(text: str):
    return _ENV.from_string(text)


def _top_level_names(kind: str) -> set[str]:
    return {name.split(".", 1)[0] for name in template_variables(kind)}


def validate_template(text: str, kind: str | None = None) -> str | None:
    """None when ``text`` is a usable template, else a Vietnamese message for the admin.

    With ``kind``, unknown variables are reported and the template is tried on sample data.
    """
    if len(text) > MAX_TEMPLATE_LENGTH:
        return f"Mẫu văn bản quá dài (tối đa {MAX_TEMPLATE_LENGTH} ký tự)."
    try:
        ast = _ENV.parse(text)
        _compile(text)
    except TemplateSyntaxError as exc:
        return f"Mẫu văn bản có lỗi cú pháp ở dòng {exc.lineno}: {exc.message}"
    if kind is None:
        return None
    _check_kind(kind)
    unknown = sorted(meta.find_undeclared_variables(ast) - _top_level_names(kind))
    if unknown:
        allowed = ", ".join(template_variables(kind))
        return f"Mẫu dùng biến không có: {', '.join(unknown)}. Các biến dùng được: {allowed}."
    from .samples import sample_context  # lazy: samples import texts

    try:
        _compile(text).render(sample_context(kind))
    except TemplateError as exc:
        return f"Mẫu văn bản không hiển thị được với dữ liệu mẫu: {exc}"
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        return f"Mẫu văn bản không hiển thị được với dữ liệu mẫu: {exc}"
    return None


def render_texts(
    kind: str, overrides: Mapping[str, str] | None, context: Mapping[str, Any]
) -> dict[str, str]:
    """The four texts of ``kind`` (defaults, overridden by ``overrides``) rendered with
    ``context``. Raises ValueError (Vietnamese) on an unknown key or a broken template."""
    _check_kind(kind)
    texts = dict(DEFAULT_TEXTS[kind])
    for key, value in (overrides or {}).items():
        if key not in texts:
            raise ValueError(f"Không có phần văn bản «{key}» (chỉ có: {', '.join(TEXT_KEYS)}).")
        if value is not None:
            texts[key] = value
    rendered = {}
    for key, source in texts.items():
        problem = validate_template(source)
        if problem:
            raise ValueError(f"{DOCUMENT_TITLES[kind]}, phần «{key}»: {problem}")
        try:
            rendered[key] = _compile(source).render(context)
        except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
            raise ValueError(
                f"{DOCUMENT_TITLES[kind]}, phần «{key}» không hiển thị được: {exc}"
            ) from exc
    return rendered


def template_context(kind: str, data: Any, *, header: Any, issuer: Any) -> dict[str, Any]:
    """The variables of :func:`template_variables` for one document's data."""
    _check_kind(kind)
    context: dict[str, Any] = {
        "org": data.organisation,
        "dossier_code": data.dossier_code,
        "place": issuer.place,
        "issued_on": header.issued_on,
        "reference": header.reference or "",
    }
    if kind == "receipt":
        context |= {
            "submitter": data.submitter,
            "submitter_phone": data.submitter_phone,
            "received_at": data.received_at,
            "due_on": data.due_on,
            "return_channel": data.return_channel,
            "procedure_name": data.procedure_name,
            "processing_days": data.processing_days,
            "dossier_sets": data.dossier_sets,
            "documents": data.documents,
        }
    elif kind == "supplement_request":
        context |= {
            "procedure_name": data.procedure_name,
            "items": data.items,
            "deadline_on": data.deadline_on,
            "contact": data.contact,
        }
    elif kind == "intake_refusal":
        context |= {
            "procedure_name": data.procedure_name,
            "reason": data.reason,
            "received_at": data.received_at,
        }
    elif kind == "appraisal_minutes":
        context |= {
            "visited_at": data.visited_at,
            "ended_at": data.ended_at,
            "visit_place": data.place,
            "team": data.team,
            "representatives": data.representatives,
            "findings": data.findings,
            "conclusion": data.conclusion,
            "items": data.items,
            "total_proposed": sum(item.proposed_vnd for item in data.items),
        }
    elif kind == "support_decision":
        context |= {
            "program_year": data.program_year,
            "deciding_authority": data.deciding_authority,
            "legal_bases": data.bases,
            "items": data.items,
            "total": data.total_vnd,
            "total_words": amount_in_words(data.total_vnd),
        }
    else:  # rejection_letter
        context |= {
            "program_year": data.program_year,
            "reasons": data.reasons,
            "next_steps": data.next_steps,
            "received_on": data.received_on,
        }
    return context
