"""The table readers (lms.core.tabular.read_table) never raise anything but
TableReadError and never return more than their limits allow, whatever the bytes:
arbitrary bytes, mixed encodings, empty files, one huge field, many rows, damaged
or bomb-shaped XLSX archives (issue 8 "Uploads never crash", issue 9 item 5;
OWASP ASVS 5.0 V5.2.1/V5.2.3 file size and decompression limits, V16.5 errors)."""
from __future__ import annotations

import io
import random

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lms.core.tabular import ReadLimits, Table, TableReadError, decode_csv_bytes, read_table
from lms.core.input_guard import unstorable
from tests.xlsx_craft import uncompressed_size, xlsx

SMALL = ReadLimits(max_rows=20, max_cell_chars=50, max_columns=10, max_uncompressed_bytes=200_000,
                   max_blank_rows=40)
HYP = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
BOM_THEN_CP949 = bytes.fromhex(  # /work/shared/cases/roster_bom_then_cp949.csv, byte for byte
    "efbbbfc0ccb8a72cc0ccb8dec0cf0ab1e8c7cfb4c32c68616e65756c2e6b696d406578616d706c652e6b720a")
ENCODING_MESSAGE = "파일의 문자 인코딩을 읽을 수 없습니다"


def _outcome_is_sound(data: bytes, filename: str, limits: ReadLimits = SMALL):
    """A Table within the limits or a TableReadError with a message; anything else fails."""
    try:
        table = read_table(data, filename, limits)
    except TableReadError as exc:
        assert str(exc.message).strip()
        return exc
    assert isinstance(table, Table)
    assert len(table.rows) <= limits.max_rows
    for row in table.rows:
        assert isinstance(row["__row__"], int)
        assert all(len(v) <= limits.max_cell_chars for k, v in row.items() if k != "__row__")
        # Nothing the database cannot store (PostgreSQL refuses NUL in text) leaves the reader.
        assert not any(unstorable(k) or unstorable(v) for k, v in row.items() if k != "__row__")
    assert not any(unstorable(h) for h in table.header)
    return table


def test_bom_followed_by_cp949_is_the_plain_encoding_error():
    with pytest.raises(TableReadError) as bom:
        read_table(BOM_THEN_CP949, "roster_bom_then_cp949.csv")
    with pytest.raises(TableReadError) as plain:
        read_table(b"\xff\xfe\x00\x81\x82broken", "x.csv")
    assert ENCODING_MESSAGE in bom.value.message
    assert (bom.value.message, bom.value.row, bom.value.column) == (plain.value.message, None, None)


def test_bom_with_utf8_and_plain_cp949_still_read():
    assert decode_csv_bytes("\ufeff이름,이메일\n".encode("utf-8"))[1] == "utf-8-sig"
    assert decode_csv_bytes("이름,이메일\n".encode("cp949"))[1] == "cp949"


@HYP
@given(data=st.binary(max_size=3000), ext=st.sampled_from(["csv", "txt", "xlsx", "CSV", "XLSX"]))
@example(data=BOM_THEN_CP949, ext="csv")
@example(data=b"", ext="csv")
@example(data=b"\xef\xbb\xbf", ext="csv")
@example(data=b"", ext="xlsx")
@example(data=b"PK\x03\x04", ext="xlsx")
@example(data=b'a,"b\r\nc', ext="csv")
@example(data=b"a\rb\x00c\n", ext="csv")
def test_arbitrary_bytes(data, ext):
    _outcome_is_sound(data, f"upload.{ext}")


_TEXT = st.text(alphabet=st.sampled_from(list("이름김민수홍길동가나다abcXYZ0189@.,;\"'\t =+-\r\n ")), max_size=80)


@HYP
@given(lines=st.lists(st.tuples(_TEXT, st.sampled_from(["utf-8", "cp949", "utf-16", "latin-1", "utf-8-sig"])),
                      max_size=30),
       bom=st.booleans())
def test_mixed_encodings(lines, bom):
    data = (b"\xef\xbb\xbf" if bom else b"") + b"\n".join(t.encode(enc, errors="ignore") for t, enc in lines)
    _outcome_is_sound(data, "mixed.csv")


@HYP
@given(size=st.integers(min_value=0, max_value=300_000), quoted=st.booleans(), where=st.integers(0, 2))
@example(size=SMALL.max_cell_chars, quoted=False, where=1)
@example(size=SMALL.max_cell_chars + 1, quoted=False, where=1)
@example(size=131_073, quoted=True, where=1)
def test_one_huge_field(size, quoted, where):
    field = "가" * size
    if quoted:
        field = '"' + field + '"'
    rows = [["이름", "이메일", "비고"], ["김", "k@example.kr", "x"]]
    rows[1][where] = field
    data = "\n".join(",".join(r) for r in rows).encode()
    out = _outcome_is_sound(data, "huge.csv")
    if size > SMALL.max_cell_chars:
        assert isinstance(out, TableReadError) and out.row == 2 and "너무 깁니다" in out.message
    else:
        assert isinstance(out, Table)


@HYP
@given(n=st.integers(min_value=0, max_value=3 * SMALL.max_rows), blanks=st.integers(0, 3 * SMALL.max_blank_rows),
       fmt=st.sampled_from(["csv", "xlsx"]))
@example(n=SMALL.max_rows, blanks=SMALL.max_blank_rows, fmt="csv")
@example(n=SMALL.max_rows + 1, blanks=0, fmt="csv")
@example(n=SMALL.max_rows, blanks=SMALL.max_blank_rows, fmt="xlsx")
@example(n=SMALL.max_rows + 1, blanks=0, fmt="xlsx")
def test_many_rows(n, blanks, fmt):
    rows = [["이름", "이메일"]] + [[f"이름{i}", f"u{i}@example.kr"] for i in range(n)] + [[""]] * blanks
    if fmt == "csv":  # one line per row, each ended by a line break
        data = "".join(",".join(r) + "\n" for r in rows).encode()
    else:
        data = xlsx(rows)
    out = _outcome_is_sound(data, f"many.{fmt}")
    if n > SMALL.max_rows or blanks > SMALL.max_blank_rows:
        assert isinstance(out, TableReadError) and "행이 너무 많습니다" in out.message
    else:
        assert isinstance(out, Table) and len(out.rows) == n


_CELL = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=60)


@HYP
@given(rows=st.lists(st.lists(_CELL, max_size=12), max_size=30), mutate=st.integers(0, 3), seed=st.integers(0, 9999))
def test_xlsx_valid_and_damaged(rows, mutate, seed):
    data = xlsx(rows or [[]])
    rnd = random.Random(seed)
    if mutate == 1:  # flip bytes
        b = bytearray(data)
        for _ in range(8):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        data = bytes(b)
    elif mutate == 2:  # truncate
        data = data[: rnd.randrange(len(data))]
    elif mutate == 3:  # garbage sheet XML
        data = xlsx([["x"]]).replace(b"worksheets/sheet1.xml", b"worksheets/sheet9.xml", 1)
    _outcome_is_sound(data, "book.xlsx")


def test_xlsx_uncompressed_size_checked_before_parsing(monkeypatch):
    data = xlsx([["이름", "이메일"], ["김민수", "minsu@example.kr"]])
    size = uncompressed_size(data)
    assert isinstance(_outcome_is_sound(data, "b.xlsx", ReadLimits(max_uncompressed_bytes=size)), Table)

    import openpyxl

    def boom(*a, **k):  # the archive check must refuse before openpyxl reads anything
        raise AssertionError("openpyxl was called")

    monkeypatch.setattr(openpyxl, "load_workbook", boom)
    with pytest.raises(TableReadError) as exc:
        read_table(data, "b.xlsx", ReadLimits(max_uncompressed_bytes=size - 1))
    assert "압축을 푼 크기" in exc.value.message


def test_xlsx_declaring_a_huge_sheet_dimension_reads_only_bounded_columns():
    data = xlsx([["이름", "이메일"] + [""] * 200, ["김", "k@example.kr"] + ["x"] * 200])
    table = read_table(data, "wide.xlsx", SMALL)
    assert len(table.header) == SMALL.max_columns and table.rows[0]["이름"] == "김"


def test_empty_inputs():
    for data, name in [(b"", "a.csv"), (b"\xef\xbb\xbf", "a.csv"), (b"\n\n\n", "a.csv")]:
        with pytest.raises(TableReadError) as exc:
            read_table(data, name)
        assert "비어 있습니다" in exc.value.message
    table = read_table("이름,이메일\n\n\n".encode(), "a.csv")
    assert table.rows == []
    with pytest.raises(TableReadError):
        read_table(io.BytesIO().getvalue(), "a.xlsx")


@HYP
@given(st.integers(1, 5), st.integers(0, 2), st.sampled_from(["utf-8", "utf-8-sig", "cp949"]))
def test_a_nul_in_any_cell_names_its_row_and_column(row, col, encoding):
    """A CSV cell holding a NUL character (Python's csv reader passes it through) is refused
    with its line and column, so an import never reaches the database with it."""
    lines = [["이름", "이메일", "생년월일"]] + [[f"홍길동{i}", f"u{i}@example.kr", "1990-01-02"] for i in range(6)]
    lines[row][col] = lines[row][col][:2] + "\x00" + lines[row][col][2:]
    data = "\n".join(",".join(cells) for cells in lines).encode(encoding)
    with pytest.raises(TableReadError) as caught:
        read_table(data, "roster.csv", SMALL)
    assert caught.value.row == row + 1
    assert caught.value.column == lines[0][col]
    assert "NUL" in str(caught.value.message)
