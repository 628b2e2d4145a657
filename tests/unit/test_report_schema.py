"""One report model, one JSON writer: ``init --json`` has the same shape for a module and for a
component, each module entry of a component has exactly the keys of a core module's entry, and
the keys scripts rely on are pinned here (a change to them is a change to ``SCHEMA``)."""
from __future__ import annotations

import json

from wizerscope.report.model import SCHEMA

from tests.helpers.cli import run_cli
from tests.helpers.inspector_wat import COUNTER, NESTED, write

TOP = {"schema", "kind", "init_func", "init_results", "modules", "component", "sizes", "timings", "compiler",
       "stdout", "stderr", "reference_gaps", "host_mode", "host_calls", "files_read_bytes", "fuel_used",
       "anatomy", "startup", "dead_stack_saved", "notes", "code"}
MODULE = {"path", "core_instance", "copy_of", "globals", "memories", "segments", "rewrite"}
GLOBAL = {"index", "name", "type", "before", "after", "changed"}
MEMORY = {"index", "type", "pages_before", "pages_after", "bytes"}
SEGMENTS = {"raw_runs", "merged", "cap_merges", "merged_to_fit", "final", "bytes", "list"}
REWRITE = {"removed_exports", "renamed_exports", "removed_start", "emptied_active_segments",
           "kept_passive_segments", "added_segments", "data_count"}
SIZES = {"input", "output", "output_gzip", "snapshot", "snapshot_share"}
ANATOMY = {"module", "memory", "regions", "symbols", "snapshot_bytes", "notes"}
REGION = {"kind", "name", "start", "end", "bytes"}
COMPONENT = {"accessors", "removed_exports", "kept_core_exports", "renumbered_funcs_from", "state_read"}


def _report(tmp_path, name: str, text: str) -> dict:
    p = run_cli("init", write(tmp_path, name, text), "-o", str(tmp_path / f"{name}.wasm"), "--json")
    assert p.returncode == 0, p.stderr.decode()
    return json.loads(p.stdout)


def _shape(value):
    """The keys of every dict inside ``value``, recursively (list items merged)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        shapes = [_shape(v) for v in value if isinstance(v, (dict, list))]
        return shapes[0] if shapes else []
    return None


def test_module_and_component_reports_share_one_shape(tmp_path):
    core = _report(tmp_path, "counter.wat", COUNTER)
    comp = _report(tmp_path, "nested.wat", NESTED)
    assert list(core)[0] == "schema" and core["schema"] == comp["schema"] == SCHEMA
    assert set(core) == set(comp) == TOP
    assert (core["kind"], comp["kind"]) == ("module", "component")
    assert core["component"] is None and set(comp["component"]) == COMPONENT
    (cm,) = core["modules"]
    (km,) = comp["modules"]
    assert _shape(cm) == _shape(km)
    assert set(cm) == MODULE and set(cm["globals"][0]) == GLOBAL and set(cm["memories"][0]) == MEMORY
    assert set(cm["segments"]) == SEGMENTS and set(cm["rewrite"]) == REWRITE
    assert cm["path"] == "" and km["path"] == "component 0 / core module 0"
    assert set(core["sizes"]) == set(comp["sizes"]) == SIZES
    for report, module in ((core, cm), (comp, km)):
        assert report["startup"] is None and report["dead_stack_saved"] is None
        (anatomy,) = report["anatomy"]
        assert set(anatomy) == ANATOMY and anatomy["module"] == module["path"]
        assert set(anatomy["regions"][0]) == REGION
        assert sum(r["bytes"] for r in anatomy["regions"]) == anatomy["snapshot_bytes"] == module["segments"]["bytes"]
