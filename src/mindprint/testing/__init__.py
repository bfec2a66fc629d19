"""Test doubles at real boundaries, shared by the test suite and the benchmarks.

``fake_llm``: a local HTTP server speaking the Anthropic and OpenAI wire formats, so
the real SDK clients are exercised without a network or a key. Nothing in the
product imports this package.
"""
