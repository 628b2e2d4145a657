"""``bench_init.py --warm``: cold and warm runs of both tools side by side, in the same run.

Cold: the manifest's command (`-C cache=n`) for both, so both compile everything. Warm: the same
flags without `-C cache=n`, both tools on wasmtime's compilation cache in one fresh cache home
(XDG_CACHE_HOME, so a user cache changes nothing), primed by one unmeasured run each. Every item
of 1 MB or more (``--all``: every item). Targets (issue 10): warm <= 1.0x the reference, cold <=
0.5x, peak RSS <= 1.0x. The box is shared: ratios are measured alternating, in the same run.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from bench_init import BIG, Measure, item_flags, manifest, reference_binary, timed


def _without_cache_off(flags: list[str]) -> list[str]:
    out, i = [], 0
    while i < len(flags):
        if flags[i] == "-C" and i + 1 < len(flags) and flags[i + 1] == "cache=n":
            i += 2
            continue
        out.append(flags[i])
        i += 1
    return out


def _measure(cmds: list[tuple[str, list[str]]], runs: int, cwd: str, env: dict) -> tuple[list[Measure], str | None]:
    ms = [Measure() for _ in cmds]
    for _ in range(runs):
        for (who, cmd), m in zip(cmds, ms):
            code, wall, rss, err = timed(cmd, cwd, env)
            if code != 0:
                return ms, f"{who} exited {code}: " + " ".join(err.decode(errors="replace").split())[:300]
            m.wall.append(wall)
            m.rss_kb.append(rss)
    return ms, None


def warm_main(args) -> int:
    corpus = Path(args.corpus)
    ref_bin = reference_binary()
    only = set(args.only.split(",")) if args.only else None
    lines = [f"median of {args.runs} runs; cold = -C cache=n for both, warm = both compile caches primed; "
             "RSS = peak resident set (cold / warm); shared 2-core box: noisy, ratios from the same run",
             f"{'item':<16} {'size':>7} | {'cold ref':>8} {'ours':>6} {'ratio':>6} | {'warm ref':>8} {'ours':>6} "
             f"{'ratio':>6} | {'RSS ref MB':>10} {'ours MB':>9} {'ratio':>11}"]
    lines.append("-" * len(lines[-1]))
    with tempfile.TemporaryDirectory(prefix="bench-warm-") as tmp:
        env = dict(os.environ, XDG_CACHE_HOME=os.path.join(tmp, "cache"), XDG_CONFIG_HOME=os.path.join(tmp, "cfg"))
        for row in manifest(corpus):
            name = row["name"].removesuffix(".wasm")
            size = int(row["size_bytes"])
            if row["wizer_accepts"] != "yes" or (only and name not in only) or (size < BIG and not args.all):
                continue
            flags, src = item_flags(row)
            src = str(corpus / src)

            def cmds(fl: list[str]) -> list[tuple[str, list[str]]]:
                return [("reference", [ref_bin, "wizer", *fl, src, "-o", os.path.join(tmp, "ref.wasm")]),
                        ("wizerscope", [sys.executable, "-m", "wizerscope", "init", *fl, src, "-o",
                                        os.path.join(tmp, "ours.wasm")])]
            cold, failed = _measure(cmds(flags), args.runs, tmp, env)
            warm_cmds = cmds(_without_cache_off(flags))
            if not failed:
                _measure(warm_cmds, 1, tmp, env)                    # prime both caches
                warm, failed = _measure(warm_cmds, args.runs, tmp, env)
            if failed:
                lines.append(f"{name:<16} skipped: {failed}")
                continue
            (cr, co), (wr, wo) = cold, warm
            lines.append(
                f"{name:<16} {size / 1e6:>6.2f}M | {cr.median_wall:>8.3f} {co.median_wall:>6.3f} "
                f"{co.median_wall / cr.median_wall:>5.2f}x | {wr.median_wall:>8.3f} {wo.median_wall:>6.3f} "
                f"{wo.median_wall / wr.median_wall:>5.2f}x | {cr.peak_rss_kb / 1024:>4.0f}/{wr.peak_rss_kb / 1024:<5.0f} "
                f"{co.peak_rss_kb / 1024:>4.0f}/{wo.peak_rss_kb / 1024:<4.0f} "
                f"{co.peak_rss_kb / cr.peak_rss_kb:>4.2f}/{wo.peak_rss_kb / wr.peak_rss_kb:<4.2f}x")
            print(lines[-1], file=sys.stderr)
    print("\n".join(lines))
    return 0
