"""PDF metadata and the seal (issue 13): a certificate carries its title, author, subject,
language (ko-KR or en) and a creation date equal to its issue date, with bytes that still
repeat; the seal sits beside the head's name without covering it. Certificates issued with
the first layout are re-drawn exactly as issued (their stored SHA-256 keeps matching)."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from lms.certificates.pdf import LAYOUT, render_certificate
from lms.core.timeutil import to_kst
from lms.extensions import db


def _meta(data: bytes):
    reader = PdfReader(io.BytesIO(data))
    return reader.metadata, reader.trailer["/Root"].get("/Lang")


def test_issued_certificate_has_full_metadata(cert):
    assert cert.snapshot["layout"] == LAYOUT == 2
    ko, en = render_certificate(cert), render_certificate(cert, "en")
    issued = to_kst(cert.issued_at).strftime("%Y%m%d")
    for data, lang, course in ((ko, "ko-KR", "스마트공장 기초"), (en, "en", "Smart Factory Basics")):
        meta, doc_lang = _meta(data)
        assert str(doc_lang) == lang
        assert meta.title.endswith(cert.number) and meta.author
        assert course in meta.subject and "홍길동" in meta.subject
        assert meta["/CreationDate"] == f"D:{issued}000000+09'00'" == meta["/ModDate"]
    assert render_certificate(cert) == ko  # still byte for byte


def test_first_layout_certificates_redraw_as_issued(cert):
    """A certificate issued before layouts were numbered keeps its bytes: no new metadata,
    the seal where it was, and the stored hash of its first render still matches."""
    import hashlib

    snap = dict(cert.snapshot)
    snap.pop("layout")
    cert.snapshot = snap
    db.session.flush()
    old = render_certificate(cert)
    meta, lang = _meta(old)
    assert lang is None and meta["/CreationDate"].startswith("D:20000101")
    assert hashlib.sha256(render_certificate(cert)).hexdigest() == hashlib.sha256(old).hexdigest()


def _seal_x(data: bytes) -> float:
    reader = PdfReader(io.BytesIO(data))
    ops = ContentStream(reader.pages[0].get_contents(), reader).operations
    xs = [float(args[4]) for args, op in ops if op == b"cm" and len(args) == 6 and round(float(args[0])) == 58]
    assert xs, "the seal image was not found"
    return xs[0]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_seal_sits_beside_the_heads_name(cert):
    data = render_certificate(cert)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.pdf"
        path.write_bytes(data)
        html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
    head = cert.snapshot["head_name_ko"]
    boxes = [float(m.group(1)) for m in re.finditer(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>' +
                                                      re.escape(head) + "</word>", html)]
    assert boxes, f"{head} not found in the PDF text"
    assert _seal_x(data) >= max(boxes), "the seal covers the head's name"
