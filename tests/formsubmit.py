"""What a browser would send for a form as served, untouched: hidden, text and date
inputs with their values, checked radios and checkboxes, each select's selected
option (else its first), textareas' text. Lets a test press "save" on a page
exactly as a user who changed nothing would."""
from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_class: str | None):
        super().__init__()
        self.form_class = form_class
        self.in_form = False
        self.done = False
        self.values: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""
        self._option_value: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self.done and not self.in_form:
            if self.form_class is None or self.form_class in (a.get("class") or "").split():
                self.in_form = True
            return
        if not self.in_form:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.values.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file", "reset"):
                self.values.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if not self.in_form:
            return
        if tag == "select" and self._select is not None:
            chosen = [v for v, sel in self._options if sel] or [v for v, _ in self._options[:1]]
            if chosen:
                self.values.append((self._select, chosen[0]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.values.append((self._textarea, self._text))
            self._textarea = None
        elif tag == "form":
            self.in_form, self.done = False, True


def untouched_submission(html: str, form_class: str | None = None) -> list[tuple[str, str]]:
    """The (name, value) pairs an untouched form of ``html`` submits (the first form,
    or the first whose class contains ``form_class``)."""
    reader = _FormReader(form_class)
    reader.feed(html)
    return reader.values
