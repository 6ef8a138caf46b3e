"""Programmes (contract departments, smart labs, online), cohorts, smart labs,
sessions, bookings, attendance and practical sign-off."""
