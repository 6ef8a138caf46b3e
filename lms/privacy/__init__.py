"""Data subject rights under PIPA: a person's own data as a download, and account deletion
(pseudonymisation). See export.py and erasure.py; docs/ARCHITECTURE.md lists the fields."""
