"""Courses and modules; ``loader.py`` reads courses/ and upserts them."""
