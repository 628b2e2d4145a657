"""Facts about a component's structure that several stages need (the check, the
specialisation, the instrumentation, the reference gaps); kept apart so none of them imports
another for them."""
from __future__ import annotations

from ...binary.component import Component

ACCESS_EXPORT = "wasmtime:wizer/access"     # the instrumentation's export, named as the reference names it


def has_state(c: Component) -> bool:
    """True when some core module of ``c`` or of a component nested in it gets instantiated."""
    if any(c.instantiations(i) for i in range(len(c.modules))):
        return True
    return any(has_state(child) and c.component_instantiations(k) for k, child in enumerate(c.components))
