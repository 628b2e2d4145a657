"""Produce the README's screenshots (screenshots/*.png) from the real app.

Each shot drives the inspector headless with Textual's pilot, saves an SVG with
``save_screenshot`` and converts it with ``rsvg-convert`` (apt-get install librsvg2-bin
fonts-dejavu-core: DejaVu Sans Mono has no ligatures, so `->` stays two characters), then shrinks
it with ``pngquant`` when that is installed (a third of the size, same look).

    python scripts/screenshots.py [--out screenshots]
"""
from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wizerscope.cli.args import tui_arguments  # noqa: E402
from wizerscope.tui.app import WizerscopeApp  # noqa: E402
from tests.helpers.pilot import expand_nested_component, run_init as _ran, settle as _loaded  # noqa: E402

SIZE = (132, 40)
CORPUS = Path("/tmp/wizerscope-corpus")      # ../shared/corpus/build.sh's default output

NESTED = """(component
  (component $inner
    (core module $m
      (memory (export "memory") 1)
      (global $greeting_len (mut i32) (i32.const 0))
      (func (export "wizer-initialize")
        (i64.store (i32.const 64) (i64.const 0x6f77206f6c6c6568))
        (i32.store (i32.const 72) (i32.const 0x00646c72))
        (global.set $greeting_len (i32.const 11)))
      (func (export "len") (result i32) (global.get $greeting_len)))
    (core instance $i (instantiate $m))
    (func $init (canon lift (core func $i "wizer-initialize")))
    (func $len (result s32) (canon lift (core func $i "len")))
    (export "wizer-initialize" (func $init))
    (export "len" (func $len)))
  (instance $x (instantiate $inner))
  (alias export $x "wizer-initialize" (func $f))
  (alias export $x "len" (func $g))
  (export "wizer-initialize" (func $f))
  (export "len" (func $g)))
"""

REJECTED = """(module
  (table $t 1 externref)
  (import "env" "memory" (memory 1))
  (func (export "wizer-initialize") (drop (table.grow $t (ref.null extern) (i32.const 1)))))
"""


async def shot(path: str, svg: Path, steps, size=SIZE, compare_with: str | None = None, flags=()) -> None:
    options = tui_arguments([path, *flags])[1] if flags else None
    app = WizerscopeApp(path, options, compare_with)
    app.theme = "textual-dark"
    async with app.run_test(size=size) as pilot:
        await steps(pilot)
        await pilot.pause(0.2)
        app.save_screenshot(filename=svg.name, path=str(svg.parent))


def then_press(first, *keys: str):
    """A scene's steps: ``first`` (load, or load and run), then press ``keys``."""
    async def steps(pilot):
        await first(pilot)
        await pilot.press(*keys)
    return steps


def scenes(tmp: Path):
    counter = str(ROOT / "examples" / "counter.wat")
    nested = tmp / "nested.wat"
    nested.write_text(NESTED)
    rejected = tmp / "rejected.wat"
    rejected.write_text(REJECTED)

    async def structure(pilot):
        await _loaded(pilot)
        tree = pilot.app.query_one("#structure-tree")
        tree.focus()
        for _ in range(4):
            await pilot.press("down")
        await pilot.press("enter")

    async def segments(pilot):
        await _ran(pilot)
        await pilot.press("6")
        pilot.app.query_one("#segments").focus()
        await pilot.press("down")

    async def compare(pilot):
        await _loaded(pilot)
        for _ in range(200):                 # the comparison is made in a worker after the load
            if pilot.app.screen.id == "compare":
                break
            await pilot.pause(0.05)

    output = tmp / "counter.init.wasm"
    subprocess.run([sys.executable, "-m", "wizerscope", "init", counter, "-o", str(output)], check=True,
                   capture_output=True)
    shots = [
        ("structure", counter, structure),
        ("component-tree", str(nested), expand_nested_component),
        ("init", counter, then_press(_ran, "4")),
        ("diff", counter, then_press(_ran, "n", "n", "n")),
        ("segments", counter, segments),
        ("instrumentation", str(nested), then_press(_ran, "7")),
        ("rejections", str(rejected), _loaded),
        ("reference-gaps", str(nested), then_press(_loaded, "8")),
        ("anatomy", counter, then_press(_ran, "9")),
        ("small-80x24-diff", counter, then_press(_ran, "n"), (80, 24)),
        ("small-80x24-init", counter, then_press(_ran, "4"), (80, 24)),
        ("compare", counter, compare, SIZE, str(output)),
    ]
    comp_py = CORPUS / "comp_py.wasm"
    if comp_py.exists():                     # the 18 MB componentize-py component, when the corpus is built
        shots.append(("comp-py-segments", str(comp_py), then_press(_ran, "6"), (160, 48), None,
                      ("-S", "cli", "--keep-init-func=true")))
    return shots


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(ROOT / "screenshots"))
    a = ap.parse_args()
    converter = shutil.which("rsvg-convert")
    if converter is None:
        print("error: rsvg-convert not found; install librsvg2-bin (and fonts-dejavu-core)", file=sys.stderr)
        return 1
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for name, path, steps, *extra in scenes(tmp):
            svg = tmp / f"{name}.svg"
            asyncio.run(shot(path, svg, steps, *extra))
            png = out / f"{name}.png"
            subprocess.run([converter, "--zoom", "0.8", str(svg), "-o", str(png)], check=True)
            if shutil.which("pngquant"):
                subprocess.run(["pngquant", "--quality", "70-95", "--force", "--output", str(png), str(png)],
                               check=True)
            print(f"{png} ({png.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
