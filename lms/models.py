"""Import every model module so metadata is complete (Alembic, create_all)."""
from lms.core import access_log, audit, outbox  # noqa: F401
from lms.orgs import models as orgs_models  # noqa: F401
from lms.accounts import models as accounts_models  # noqa: F401
from lms.catalog import models as catalog_models  # noqa: F401
from lms.learning import models as learning_models  # noqa: F401
from lms.labs import models as labs_models  # noqa: F401
from lms.certificates import models as certificates_models  # noqa: F401
from lms.analytics import models as analytics_models  # noqa: F401
from lms.meisters import models as meisters_models  # noqa: F401
from lms.api import models as api_models  # noqa: F401
from lms.jobs import models as jobs_models  # noqa: F401
from lms.labs import awaiting as labs_awaiting  # noqa: F401  (keeps Booking.awaiting_signoff on every flush)
from lms.labs import kept_progress as labs_kept_progress  # noqa: F401  (keeps Enrollment.progress_percent)

# --------------------------------------------------------------------------- indexes of the pages' queries
# Composite indexes for the queries that filter on two columns (migration 0007_indexes).
# Declared here, after every model is imported, so each package's model file stays as it is.
import sqlalchemy as _sa  # noqa: E402

from lms.core.audit import AuditEvent as _Audit  # noqa: E402
from lms.core.outbox import OutboxMessage as _Outbox  # noqa: E402
from lms.labs.models import Booking as _Booking, LabSession as _Session, PracticalSignoff as _Signoff  # noqa: E402
from lms.learning.models import Enrollment as _Enrollment, ModuleProgress as _Progress, QuizAttempt as _Attempt  # noqa: E402

QUERY_INDEXES = (
    # sign-offs of an enrollment for a module (current sign-off, pending sign-offs, progress)
    _sa.Index("ix_practical_signoffs_enrollment_module", _Signoff.enrollment_id, _Signoff.module_id),
    # a session's roster and waiting list; a trainee's bookings
    _sa.Index("ix_bookings_session_status", _Booking.session_id, _Booking.status),
    _sa.Index("ix_bookings_user_status", _Booking.user_id, _Booking.status),
    # progress of an enrollment: completed modules, quiz attempts per quiz
    _sa.Index("ix_module_progress_enrollment_status", _Progress.enrollment_id, _Progress.status),
    _sa.Index("ix_quiz_attempts_enrollment_module", _Attempt.enrollment_id, _Attempt.module_id),
    # a trainee's enrollment in a course; a cohort's enrollments by status
    _sa.Index("ix_enrollments_user_course", _Enrollment.user_id, _Enrollment.course_id),
    _sa.Index("ix_enrollments_cohort_status", _Enrollment.cohort_id, _Enrollment.status),
    # a cohort's enrollments in its courses (the roster's figures, lms.labs.overview)
    _sa.Index("ix_enrollments_cohort_course", _Enrollment.cohort_id, _Enrollment.course_id),
    # sessions by instructor, lab, cohort and module, in time order
    _sa.Index("ix_lab_sessions_instructor_starts", _Session.instructor_id, _Session.starts_at),
    _sa.Index("ix_lab_sessions_lab_starts", _Session.lab_id, _Session.starts_at),
    _sa.Index("ix_lab_sessions_cohort_starts", _Session.cohort_id, _Session.starts_at),
    _sa.Index("ix_lab_sessions_module_starts", _Session.module_id, _Session.starts_at),
    # newest-first keyset pages of the audit log and the outbox
    _sa.Index("ix_audit_events_created_id", _Audit.created_at, _Audit.id),
    _sa.Index("ix_outbox_messages_created_id", _Outbox.created_at, _Outbox.id),
)
