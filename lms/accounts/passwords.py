"""Password policy (OWASP ASVS 5.0 V6.2): length 8 to 128, no composition rules,
no common password, not the account's own e-mail address or name.

The common-password list is the ``passwords`` frequency list shipped as data by the
``zxcvbn`` package on PyPI (MIT licence, Dropbox's zxcvbn data as packaged by
dwolfhub/zxcvbn-python): 30,000 passwords most often seen in leaked corpora, of
which 11,611 are 8 characters or longer and so could pass the length rule. It is
read at run time from the installed package (pinned in requirements.txt), never
copied into this repository.
"""
from __future__ import annotations

import re
from functools import lru_cache

from flask_babel import lazy_gettext as _l

from lms.errors import ValidationError

MIN_LENGTH = 8
MAX_LENGTH = 128


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Lower-cased common passwords long enough to pass the length rule (a frozenset of str)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"] if len(p) >= MIN_LENGTH)


def _squash(text: str) -> str:
    """Lower-case ``text`` without spaces, dots, dashes and underscores."""
    return re.sub(r"[\s._\-]+", "", (text or "").lower())


def is_common(password: str) -> bool:
    """True when ``password`` (ignoring case) is on the bundled common-password list."""
    return (password or "").lower() in common_passwords()


def is_personal(password: str, *, email: str | None = None, name: str | None = None) -> bool:
    """True when ``password`` is the account's e-mail address, the part before the @,
    or its name (ignoring case, spaces, dots, dashes and underscores)."""
    pw = _squash(password)
    candidates = set()
    if email:
        candidates.add(_squash(email))
        candidates.add(_squash(email.split("@", 1)[0]))
    if name:
        candidates.add(_squash(name))
    return bool(pw) and pw in {c for c in candidates if c}


def check_new_password(password: str | None, confirm: str | None = None, *,
                       email: str | None = None, name: str | None = None) -> None:
    """Raise :class:`ValidationError` (message in the user's language) when a new
    password breaks the policy or does not match its confirmation; return None otherwise."""
    if not password or len(password) < MIN_LENGTH or len(password) > MAX_LENGTH:
        raise ValidationError(_l("비밀번호는 %(n)d자 이상 128자 이하로 입력해 주세요.", n=MIN_LENGTH))
    if confirm is not None and password != confirm:
        raise ValidationError(_l("비밀번호 확인이 일치하지 않습니다."))
    if is_personal(password, email=email, name=name):
        raise ValidationError(_l("이메일 주소나 이름은 비밀번호로 쓸 수 없습니다."))
    if is_common(password):
        raise ValidationError(_l("너무 흔히 쓰이는 비밀번호입니다. 다른 비밀번호를 정해 주세요."))
