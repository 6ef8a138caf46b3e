"""The catalogue filter (GET, no CSRF: it changes nothing)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField

from lms.catalog.labels import LEVEL_LABELS, TOPIC_LABELS


class CatalogFilterForm(FlaskForm):
    """Level and topic filters; empty means "all"."""

    class Meta:
        csrf = False

    level = SelectField(_l("수준"), choices=[("", _l("전체 수준"))] + list(LEVEL_LABELS.items()), default="")
    topic = SelectField(_l("분야"), choices=[("", _l("전체 분야"))] + list(TOPIC_LABELS.items()), default="")

    def clean(self) -> dict:
        """Only known values; anything else in the URL is ignored."""
        level = self.level.data if self.level.data in LEVEL_LABELS else None
        topic = self.topic.data if self.topic.data in TOPIC_LABELS else None
        return {"level": level, "topic": topic}
