"""Completion certificates (수료증): issuing, numbering, revocation, verification, PDF."""
