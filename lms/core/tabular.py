"""Reading and writing tables (CSV and XLSX) the way Korean offices use them.

Reading: UTF-8, UTF-8 with BOM, or CP949 (Korean Excel's "CSV"), or XLSX, within
limits (:class:`ReadLimits`) checked while reading so that no upload can hold a
worker or exhaust memory: data rows, characters per cell, columns, and for XLSX
the uncompressed size of the archive, checked from the zip directory BEFORE
openpyxl parses anything. Every failure is a :class:`TableReadError` with a
Korean message (and the row/column when there is one); nothing else escapes.
Writing: CSV in UTF-8 with BOM so Excel opens Korean correctly, and XLSX.
Cells that start with = + - @ (or tab/CR) are neutralised with a leading
apostrophe so a spreadsheet never runs them as formulas (CSV injection).
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

from flask_babel import gettext as _

from lms.core.input_guard import unstorable

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
UTF8_BOM = b"\xef\xbb\xbf"


class TableReadError(Exception):
    """The file could not be read as a table; ``message`` is user-facing (Korean by default).

    ``row`` (1-based line/row number in the file) and ``column`` (header text or
    1-based column number) name the place when the fault is in one cell, else None."""

    def __init__(self, message: str, row: int | None = None, column: str | None = None):
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column


@dataclass(frozen=True)
class ReadLimits:
    """Upper bounds applied while reading a table.

    max_rows: data rows (non-blank, header excluded); one more is an error.
    max_cell_chars: characters in one cell after decoding.
    max_columns: columns considered (cells to the right of it are ignored).
    max_uncompressed_bytes: XLSX only, sum of the archive members' declared sizes
        (zipfile stops at the declared size, so a member cannot inflate beyond it).
        It also bounds the time openpyxl spends on a sheet that declares no
        dimension (it then scans the whole sheet before the first row).
    max_blank_rows: blank rows skipped before the file counts as too long.
    """

    max_rows: int = 5000
    max_cell_chars: int = 1000
    max_columns: int = 100
    max_uncompressed_bytes: int = 8 * 1024 * 1024
    max_blank_rows: int = 10000


@dataclass
class Table:
    header: list[str]
    rows: list[dict]  # each row: {column: str}; ``__row__`` holds the 1-based line/row number
    encoding: str


def _encoding_error() -> TableReadError:
    return TableReadError(_("파일의 문자 인코딩을 읽을 수 없습니다. UTF-8 또는 CP949(엑셀 CSV)로 저장해 주세요."))


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes as UTF-8 (with or without BOM) or CP949. Returns (text, encoding).

    A UTF-8 byte order mark promises UTF-8: bytes after it that are not UTF-8 (e.g.
    CP949 saved behind a BOM) are refused like any undecodable file, never guessed.
    Raises TableReadError (no row, no column) when the bytes fit no encoding."""
    if data.startswith(UTF8_BOM):
        try:
            return data[len(UTF8_BOM):].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise _encoding_error() from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp949"), "cp949"
    except UnicodeDecodeError:
        raise _encoding_error() from None


def _too_many_rows(limits: ReadLimits) -> TableReadError:
    return TableReadError(_("행이 너무 많습니다. 한 번에 %(n)d행까지 올릴 수 있습니다. 파일을 나누어 올려 주세요.",
                            n=limits.max_rows))


def _cell_too_long(limits: ReadLimits, row: int, column: str | None) -> TableReadError:
    return TableReadError(_("칸의 내용이 너무 깁니다(%(n)d자 이내).", n=limits.max_cell_chars), row=row, column=column)


def _unstorable_cell(row: int, column: str | None) -> TableReadError:
    return TableReadError(_("칸에 저장할 수 없는 문자(NUL 문자)가 있습니다. 해당 문자를 지우고 다시 올려 주세요."),
                          row=row, column=column)


def _collect(records: Iterator[tuple[int, list[str]]], limits: ReadLimits) -> tuple[list[str], list[dict]]:
    """Header and row dicts from (row number, cells) records, enforcing the limits."""
    blank = 0
    header_cells = None
    header_row = 1
    for header_row, values in records:  # the header is the first row with any text
        if any(v.strip() for v in values[:limits.max_columns]):
            header_cells = values
            break
        blank += 1
        if blank > limits.max_blank_rows:
            break
    if header_cells is None:
        raise TableReadError(_("파일이 비어 있습니다."))
    header = [h.strip() for h in header_cells[:limits.max_columns]]
    for i, h in enumerate(header):
        if len(h) > limits.max_cell_chars:
            raise _cell_too_long(limits, header_row, str(i + 1))
        if unstorable(h):
            raise _unstorable_cell(header_row, str(i + 1))
    rows: list[dict] = []
    for rowno, values in records:
        values = values[:limits.max_columns]
        for i, v in enumerate(values):
            col = header[i] if i < len(header) and header[i] else str(i + 1)
            if len(v) > limits.max_cell_chars:
                raise _cell_too_long(limits, rowno, col)
            if unstorable(v):
                raise _unstorable_cell(rowno, col)
        if not any(v.strip() for v in values):
            blank += 1
            if blank > limits.max_blank_rows:
                raise _too_many_rows(limits)
            continue
        if len(rows) >= limits.max_rows:
            raise _too_many_rows(limits)
        row = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}
        row["__row__"] = rowno
        rows.append(row)
    return header, rows


def _csv_records(text: str, limits: ReadLimits) -> Iterator[tuple[int, list[str]]]:
    # newline="" lets the csv module see CR, LF and CRLF itself (quoted line breaks stay in the cell).
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # The csv module's own field limit (131,072 characters) is larger than ours,
            # so this is a cell far too long or a malformed line: both name the line.
            line = reader.line_num or 1
            if "field larger than field limit" in str(exc):
                raise _cell_too_long(limits, line, None) from None
            raise TableReadError(_("%(row)d번째 줄을 CSV로 읽을 수 없습니다. 따옴표와 쉼표를 확인해 주세요.",
                                   row=line), row=line) from None
        yield reader.line_num, values


def read_table(data: bytes, filename: str, limits: ReadLimits | None = None) -> Table:
    """Read a CSV or XLSX upload into rows of strings keyed by the header.

    ``filename`` decides the format (.csv/.txt or .xlsx). Blank rows are skipped.
    Raises TableReadError for anything that is not a readable table within ``limits``
    (encoding, empty file, too many rows, a cell too long, a damaged or oversized
    XLSX, another format); never any other exception."""
    limits = limits or ReadLimits()
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data, limits)
    if name.endswith(".csv") or name.endswith(".txt"):
        text, encoding = decode_csv_bytes(data)
        header, rows = _collect(_csv_records(text, limits), limits)
        return Table(header, rows, encoding)
    raise TableReadError(_("CSV 또는 XLSX 파일만 올릴 수 있습니다."))


def _xlsx_damaged() -> TableReadError:
    return TableReadError(_("XLSX 파일을 열 수 없습니다. 파일이 손상되지 않았는지 확인해 주세요."))


def check_xlsx_archive(data: bytes, limits: ReadLimits) -> None:
    """Refuse an XLSX whose zip directory declares more than the allowed uncompressed bytes
    (a "zip bomb": a few kB that expand to gigabytes), before anything is decompressed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except Exception:  # BadZipFile, truncated directory, bad offsets...: all mean a damaged file
        raise _xlsx_damaged() from None
    if len(infos) > 1000:  # a roster workbook has a dozen parts
        raise _xlsx_damaged()
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed_bytes:
        raise TableReadError(_("XLSX 파일의 압축을 푼 크기가 %(mb)sMB를 넘습니다. 파일을 나누어 올려 주세요.",
                               mb=_mb(limits.max_uncompressed_bytes)))


def _mb(n: int) -> str:
    value = n / (1024 * 1024)
    return f"{value:g}" if value >= 1 else f"{value:.2f}"


def _xlsx_cell(v) -> str:
    if v is None:
        return ""
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10]
    return str(v)


def _read_xlsx(data: bytes, limits: ReadLimits) -> Table:
    from openpyxl import load_workbook

    check_xlsx_archive(data, limits)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (KeyError, ValueError, XML errors) on bad files
        raise _xlsx_damaged() from None
    try:
        ws = wb.worksheets[0] if wb.worksheets else None
        if ws is None or not hasattr(ws, "iter_rows"):
            raise TableReadError(_("파일이 비어 있습니다."))

        def records():
            # max_col bounds the cells per row whatever dimension the sheet declares, and
            # max_row spares openpyxl from scanning the whole sheet for its size; the
            # rows read still let _collect see one row (or blank row) too many.
            last = limits.max_rows + limits.max_blank_rows + 2
            for rowno, values in enumerate(ws.iter_rows(max_row=last, max_col=limits.max_columns, values_only=True),
                                           start=1):
                yield rowno, [_xlsx_cell(v).strip() for v in values]

        header, rows = _collect(records(), limits)
    except TableReadError:
        raise
    except Exception:  # malformed sheet XML surfaces only while iterating
        raise _xlsx_damaged() from None
    finally:
        try:
            wb.close()
        except Exception:  # closing a damaged archive must not hide the real answer
            pass
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
