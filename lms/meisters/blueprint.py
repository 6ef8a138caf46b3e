"""The meisters blueprint, its header entries and template labels. Both view modules
(``views`` for meisters and the public confirmation, ``admin_views`` for admins)
add their routes to this one blueprint, which ``views`` exposes to the app."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lms.core import nav

bp = Blueprint("meisters", __name__)

nav.register("meisters.home", _l("내 파견"), roles=("meister",), order=20)
nav.register("meisters.admin_meisters", _l("마이스터"), roles=("admin",), order=34)


@bp.context_processor
def _labels():
    from lms.meisters import labels

    return {"mlabels": labels}
