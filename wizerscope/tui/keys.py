"""The inspector's key map, written once: the app's bindings, the footer, the help screen and
the command palette are all generated from :data:`KEYS` (and the widgets' own ``BINDINGS``), so
they cannot drift apart."""
from __future__ import annotations

import re
from dataclasses import dataclass

from textual.binding import Binding

TABS = ("structure", "globals", "memories", "init", "diff", "segments", "instrumentation", "rejections", "anatomy")


@dataclass(frozen=True)
class Key:
    """One app-wide key: what it is, the footer's word for it, and the palette's sentence."""

    key: str
    action: str
    footer: str
    title: str             # the command palette's name for it
    help: str
    show: bool = True

    @property
    def id(self) -> str:
        """A binding id: the action's words, e.g. ``run_init``, ``tab-structure``."""
        return re.sub(r"[^a-z_]+", "-", self.action).strip("-")

    def binding(self) -> Binding:
        return Binding(self.key, self.action, self.footer, show=self.show, id=self.id, tooltip=self.help)


KEYS: tuple[Key, ...] = (
    Key("r", "run_init", "Run init", "Run init", "run the init function with the chosen options (in the background)"),
    Key("x", "cancel_init", "Cancel", "Cancel init",
        "stop a running init (epoch interruption; during a compile at once, the compile is dropped)"),
    Key("d", "determinism", "Determinism", "Determinism check",
        "run init twice in fresh instances and compare the states"),
    Key("w", "write", "Write", "Write output", "write the pre-initialized output (asks before overwriting)"),
    Key("o", "open", "Open", "Open file", "open another module, component or WAT file"),
    Key("c", "compare", "Compare", "Compare with a file",
        "compare the initial state of this output (or input) with another binary's: globals, memories, sections",
        show=False),
    Key("n", "next_change", "Next change", "Next change", "move the hex diff to the next changed byte run"),
    Key("p", "prev_change", "Prev change", "Previous change", "move the hex diff to the previous changed byte run"),
    Key("g", "goto", "Go to offset", "Go to offset", "move the hex diff to a memory offset (hex 0x... or decimal)"),
    Key("question_mark", "help", "Help", "Help", "keys and what each tab shows"),
    Key("q", "quit", "Quit", "Quit", "leave the inspector"),
) + tuple(Key(str(i + 1), f"tab('{name}')", name.capitalize(), f"Show {name}", f"switch to the {name} tab",
              show=False) for i, name in enumerate(TABS))

BINDINGS = [k.binding() for k in KEYS]
