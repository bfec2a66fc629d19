"""mindprint: reasoning-level personalization for any MCP client."""

__version__ = "0.1.0"
