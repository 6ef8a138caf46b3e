"""Text for ReportLab paragraphs: every value that reaches a ``Paragraph`` goes through
:func:`para` (one helper for every PDF of the platform).

ReportLab parses a paragraph's text as XML-like markup (``<b>``, ``<font>``,
``&amp;``...), so an institution called "A&B" or a label "<b>x" would either
raise while building the PDF (an HTTP 500 for every report that shows it) or
change the layout. :func:`para` escapes the markup characters and removes the
control characters the parser rejects, so the text is printed as typed.
"""
from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls, lone surrogates and the
# non-characters U+FFFE/U+FFFF: not printable, and some make the parser fail.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def para(value) -> str:
    """``value`` (any object; None -> "") as literal paragraph text: ``&``, ``<`` and
    ``>`` escaped, unprintable characters dropped, a tab as a space and a newline
    as a line break (``<br/>``, the only markup this adds)."""
    text = "" if value is None else str(value)
    text = _UNPRINTABLE.sub("", text).replace("\t", " ")
    return "<br/>".join(_escape(line) for line in text.split("\n"))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
