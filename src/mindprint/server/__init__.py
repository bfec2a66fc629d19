"""The MCP server layer: tools, resources and prompts over the :class:`~mindprint.app.Mindprint`
use cases, served over stdio or streamable HTTP (see :mod:`mindprint.server.run`)."""

from mindprint.server.server import build_server

__all__ = ["build_server"]
