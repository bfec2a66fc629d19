"""``python -m mindprint.server``, also run as a file by the Claude Desktop bundle."""

import os
import sys

if not __package__:
    # Run as a file: Python put this folder first on sys.path, where profile.py, tools.py
    # and friends would shadow top-level modules of the same names.
    _here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]

from mindprint.server.run import main

main()
