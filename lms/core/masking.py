"""Masking of a person's name: the form public certificate pages show (홍*동) and the
name a deleted account keeps (lms/privacy/erasure.py).

The rule keeps the first character and hides the rest, so a masked name never equals
a real name of two or more characters: a Korean name keeps its first and last
syllables (홍길동 -> 홍*동, 이순 -> 이*, 남궁민수 -> 남**수); a name of several words or
in Latin letters keeps the first letter of each word (John Smith -> J*** S****), and
a later one-letter word is hidden whole (Kim J -> K** *).
"""
from __future__ import annotations


def mask_name(name: str) -> str:
    """The masked form of ``name`` (whitespace runs count as one space)."""
    name = " ".join((name or "").split())
    if not name:
        return ""
    if " " in name or name.isascii():
        words = name.split(" ")
        first = words[0][0] + "*" * (len(words[0]) - 1)
        return " ".join([first] + [w[0] + "*" * (len(w) - 1) if len(w) > 1 else "*" for w in words[1:]])
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
