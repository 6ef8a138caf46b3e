"""Courses and modules; ``reader.py`` reads and validates courses/, ``loader.py`` upserts them."""
