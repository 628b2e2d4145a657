"""`wizerscope inspect`: the Rich report and `--json` (which never loads Rich or Textual)."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.helpers import CORPUS
from tests.helpers.cli import run_cli
from tests.helpers.inspector_wat import COUNTER, NESTED, REJECTED, write

import pytest


def test_json_report(tmp_path):
    p = run_cli("inspect", "--json", write(tmp_path, "counter.wat", COUNTER))
    assert p.returncode == 0, p.stderr
    rep = json.loads(p.stdout)
    assert rep["kind"] == "module" and rep["init_func"] == "wizer-initialize" and rep["rejections"] == []
    assert [g["name"] for g in rep["globals"]] == ["calls", "checksum"]
    assert rep["memories"][0]["data_segments"][0]["offset"] == "0x10"
    cands = {c["name"]: c for c in rep["candidates"]}
    assert cands["wizer-initialize"]["usable"] and not cands["square"]["usable"]
    labels = [c["label"] for c in rep["structure"]["children"]]
    assert labels[0].startswith("type section") and any(l.startswith("data section") for l in labels)
    assert [i["export"] for i in rep["instrumentation"]] == ["__wizer_global_0", "__wizer_global_1",
                                                             "__wizer_memory_0"]


def test_json_path_loads_neither_rich_nor_textual(tmp_path):
    path = write(tmp_path, "counter.wat", COUNTER)
    code = ("import sys, io, contextlib\nfrom wizerscope.cli import main\n"
            f"with contextlib.redirect_stdout(io.StringIO()): main(['inspect', '--json', {path!r}])\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'textual')))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"


def test_rich_report_and_rejections(tmp_path):
    ok = run_cli("inspect", write(tmp_path, "counter.wat", COUNTER))
    assert ok.returncode == 0
    text = ok.stdout.decode()
    assert "global 1 $checksum : (mut i64) = 0" in text and "[i32] -> [i32]" in text
    assert "No rejections" in text
    bad = run_cli("inspect", write(tmp_path, "rejected.wat", REJECTED))
    assert bad.returncode == 1
    out = bad.stdout.decode()
    assert "unsupported `table.grow` instruction" in out and "hint:" in out and "at byte offset" in out
    rep = json.loads(run_cli("inspect", "--json", str(tmp_path / "rejected.wat")).stdout)
    assert rep["rejections"][0]["context"] and rep["rejections"][0]["rule"] == "forbidden-instruction"


def test_component_tree_and_init_func_flag(tmp_path):
    p = run_cli("inspect", "--json", "-f", "get", write(tmp_path, "nested.wat", NESTED))
    rep = json.loads(p.stdout)
    assert rep["kind"] == "component" and rep["init_func"] == "get"
    nested = [c for c in rep["structure"]["children"] if c["label"] == "component 0"]
    assert nested and any(c["label"].startswith("core module 0") for c in nested[0]["children"])
    assert rep["globals"][0]["where"] == "component 0 / core module 0"


def test_missing_file_is_one_paragraph():
    p = run_cli("inspect", "/nonexistent/x.wasm")
    assert p.returncode == 1 and b"Traceback" not in p.stderr and b"no such file" in p.stderr


@pytest.mark.corpus
def test_corpus_rejected_nested_component_opens():
    path = CORPUS / "reject_nested_component.wasm"
    if not path.exists():
        pytest.skip("corpus not built")
    rep = json.loads(run_cli("inspect", "--json", str(path)).stdout)
    assert rep["rejections"] == []          # wizerscope pre-initializes what the reference refuses
    assert any(g["where"].startswith("component 0") for g in rep["globals"])
