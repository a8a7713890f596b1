"""The privacy notice (Law 91/2025/QH15 on personal data protection; issue 13 point 12): its
version, stored with each consent, the legal bases the notice and the erasure rely on, and
how an erased person's values are replaced in the texts that quote them."""

import json
import re
from collections.abc import Iterable

#: Change this when templates/privacy/notice.html changes in substance: new consents name it.
NOTICE_VERSION = "2026-12-06"

#: What replaces a person's identifying values when their data is erased.
REPLACEMENT = "[đã ẩn danh]"

#: Why dossiers that received public money are kept, with their organisation's identity.
KEEP_BASIS = ("Luật Kế toán số 88/2015/QH13, Điều 41, và Nghị định 174/2016/NĐ-CP, Điều 12: "
              "chứng từ kế toán dùng trực tiếp để ghi sổ và lập báo cáo tài chính được lưu trữ "
              "tối thiểu 10 năm")


# A value is replaced only as a whole word: never where a letter or a digit goes on either side
# of it, so erasing "Trần Văn An" leaves "Trần Văn Anh" and "an@x.vn" leaves "hoan@x.vn". The
# database's function (migration 0028, grants_redact_person) uses the same rule.
_BEFORE, _AFTER = r"(?<!\w)", r"(?!\w)"
# Inside JSON text a value may follow an escaped line break or tab ("…\nTrần Văn An").
_BEFORE_IN_JSON = r"(?:(?<=\\[nrt])|(?<!\w))"


def json_inner(value: str) -> str:
    """``value`` as it appears inside a JSON string (the app writes non-ASCII as it is)."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


def redact_words(text: str | None, values: Iterable[str], *, in_json: bool = False
                 ) -> str | None:
    """``text`` with each of ``values`` replaced by ``REPLACEMENT`` wherever it stands as a
    whole word (see above). With ``in_json``, ``text`` is JSON and the values are looked for
    inside its strings, keys included; the JSON stays valid."""
    if not text:
        return text
    before = _BEFORE_IN_JSON if in_json else _BEFORE
    replacement = json_inner(REPLACEMENT) if in_json else REPLACEMENT
    for value in values:
        form = json_inner(value) if in_json else value
        text = re.sub(before + re.escape(form) + _AFTER, lambda _m: replacement, text)
    return text
