"""Write the general English reference the style profile's distinctive words are read
against: the whole words of the embedding model's tokenizer, in the order of its vocabulary.

The vocabulary of all-MiniLM-L6-v2 (BERT's uncased WordPiece vocabulary, Apache-2.0) lists
its whole words, after the reserved tokens and single characters, by how often they occur in
the English text it was built from ("the", "of", "and", ...): a frequency ranking that is
already on the machine, with no word list downloaded. Run once when the model changes:

    .venv/bin/python scripts/common_words.py [TOKENIZER_JSON]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# Ids below this are reserved tokens, unused slots and single characters.
FIRST_WORD_ID = 1996
KEEP = 10_000
OUT = Path(__file__).resolve().parents[1] / "src/mindprint/engine/features/data/common_words.txt"


HEADER = ("# The most frequent English words, most frequent first: the whole words of the\n"
          "# all-MiniLM-L6-v2 tokenizer's vocabulary in its order (scripts/common_words.py).\n")


def reference(tokenizer_json: Path) -> str:
    """The file's text, from the tokenizer's ``tokenizer.json``."""
    vocab: dict[str, int] = json.loads(tokenizer_json.read_text("utf-8"))["model"]["vocab"]
    ranked = [w for w, i in sorted(vocab.items(), key=lambda kv: kv[1])
              if i >= FIRST_WORD_ID and w.isascii() and w.isalpha()][:KEEP]
    return HEADER + "\n".join(ranked) + "\n"


def main(argv: list[str]) -> int:
    from mindprint.settings import EmbeddingSettings

    src = Path(argv[1]) if len(argv) > 1 else EmbeddingSettings().resolved_model_dir / "tokenizer.json"
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(reference(src), "utf-8")
    print(f"wrote {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
