"""Charts and the cohort heat map people can read (issue 13, "Charts and documents people
can read"; WCAG 1.4.3 contrast), and required selects that start unanswered (valid HTML).

The browser side -- chart text at 12 px or more on a 360 px phone, no Korean word broken
across lines -- is measured on the demo data by tests/e2e/test_a11y_screens.py.
"""
from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from lms.analytics import charts
from lms.analytics.views import _luminance, heat_style
from lms.extensions import db
from tests.conftest import login
from tests.factories import make_institution, make_user

REGIONS = ["서울특별시", "부산광역시", "대구광역시", "인천광역시", "광주광역시", "대전광역시", "울산광역시",
           "세종특별자치시", "경기도", "충청북도", "충청남도", "전북특별자치도", "전라남도", "경상북도", "경상남도",
           "제주특별자치도", "강원특별자치도", "미상"]


def _contrast(style: str) -> float:
    bg = re.search(r"background: #([0-9a-f]{6})", style).group(1)
    fg = 0.0 if "color: #000" in style else 1.0
    lum = _luminance([int(bg[i:i + 2], 16) for i in (0, 2, 4)])
    return (max(lum, fg) + 0.05) / (min(lum, fg) + 0.05)


@given(st.floats(min_value=-0.5, max_value=1.5, allow_nan=False))
def test_heat_map_cells_keep_aa_contrast_for_every_share(value):
    assert _contrast(heat_style(value)) >= 4.5


def test_heat_map_darkens_with_the_share():
    assert _luminance([int(heat_style(0.9)[13:19][i:i + 2], 16) for i in (0, 2, 4)]) < \
        _luminance([int(heat_style(0.1)[13:19][i:i + 2], 16) for i in (0, 2, 4)])


def test_every_region_row_is_drawn_with_its_whole_name(app):
    with app.test_request_context():
        html = str(charts.hbar([(name, 100 + i) for i, name in enumerate(REGIONS)], max_items=20))
    for name in REGIONS:
        assert f'<span class="hbar-label">{name}</span>' in html, name
    assert "…" not in html and "hbar-more" not in html


def test_a_chart_that_leaves_rows_out_names_them(app):
    courses = [(f"COB2{i:02d} 협동로봇 응용 실습 과정 {i}", 50 - i) for i in range(14)]
    with app.test_request_context():
        html = str(charts.hbar(courses, max_items=12))
    assert html.count('class="hbar-row"') == 12
    assert "COB200 협동로봇 응용 실습 과정 0" in html  # the whole name, not "COB200 협…"
    more = re.search(r'<p class="hbar-more small">(.*?)</p>', html).group(1)
    assert "2개 행" in more and "COB212 협동로봇 응용 실습 과정 12" in more and "COB213 협동로봇 응용 실습 과정 13" in more


def test_required_selects_start_with_an_empty_choice_and_refuse_it_in_korean(client):
    admin = make_user("admin")
    inst = make_institution()
    db.session.commit()
    login(client, admin)
    page = client.get("/labs/programmes/new").text
    for name in ("institution_id", "kind"):
        select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
        assert select and 'required' in select.group(0)
        options = re.findall(r"<option([^>]*)>", select.group(1))
        assert 'value=""' in options[0], f"{name} has no empty first option"
        assert not [o for o in options[1:] if "selected" in o], f"{name} does not start unanswered"
    r = client.post("/labs/programmes/new", data={"name_ko": "빈 선택", "institution_id": "", "kind": ""})
    assert r.status_code == 200 and "프로그램을 저장했습니다" not in r.text
    assert "This field is required" not in r.text and "Not a valid choice" not in r.text
    assert inst.id  # nothing else changed: the form is shown again
