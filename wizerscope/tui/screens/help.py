"""The help screen, built from the live key map (:data:`~wizerscope.tui.keys.KEYS` and the hex
view's own bindings), so it lists exactly the keys that work."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Markdown

from ..keys import KEYS, TABS

INTRO = """\
# wizerscope inspector

wizerscope runs your module's init function once, snapshots the globals and memories it left
behind, and writes a module that starts in that state (what `wasmtime wizer` does).
"""

ABOUT = """\
The **Init** tab lists every export with the reason it can or cannot be the init function;
choose one with Enter or a click, edit the options, then run. The **Diff** tab compares the
instance just before init (after instantiation and the start function) with the state after it.
The **Rejections** tab says why an input cannot be pre-initialized, and where `wasmtime wizer`
would refuse or break an input that wizerscope handles (nested components with modules, a module
instantiated twice, ...). The **Anatomy** tab shows what each snapshotted memory is made of (static
data, .bss, live and dead stack, heap, unknown) with its largest variables, and measures the
start-up win of the output. Options given on the command line (`wizerscope FILE -S cli --dir data`)
start in the form. The mouse works everywhere: tabs, rows, buttons, and clicking a byte in the hex
view.
"""


def _table(rows: list[tuple[str, str]]) -> str:
    return "| key | action |\n|---|---|\n" + "\n".join(f"| `{k}` | {v} |" for k, v in rows) + "\n"


def help_markdown(key_display) -> str:
    """The help text; ``key_display(binding)`` spells a key the way the footer does."""
    from ..widgets.hexdiff import HexDiffView
    app_rows = [(key_display(k.binding()), k.help) for k in KEYS if not k.action.startswith("tab(")]
    tab_keys = [key_display(k.binding()) for k in KEYS if k.action.startswith("tab(")]
    app_rows.insert(0, (f"{tab_keys[0]}..{tab_keys[-1]}", "switch tab: " + ", ".join(TABS)))
    app_rows.append(("ctrl+p", "command palette: every action by name"))
    hex_rows = [(key_display(b), b.description.lower()) for b in HexDiffView.BINDINGS if isinstance(b, Binding)]
    return (INTRO + "\n## Everywhere\n\n" + _table(app_rows) + "\n## In the hex diff\n\n" + _table(hex_rows)
            + "\n" + ABOUT)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help"):
            yield Markdown(help_markdown(self.app.get_key_display))
            yield Button("Close", id="close", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
