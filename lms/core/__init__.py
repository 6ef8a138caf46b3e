"""Shared building blocks: model base, authorization, i18n, time, file io."""
