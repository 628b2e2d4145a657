"""The start-up win and the anatomy on the shared corpus: for every item the reference accepts,
`wizerscope init --json --measure-startup N` with the manifest's flags; one row per item with the
median start without pre-initialization (instantiate + init) and with it (instantiate the output),
the speedup, whether wasmtime maps the memory image copy-on-write, the snapshot bytes per region
kind and the unknown share, and the host calls init made.

    python benchmarks/bench_startup.py [--runs 10] [--only c_lut,comp_py] [--corpus DIR]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.corpus import CORPUS_PY, ROWS  # noqa: E402


def measure(it, corpus: Path, runs: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        p = subprocess.run([sys.executable, "-m", "wizerscope", "init", *it.wizer_args, "-f", it.init,
                            str(corpus / f"{it.name}.wasm"), "-o", str(Path(tmp) / "out.wasm"), "--json",
                            "--measure-startup", str(runs)], capture_output=True, cwd=ROOT)
    if p.returncode:
        raise RuntimeError(p.stderr.decode().strip().splitlines()[-1])
    return json.loads(p.stdout)


def row(name: str, report: dict) -> str:
    s = report["startup"]
    kinds: dict[str, int] = {}
    snapshot = 0
    for a in report["anatomy"]:
        snapshot += a["snapshot_bytes"]
        for r in a["regions"]:
            kinds[r["kind"]] = kinds.get(r["kind"], 0) + r["bytes"]
    unknown = 100 * kinds.get("unknown", 0) / snapshot if snapshot else 0.0
    by_kind = ", ".join(f"{k} {n:,}" for k, n in kinds.items() if n)
    calls = ", ".join(f"{c['import']} x{c['calls']}" for c in report["host_calls"]) or "none"
    image = "cow" if s["memory_image"] == "copy-on-write" else "copied"
    return (f"{name:16} {s['without_preinit_s'] * 1e3:9.3f} ms {s['with_preinit_s'] * 1e3:9.3f} ms "
            f"{s['speedup']:6.1f}x {image:6}  unknown {unknown:5.1f}%  [{by_kind}]  host calls: {calls}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--only", default="")
    ap.add_argument("--corpus", default="/tmp/wizerscope-corpus")
    a = ap.parse_args()
    only = set(filter(None, a.only.split(",")))
    print(f"{'item':16} {'without':>12} {'with':>12} {'speedup':>7} image")
    for it in getattr(CORPUS_PY, "ITEMS", []):
        if it.name not in ROWS or ROWS[it.name]["wizer_accepts"] != "yes" or (only and it.name not in only):
            continue
        try:
            print(row(it.name, measure(it, Path(a.corpus), a.runs)), flush=True)
        except RuntimeError as e:
            print(f"{it.name:16} failed: {e}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
