"""Test doubles at real boundaries, shared by the test suite and the benchmarks.

``fake_llm``: a local HTTP server speaking the Anthropic and OpenAI wire formats, so
the real SDK clients are exercised without a network or a key. ``exchanges``: distinct
review exchanges for many concurrent writers. ``synth``: generated chat exports of any
size. ``chatgpt_export``: ChatGPT exports as ChatGPT writes them, edited and regenerated
branches included. Nothing in the product imports this package.
"""
