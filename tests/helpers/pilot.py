"""Driving the inspector headless (Textual's pilot): the waits that the TUI tests and
scripts/screenshots.py share. Loading and running happen in thread workers, so "done" means the
workers finished and the messages they posted were handled."""
from __future__ import annotations


async def settle(pilot) -> None:
    """Wait until every worker finished and the screen caught up.

    Right after start-up the load worker may not exist yet: the main screen starts it after its
    first refresh, and on a busy machine that can come after ``pause()`` (which waits for the
    process to look idle) has returned. So first wait until the app says the file is loaded and
    checked (or failed to load): ``app.loading``."""
    app = pilot.app
    for _ in range(1500):                       # at most about 30 s
        if not app.loading:
            break
        await pilot.pause(0.02)
    await app.workers.wait_for_complete()
    await pilot.pause()


async def run_init(pilot) -> None:
    """Load, run the init function, wait for the result; clear the toasts (they age in screenshots)."""
    await settle(pilot)
    await pilot.press("r")
    await settle(pilot)
    await settle(pilot)             # the run's result starts the worker that prepares every tab
    pilot.app.clear_notifications()
    await pilot.pause()
    await pilot.pause()


async def expand_nested_component(pilot) -> None:
    """Load, open the structure tree's `component 0` at its core module and core instances, and
    focus the tree (the nested-component snapshot and screenshot)."""
    await settle(pilot)
    tree = pilot.app.query_one("#structure-tree")
    nested = next(n for n in tree.root.children if str(n.label) == "component 0")
    for child in nested.children:
        if str(child.label).startswith(("core module 0", "core instances")):
            child.expand()
    await pilot.pause()
    tree.focus()
    await pilot.pause()
