"""Certificate PDFs (수료증) with ReportLab. The only certificates module that imports ReportLab.

``render_certificate(cert, locale="ko") -> bytes`` draws an A4 Korean completion
certificate (or its English version) from the certificate's snapshot alone, so
later edits to profiles, courses or institutions never change a re-render.
Output is byte-for-byte reproducible: the canvas runs in ReportLab's invariant
mode (fixed creation date and document id), and every input comes from the
stored certificate. The Nanum Myeongjo font is vendored in ``static/fonts`` and
embedded as subsets; nothing is read from the system's fonts.

Speed: fonts, the default seal and image readers are loaded once per process;
the QR code is drawn as a single filled path (see ``qr.py``).
"""
from __future__ import annotations

import copy
import hashlib
import io
import threading
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas

from lms.certificates import qr
from lms.core.pdfmeta import created_on

REPO = Path(__file__).resolve().parents[2]
FONT_DIR = REPO / "static" / "fonts"
DEFAULT_SEAL = REPO / "static" / "img" / "seal-default.png"

FONT = "NanumMyeongjo"
# One embedded font only: every extra TTF costs a second subset per page (~25% of
# the render time). Bold is drawn as fill+stroke text (render mode 2) instead.
BOLD = 2

rl_config.invariant = 1  # fixed dates/ids: identical bytes on every render
# Binary (not ASCII85) streams: smaller files, and ReportLab 4 has no C accelerator for
# ASCII85, which alone cost ~10 ms per certificate.
rl_config.useA85 = 0

_font_lock = threading.Lock()
_fonts_ready = False


def _register_fonts() -> None:
    """Register the vendored TTFs once per process (parsing a 4 MB font costs ~100 ms)."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _font_lock:
        if _fonts_ready:
            return
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "NanumMyeongjo.ttf")))
        _fonts_ready = True


@lru_cache(maxsize=1)
def default_seal_png() -> bytes:
    return DEFAULT_SEAL.read_bytes()


@lru_cache(maxsize=32)
def _image_xobjects(digest: str, data: bytes):
    """The image's PDF XObject (and soft mask), decoded and compressed once per process.

    ReportLab would otherwise decode, hash and deflate the seal for every page,
    which was about a third of a certificate's render time.
    """
    img = pdfdoc.PDFImageXObject("seal" + digest[:16], ImageReader(io.BytesIO(data)), mask="auto")
    smask = getattr(img, "_smask", None)
    if smask is not None:
        del img._smask
    return img, smask


def _draw_image(c, data: bytes, x: float, y: float, w: float, h: float) -> None:
    """Draw a PNG/JPEG fitted (aspect kept, centred) into the box, reusing the cached XObject."""
    template, smask_template = _image_xobjects(hashlib.sha256(data).hexdigest(), data)
    doc = c._doc
    name = template.name
    reg = doc.getXObjectName(name)
    if reg not in doc.idToObject:
        img = copy.copy(template)  # shallow: the compressed stream is shared, per-document links are not
        img.XObjects = None
        doc.Reference(img, reg)
        doc.addForm(name, img)
        if smask_template is not None:
            smask = copy.copy(smask_template)
            smask.XObjects = None
            img.smask = doc.Reference(smask, doc.getXObjectName(smask.name))
    scale = min(w / template.width, h / template.height)
    dw, dh = template.width * scale, template.height * scale
    c.saveState()
    c.translate(x + (w - dw) / 2, y + (h - dh) / 2)
    c.scale(dw, dh)
    c.addLiteral(f"/{reg} Do")
    c.restoreState()
    c._formsinuse.append(name)


@dataclass(frozen=True)
class CertificateDoc:
    """Everything printed on a certificate, as plain values."""

    number: str
    verification_code: str
    verify_url: str
    issued_on: date
    expires_on: date | None
    name: str
    birth_date: date | None
    company: str | None
    course_title_ko: str
    course_title_en: str
    hours: int | float
    period_start: date
    period_end: date
    institution_ko: str
    institution_en: str
    head_title_ko: str
    head_title_en: str
    head_name_ko: str
    head_name_en: str
    seal_png: bytes | None = None
    logo_png: bytes | None = None
    # The certificate's state when this copy is made (lms.certificates.state). "valid"
    # draws the issued document byte for byte; any other state stamps every copy.
    state: str = "valid"
    # The layout it was issued with (snapshot "layout"); see LAYOUT.
    layout: int = 1
    successor_number: str | None = None


_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


def _dotted(d: date) -> str:
    return f"{d.year}. {d.month}. {d.day}."


def _korean(d: date) -> str:
    return f"{d.year}년 {d.month}월 {d.day}일"


def _english(d: date) -> str:
    return f"{_EN_MONTHS[d.month - 1]} {d.day}, {d.year}"


def _hours(h) -> str:
    return str(int(h)) if float(h).is_integer() else f"{float(h):g}"


def _labels(locale: str, doc: CertificateDoc) -> dict:
    if locale == "en":
        return {
            "number": f"No. {doc.number}",
            "title": "CERTIFICATE OF COMPLETION",
            "title_size": 26,
            "fields": [
                ("Name", doc.name),
                ("Date of birth", _english(doc.birth_date) if doc.birth_date else None),
                ("Affiliation", doc.company),
                ("Course", doc.course_title_en or doc.course_title_ko),
                ("Period", f"{_english(doc.period_start)} – {_english(doc.period_end)}"),
                ("Hours", f"{_hours(doc.hours)} hours"),
            ],
            "sentence": "This is to certify that the person named above has successfully "
                        "completed the course described above.",
            "date": _english(doc.issued_on),
            "institution": doc.institution_en or doc.institution_ko,
            "head": " ".join(x for x in (doc.head_title_en, doc.head_name_en or doc.head_name_ko) if x),
            "verify": "Verify online",
            "code": "Verification code",
            "valid_until": f"Valid until {_english(doc.expires_on)}" if doc.expires_on else None,
            "label_width": 110,
        }
    return {
        "number": f"제 {doc.number} 호",
        "title": "수 료 증",
        "title_size": 40,
        "fields": [
            ("성      명", doc.name),
            ("생 년 월 일", _dotted(doc.birth_date) if doc.birth_date else None),
            ("소      속", doc.company),
            ("과  정  명", doc.course_title_ko),
            ("교 육 기 간", f"{_dotted(doc.period_start)} ~ {_dotted(doc.period_end)}"),
            ("교 육 시 간", f"{_hours(doc.hours)}시간"),
        ],
        "sentence": "위 사람은 본 기관에서 실시한 위 교육과정을 성실히 이수하였으므로 이 증서를 수여합니다.",
        "date": _korean(doc.issued_on),
        "institution": doc.institution_ko,
        "head": " ".join(x for x in (doc.head_title_ko, doc.head_name_ko) if x),
        "verify": "진위 확인",
        "code": "확인 코드",
        "valid_until": f"유효기간: {_dotted(doc.expires_on)}까지" if doc.expires_on else None,
        "label_width": 92,
    }


# What a copy of a certificate that no longer attests a valid completion says, per state:
# (the large diagonal stamp, the banner under the title). Documents carry their own language.
_STAMPS = {
    "ko": {
        "revoked": ("취소됨 · 효력 없음", "이 수료증은 발급기관이 취소하여 효력이 없습니다."),
        "superseded": ("효력 없음 · 재발급됨", "이 수료증은 재발급되어 효력이 없습니다."),
        "expired": ("유효기간 만료", "이 수료증은 유효기간이 지났습니다."),
    },
    "en": {
        "revoked": ("REVOKED · NOT VALID", "This certificate was revoked by the issuer and is not valid."),
        "superseded": ("NOT VALID · REISSUED", "This certificate was reissued and is no longer valid."),
        "expired": ("EXPIRED", "The validity period of this certificate has ended."),
    },
}


def stamp_texts(state: str, locale: str = "ko", successor_number: str | None = None) -> list[str]:
    """The lines stamped on a copy in ``state`` (empty for "valid"): stamp, banner, successor."""
    locale = "en" if locale == "en" else "ko"
    if state not in _STAMPS[locale]:
        return []
    lines = list(_STAMPS[locale][state])
    if state == "superseded" and successor_number:
        lines.append(f"Replaced by No. {successor_number}" if locale == "en"
                     else f"새 수료증: 제 {successor_number} 호")
    lines.append("Check its status online: " if locale == "en" else "현재 상태 확인: ")
    return lines


def _draw_stamp(c, doc: CertificateDoc, locale: str) -> None:
    """A red diagonal stamp over the whole page and a red banner under the title."""
    lines = stamp_texts(doc.state, locale, doc.successor_number)
    if not lines:
        return
    W, H = A4
    stamp, banner, rest = lines[0], lines[1], lines[2:]
    c.saveState()
    c.setFillColorRGB(0.78, 0.05, 0.05)
    c.setStrokeColorRGB(0.78, 0.05, 0.05)
    # Banner: red lines between the title and the fields, plus a red inner frame.
    c.setLineWidth(2)
    c.rect(44, 44, W - 88, H - 88)
    c.setFont(FONT, 11)
    c.drawCentredString(W / 2, H - 212, banner)
    c.setFont(FONT, 9)
    for i, line in enumerate(rest):
        if line.endswith(": "):
            line += doc.verify_url
        c.drawCentredString(W / 2, H - 226 - 12 * i, line)
    # Stamp: large, diagonal, semi-transparent, across the fields and the signature.
    c.setFillAlpha(0.35)
    c.setStrokeAlpha(0.35)
    c.translate(W / 2, H / 2 - 40)
    c.rotate(35)
    size = _fit(stamp, 64, H * 0.62)
    c.setFont(FONT, size)
    c.setLineWidth(size / 30)
    c.drawCentredString(0, -size / 3, stamp, mode=BOLD)
    c.restoreState()


def _fit(text: str, size: float, max_width: float) -> float:
    """The largest font size up to ``size`` at which ``text`` fits in ``max_width`` (long names)."""
    width = pdfmetrics.stringWidth(text, FONT, size)
    return size if width <= max_width else max(8.0, size * max_width / width)


#: The layout new certificates are issued with. 1: the first layout. 2: document metadata
#: (title, author, subject, language ko-KR / en, creation date = the issue date, KST) and
#: the seal beside the head's name instead of over its end. A certificate is always
#: re-drawn with its own layout, so its bytes (and stored SHA-256) never change.
LAYOUT = 2


def render_doc(doc: CertificateDoc, locale: str = "ko", *, with_qr: bool = True) -> bytes:
    """Draw ``doc`` and return the PDF bytes. ``with_qr=False`` exists for the benchmark."""
    _register_fonts()
    locale = "en" if locale == "en" else "ko"
    L = _labels(locale, doc)
    buf = io.BytesIO()
    W, H = A4
    # initialFontName: otherwise ReportLab lists an unused, non-embedded Helvetica.
    modern = doc.layout >= 2
    lang = ("en" if locale == "en" else "ko-KR") if modern else None
    c = rl_canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=1, initialFontName=FONT, initialFontSize=11,
                         lang=lang)
    title = f"{'Certificate' if locale == 'en' else '수료증'} {doc.number}"
    if doc.state != "valid":  # the state is in the metadata too (and how an upload is recognised)
        title += f" [{doc.state}]"
    c.setTitle(title)
    c.setAuthor(L["institution"])
    c.setCreator("Smart Factory Academy LMS")
    c.setProducer("Smart Factory Academy LMS")
    if modern:
        c.setSubject(f"{doc.course_title_en if locale == 'en' else doc.course_title_ko} · {doc.name}")
        created_on(c, doc.issued_on)

    # Frame: a thick outer and a thin inner border, the usual look of a 증서.
    c.setStrokeColorRGB(0.16, 0.23, 0.38)
    c.setLineWidth(3)
    c.rect(28, 28, W - 56, H - 56)
    c.setLineWidth(0.8)
    c.rect(36, 36, W - 72, H - 72)
    c.setStrokeColorRGB(0, 0, 0)  # for the fill+stroke "bold" text below

    c.setFillColorRGB(0, 0, 0)
    c.setFont(FONT, 11)
    c.drawString(62, H - 78, L["number"])

    if doc.logo_png:
        _draw_image(c, doc.logo_png, W - 62 - 110, H - 104, 110, 44)

    c.setFont(FONT, L["title_size"])
    c.setLineWidth(L["title_size"] / 30)
    c.drawCentredString(W / 2, H - 190, L["title"], mode=BOLD)

    # Fields: label column, colon, value wrapped to the remaining width (at most 2 lines).
    x_label = 92
    x_value = x_label + L["label_width"] + 18
    max_value_w = W - 92 - x_value
    y = H - 262
    name_label = L["fields"][0][0]
    for label, value in L["fields"]:
        if not value:
            continue
        mode = BOLD if label == name_label else None
        c.setFont(FONT, 13)
        c.drawString(x_label, y, label)
        c.drawString(x_label + L["label_width"], y, ":")
        lines = simpleSplit(str(value), FONT, 13, max_value_w)[:2]
        c.setLineWidth(0.3)
        for i, line in enumerate(lines):
            c.drawString(x_value, y - i * 18, line, mode=mode)
        y -= 31 + 18 * (len(lines) - 1)

    # The completion sentence, centred and wrapped, above the fixed signature block.
    y = min(y - 26, 402)
    c.setFont(FONT, 15)
    for line in simpleSplit(L["sentence"], FONT, 15, W - 2 * 110):
        c.drawCentredString(W / 2, y, line)
        y -= 25

    c.setFont(FONT, 14)
    c.drawCentredString(W / 2, 292, L["date"])

    # Institution and head, with the seal beside the head's name.
    c.setFont(FONT, _fit(L["institution"], 17, W - 160))
    c.setLineWidth(0.4)
    c.drawCentredString(W / 2, 248, L["institution"], mode=BOLD)
    head_size = _fit(L["head"], 19, W - 260)
    c.setFont(FONT, head_size)
    head_y = 214
    head_w = pdfmetrics.stringWidth(L["head"], FONT, head_size)
    c.drawCentredString(W / 2, head_y, L["head"], mode=BOLD)
    seal = doc.seal_png or default_seal_png()
    seal_size = 58
    # Layout 2: beside the name with a gap, never over it; layout 1 overlapped its end.
    seal_x = W / 2 + head_w / 2 + (6 if modern else -8)
    _draw_image(c, seal, seal_x, head_y - seal_size / 2 + 6, seal_size, seal_size)

    # Verification block at the bottom: QR code and the code printed beside it.
    qr_size = 74
    qx, qy = 62, 54
    if with_qr:
        size, rows = qr.encode(doc.verify_url)
        c.addLiteral(qr.pdf_operators(size, rows, qx, qy, qr_size))
    tx = qx + qr_size + 12
    c.setFont(FONT, 8.5)
    c.setFillColorRGB(0.25, 0.25, 0.25)
    c.drawString(tx, qy + 56, L["verify"] + ": " + doc.verify_url.split("/verify/")[0] + "/verify")
    c.drawString(tx, qy + 42, L["code"] + ":")
    c.setFont(FONT, 8)
    c.drawString(tx, qy + 30, doc.verification_code)
    if L["valid_until"]:
        c.setFont(FONT, 8.5)
        c.drawString(tx, qy + 14, L["valid_until"])

    _draw_stamp(c, doc, locale)
    c.showPage()
    c.save()
    return buf.getvalue()


def render_certificate(cert, locale: str = "ko", *, state: str = "valid",
                       successor_number: str | None = None) -> bytes:
    """The certificate's PDF (Korean by default, ``locale="en"`` for English).

    ``state="valid"`` (default) is the document as issued; another state (see
    ``lms.certificates.state``) stamps the copy as expired, revoked or superseded.
    Callers that hand a PDF out go through ``lms.certificates.documents``, which
    asks the certificate's state first.
    """
    from dataclasses import replace

    from lms.certificates.snapshot import doc_for

    doc = doc_for(cert)
    if state != "valid":
        doc = replace(doc, state=state, successor_number=successor_number)
    return render_doc(doc, locale)


def merge(pdfs) -> bytes:
    """One PDF of several PDF documents (bytes), in order (for cohort downloads)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for data in pdfs:
        writer.append(PdfReader(io.BytesIO(data)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
