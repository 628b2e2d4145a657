"""Choose the init function and the options, run it, watch progress, read the log."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, DataTable, Input, Label, ProgressBar, RichLog, Select

from ...errors import WizerscopeError
from ...preinit.options import Options, parse_count, parse_dir, parse_env, parse_rename, parse_seconds
from ...inspector.session import RUN_STEPS, Session
from .base import SessionView, cells


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]


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
                yield Checkbox("WASI during init (-S cli)", id="opt-wasi")
                yield Checkbox("keep the init function exported", id="opt-keep")
                yield Checkbox("drop the dead stack (--drop-dead-stack)", id="opt-drop-stack")
                yield Label("directories HOST[::GUEST], comma separated (needs WASI)")
                yield Input(id="opt-dirs", placeholder="e.g. ./data::/data")
                yield Label("environment NAME[=VAL], comma separated (needs WASI)")
                yield Input(id="opt-env", placeholder="e.g. MODE=fast")
                yield Label("renames DST=SRC, comma separated (core modules)")
                yield Input(id="opt-renames", placeholder="e.g. _start=wizer-resume")
                yield Label("timeout in seconds (empty: none)")
                yield Input(id="opt-timeout", placeholder="e.g. 10")
                yield Label("compiler for the init code (-C compiler=)")
                yield Select([("auto: Winch, Cranelift where Winch cannot", "auto"), ("winch", "winch"),
                              ("cranelift", "cranelift")], value="auto", allow_blank=False, id="opt-compiler")
                yield Checkbox("deterministic: fixed clocks, seeded randomness (--deterministic)", id="opt-deterministic")
                yield Label("seed of the deterministic randomness (--seed; empty: 0)")
                yield Input(id="opt-seed", placeholder="e.g. 42")
        with Horizontal(id="progress-row"):
            yield Label("idle", id="run-step")
            yield ProgressBar(total=len(RUN_STEPS) - 1, show_eta=False, id="run-progress")
        yield RichLog(id="run-log", wrap=True, markup=False, highlight=False)

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

    def set_options(self, o: Options) -> None:
        self.query_one("#opt-init-func", Input).value = o.init_func
        self.query_one("#opt-wasi", Checkbox).value = o.wasi
        self.query_one("#opt-keep", Checkbox).value = o.keep_init_func
        self.query_one("#opt-drop-stack", Checkbox).value = o.drop_dead_stack
        self.query_one("#opt-dirs", Input).value = ", ".join(f"{h}::{g}" for h, g in o.dirs)
        self.query_one("#opt-env", Input).value = ", ".join(k if v is None else f"{k}={v}" for k, v in o.env)
        self.query_one("#opt-renames", Input).value = ", ".join(f"{d}={s}" for d, s in o.renames)
        self.query_one("#opt-timeout", Input).value = "" if o.timeout is None else f"{o.timeout:g}"
        self.query_one("#opt-compiler", Select).value = o.compiler
        self.query_one("#opt-deterministic", Checkbox).value = o.deterministic
        self.query_one("#opt-seed", Input).value = "" if o.seed is None else str(o.seed)

    def read_options(self, o: Options) -> None:
        """Copy the form into ``o``; raise WizerscopeError on a malformed field."""
        init = self.query_one("#opt-init-func", Input).value.strip()
        if not init:
            raise WizerscopeError("choose an init function")
        timeout_text = self.query_one("#opt-timeout", Input).value.strip()
        timeout = parse_seconds("timeout", timeout_text) if timeout_text else None
        renames = [parse_rename(r) for r in _split(self.query_one("#opt-renames", Input).value)]
        wasi = self.query_one("#opt-wasi", Checkbox).value
        dirs = [parse_dir(d) for d in _split(self.query_one("#opt-dirs", Input).value)]
        env = [parse_env(e) for e in _split(self.query_one("#opt-env", Input).value)]
        if (dirs or env) and not wasi:
            raise WizerscopeError("directories and environment variables need WASI: tick the WASI box")
        o.init_func, o.timeout, o.renames, o.wasi, o.dirs, o.env = init, timeout, renames, wasi, dirs, env
        o.keep_init_func = self.query_one("#opt-keep", Checkbox).value
        o.drop_dead_stack = self.query_one("#opt-drop-stack", Checkbox).value
        o.compiler = str(self.query_one("#opt-compiler", Select).value)
        seed_text = self.query_one("#opt-seed", Input).value.strip()
        o.seed = parse_count("seed", seed_text) if seed_text else None
        o.deterministic = self.query_one("#opt-deterministic", Checkbox).value or o.seed is not None
        o.validate()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "candidates" and event.row_key.value is not None:
            self.query_one("#opt-init-func", Input).value = str(event.row_key.value)

    def set_running(self, running: bool) -> None:
        self.query_one("#btn-run", Button).disabled = running
        self.query_one("#btn-determinism", Button).disabled = running
        self.query_one("#btn-cancel", Button).disabled = not running

    def progress(self, step: str, index: int, total: int) -> None:
        self.query_one("#run-step", Label).update(f"{step}..." if step != "done" else "done")
        self.query_one("#run-progress", ProgressBar).update(total=total - 1, progress=index)
