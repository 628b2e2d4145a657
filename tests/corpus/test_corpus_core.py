"""Real inputs: the shared corpus's core modules, against the reference's recorded results.

Runs when /tmp/wizerscope-corpus/MANIFEST.tsv exists (build it with ../shared/corpus/build.sh) and
skips otherwise. The item list, flags and verify checks come from the corpus's own ``corpus.py``.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import CORPUS
from tests.helpers.cli import run_cli
from tests.helpers.corpus import CORPUS_PY, ROWS, needs_corpus

pytestmark = needs_corpus
CORE = [it for it in getattr(CORPUS_PY, "ITEMS", []) if it.kind == "core" and it.name in ROWS]
ACCEPTED = [it for it in CORE if ROWS[it.name]["wizer_accepts"] == "yes"]
REJECTED = [it for it in CORE if ROWS[it.name]["wizer_accepts"] == "no"]

# What the reference reports, and where our wording differs on purpose, what we say instead.
OUR_WORDING = {
    # reference: "unknown import: `host::log` has not been defined" (a trap inside init)
    "reject_calls_import": ["the `wizer-initialize` function trapped",
                            "attempted to call an unknown imported function: 'host' 'log'"],
}


def _init(it, tmp_path: Path):
    out = tmp_path / f"{it.name}.out.wasm"
    p = run_cli("init", *it.wizer_args, "-f", it.init, str(CORPUS / f"{it.name}.wasm"), "-o", str(out))
    return p, out


@pytest.mark.parametrize("it", ACCEPTED, ids=lambda it: it.name)
def test_accepted_items_match_the_reference(it, tmp_path, wasmtime_cli):
    p, out = _init(it, tmp_path)
    assert p.returncode == 0, p.stderr.decode()
    assert "Traceback" not in p.stderr.decode()
    if it.det_out:
        ref = CORPUS / ROWS[it.name]["wizer_output"]
        assert out.read_bytes() == ref.read_bytes(), f"{it.name}: output differs from `wasmtime wizer`"
    else:
        # init reads the clock or random numbers: the bytes differ run to run, the behaviour must not
        _, expected, ok = CORPUS_PY.do_checks(wasmtime_cli, str(tmp_path), out.name, it.after)
        assert ok, f"{it.name}: verify commands failed (expected {expected})"
        assert abs(out.stat().st_size - int(ROWS[it.name]["wizer_output_size"])) < 4096


@pytest.mark.parametrize("it", REJECTED, ids=lambda it: it.name)
def test_rejected_items_are_rejected_with_the_reference_message(it, tmp_path):
    p, out = _init(it, tmp_path)
    assert p.returncode == 1
    err = p.stderr.decode()
    assert "Traceback" not in err
    expected = OUR_WORDING.get(it.name) or [ROWS[it.name]["wizer_error"].split(" | ")[0].removeprefix("Error: ")]
    for piece in expected:
        assert piece in err, err
    assert not out.exists()
