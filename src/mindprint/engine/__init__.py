"""Pure domain logic of mindprint (RPM and RPO), one subpackage per stage.

Read top-down: ``features`` (what an item says) -> ``factors`` (grouping, statistics and
reasoning paths) -> ``pipeline`` (the stages run per item, per user and per query) ->
``predict`` (population, departure, retrieval) -> ``rewrite`` (RPO offline) -> ``llm``
(the LLM versions of the stages). Shared types and protocols sit here. A stage imports
only the stages before it (``tests/test_architecture.py``). Nothing in this package
imports mcp, anthropic, openai, fastembed or sqlite_utils: it depends only on the
protocols in :mod:`mindprint.engine.protocols`. Its only I/O is reading two files shipped
in it (the rating prior, the LLM prompts); its only state, the ``ContextVar`` naming the
user an LLM call is made for (:mod:`mindprint.engine.llm.interface`).
"""
