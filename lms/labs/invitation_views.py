"""The invited person's side of a cohort invitation (lms.labs.invitations).

GET shows what joining means and changes nothing; POST answers (accept or
decline), once. Registered on the labs blueprint (imported at the end of
lms.labs.views). A link for another account, or forged, answers 404."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.core.authz import policy
from lms.errors import NotFound, ValidationError
from lms.extensions import db
from lms.labs import invitations
from lms.labs.views import bp


@bp.route("/cohort-invitations/<token>", methods=["GET", "POST"])
@policy("trainee")
def cohort_invitation(token: str):
    try:
        inv = invitations.load(token, current_user)
    except NotFound:
        abort(404)
    except ValidationError as exc:
        return render_template("labs/cohort_invitation.html", inv=None, token=None, message=exc.message), 400
    if request.method == "GET":
        return render_template("labs/cohort_invitation.html", inv=inv, token=token, message=None)
    accept = request.form.get("answer") == "accept"
    try:
        invitations.answer(token, current_user, accept)
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        return render_template("labs/cohort_invitation.html", inv=None, token=None, message=exc.message), 400
    if accept:
        flash(_("%(cohort)s 기수에 등록되었습니다.", cohort=inv.cohort.label), "success")
    else:
        flash(_("초대를 거절했습니다. 아무것도 공유되지 않았습니다."), "success")
    return redirect(url_for("labs.my_bookings"))
