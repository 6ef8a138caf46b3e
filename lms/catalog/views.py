"""Public catalogue: the home page lists published courses (filter by level and
topic), and each course has a page with its modules and certificate rule."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.catalog import labels, services
from lms.catalog.forms import CatalogFilterForm
from lms.core import nav
from lms.core.authz import policy
from lms.errors import NotFound

bp = Blueprint("catalog", __name__)

nav.register("catalog.index", _l("교육과정"), order=10)


@bp.app_context_processor
def _catalog_labels():
    """Label helpers for any template (dashboards, certificates show levels too)."""
    return {
        "level_label": labels.level_label,
        "topic_label": labels.topic_label,
        "kind_label": labels.kind_label,
        "equipment_label": labels.equipment_label,
    }


@bp.get("/")
@policy("public")
def index():
    """The catalogue: published courses, filtered by ?level= and ?topic= (combinable)."""
    form = CatalogFilterForm(request.args)
    chosen = form.clean()
    courses = services.list_published_courses(**chosen)
    outlines = {c.id: services.course_outline(c) for c in courses}
    return render_template("catalog/index.html", form=form, courses=courses, outlines=outlines,
                           chosen=chosen, filtered=any(chosen.values()),
                           levels=labels.LEVEL_LABELS, topics=labels.TOPIC_LABELS)


@bp.get("/courses", strict_slashes=False)
@policy("public")
def courses():
    """``/courses`` and ``/courses/`` (a course address with its code trimmed): the catalogue."""
    return redirect(url_for("catalog.index"), 301)


def _enrollment_state(course):
    """(show_enroll_button, active_enrollment) for the current visitor."""
    if "learning.enroll" not in current_app.view_functions:
        return False, None
    if not current_user.is_authenticated:
        return True, None
    if current_user.role != "trainee":
        return False, None
    try:
        from lms.learning.services import get_active_enrollment
    except ImportError:  # learning not installed: the button alone still works
        return True, None
    return True, get_active_enrollment(current_user, course)


@bp.get("/courses/<code>")
@policy("public")
def course(code: str):
    """A course page: summary, facts, modules in order, what the certificate requires."""
    try:
        c = services.get_published_course(code)
    except NotFound:
        abort(404)
    can_enroll, enrollment = _enrollment_state(c)
    return render_template(
        "catalog/course.html", course=c, outline=services.course_outline(c),
        requirements=services.certificate_requirements(c), can_enroll=can_enroll, enrollment=enrollment,
    )
