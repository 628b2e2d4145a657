"""What `wizerscope init` would say about a session, as cards the Rejections tab shows.

The Rejections tab is where a person learns why an input cannot be pre-initialized, so it must
agree with ``init``: the static rejections (grouped: nine ``table.set`` sites are one card listing
nine offsets), the init export problem ``init`` would stop at (missing, not a function, with
parameters, with the candidates), a warning when the chosen init is an export the program needs
afterwards, and after a failed run that run's error, wasm backtrace and fix. Messages speak of the
inspector's form fields, not the command line's flags (:func:`for_form`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import Rejection, WizerscopeError
from ..preinit.options import DEFAULT_INIT_FUNC

# exports a program still needs after pre-initialization: running one as init removes it
NEEDED_EXPORTS = {"_start": "the WASI command's entry point", "main": "the program's main function",
                  "__main_void": "the C runtime's main"}

# command-line words → the Init form's field names (the inspector has no flags)
_FORM_WORDS = (
    (re.compile(r"provide it with --preload NAME=MODULE"), "provide it in the Init form's `preloads` field (NAME=FILE)"),
    (re.compile(r"allow WASI with -S cli \(or --allow-wasi\)"), "tick `WASI during init` in the Init form"),
    (re.compile(r"choose one with -f/--init-func"), "choose one in the Init form's `init function` field"),
    (re.compile(r"-f/--init-func"), "`init function`"),
    (re.compile(r"--keep-init-func"), "`keep the init function exported`"),
    (re.compile(r"(?:-W )?--?timeout(?:=S)?"), "`timeout`"),
    (re.compile(r"(?:-W )?fuel=N|--fuel"), "`fuel`"),
    (re.compile(r"(?:-W )?max-memory-size=BYTES|--max-memory"), "`max memory`"),
    (re.compile(r"--dir, --env and --inherit-env need WASI: add -S cli \(or --allow-wasi\)"),
     "`directories`, `environment` and `inherit environment` need `WASI during init`: tick it"),
    (re.compile(r"--seed"), "`seed`"),
    (re.compile(r"--preload"), "`preloads`"),
    (re.compile(r"-r/--rename-func|--rename-func"), "`renames`"),
)


def for_form(text: str) -> str:
    """``text`` (an error or hint written for the command line) in the Init form's words."""
    for pattern, words in _FORM_WORDS:
        text = pattern.sub(words, text)
    return text


@dataclass
class Card:
    """One reason (or warning) with every place it applies; ``level`` is ``rejection``,
    ``init-export``, ``warning`` or ``run-failed``."""

    level: str
    rule: str
    message: str
    hint: str = ""
    path: str = ""
    items: list[str] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    backtrace: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)      # extra lines (e.g. the candidates)
    sites: list[tuple[str, int | None]] = field(default_factory=list)   # (item, offset) of each place

    @property
    def blocking(self) -> bool:
        """True when ``init`` would refuse or fail for this reason (a warning does not)."""
        return self.level != "warning"


def group_rejections(rejections: list[Rejection]) -> list[Card]:
    """One card per (rule, message, hint, path), in first-seen order, with every item and offset."""
    cards: dict[tuple[str, str, str, str], Card] = {}
    for r in rejections:
        key = (r.rule, r.message, r.hint, r.path)
        card = cards.get(key)
        if card is None:
            card = cards[key] = Card("rejection", r.rule, r.message, r.hint, r.path)
        card.sites.append((r.item, r.offset))
        if r.item and r.item not in card.items:
            card.items.append(r.item)
        if r.offset is not None and r.offset not in card.offsets:
            card.offsets.append(r.offset)
    return list(cards.values())


def init_export_cards(session) -> list[Card]:
    """What ``init`` would say about the chosen init export before running anything."""
    if session.pipeline is None:
        return []
    name = session.options.init_func
    cards: list[Card] = []
    try:
        session.pipeline.check_options(session.options)
    except WizerscopeError as e:
        usable = [c.name for c in session.candidates() if c.usable]
        cards.append(Card("init-export", "init-export", for_form(e.message), for_form(e.hint or ""),
                          lines=[_candidates_line(usable)]))
    names = {c.name for c in session.candidates()}
    if session.kind == "component" and name not in names and "(" not in name:
        usable = [c.name for c in session.candidates() if c.usable]
        cards.append(Card("init-export", "init-export", f"the component does not export a function `{name}`",
                          "choose one in the Init form's `init function` field", lines=[_candidates_line(usable)]))
    if session.options.keep_init_func:
        return cards
    if session.kind == "component":
        if name in names and _removed_from_component(name):
            cards.append(_component_needed_card(name))
    elif name in NEEDED_EXPORTS:
        renamed = any(dst == name for dst, _src in session.options.renames)
        if not renamed:
            cards.append(_needed_card(name, NEEDED_EXPORTS[name]))
    return cards


def _removed_from_component(name: str) -> bool:
    """Whether the rewrite drops a component export run as init: only a plain top-level export
    name other than the default init is matched (an interface function, ``ns:pkg/iface.func`` or
    ``exports.init``, never is, so it stays exported)."""
    return name != DEFAULT_INIT_FUNC and not any(ch in name for ch in ".:/#(@")


def _component_needed_card(name: str) -> Card:
    return Card("warning", "init-removes-export",
                f"`{name}` is part of the component's exported interface: run as init, it is removed from the "
                f"output, which then no longer exports `{name}` (a host or component that calls it cannot use "
                "the output)",
                "tick `keep the init function exported` (components cannot rename exports), or export a "
                f"separate `{DEFAULT_INIT_FUNC}` function for init")


def _candidates_line(usable: list[str]) -> str:
    if not usable:
        return "no export can serve as init function"
    return "candidates: " + ", ".join(f"`{u}`" for u in usable)


def _needed_card(name: str, what: str) -> Card:
    return Card("warning", "init-removes-export",
                f"`{name}` is {what}: run as init, it is removed from the output, which then has no `{name}`",
                f"tick `keep the init function exported`, or give the output a new `{name}` with the rename "
                f"`{name}=EXPORT` in the `renames` field (-r {name}=EXPORT: EXPORT is what runs after init)")


def run_cards(session) -> list[Card]:
    """The last run's failure (not a cancel), as ``init`` would report it."""
    out = session.last_attempt
    if out is None or out.ok or out.cancelled or out.error is None:
        return []
    e = out.error
    if getattr(e, "rejections", None):
        return []                       # the static rejections already say it
    step = out.current_step or "the run"
    return [Card("run-failed", "run-failed", f"`{out.init_func}` failed during {step}: {for_form(e.message)}",
                 for_form(e.hint or ""), backtrace=list(out.backtrace))]


def verdict(session) -> list[Card]:
    """Every card for ``session`` now: static rejections, the init export, the last run."""
    cards = group_rejections(session.rejections)
    if not session.rejections:
        cards += init_export_cards(session)
        export_problem = any(c.level == "init-export" for c in cards)
        if not export_problem:
            cards += run_cards(session)
    return cards
