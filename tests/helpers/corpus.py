"""The shared corpus of real inputs: its MANIFEST.tsv rows and its own ``corpus.py`` (items, flags,
verify checks). Built by ../shared/corpus/build.sh into /tmp/wizerscope-corpus."""
from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import pytest

from tests.helpers import CORPUS, ROOT

TOOLS = Path(os.environ.get("WIZERSCOPE_CORPUS_TOOLS", ROOT.parent / "shared" / "corpus" / "src" / "tools"))
MANIFEST = CORPUS / "MANIFEST.tsv"

# the marker of a test module that needs the corpus and its tools
needs_corpus = pytest.mark.skipif(not MANIFEST.exists() or not (TOOLS / "corpus.py").exists(),
                                  reason="corpus not built (bash ../shared/corpus/build.sh)")


def _load_corpus_py():
    if not (TOOLS / "corpus.py").exists():
        return []
    sys.path.insert(0, str(TOOLS))
    try:
        import corpus
    finally:
        sys.path.remove(str(TOOLS))
    return corpus


def _manifest() -> dict[str, dict]:
    if not MANIFEST.exists():
        return {}
    with MANIFEST.open(newline="") as f:
        return {row["name"].removesuffix(".wasm"): row for row in csv.DictReader(f, delimiter="\t")}


CORPUS_PY = _load_corpus_py()
ROWS = _manifest()
