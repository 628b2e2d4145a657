"""Choose the init function and the options, run it, watch progress, read the log."""
from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, DataTable, Input, Label, ProgressBar, RichLog, Select

from ...errors import WizerscopeError
from ...preinit.options import (Options, parse_count, parse_dir, parse_env, parse_preload, parse_rename,
                                parse_seconds)
from ...inspector.session import RUN_STEPS, Session
from .base import SessionView, cells


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]


TICK_AFTER = 1.0          # seconds of a run before its step counter ticks


class InitPanel(Vertical, SessionView):
    """Candidates on the left, options on the right, progress and the run log below."""

    tab = "init"

    def compose(self) -> ComposeResult:
        with Horizontal(id="init-top"):
            with Vertical(id="candidates-box"):
                yield Label("Init function candidates (Enter or click to choose)", classes="section-title")
                yield DataTable(id="candidates", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="options-box"):
                with Horizontal(id="run-buttons"):
                    yield Button("Run init", id="btn-run", variant="primary")
                    yield Button("Cancel", id="btn-cancel", variant="error", disabled=True)
                    yield Button("Determinism", id="btn-determinism")
                    yield Button("Write...", id="btn-write", disabled=True)
                yield Label("Options", classes="section-title")
                yield Label("init function (export name; components: item name or WAVE call)")
                yield Input(id="opt-init-func")
                yield Label("", id="init-note")
                yield Checkbox("WASI during init (-S cli)", id="opt-wasi")
                yield Checkbox("keep the init function exported", id="opt-keep")
                yield Checkbox("drop the dead stack (--drop-dead-stack)", id="opt-drop-stack")
                yield Label("directories HOST[::GUEST], comma separated (needs WASI)")
                yield Input(id="opt-dirs", placeholder="e.g. ./data::/data")
                yield Label("environment NAME[=VAL], comma separated (needs WASI)")
                yield Input(id="opt-env", placeholder="e.g. MODE=fast")
                yield Label("renames DST=SRC, comma separated (core modules)")
                yield Input(id="opt-renames", placeholder="e.g. _start=wizer-resume")
                yield Checkbox("inherit the host's environment (needs WASI)", id="opt-inherit-env")
                yield Label("preloads NAME=FILE, comma separated (core modules: modules init may call)")
                yield Input(id="opt-preloads", placeholder="e.g. env=helpers.wat")
                yield Label("timeout in seconds (empty: none)")
                yield Input(id="opt-timeout", placeholder="e.g. 10")
                yield Label("fuel: instructions init may run (empty: unlimited)")
                yield Input(id="opt-fuel", placeholder="e.g. 1000000000")
                yield Label("max memory: bytes per linear memory (empty: no limit)")
                yield Input(id="opt-max-memory", placeholder="e.g. 268435456")
                yield Label("compiler for the init code (-C compiler=)")
                yield Select([("auto: Winch, Cranelift where Winch cannot", "auto"), ("winch", "winch"),
                              ("cranelift", "cranelift")], value="auto", allow_blank=False, id="opt-compiler")
                yield Checkbox("deterministic: fixed clocks, seeded randomness (--deterministic)", id="opt-deterministic")
                yield Label("seed of the deterministic randomness (--seed; empty: 0)")
                yield Input(id="opt-seed", placeholder="e.g. 42")
        with Horizontal(id="progress-row"):
            yield Label("idle", id="run-step")
            yield ProgressBar(total=len(RUN_STEPS) - 1, show_eta=False, id="run-progress")
        yield Label("", id="run-steps")
        with Horizontal(id="log-row"):
            yield RichLog(id="run-log", wrap=True, markup=False, highlight=False)
            yield DataTable(id="run-history", cursor_type="row", zebra_stripes=True)

    def show(self, s: Session) -> None:
        table = self.query_one("#candidates", DataTable)
        table.clear(columns=True)
        table.add_columns("export", "kind", "type", "usable", "why not / note")
        candidates = s.candidates()
        for c in candidates:
            usable = Text("yes", style="green") if c.usable else Text("no", style="red")
            table.add_row(*cells(c.name, c.kind, c.signature, usable, c.reason), key=c.name)
        self.set_options(s.options)
        names = [c.name for c in candidates]
        if s.options.init_func in names:
            table.move_cursor(row=names.index(s.options.init_func))
        self.show_note(s)

    def show_note(self, s: Session) -> None:
        """Under the init field: what `init` would say about the chosen export (missing, with the
        candidates; or an export the output would lose, with the rename that keeps it)."""
        from ...inspector.verdict import init_export_cards
        note = self.query_one("#init-note", Label)
        cards = [] if s.rejections else init_export_cards(s)
        if not cards:
            note.update("")
            note.display = False
            return
        text = Text()
        for c in cards:
            style = "bold red" if c.blocking else "bold yellow"
            text.append(c.message, style=style)
            for line in ([c.hint] if c.hint else []) + c.lines:
                text.append("\n" + line)
            text.append("\n")
        note.update(text)
        note.display = True

    def set_options(self, o: Options) -> None:
        self.query_one("#opt-init-func", Input).value = o.init_func
        self.query_one("#opt-wasi", Checkbox).value = o.wasi
        self.query_one("#opt-keep", Checkbox).value = o.keep_init_func
        self.query_one("#opt-drop-stack", Checkbox).value = o.drop_dead_stack
        self.query_one("#opt-dirs", Input).value = ", ".join(f"{h}::{g}" for h, g in o.dirs)
        self.query_one("#opt-env", Input).value = ", ".join(k if v is None else f"{k}={v}" for k, v in o.env)
        self.query_one("#opt-renames", Input).value = ", ".join(f"{d}={s}" for d, s in o.renames)
        self.query_one("#opt-timeout", Input).value = "" if o.timeout is None else f"{o.timeout:g}"
        self.query_one("#opt-inherit-env", Checkbox).value = o.inherit_env
        self.query_one("#opt-preloads", Input).value = ", ".join(f"{n}={p}" for n, p in o.preloads)
        self.query_one("#opt-fuel", Input).value = "" if o.fuel is None else str(o.fuel)
        self.query_one("#opt-max-memory", Input).value = "" if o.max_memory is None else str(o.max_memory)
        self.query_one("#opt-compiler", Select).value = o.compiler
        self.query_one("#opt-deterministic", Checkbox).value = o.deterministic
        self.query_one("#opt-seed", Input).value = "" if o.seed is None else str(o.seed)

    def _text(self, field: str) -> str:
        return self.query_one(f"#opt-{field}", Input).value.strip()

    def read_options(self, o: Options) -> None:
        """Copy the form into ``o``; raise WizerscopeError on a malformed field, naming the field
        (the same parsers and :meth:`Options.validate` as the command line)."""
        init = self._text("init-func")
        if not init:
            raise WizerscopeError("the `init function` field is empty: choose an init function")
        timeout = parse_seconds("`timeout`", self._text("timeout")) if self._text("timeout") else None
        renames = [parse_rename(r) for r in _split(self._text("renames"))]
        wasi = self.query_one("#opt-wasi", Checkbox).value
        dirs = [parse_dir(d) for d in _split(self._text("dirs"))]
        env = [parse_env(e) for e in _split(self._text("env"))]
        inherit = self.query_one("#opt-inherit-env", Checkbox).value
        if (dirs or env or inherit) and not wasi:
            raise WizerscopeError("`directories`, `environment` and `inherit the host's environment` need WASI: "
                                  "tick `WASI during init`")
        o.init_func, o.timeout, o.renames, o.wasi, o.dirs, o.env = init, timeout, renames, wasi, dirs, env
        o.inherit_env = inherit
        o.preloads = [parse_preload(p) for p in _split(self._text("preloads"))]
        o.fuel = parse_count("`fuel`", self._text("fuel")) if self._text("fuel") else None
        o.max_memory = parse_count("`max memory`", self._text("max-memory")) if self._text("max-memory") else None
        o.keep_init_func = self.query_one("#opt-keep", Checkbox).value
        o.drop_dead_stack = self.query_one("#opt-drop-stack", Checkbox).value
        o.compiler = str(self.query_one("#opt-compiler", Select).value)
        o.seed = parse_count("`seed`", self._text("seed")) if self._text("seed") else None
        o.deterministic = self.query_one("#opt-deterministic", Checkbox).value or o.seed is not None
        o.validate()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "candidates" and event.row_key.value is not None:
            self.query_one("#opt-init-func", Input).value = str(event.row_key.value)

    def set_running(self, running: bool) -> None:
        self.query_one("#btn-run", Button).disabled = running
        self.query_one("#btn-determinism", Button).disabled = running
        self.query_one("#btn-cancel", Button).disabled = not running
        if running:
            self._started = self._step_started = time.perf_counter()
            self._step, self._steps, self._details = "", [], {}
            self._ticker = self.set_interval(0.1, self._tick)
        elif getattr(self, "_ticker", None) is not None:
            self._ticker.stop()
            self._ticker = None

    def progress(self, step: str, index: int, total: int, prefix: str = "") -> None:
        """A step began: the previous one's elapsed time joins the list of steps done."""
        now = time.perf_counter()
        if getattr(self, "_step", "") and step != self._step:
            self._steps.append((self._step, now - self._step_started))
        self._step, self._step_started, self._prefix = step, now, prefix
        self.query_one("#run-step", Label).update(f"{prefix}{step}..." if step != "done" else "done")
        self.query_one("#run-progress", ProgressBar).update(total=total - 1, progress=index)
        if step != "done":          # at the end the final breakdown (finished) stays
            self._show_steps()

    def _tick(self) -> None:
        """Every 0.1 s while running, once the run has taken a second: the current step counting.
        Not before: each update lays the panel out again on the thread the run shares the GIL
        with (componentize-py's run in bench_tui_tabs: 0.59-0.61 s with the counter from the
        start, 0.47-0.55 s without, on a noisy box); a step that begins shows at once anyway
        (:meth:`progress`)."""
        if time.perf_counter() - getattr(self, "_started", 0.0) >= TICK_AFTER:
            self._show_steps()

    def _show_steps(self) -> None:
        """Each step so far with its time, the current one counting."""
        if not getattr(self, "_step", ""):
            return
        now = time.perf_counter()
        done = [f"{self._named(name)} {_secs(t)}" for name, t in self._steps]
        current = [] if self._step == "done" else [f"{self._prefix}{self._step} {_secs(now - self._step_started)}..."]
        total = f"   (elapsed {_secs(now - self._started)})"
        self.query_one("#run-steps", Label).update("  ·  ".join(done + current) + total)

    def detail(self, step: str, text: str) -> None:
        """More about a step that is done (what compiled the code), shown beside its time."""
        self._details[step] = text

    def _named(self, step: str) -> str:
        detail = getattr(self, "_details", {}).get(step)
        return f"{step} ({detail})" if detail else step

    def finished(self, outcome, wasm_size: int) -> None:
        """The final breakdown (every step, validation included) and one more history row."""
        if outcome.timings:
            total = sum(outcome.timings.values())
            parts = [f"{self._named(k)} {_secs(v)}" for k, v in outcome.timings.items()]
            self.query_one("#run-steps", Label).update("  ·  ".join(parts) + f"   (total {_secs(total)})")
        self._history_row(outcome)

    def _history_row(self, o) -> None:
        table = self.query_one("#run-history", DataTable)
        if not table.columns:
            table.add_columns("#", "init", "options", "result", "total", "init time", "validate", "output")
        result = Text("ok", style="green") if o.ok else Text("cancelled" if o.cancelled else "failed",
                                                             style="yellow" if o.cancelled else "red")
        t = o.timings
        table.add_row(*cells(str(table.row_count + 1), o.init_func, _options_text(o), result,
                             _secs(sum(t.values())) if t else "", _secs(t["init"]) if "init" in t else "",
                             _secs(t["validate"]) if "validate" in t else "",
                             f"{o.output_size:,} B" if o.ok else ""))
        table.move_cursor(row=table.row_count - 1)


def _secs(t: float) -> str:
    return f"{t * 1000:.1f} ms" if t < 1 else f"{t:.2f} s"


def _options_text(o) -> str:
    """The run's options in a few words (the history compares runs by them)."""
    opts = o.options
    if opts is None:
        return ""
    words = [w for w, on in (("wasi", opts.wasi), ("keep", opts.keep_init_func), ("deterministic", opts.deterministic),
                             ("inherit-env", opts.inherit_env)) if on]
    words += [f"compiler={opts.compiler}"] if opts.compiler != "auto" else []
    words += [f"timeout={opts.timeout:g}s"] if opts.timeout is not None else []
    words += [f"fuel={opts.fuel}"] if opts.fuel is not None else []
    words += [f"max-memory={opts.max_memory}"] if opts.max_memory is not None else []
    words += [f"seed={opts.seed}"] if opts.seed is not None else []
    words += [f"preload {n}" for n, _ in opts.preloads] + [f"rename {d}={s}" for d, s in opts.renames]
    return " ".join(words) or "defaults"
