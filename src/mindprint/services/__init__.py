"""The use cases, one service per job; :mod:`mindprint.app` wires them together.

Services read and write through :class:`mindprint.store.Store` and decide with pure
functions of :mod:`mindprint.engine`. The outer layers (CLI, MCP server, views) call
services and never the store.
"""
