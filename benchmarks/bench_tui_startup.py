"""Time from launching ``wizerscope FILE`` until the structure tree is on screen (target ≤ 1.5 s on
the corpus's 18 MB comp_py.wasm), and check that nothing was compiled before the user runs init.

Each run is a fresh ``python`` process (imports count, as they do for a person) running the real
app headless; it records the moment the first frame with the populated tree was painted and exits.

    python benchmarks/bench_tui_startup.py [--runs 5] [FILE]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

CHILD = r"""
import json, sys, time
launched = float(sys.argv[1])
import wasmtime
from wasmtime import component as wc
compiled = []
for cls in (wasmtime.Module, wc.Component):
    orig = cls.__init__
    def wrapped(self, engine, data, *a, _orig=orig, _name=cls.__name__, **k):
        if len(data) > 65536:       # the input or a part of it (tiny helper modules, e.g. the scanner, are fine)
            compiled.append((_name, len(data)))
        return _orig(self, engine, data, *a, **k)
    cls.__init__ = wrapped
from wizerscope.tui.app import WizerscopeApp

class Timed(WizerscopeApp):
    def _show_session(self, s, painted=None):
        super()._show_session(s, painted)
        self.call_after_refresh(self._painted)

    def _painted(self):
        tree = self.query_one("#structure-tree")
        self.result = {"on_screen_s": time.time() - launched, "tree_nodes": len(tree.root.children),
                       "compiled": compiled, "kind": self.session.kind}
        self.exit()

app = Timed(sys.argv[2])
app.run(headless=True, size=(140, 44))
print(json.dumps(app.result))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?", default="/tmp/wizerscope-corpus/comp_py.wasm")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--target", type=float, default=1.5)
    a = ap.parse_args()
    times = []
    for i in range(a.runs):
        launched = time.time()
        p = subprocess.run([sys.executable, "-c", CHILD, repr(launched), a.file], capture_output=True, text=True,
                           timeout=120)
        if p.returncode != 0:
            print(p.stderr, file=sys.stderr)
            return 1
        r = json.loads(p.stdout.strip().splitlines()[-1])
        times.append(r["on_screen_s"])
        print(f"run {i + 1}: structure on screen after {r['on_screen_s']:.3f} s ({r['kind']}, "
              f"{r['tree_nodes']} top-level nodes, compiled before init: {r['compiled'] or 'nothing'})")
        if r["compiled"]:
            print("FAIL: something was compiled before the user ran init", file=sys.stderr)
            return 1
    med = statistics.median(times)
    ok = med <= a.target
    print(f"median {med:.3f} s, min {min(times):.3f} s, max {max(times):.3f} s; target <= {a.target} s: "
          f"{'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
