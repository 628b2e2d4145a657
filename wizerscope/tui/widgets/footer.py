"""The footer: the keys that apply now (the app's ``check_action`` hides the others), with
``? Help`` and ``q Quit`` first so a narrow terminal never cuts them off."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

FIRST = ("help", "quit")
FIRST_KEYS = ("question_mark", "q")     # by key too: the action behind q may change


class KeyFooter(Footer):
    """Textual's footer, ordered: Help and Quit, then the focused widget's keys, then the app's."""

    _shown: tuple = ()

    def _signature(self) -> tuple:
        return tuple((b.key, b.description, enabled) for _n, b, enabled, _t in self.screen.active_bindings.values()
                     if b.show)

    def bindings_changed(self, screen) -> None:
        """Recompose only when what the footer shows changed: a tab switch moves the focus, and
        rebuilding a dozen keys each time costs more than the switch itself."""
        if self.is_attached and screen is self.screen and self._bindings_ready:
            signature = self._signature()
            if signature == self._shown:
                return
        super().bindings_changed(screen)

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        self._shown = self._signature()
        shown: dict[str, tuple] = {}
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in shown:
                shown[binding.action] = (binding, enabled, tooltip)
        ordered = sorted(shown.values(),
                         key=lambda entry: entry[0].action not in FIRST and entry[0].key not in FIRST_KEYS)
        self.styles.grid_size_columns = len(ordered)
        for binding, enabled, tooltip in ordered:
            yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                            disabled=not enabled, tooltip=tooltip or binding.description).data_bind(
                                compact=Footer.compact)
