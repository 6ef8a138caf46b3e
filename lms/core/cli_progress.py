"""Progress of long CLI commands (seed, course sync, bulk issue, monthly report) on stderr.

A bar (click.progressbar) when stderr is a terminal; with ``--progress`` elsewhere (logs,
CI) one "label: done/total" line per step; nothing otherwise, so what a script reads on
stdout never changes."""
from __future__ import annotations

import sys

import click


class CliProgress:
    """``progress(done, total)`` for a CLI command, on stderr: a bar on a terminal, one
    "done/total" line per step with ``--progress`` elsewhere (logs, CI), nothing otherwise."""

    def __init__(self, label: str, show: bool | None):
        self.tty = sys.stderr.isatty()
        self.show = self.tty if show is None else show
        self.label, self.bar, self.done = label, None, 0

    def __call__(self, done: int, total: int) -> None:
        if not self.show:
            return
        if not self.tty:
            click.echo(f"{self.label}: {done}/{total}", err=True)
            return
        if self.bar is None:
            self.bar = click.progressbar(length=max(total, 1), label=self.label, file=sys.stderr,
                                         show_pos=True, show_eta=True)
            self.bar.__enter__()
        self.bar.length = max(total, 1)
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
