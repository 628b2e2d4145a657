"""Modal dialogs sharing one look: ask for text, confirm, help."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Markdown


class InputDialog(ModalScreen[str | None]):
    """Ask for one line of text (a path, an offset); Enter accepts, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, prompt: str, value: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.prompt = prompt
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.prompt, classes="dialog-title")
            yield Input(self.value, id="dialog-input")
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(self.query_one(Input).value if event.button.id == "ok" else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question; y/n keys, Escape = no."""

    BINDINGS = [Binding("y", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Yes (y)", id="yes", variant="warning")
                yield Button("No (n)", id="no", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


HELP = """\
# wizerscope inspector

wizerscope runs your module's init function once, snapshots the globals and memories it left
behind, and writes a module that starts in that state (what `wasmtime wizer` does).

| key | action |
|---|---|
| `1`..`8` | switch tab: structure, globals, memories, init, diff, segments, instrumentation, rejections |
| `r` | run the init function (in the background) |
| `x` | cancel a running init (epoch interruption; during a compile at once) |
| `d` | determinism check: run init twice in fresh instances, compare |
| `w` | write the pre-initialized output (asks before overwriting) |
| `o` | open another file |
| `n` / `p` | next / previous changed byte run in the hex diff |
| `g` | go to a memory offset (hex `0x...` or decimal) |
| `?` | this help |
| `ctrl+p` | command palette: every action by name |
| `q` | quit |

The **Init** tab lists every export with the reason it can or cannot be the init function;
choose one with Enter or a click, edit the options, then run. The **Diff** tab compares the
instance just before init (after instantiation and the start function) with the state after it.
The **Rejections** tab says why an input cannot be pre-initialized, and where `wasmtime wizer`
would refuse or break an input that wizerscope handles (nested components with modules, a module
instantiated twice, ...). Options given on the command line (`wizerscope FILE -S cli --dir data`)
start in the form. The mouse works everywhere: tabs, rows, buttons, and clicking a byte in the hex
view.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help"):
            yield Markdown(HELP)
            yield Button("Close", id="close", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
