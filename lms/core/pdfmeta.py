"""Document metadata shared by the PDFs the platform makes (certificates, monthly report).

ReportLab in invariant mode dates every document 2000-01-01 so that the bytes repeat;
:func:`created_on` dates it on a chosen Korean calendar day instead (00:00 KST), which
repeats just as well: a certificate is dated on its issue date, a report on its month's
close. Works on a ``reportlab.pdfgen.canvas.Canvas`` without importing ReportLab here.
"""
from __future__ import annotations

from datetime import date


def created_on(canvas, day: date) -> None:
    """Set the PDF's CreationDate and ModDate to 00:00 KST (+09'00') of ``day``.

    Call right after creating the canvas (before ``save``). Raises AttributeError when
    the canvas is not a ReportLab canvas."""
    stamp = canvas._doc._timeStamp  # the one ReportLab formats into /CreationDate and /ModDate
    stamp.YMDhms = (day.year, day.month, day.day, 0, 0, 0)
    stamp.dhh, stamp.dmm = 9, 0
