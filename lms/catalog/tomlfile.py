"""Reading one course file with positions: the ``LoadError`` type (file, line, Korean
message) and the collector of errors and warnings, TOML parsing with the line of a
syntax error, finding the line of a key or ``[[block]]`` for semantic errors, and
the typed value checks (text, numbers, percentages) every course file uses.

Touches no database.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class LoadError:
    """One problem in the course files: where it is and what is wrong (Korean)."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"



class _Lines:
    """Find the line of a key or an id in a TOML file's text.

    tomllib gives no positions for values, so semantic errors are located by
    scanning the text: the n-th ``[[header]]`` block, then a ``key =`` inside it.
    Good enough for the hand-written files of courses/; ``None`` when not found.
    """

    def __init__(self, text: str):
        self.lines = text.splitlines()

    def _headers(self, header: str) -> list[int]:
        pat = re.compile(r"^\s*\[\[\s*" + re.escape(header) + r"\s*\]\]\s*(#.*)?$")
        return [i for i, line in enumerate(self.lines) if pat.match(line)]

    def _any_header(self, i: int) -> bool:
        return bool(re.match(r"^\s*\[", self.lines[i]))

    def key(self, key: str, header: str | None = None, index: int = 0, sub: str | None = None,
            sub_index: int = 0) -> int | None:
        """Line (1-based) of ``key =`` at top level, or inside the ``index``-th
        ``[[header]]`` block (optionally its ``sub_index``-th ``[[header.sub]]``)."""
        start, end = self._block(header, index)
        if start is None:
            return None
        if sub is not None:
            subs = [i for i in self._headers(f"{header}.{sub}") if start <= i < end]
            if sub_index >= len(subs):
                return start + 1
            start = subs[sub_index]
            end = next((i for i in range(start + 1, end) if self._any_header(i)), end)
        pat = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
        for i in range(start, end):
            if i > start and header is None and self._any_header(i):
                break
            if header is not None and i > start and self._any_header(i) and sub is None:
                # Nested tables such as [[questions.choices]] belong to the block,
                # but the block's own keys come before them.
                break
            if pat.match(self.lines[i]):
                return i + 1
        return start + 1 if header is not None else None

    def header(self, header: str, index: int) -> int | None:
        hs = self._headers(header)
        return hs[index] + 1 if index < len(hs) else None

    def _block(self, header: str | None, index: int) -> tuple[int | None, int]:
        n = len(self.lines)
        if header is None:
            return 0, n
        hs = self._headers(header)
        if index >= len(hs):
            return None, n
        start = hs[index]
        end = hs[index + 1] if index + 1 < len(hs) else n
        # A different top-level array ([[modules]] after [[checklist]]...) also ends it.
        top = header.split(".")[0]
        for i in range(start + 1, end):
            m = re.match(r"^\s*\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?", self.lines[i])
            if m and m.group(1).split(".")[0] != top:
                return start, i
        return start, end



def _rel(path: Path) -> str:
    """The path as operators see it: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


class _Collector:
    def __init__(self):
        self.errors: list[LoadError] = []
        self.warnings: list[LoadError] = []

    def err(self, path: str, line: int | None, message: str) -> None:
        self.errors.append(LoadError(path, line, message))

    def warn(self, path: str, line: int | None, message: str) -> None:
        self.warnings.append(LoadError(path, line, message))


def _read_toml(path: Path, out: _Collector) -> tuple[dict | None, _Lines | None]:
    rel = _rel(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        out.err(rel, None, "파일이 없습니다.")
        return None, None
    except UnicodeDecodeError:
        out.err(rel, None, "UTF-8 인코딩이 아닙니다. 파일을 UTF-8로 저장해 주세요.")
        return None, None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(m.group(1)) if m else None
        detail = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        if m:
            detail += f" ({m.group(2)}번째 글자)"
        out.err(rel, line, f"TOML 문법 오류입니다: {detail}")
        return None, None
    return data, _Lines(text)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _text(d: dict, key: str, rel: str, line: int | None, out: _Collector, *, required: bool,
          what: str = "") -> str:
    """A string value; reports a missing required key or a non-string value."""
    v = d.get(key)
    if v is None:
        if required:
            out.err(rel, line, f"{what}필수 항목 '{key}'이(가) 없습니다.")
        return ""
    if not isinstance(v, str):
        out.err(rel, line, f"{what}'{key}'은(는) 문자열이어야 합니다.")
        return ""
    if required and not v.strip():
        out.err(rel, line, f"{what}'{key}'이(가) 비어 있습니다.")
    return v.strip()


def _percent(d: dict, key: str, rel: str, line: int | None, out: _Collector, default: int | None) -> int | None:
    v = d.get(key, default)
    if v is None:
        return None
    if not _is_int(v) or not 0 <= v <= 100:
        out.err(rel, line, f"'{key}'은(는) 0에서 100 사이의 정수(퍼센트)여야 합니다.")
        return default
    return v


def _find_table(lines: _Lines, name: str) -> int | None:
    pat = re.compile(r"^\s*\[\s*" + re.escape(name) + r"\s*\]")
    return next((i + 1 for i, line in enumerate(lines.lines) if pat.match(line)), None)


def _key_after(lines: _Lines, start: int | None, key: str) -> int | None:
    """Line of ``key =`` in the [table] that begins at line ``start``."""
    if start is None:
        return None
    pat = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
    for i in range(start, len(lines.lines)):
        if re.match(r"^\s*\[", lines.lines[i]):
            break
        if pat.match(lines.lines[i]):
            return i + 1
    return start

