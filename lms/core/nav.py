"""Header navigation. Each blueprint registers its own entries, so the base
template never names endpoints of packages it does not know about."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy_gettext string
    roles: tuple = ()  # empty: everyone (including anonymous); else these roles
    order: int = 50
    anonymous_only: bool = False


_ITEMS: dict[str, NavItem] = {}


def register(endpoint: str, label, roles=(), order: int = 50, anonymous_only: bool = False) -> None:
    _ITEMS[endpoint] = NavItem(endpoint, label, tuple(roles), order, anonymous_only)


def items_for(user) -> list[NavItem]:
    out = []
    authed = bool(user and user.is_authenticated)
    for item in sorted(_ITEMS.values(), key=lambda i: i.order):
        if item.anonymous_only and authed:
            continue
        if item.roles and (not authed or user.role not in item.roles):
            continue
        out.append(item)
    return out
