"""The ``mindprint`` command line."""
