"""The command palette's entries, made from the key map (every app action by its name)."""
from __future__ import annotations

from typing import Iterable

from textual.app import App, SystemCommand

from .keys import KEYS


def key_commands(app: App) -> Iterable[SystemCommand]:
    """One palette command per app key (quit is Textual's own already)."""
    for k in KEYS:
        if k.action != "quit":
            yield SystemCommand(k.title, k.help, lambda action=k.action: app.run_action(action))
