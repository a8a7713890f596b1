"""Reading a page as a person sees it (stdlib HTML parser): its ids, its visible text, its
POST forms with the values a browser would send."""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
NEVER_SHOWN = {"script", "style", "template", "head", "title", "noscript"}
#: ``d-none`` hides an element unless a breakpoint class shows it again (``d-md-flex``).
SHOWN_AGAIN = re.compile(r"\bd-(sm|md|lg|xl|xxl)-(block|flex|inline|inline-block|inline-flex|"
                         r"table|table-cell|table-row|grid)\b")


def hides(tag: str, attrs: dict) -> bool:
    classes = (attrs.get("class") or "").split()
    style = (attrs.get("style") or "").replace(" ", "").lower()
    return (tag in NEVER_SHOWN or "hidden" in attrs
            or (tag == "input" and (attrs.get("type") or "").lower() == "hidden")
            or ("d-none" in classes and not SHOWN_AGAIN.search(attrs.get("class") or ""))
            or ("collapse" in classes and "show" not in classes)
            or "display:none" in style or "visibility:hidden" in style)


@dataclass
class Form:
    action: str
    method: str
    fields: list = field(default_factory=list)    # (name, value) as a browser sends them
    buttons: list = field(default_factory=list)   # (name, value) of each submit button
    inputs: list = field(default_factory=list)    # (tag, type, name, value, hidden)


class Page(HTMLParser):
    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.visible: list[str] = []
        self.forms: list[Form] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, hidden)
        self._form: Form | None = None
        self._select: list | None = None          # [name, value or None, first value, hidden]
        self._textarea: list | None = None
        self.feed(html)
        self.close()

    @property
    def hidden(self) -> bool:
        return any(h for _, h in self._stack)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.visible).split())

    def handle_starttag(self, tag, attr_list):
        attrs = dict(attr_list)
        if attrs.get("id") is not None:
            self.ids.append(attrs["id"])
        hidden = self.hidden or hides(tag, attrs)
        if tag == "form":
            self._form = Form(attrs.get("action") or "", (attrs.get("method") or "get").lower())
            self.forms.append(self._form)
        elif self._form is not None:
            self._form_control(tag, attrs, hidden)
        if tag not in VOID:
            self._stack.append((tag, hides(tag, attrs)))

    def _form_control(self, tag, attrs, hidden):
        form, name = self._form, attrs.get("name")
        kind = (attrs.get("type") or ("submit" if tag == "button" else "text")).lower()
        if tag in {"input", "button"} and kind == "submit":
            form.buttons.append((name, attrs.get("value") or ""))
        elif tag == "input" and name and kind not in {"button", "reset", "image"}:
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    form.fields.append((name, attrs.get("value") or "on"))
            elif kind != "file":
                form.fields.append((name, attrs.get("value") or ""))
            form.inputs.append((tag, kind, name, attrs.get("value") or "", hidden))
        elif tag == "select" and name:
            self._select = [name, None, None, hidden]
        elif tag == "option" and self._select is not None:
            value = attrs.get("value")
            if self._select[2] is None:
                self._select[2] = value
            if "selected" in attrs:
                self._select[1] = value
        elif tag == "textarea" and name:
            self._textarea = [name, "", hidden]

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            name, value, first, hidden = self._select
            chosen = value if value is not None else (first or "")
            if self._form is not None:
                self._form.fields.append((name, chosen))
                self._form.inputs.append(("select", "select", name, chosen, hidden))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, value, hidden = self._textarea
            if self._form is not None:
                self._form.fields.append((name, value))
                self._form.inputs.append(("textarea", "textarea", name, value, hidden))
            self._textarea = None
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data
        if not self.hidden:
            self.visible.append(data)


def duplicate_ids(html: str) -> list[str]:
    ids = Page(html).ids
    return sorted({i for i in ids if ids.count(i) > 1})


def shows(page_text: str, message: str) -> bool:
    """Whether ``message`` is in the visible text (whitespace-insensitive)."""
    return " ".join(message.split()) in page_text
