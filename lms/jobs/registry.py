"""Which function does each kind of job: ``@job_handler("kind", label=...)``.

A handler is ``fn(ctx: JobContext, **params) -> None``. It lives in the package that
owns the work (e.g. ``lms/certificates/jobs.py``) and is registered when that module
is imported; every package's views import their jobs module, so the web app and the
worker (which builds the same app) know the same kinds.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Handler:
    kind: str
    fn: Callable
    label: object  # a lazy string: what "my jobs" calls this kind of work


HANDLERS: dict[str, Handler] = {}


def job_handler(kind: str, *, label) -> Callable[[Callable], Callable]:
    """Register ``fn`` as the work of jobs of ``kind``. Raises ValueError on a second registration
    of the same kind by another function (a typo that would send jobs to the wrong code)."""

    def decorator(fn: Callable) -> Callable:
        known = HANDLERS.get(kind)
        if known is not None and (known.fn.__module__, known.fn.__qualname__) != (fn.__module__, fn.__qualname__):
            raise ValueError(f"job kind {kind!r} is already handled by {known.fn.__module__}.{known.fn.__qualname__}")
        HANDLERS[kind] = Handler(kind, fn, label)
        return fn

    return decorator


def handler_for(kind: str) -> Handler:
    """The handler of ``kind``; raises KeyError for an unknown kind."""
    return HANDLERS[kind]


def label_of(kind: str) -> str:
    handler = HANDLERS.get(kind)
    return str(handler.label) if handler is not None else kind
