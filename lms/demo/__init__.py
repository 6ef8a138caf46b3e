"""Demo data: ``flask demo seed`` builds a realistic, deterministic programme."""
