"""Organisations and reference data: regions, root technologies, company sizes,
smart-factory levels, institutions and companies."""
