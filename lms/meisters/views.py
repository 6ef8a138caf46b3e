"""Meister screens: the meister's own placements and visit log (phone-first), and
the public page where a company's contact confirms a visit. The admin screens
(recruiting, approving, placing, matching) are in ``admin_views``.

Objects go through get_for (404 before 403): a meister reaches only their own
placements and visits."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lms.core import nav
from lms.meisters import services as svc

bp = Blueprint("meisters", __name__)

nav.register("meisters.home", _l("내 파견"), roles=("meister",), order=20)
nav.register("meisters.admin_meisters", _l("마이스터"), roles=("admin",), order=34)


@bp.context_processor
def _labels():
    from lms.meisters import labels

    return {"mlabels": labels}


from lms.meisters import admin_views as _admin_views  # noqa: E402,F401  (routes on bp)
