"""The PDF: reproducible bytes, embedded subset font, extractable Korean text, a QR that decodes."""
from __future__ import annotations

import io
import subprocess
import shutil
import tempfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from lms.certificates.pdf import render_certificate


def _fonts(reader):
    out = []
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            out.append(font)
    return out


def test_rerender_gives_identical_bytes(cert):
    assert render_certificate(cert) == render_certificate(cert)
    assert render_certificate(cert, "en") == render_certificate(cert, "en")


def test_a4_single_page_with_embedded_subset_font(cert):
    reader = PdfReader(io.BytesIO(render_certificate(cert)))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    fonts = _fonts(reader)
    assert fonts
    for font in fonts:
        name = str(font["/BaseFont"])
        assert "+" in name and len(name.split("+")[0].lstrip("/")) == 6, name  # subset tag, e.g. AAAAAA+
        assert "NanumMyeongjo" in name
        assert "/FontFile2" in font["/FontDescriptor"]  # the TrueType program is embedded


def test_korean_text_extracts(cert):
    text = PdfReader(io.BytesIO(render_certificate(cert))).pages[0].extract_text()
    compact = "".join(text.split())
    assert "홍길동" in compact
    assert "스마트공장기초" in compact
    assert "수료증" in compact
    assert f"제{cert.number}호" in compact
    assert "1990.1.2." in compact
    assert "40시간" in compact
    assert cert.verification_code in compact
    issued = cert.issued_at.astimezone(__import__("lms.core.timeutil", fromlist=["KST"]).KST).date()
    assert f"{issued.year}년{issued.month}월{issued.day}일" in compact


def test_english_version(cert):
    text = PdfReader(io.BytesIO(render_certificate(cert, "en"))).pages[0].extract_text()
    assert "CERTIFICATE OF COMPLETION" in text
    assert "Smart Factory Basics" in text
    assert "Korea Smart University" in text


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_qr_decodes_to_the_verification_url(cert, app):
    import zxingcpp
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "c.pdf"
        pdf.write_bytes(render_certificate(cert))
        subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(pdf), str(Path(tmp) / "page")], check=True)
        image = Image.open(Path(tmp) / "page.png")
        results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    texts = [r.text for r in results]
    assert texts == [f"{app.config['PUBLIC_BASE_URL']}/verify/{cert.verification_code}"]
    assert cert.snapshot["verify_url"] == texts[0]


def test_qr_matrix_is_drawn_as_one_path(cert):
    from lms.certificates import qr

    size, rows = qr.encode("http://localhost/verify/abc")
    ops = qr.pdf_operators(size, rows, 10, 10, 70)
    assert ops.count(" f ") + ops.endswith("f Q") == 1  # one fill for the whole symbol
    assert qr.is_dark(size, rows, 0, 0) and qr.is_dark(size, rows, 6, 6)  # finder pattern corner
