"""Running wizerscope's command line in a real process."""
from __future__ import annotations

import subprocess
import sys


def run_cli(*args: str, input: bytes | None = None, cwd: str | None = None) -> subprocess.CompletedProcess:
    """Run `python -m wizerscope ...` as a user would."""
    return subprocess.run([sys.executable, "-m", "wizerscope", *args], input=input, capture_output=True,
                          cwd=cwd, timeout=300)
