"""The shared list helper: bad arguments fall back to defaults, LIKE wildcards are
literal, keyset cursors round-trip and a forged cursor is ignored."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings, strategies as st
from sqlalchemy import select

from lms.core.audit import AuditEvent, record
from lms.core.pagination import (MAX_PER_PAGE, ListSpec, decode_cursor, encode_cursor, keyset, list_args,
                                 paginate, search)
from lms.extensions import db
from tests.factories import make_user

SPEC = ListSpec(sorts={"name": "x"}, default_sort="name", tiebreak="id", per_page=25)


@given(page=st.text(max_size=8), per_page=st.text(max_size=8), sort=st.text(max_size=8),
       direction=st.text(max_size=5))
@settings(max_examples=200, deadline=None)
def test_any_list_arguments_give_a_valid_request(page, per_page, sort, direction):
    args = list_args({"page": page, "per_page": per_page, "sort": sort, "dir": direction}, SPEC)
    assert args.page >= 1
    assert 1 <= args.per_page <= MAX_PER_PAGE
    assert args.sort in SPEC.sorts and args.direction in ("asc", "desc")


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                    timezones=st.just(timezone.utc)), st.integers(min_value=0, max_value=2**62))
def test_cursors_round_trip(moment, ident):
    assert decode_cursor(encode_cursor((moment, ident)), 2) == (moment, ident)


def test_forged_or_naive_cursors_are_ignored():
    assert decode_cursor("garbage", 2) is None
    assert decode_cursor("t2026-01-01T00:00:00~i5", 2) is None  # no time zone
    assert decode_cursor("i5", 2) is None
    assert decode_cursor(None, 2) is None


def test_search_treats_like_wildcards_literally():
    from lms.accounts.models import User

    make_user(name="백%퍼센트")
    make_user(name="백분율")
    names = db.session.execute(search(select(User.name), "백%", User.name)).scalars().all()
    assert names == ["백%퍼센트"]


def test_offset_page_past_the_end_shows_the_last_page():
    from lms.accounts.models import User

    for k in range(7):
        make_user(name=f"페이지{k}")
    spec = ListSpec(sorts={"name": User.name}, default_sort="name", tiebreak=User.id, per_page=3)
    stmt = select(User).where(User.name.like("페이지%"))
    page = paginate(db.session, stmt, spec, list_args({"page": "99"}, spec))
    assert page.page == 3 and page.total == 7 and [u.name for u in page.items] == ["페이지6"]
    assert page.has_prev and not page.has_next


def test_keyset_walks_forward_and_back_over_equal_timestamps():
    actor = make_user("admin")
    same = datetime(2026, 5, 1, tzinfo=timezone.utc)
    events = []
    for k in range(5):
        e = record(actor, "account.create", object_type="User", object_id=k)
        e.created_at = same if k < 3 else same + timedelta(minutes=k)
        events.append(e)
    db.session.flush()
    stmt = select(AuditEvent).where(AuditEvent.actor_id == actor.id)
    key = (AuditEvent.created_at, AuditEvent.id)
    seen, args = [], {"per_page": "2"}
    while True:
        page = keyset(db.session, stmt, key, args, row_key=lambda e: (e.created_at, e.id))
        seen += [e.id for e in page.items]
        if not page.has_next:
            break
        args = {"per_page": "2", "after": page.next_cursor}
    expected = [e.id for e in sorted(events, key=lambda e: (e.created_at, e.id), reverse=True)]
    assert seen == expected
    back = keyset(db.session, stmt, key, {"per_page": "2", "before": page.prev_cursor},
                  row_key=lambda e: (e.created_at, e.id))
    assert [e.id for e in back.items] == expected[2:4]
