"""Staff exports and downloads of personal data ask for a reason (lms/core/export_reason.py):
the GET shows the form, the POST with a reason answers the file."""
from __future__ import annotations

REASON = {"purpose": "operation", "detail": ""}


def download(client, url: str, **reason):
    """POST ``url`` with a valid export reason (as the form does) and return the response."""
    return client.post(url, data={**REASON, **reason})
