"""Importers of real exports (ChatGPT, Claude, Goodreads, Letterboxd) and of any
CSV/TSV/JSON with a column map, detected by content and read as streams.

``make_plan`` detects the format and says how to read the file; ``scan`` streams the
validated items (:class:`NewItem`) and fills an :class:`ImportSummary`. Writing is the caller's (the
application's ``add_items``), so every item goes through one path into the store.
"""

from mindprint.importers.generic import parse_map
from mindprint.importers.plan import FORMATS, Plan, detect, make_plan
from mindprint.importers.scan import read_file, scan
from mindprint.importers.summary import ImportSummary
from mindprint.store import NewItem

__all__ = ["FORMATS", "ImportSummary", "NewItem", "Plan", "detect", "make_plan", "parse_map", "read_file", "scan"]
