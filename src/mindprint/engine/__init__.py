"""Pure domain logic of mindprint (RPM and RPO).

Nothing in this package imports mcp, anthropic, openai, fastembed or sqlite_utils:
it depends only on the protocols in :mod:`mindprint.engine.protocols`.
"""
