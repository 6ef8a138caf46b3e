"""Operator screens (blueprint ``admin``): accounts, outbox, reference data, institutions,
companies and the audit log. Owns no models; calls other packages' services."""
