"""Korean by default, English as the second language, every string translated."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parents[2]
PO = REPO / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")


def _extracted_msgids() -> set[str]:
    method_map = [("lms/**.py", "python"), ("templates/**.html", "jinja2")]
    ids = set()
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
                "lazy_ngettext": (1, 2)}
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(REPO), method_map=method_map, options_map={"templates/**.html": {}}, keywords=keywords
    ):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def _catalog():
    with open(PO, "rb") as fh:
        return read_po(fh, locale="en")


def test_every_ui_string_has_an_english_translation():
    catalog = _catalog()
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    missing = sorted(i for i in _extracted_msgids() if i not in translated or not translated[i].string
                     or translated[i].fuzzy)
    assert not missing, f"{len(missing)} strings lack English: {missing[:20]}"
    assert MO.exists() and MO.stat().st_mtime >= PO.stat().st_mtime - 1, "compile the catalogue: pybabel compile -d translations"


def test_html_lang_follows_locale_and_choice_persists(client):
    korean = client.get("/healthz")  # any route; then a page
    assert korean.status_code == 200
    resp = client.get("/no-such-page")
    assert '<html lang="ko">' in resp.get_data(as_text=True)
    resp = client.get("/no-such-page?lang=en")
    html = resp.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Page not found" in html
    # The choice sticks for the next request without the parameter.
    resp = client.get("/no-such-page")
    assert '<html lang="en">' in resp.get_data(as_text=True)
