"""Signals the learning package sends.

``enrollment_completed`` fires once, when :func:`lms.learning.services.refresh_completion`
moves an enrollment from "active" to "completed" (sender = the Enrollment). The
certificates package subscribes to issue the certificate; the receiver runs inside
the same transaction, so whatever it adds is committed (or rolled back) together
with the completion itself.

``enrollment_withdrawn`` fires when :func:`lms.learning.services.withdraw` moves an
enrollment to "withdrawn" (sender = the Enrollment, already flushed). The labs
package subscribes to release the enrollment's lab seats and waiting-list places
(learning never imports labs: labs depends on learning, not the other way).
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

enrollment_completed = _signals.signal("enrollment-completed")
enrollment_withdrawn = _signals.signal("enrollment-withdrawn")
