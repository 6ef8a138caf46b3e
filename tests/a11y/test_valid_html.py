"""Every GET page of every role is valid HTML by the W3C Nu HTML checker (vnu.jar).

The checker is the vnu-jar npm package (MIT) run on Java. It is not committed (about
30 MB): ``make test`` (target ``vnu``) installs the pinned version into .cache/vnu/ with
npm, and this test does the same when it is missing, so a fresh clone needs only npm
and Java (.ci/run installs default-jre-headless where ``java`` is missing). The pages
are rendered with the Flask test client from the small world of tests/a11y/pages.py and
checked in one run of the checker.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.a11y.pages import make_world, render_all

REPO = Path(__file__).resolve().parents[2]
VNU_VERSION = "26.9.27"  # the same as VNU_VERSION in the Makefile
VNU_DIR = REPO / ".cache" / "vnu"
VNU_JAR = VNU_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def vnu_jar() -> Path:
    """The pinned vnu.jar, installed from the npm registry when missing."""
    if not VNU_JAR.exists():
        npm = shutil.which("npm")
        assert npm, "npm is needed to install the Nu HTML checker (vnu-jar); install Debian's 'npm'"
        VNU_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--silent", "--no-save", "--no-audit", "--no-fund", "--prefix", str(VNU_DIR),
                        f"vnu-jar@{VNU_VERSION}"], check=True, timeout=600)
    return VNU_JAR


def run_vnu(files: list[Path]) -> list[dict]:
    """The checker's error messages for ``files`` (one Java process for all of them)."""
    java = shutil.which("java")
    assert java, "Java is needed by the Nu HTML checker; install 'default-jre-headless' (.ci/run does)"
    proc = subprocess.run([java, "-Xss4m", "-jar", str(vnu_jar()), "--errors-only", "--format", "json",
                           *map(str, files)], capture_output=True, text=True, timeout=600)
    out = json.loads(proc.stderr or proc.stdout or '{"messages": []}')
    return [m for m in out["messages"] if m.get("type") == "error" or m.get("subType") == "fatal"]


def report(errors: list[dict], names: dict[str, str]) -> str:
    lines = []
    for m in errors:
        page = names.get(Path(m.get("url", "").replace("file:", "")).name, m.get("url"))
        where = f"line {m['lastLine']}" if "lastLine" in m else ""
        lines.append(f"- {page} {where}: {m['message']}\n    {(m.get('extract') or '').strip()[:160]}")
    return "\n".join(lines)


@pytest.mark.filterwarnings("ignore")
def test_every_page_is_valid_html(app, monkeypatch):
    monkeypatch.setattr("lms.certificates.pdf.render_certificate", lambda cert, *a, **k: b"%PDF-1.4 test")
    pages = render_all(app, make_world())
    assert len(pages) > 100, f"only {len(pages)} pages rendered"
    with tempfile.TemporaryDirectory(prefix="vnu-") as tmp:
        names, files = {}, []
        for i, p in enumerate(pages):
            path = Path(tmp) / f"page{i:03d}.html"
            path.write_text(p.html, encoding="utf-8")
            names[path.name] = f"{p.name} ({p.url})"
            files.append(path)
        errors = run_vnu(files)
    assert not errors, f"{len(errors)} HTML errors (W3C Nu checker) on {len(pages)} pages:\n" + report(errors, names)
