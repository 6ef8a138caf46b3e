"""Who in a cohort has no certificate yet, and what each still needs (issue 13: the cohort
certificate page said "nobody to issue" without saying who is blocked and why).

Registered on the certificates blueprint (imported at the end of lms.certificates.views).
One page of active enrollments (search by name, sorted by name), with the gaps computed
for that page in three grouped statements (``lms.labs.figures.completion_gaps``).
"""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.certificates.views import _cohort_for, bp
from lms.core.authz import policy
from lms.core.pagination import ListSpec, list_args, paginate, search
from lms.extensions import db


def _spec():
    from lms.accounts.models import User
    from lms.learning.models import Enrollment

    return ListSpec(sorts={"name": User.name}, default_sort="name", tiebreak=Enrollment.id, per_page=25)


@bp.get("/certificates/cohorts/<int:cohort_id>/pending")
@policy("instructor", "admin")
def cohort_pending(cohort_id: int):
    from lms.accounts.models import User
    from lms.labs.figures import completion_gaps
    from lms.learning.models import Enrollment

    c = _cohort_for(cohort_id)
    spec = _spec()
    largs = list_args(request.args, spec)
    stmt = search(select(Enrollment).join(User, User.id == Enrollment.user_id)
                  .where(Enrollment.cohort_id == c.id, Enrollment.status == "active")
                  .options(joinedload(Enrollment.user), joinedload(Enrollment.course)), largs.q, User.name)
    page = paginate(db.session, stmt, spec, largs)
    return render_template("certificates/cohort_pending.html", cohort=c, page=page,
                           gaps=completion_gaps(page.items))
