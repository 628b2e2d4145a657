"""wizerscope against `wasmtime wizer` on inputs big in one dimension, in one run.

The inputs (``scale_inputs.py``): 50,000 exported functions, 20,000 exported mutable globals,
100,000 functions, 100,000 data segments, an 8 MiB export name and custom-section name (invalid:
``inspect`` must reject them fast), a 64-bit memory grown to 16 GiB. Each runs ``--runs`` times
per tool, alternating, both cold (`-C cache=n`); the table has median wall time, peak RSS and
each tool's verdict (ok, or the first words of its error). The box is shared: numbers are noisy,
ratios come from the same run.

    python benchmarks/bench_scale.py [--runs 1] [--only "50k exports,16 GiB sparse memory"]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

from bench_init import precompile, reference_binary, timed
from scale_inputs import INPUTS, file_name

HERE = os.path.dirname(os.path.abspath(__file__))

# what the 100k-segment and the long-name inputs expect of wizerscope: a clear rejection
_WIZERSCOPE_REJECTS = {"100k data segments", "8 MiB names"}


# (row label, input, wizerscope's command); the reference always runs `wizer` (it has no inspect)
ROWS = [(name, name, "init") for name in INPUTS] + [("8 MiB names, inspect", "8 MiB names", "inspect")]


def _commands(mode: str, src: str, tmp: str, ref_bin: str) -> list[tuple[str, list[str]]]:
    ref = [ref_bin, "wizer", "-C", "cache=n", src, "-o", os.path.join(tmp, "ref.wasm")]
    if mode == "inspect":
        ours = [sys.executable, "-m", "wizerscope", "inspect", src]
    else:
        ours = [sys.executable, "-m", "wizerscope", "init", "-C", "cache=n", src, "-o", os.path.join(tmp, "ours.wasm")]
    return [("reference", ref), ("wizerscope", ours)]


def _verdict(code: int, err: bytes) -> str:
    if code == 0:
        return "ok"
    if not err.strip():
        return f"exit {code} (report on stdout)"
    text = " ".join(err.decode(errors="replace").split())
    return f"exit {code}: {text[:60]}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--only", default="", help="comma-separated input names (see scale_inputs.INPUTS)")
    args = p.parse_args(argv)
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    precompile()
    ref_bin = reference_binary()
    head = f"{'input':<22} {'ref s':>7} {'ours s':>7} {'ratio':>6} {'ref MB':>7} {'ours MB':>8}  verdicts (reference / wizerscope)"
    lines = [f"median of {args.runs} run(s), cold; shared 2-core box: noisy, ratios from the same run", head,
             "-" * len(head)]
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        for label, name, mode in ROWS:
            if only and name not in only and label not in only:
                continue
            src = os.path.join(tmp, file_name(name))
            if not os.path.exists(src):
                subprocess.run([sys.executable, os.path.join(HERE, "scale_inputs.py"), tmp, name], check=True)
            walls: dict[str, list[float]] = {"reference": [], "wizerscope": []}
            rss: dict[str, int] = {"reference": 0, "wizerscope": 0}
            verdicts: dict[str, str] = {}
            for _ in range(args.runs):
                for who, cmd in _commands(mode, src, tmp, ref_bin):
                    code, wall, peak, err = timed(cmd, tmp)
                    walls[who].append(wall)
                    rss[who] = max(rss[who], peak)
                    verdicts[who] = _verdict(code, err)
            r, o = statistics.median(walls["reference"]), statistics.median(walls["wizerscope"])
            lines.append(f"{label:<22} {r:>7.2f} {o:>7.2f} {o / r:>5.2f}x {rss['reference'] / 1024:>7.1f} "
                         f"{rss['wizerscope'] / 1024:>8.1f}  {verdicts['reference']} / {verdicts['wizerscope']}")
            print(lines[-1], file=sys.stderr)
    lines.append("expected: wizerscope rejects " + ", ".join(sorted(_WIZERSCOPE_REJECTS))
                 + " with a clear message (the reference writes an invalid output for the 100k segments)")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
