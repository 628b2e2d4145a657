"""Code shared by the tests (and by scripts/ and benchmarks/): import it as ``tests.helpers.<module>``."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
CORPUS = Path(os.environ.get("WIZERSCOPE_CORPUS", "/tmp/wizerscope-corpus"))
