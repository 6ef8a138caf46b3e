"""Reading and writing tables (CSV and XLSX) the way Korean offices use them.

Reading: UTF-8, UTF-8 with BOM, or CP949 (Korean Excel's "CSV"), or XLSX.
Writing: CSV in UTF-8 with BOM so Excel opens Korean correctly, and XLSX.
Cells that start with = + - @ (or tab/CR) are neutralised with a leading
apostrophe so a spreadsheet never runs them as formulas (CSV injection).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Iterable, Sequence

from flask_babel import gettext as _

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class TableReadError(Exception):
    """The file could not be read as a table; ``message`` is user-facing."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    header: list[str]
    rows: list[dict]  # each row: {column: str}; ``__row__`` holds the 1-based line/row number
    encoding: str


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes as UTF-8 (with or without BOM) or CP949. Returns (text, encoding)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp949"), "cp949"
    except UnicodeDecodeError:
        raise TableReadError(_("파일의 문자 인코딩을 읽을 수 없습니다. UTF-8 또는 CP949(엑셀 CSV)로 저장해 주세요."))


def read_table(data: bytes, filename: str) -> Table:
    """Read a CSV or XLSX upload into rows of strings keyed by the header."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    if name.endswith(".csv") or name.endswith(".txt"):
        text, encoding = decode_csv_bytes(data)
        reader = csv.reader(io.StringIO(text))
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise TableReadError(_("파일이 비어 있습니다."))
        rows = []
        for lineno, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            row = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}
            row["__row__"] = lineno
            rows.append(row)
        return Table(header, rows, encoding)
    raise TableReadError(_("CSV 또는 XLSX 파일만 올릴 수 있습니다."))


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise TableReadError(_("XLSX 파일을 열 수 없습니다. 파일이 손상되지 않았는지 확인해 주세요."))
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    try:
        header = [str(h).strip() if h is not None else "" for h in next(it)]
    except StopIteration:
        raise TableReadError(_("파일이 비어 있습니다."))
    rows = []
    for rowno, values in enumerate(it, start=2):
        cells = ["" if v is None else (v.isoformat()[:10] if hasattr(v, "isoformat") else str(v)).strip() for v in values]
        if not any(cells):
            continue
        row = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header)}
        row["__row__"] = rowno
        rows.append(row)
    wb.close()
    return Table(header, rows, "xlsx")


def neutralise(value):
    """Prefix text that a spreadsheet would treat as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence], preamble: Iterable[Sequence] = ()) -> bytes:
    """CSV in UTF-8 with BOM. ``preamble`` rows (e.g. the filters applied) come first."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for line in preamble:
        writer.writerow([neutralise(v) for v in line])
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]],
               preamble: Iterable[Sequence] = ()) -> bytes:
    """An XLSX workbook, one sheet per (title, header, rows); ``preamble`` rows top each sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    preamble = list(preamble)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title=str(title)[:31] or "Sheet")
        for line in preamble:
            ws.append([neutralise(v) for v in line])
        ws.append([neutralise(h) for h in header])
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([neutralise(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
