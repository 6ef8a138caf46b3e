"""Ministry filters say what was wrong (issue 13: a reversed or invalid period was silently
accepted): a reversed period is named and left out, an unreadable month is named."""
from __future__ import annotations

from hypothesis import given, strategies as st

from lms.analytics.filters import Filters


def test_reversed_period_is_named_and_left_out(world, ministry_client):
    html = ministry_client.get("/ministry?from=2026-06&to=2026-01").text
    assert "시작 월이 끝 월보다 늦습니다" in html


def test_unreadable_month_is_named(world, ministry_client):
    html = ministry_client.get("/ministry?from=2026-13&to=abc").text
    assert "연도와 월로 골라 주세요" in html


def test_a_good_period_says_nothing(world, ministry_client):
    html = ministry_client.get("/ministry?from=2026-01&to=2026-06").text
    assert "시작 월이 끝 월보다" not in html and "연도와 월로 골라" not in html


@given(st.integers(2000, 2030), st.integers(1, 12), st.integers(2000, 2030), st.integers(1, 12))
def test_checked_filters_never_keep_a_reversed_period(y1, m1, y2, m2):
    filters, problems = Filters.checked({"from": f"{y1}-{m1:02d}", "to": f"{y2}-{m2:02d}"})
    reversed_ = (y1, m1) > (y2, m2)
    assert bool(problems) == reversed_
    if reversed_:
        assert filters.date_from is None and filters.date_to is None
    else:
        assert filters.date_from <= filters.date_to


def test_a_suppressed_rate_reads_as_not_published_not_as_a_value():
    """Issue 13: '<5' in a percentage column read as 'under 5 %'. Counts keep '<5'."""
    from lms.analytics.views import fmt_cell

    assert fmt_cell("<5", "rate") == "비공개" and fmt_cell("<5", "count") == "<5"
    assert fmt_cell("<5", "median") == "비공개" and fmt_cell(35.0, "median") == "35"
    assert fmt_cell(0.456, "rate") == "45.6%"


def test_the_pace_names_the_day_it_is_counted_to(world, ministry_client):
    """Issue 13: the pace of a past range read as the current pace."""
    import re

    html = ministry_client.get("/ministry?from=2026-01&to=2026-03").text
    as_of = re.search(r"기준 시각</?[^:]*: ([0-9: -]+) \(KST\)", html) or re.search(r"기준 시각: ([0-9: -]+) \(KST\)", html)
    assert as_of and as_of.group(1).startswith("2026-04-01")  # the end of March in Korea
    assert f"{as_of.group(1)}까지 최근 90일 속도" in html


def test_the_cumulative_table_ends_with_the_periods_last_month(world):
    """Issue 13: the cumulative series ran one month past the end of the chosen period."""
    from lms.analytics import services

    data = services.dashboard(Filters.from_args({"from": "2026-01", "to": "2026-03"}), suppress=True)
    labels = [row[0] for row in data["tables"]["cumulative"]["rows"]]
    assert labels and labels[-1] == "2026-03"


def test_compound_labels_do_not_break_after_a_middle_dot_or_before_a_bracket():
    """Issue 13: 반월·시화국가산업단지 and 기업(근로시간 … broke across lines on a phone."""
    from lms.analytics.charts import WORD_JOINER, hbar, keep_words

    assert keep_words("반월·시화국가산업단지") == f"반월{WORD_JOINER}·{WORD_JOINER}시화국가산업단지"
    assert keep_words("우선지원 기업(근로시간 단축)") == f"우선지원 기업{WORD_JOINER}(근로시간 단축)"
    assert keep_words("반월·시화").replace(WORD_JOINER, "") == "반월·시화"  # nothing else changes
    assert f"반월{WORD_JOINER}·" in str(hbar([("반월·시화", 10)]))
