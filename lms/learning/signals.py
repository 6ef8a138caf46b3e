"""Signals the learning package sends.

``enrollment_completed`` fires once, when :func:`lms.learning.services.refresh_completion`
moves an enrollment from "active" to "completed" (sender = the Enrollment). The
certificates package subscribes to issue the certificate; the receiver runs inside
the same transaction, so whatever it adds is committed (or rolled back) together
with the completion itself.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

enrollment_completed = _signals.signal("enrollment-completed")
