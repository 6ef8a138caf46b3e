"""Users, roles, login, registration, consent and password reset."""
