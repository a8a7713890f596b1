"""Erasure's rule for replacing a person's values in the texts that quote them
(``grants.domain.privacy.redact_words``): whole words only, in plain text and inside JSON."""

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from grants.domain.privacy import REPLACEMENT, redact_words

NAME, EMAIL, PHONE = "Trần Văn An", "an@sokhcn.vn", "0912345678"
VALUES = [PHONE, EMAIL, NAME]


def test_a_value_is_replaced_as_a_whole_word_only():
    text = (f"Giao Trần Văn Anh (hoan@sokhcn.vn, 09123456789) thay {NAME}, số {PHONE};\n"
            f"«{NAME}» <{EMAIL}>. {NAME}_x x{NAME}")
    assert redact_words(text, VALUES) == (
        "Giao Trần Văn Anh (hoan@sokhcn.vn, 09123456789) thay [đã ẩn danh], số [đã ẩn danh];\n"
        f"«{REPLACEMENT}» <{REPLACEMENT}>. {NAME}_x x{NAME}")


def test_inside_json_every_string_is_searched_and_the_json_stays_valid():
    data = {"note": f"gặp {NAME}\n{NAME}\t{NAME}", NAME: [f"{EMAIL}", "Trần Văn Anh"],
            "quote": f'"{NAME}"'}
    redacted = json.loads(redact_words(json.dumps(data, ensure_ascii=False), VALUES,
                                       in_json=True))
    assert redacted == {"note": f"gặp {REPLACEMENT}\n{REPLACEMENT}\t{REPLACEMENT}",
                        REPLACEMENT: [REPLACEMENT, "Trần Văn Anh"],
                        "quote": f'"{REPLACEMENT}"'}


def test_a_value_with_the_pattern_language_s_characters_is_taken_literally():
    value = "Nguyễn (A+) [x]\\y"
    assert redact_words(f"trước {value} sau; Nguyễn AAA", [value]) == (
        f"trước {REPLACEMENT} sau; Nguyễn AAA")


words = st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạ0123456789 .,;@\n", max_size=40)


@given(before=words, after=words, value=st.from_regex(r"[a-zđăâêôơư][a-zđ0-9 .@]{2,12}[a-z]",
                                                      fullmatch=True))
def test_after_redaction_the_value_stands_nowhere_as_a_word_and_nothing_else_changed(
        before, after, value):
    text = f"{before} {value} {after}"
    redacted = redact_words(text, [value])
    whole = re.compile(r"(?<!\w)" + re.escape(value) + r"(?!\w)")
    assert whole.search(redacted) is None
    # Only the value was replaced: with it put back, the text is as it was.
    assert REPLACEMENT in redacted and redacted.replace(REPLACEMENT, value) == text
