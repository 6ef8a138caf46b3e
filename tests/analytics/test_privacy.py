"""Suppression: on the pandas frames, and on what is served (HTML, CSV, XLSX, PDF)."""
from __future__ import annotations

import io
import re

import pandas as pd

from lms.analytics import engine, privacy
from lms.analytics.filters import Filters
from lms.analytics.specs import TABLES, engine_labels
from tests.analytics.test_engine import NOW, TARGET


def computed():
    return engine.compute(engine.load_base(), Filters(), TARGET, engine_labels(), now=NOW)


def test_small_cells_hidden_and_counts_rounded_on_frames(world):
    t = computed()["tables"]
    region = privacy.suppress_frame(t["by_region"], TABLES["by_region"])
    busan = region[region["label"] == "부산광역시"].iloc[0]
    seoul = region[region["label"] == "서울특별시"].iloc[0]
    assert (busan["enrolled"], busan["completed"], busan["certified"]) == ("<5", "<5", "<5")
    # Seoul: 12 enrolled, 8 completed, 6 certified -> 10, 10, 5; the rate is 10/10 from the rounded cells.
    assert (seoul["enrolled"], seoul["completed"], seoul["certified"]) == (10, 10, 5)
    assert busan["completion_rate"] == "<5" and seoul["completion_rate"] == 1.0
    assert "key" not in region.columns and not any(c.startswith("_") for c in region.columns)


def test_no_cell_below_five_survives(world):
    t = computed()["tables"]
    for key, spec in TABLES.items():
        raw = t[key]
        shown = privacy.suppress_frame(raw, spec)
        for col in spec.columns:
            if col.kind == "count":
                for v in shown[col.key]:
                    assert isinstance(v, str) or v >= 5, (key, col.key, v)
            if col.kind == "rate":
                nums = pd.to_numeric(raw[col.num], errors="coerce") if col.num in raw else None
                for i, v in enumerate(shown[col.key]):
                    if nums is not None and nums.iloc[i] < 5 and col.num != "seats":
                        assert v in ("<5", "x") or v is None or v != v, (key, col.key, v)


def test_rounding_rule():
    published = [privacy.round_count(n) for n in (0, 1, 4, 5, 7, 8, 12, 13, 30, 31, 32, 33)]
    assert published == ["<5", "<5", "<5", 5, 5, 10, 10, 15, 30, 30, 30, 35]
    spec = TABLES["by_size"]
    df = pd.DataFrame({"key": ["a", "b", "c"], "label": ["A", "B", "C"], "enrolled": [40, 9, 3],
                       "completed": [20, 6, 7], "certified": [0, 10, 22], "completion_rate": [0.5, 0.66, 2.3]})
    out = privacy.suppress_frame(df, spec)
    assert list(out["enrolled"]) == [40, 10, "<5"]
    assert list(out["completed"]) == [20, 5, 5]
    assert list(out["certified"]) == ["<5", 10, 20]
    assert list(out["completion_rate"]) == [0.5, 0.5, "<5"]


def test_headline_small_counts_hidden():
    h = privacy.suppress_headline({"registered": 3, "active30": 0, "enrolled": 11, "completed": 4,
                                   "certified_valid": 2, "new_90d": 1, "progress_pct": 0.1, "pace_per_day": 0.01,
                                   "projected_date": "2099-01-01"})
    assert h["registered"] == "<5" and h["active30"] == "<5" and h["enrolled"] == 10  # 11 rounded
    assert h["certified_valid"] == "<5" and h["progress_pct"] == "<5"
    assert h["pace_per_day"] == "<5" and h["projected_date"] is None


PERSONAL = re.compile(r"(서울훈련생|부산훈련생|seoul\d+@|busan\d+@|1990-01-01)")


def test_served_html_has_no_person_and_suppresses(world, ministry_client):
    resp = ministry_client.get("/ministry")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert not PERSONAL.search(html)
    assert "&lt;5" in html
    # The Busan region row (3 people) never shows its true count next to its name.
    row = re.search(r"부산광역시</th>(.*?)</tr>", html, re.S).group(1)
    assert ">3<" not in row and ">2<" not in row and "&lt;5" in row


def test_served_csv_and_xlsx(world, ministry_client):
    from openpyxl import load_workbook

    from lms.core.audit import AuditEvent
    from lms.extensions import db
    import sqlalchemy as sa

    resp = ministry_client.get("/ministry/export/by_region.csv?region=&kind=")
    assert resp.status_code == 200
    data = resp.data
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "적용 필터" in text and "<5" in text and "공개 기준" in text
    assert not PERSONAL.search(text)
    assert ",3," not in text and ",12," not in text
    resp = ministry_client.get("/ministry/export/all.xlsx?kind=online")
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.data))
    cells = [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert any("사업 유형: 온라인" in c for c in cells)
    assert not any(PERSONAL.search(c) for c in cells)
    for ws in wb.worksheets:
        header_row = None
        for row in ws.iter_rows(values_only=True):
            if header_row is None and row and row[0] in ("시·도", "사업 유형", "기관", "뿌리기술", "기업 규모", "과정"):
                header_row = row
                continue
            if header_row is not None:
                for name, v in zip(header_row, row):
                    if name in ("수강 인원", "수료 인원", "유효 수료증 보유") and isinstance(v, (int, float)):
                        assert v >= 5
    events = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "analytics.export")).scalars().all()
    assert len(events) == 2 and events[1].details["filters"] == {"kind": "online"}


def test_unknown_export_is_404(world, ministry_client):
    assert ministry_client.get("/ministry/export/users.csv").status_code == 404
    assert ministry_client.get("/ministry/export/by_region.pdf").status_code == 404
