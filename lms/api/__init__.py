"""JSON API v1 (/api/v1): personal access tokens, problem details, the OpenAPI 3.1 document.

See docs/ARCHITECTURE.md ("JSON API v1") for the endpoints, scopes and rules.
"""
