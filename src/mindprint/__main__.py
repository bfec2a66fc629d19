"""``python -m mindprint``: the same as the ``mindprint`` command."""

from mindprint.cli.main import main

main()
