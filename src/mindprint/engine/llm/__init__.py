"""The LLM versions of the stages (features, factors, paths, rewrite) over the
:class:`~mindprint.engine.llm.interface.LLM` protocol that providers implement."""
