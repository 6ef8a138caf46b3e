"""Hand-made XLSX archives for upload tests: a minimal valid workbook written with
zipfile directly (fast for 200,000 rows, where openpyxl's writer takes seconds), so
tests can also shape what an attacker would (huge row counts, declared sizes)."""
from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

_CT = ('<?xml version="1.0" encoding="UTF-8"?>'
       '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       '<Override PartName="/xl/worksheets/sheet1.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
       '</Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?>'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8"?>'
       '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
       '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _cell(ref: str, v) -> str:
    if isinstance(v, int):
        return f"<c{ref}><v>{v}</v></c>"
    return f'<c{ref} t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'


def sheet_xml(rows, numbered: bool = True, dimension: str | None = None) -> str:
    """``numbered=False`` leaves out the cell references (allowed by the format), so
    identical rows compress to almost nothing, as in the reported 30 kB file.
    ``dimension`` (e.g. "A1:B200001") is declared as Excel does; without it openpyxl
    scans the whole sheet to learn its size. Integers become number cells."""
    rows = list(rows)
    parts = ['<?xml version="1.0" encoding="UTF-8"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             + (f'<dimension ref="{dimension}"/>' if dimension else "") + "<sheetData>"]
    for r, values in enumerate(rows, start=1):
        ref = (lambda c: f' r="{_col(c)}{r}"') if numbered else (lambda c: "")
        cells = "".join(_cell(ref(c), v) for c, v in enumerate(values))
        parts.append(f'<row r="{r}">{cells}</row>' if numbered else f"<row>{cells}</row>")
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def xlsx(rows, extra: dict[str, bytes] | None = None, numbered: bool = True, dimension: str | None = None) -> bytes:
    """A one-sheet workbook holding ``rows`` (lists of cell values) as inline strings."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CT)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WB)
        zf.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        zf.writestr("xl/worksheets/sheet1.xml", sheet_xml(rows, numbered, dimension))
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def uncompressed_size(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return sum(i.file_size for i in zf.infolist())
