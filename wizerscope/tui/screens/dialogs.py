"""Modal dialogs sharing one look: ask for text, confirm (the help screen is in help.py)."""
from __future__ import annotations

import os

from textual.app import ComposeResult
from textual.suggester import Suggester
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


def complete_path(text: str) -> str:
    """``text`` completed as far as the files allow: the longest common start of the entries
    it begins, with a ``/`` after a single directory (what a shell's Tab does)."""
    folder, start = os.path.split(os.path.expanduser(text))
    try:
        names = [n for n in os.listdir(folder or ".") if n.startswith(start)]
    except OSError:
        return text
    if not names:
        return text
    common = os.path.commonprefix(names)
    done = os.path.join(folder, common) if folder else common
    if len(names) == 1 and os.path.isdir(done):
        done += os.sep
    return done if len(done) >= len(text) else text


class PathSuggester(Suggester):
    """Shows the completion greyed after the cursor (Right or Tab accepts it)."""

    async def get_suggestion(self, value: str) -> str | None:
        done = complete_path(value)
        return done if done != value else None


class InputDialog(ModalScreen[str | None]):
    """Ask for one line of text (a path, an offset); Enter accepts, Escape cancels; with
    ``paths``, Tab completes a path."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, prompt: str, value: str = "", *, id: str | None = None, paths: bool = False) -> None:
        super().__init__(id=id)
        self.prompt = prompt
        self.value = value
        self.paths = paths

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.prompt, classes="dialog-title")
            yield Input(self.value, id="dialog-input", suggester=PathSuggester(use_cache=False) if self.paths else None)
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", id="ok", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def on_key(self, event) -> None:
        if self.paths and event.key == "tab":
            field = self.query_one(Input)
            field.value = complete_path(field.value)
            field.cursor_position = len(field.value)
            event.stop()
            event.prevent_default()

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


class ErrorScreen(ModalScreen[None]):
    """A whole diagnostic, line by line (a WAT error names its file and keeps its lines, with the
    caret under the column); it stays until dismissed, unlike a toast. Enter/Escape close it."""

    BINDINGS = [Binding("escape,enter", "close", "Close")]

    def __init__(self, title: str, lines: list[str], *, id: str | None = "error-screen") -> None:
        super().__init__(id=id)
        self.title_text = title
        self.lines = lines

    def compose(self) -> ComposeResult:
        from rich.text import Text
        from textual.containers import VerticalScroll
        from textual.widgets import Static
        with Vertical(classes="dialog error-dialog"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(id="error-lines"):
                yield Static(Text("\n".join(self.lines)), id="error-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", id="close", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)


class CrashScreen(ModalScreen[None]):
    """An internal error: what happened, that the inspector will exit with status 1, how to
    report it. Any of q, Enter, Escape quits."""

    BINDINGS = [Binding("q,enter,escape", "quit_app", "Quit")]

    def __init__(self, error: BaseException) -> None:
        super().__init__(id="crash-screen")
        self.error = error

    def compose(self) -> ComposeResult:
        from textual.widgets import Static
        with Vertical(classes="dialog error-dialog"):
            yield Label("wizerscope hit an internal error", classes="dialog-title")
            yield Static(f"{type(self.error).__name__}: {self.error}\n\nThis is a bug of ours, not of your input. "
                         "The inspector exits with status 1 when you close this screen. Please report the input; "
                         "WIZERSCOPE_DEBUG=1 shows a traceback.", markup=False, id="crash-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Quit (q)", id="quit", variant="error")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_quit_app()

    def action_quit_app(self) -> None:
        self.app.exit(return_code=1)
