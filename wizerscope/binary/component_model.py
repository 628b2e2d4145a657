"""The tree a parsed component becomes: :class:`Component` → nested components, core modules, instances.

The model, for readers (the inspector shows it as is):

* :class:`Component` — one component (the file's root, or a nested ``component`` section). It holds
  its ``sections`` in file order (:class:`~wizerscope.binary.section.Section`: id, kind, offset,
  size), its definitions by index space, and its children:

  - ``modules``: the core modules defined here, in core-module index order, each a parsed core
    :class:`~wizerscope.binary.module.Module` (offsets are file offsets);
  - ``components``: the nested component definitions, each a :class:`Component` (own index spaces);
  - ``core_instances``: :class:`CoreInstance` per core instance index (``instantiate`` of a module
    with named arguments, ``exports`` built from items, or ``alias``);
  - ``instances``: :class:`ComponentInstance` per component instance index (instantiations of nested
    components, inline exports, imports, aliases);
  - ``imports``, ``exports``, ``aliases``, ``canons``: the entries of those sections, each with the
    index it defines in its sort's index space and its file offset;
  - ``spaces``: :class:`IndexSpaces`, the size of every index space (``core func``, ``core memory``,
    ``core instance``, ``core module``, ``func``, ``type``, ``instance``, ``component``, ...);
  - ``path``: where it sits, ``""`` for the root and e.g. ``"component 0"`` for nested ones; an item
    path is ``f"{path} / core module 2"`` (see :meth:`Component.item_path`).

* Sorts are spelled like the text format: ``"core func"``, ``"core memory"``, ``"core module"``,
  ``"core instance"``, ``"func"``, ``"value"``, ``"type"``, ``"component"``, ``"instance"``.

Everything is a view into the input: a section that nothing changes is re-emitted byte for byte
from ``section.raw(data)``. Type sections are framed and counted, not decoded (types never hold
state). :mod:`wizerscope.binary.component` builds the tree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from .module import Module
from .section import Section


@dataclass(frozen=True)
class CoreInstance:
    """One entry of the core instance index space."""

    index: int
    kind: str                               # "instantiate" | "exports"
    module: int | None = None               # instantiate: core module index
    args: tuple[tuple[str, int], ...] = ()  # instantiate: (name, core instance index)
    items: tuple[tuple[str, str, int], ...] = ()  # exports: (name, core sort, index)
    offset: int = 0


@dataclass(frozen=True)
class ComponentInstance:
    """One entry of the component instance index space."""

    index: int
    kind: str                               # "instantiate" | "exports" | "import" | "alias" | "export"
    component: int | None = None            # instantiate: component index
    args: tuple[tuple[str, str, int], ...] = ()   # (name, sort, index)
    offset: int = 0


@dataclass(frozen=True)
class Alias:
    """An alias entry: ``target`` is "export" (of a component instance), "core export" (of a core
    instance) or "outer" (``instance`` = outer count, ``name`` = outer index as text)."""

    sort: str
    target: str
    instance: int
    name: str
    index: int                              # the index it defines in ``sort``'s space
    offset: int


@dataclass(frozen=True)
class Canon:
    """A canonical function: ``lift`` defines a component func, everything else a core func."""

    kind: str
    index: int                              # defined index (func for lift, core func otherwise)
    core_func: int | None = None            # lift
    func: int | None = None                 # lower
    type_index: int | None = None           # lift
    options: tuple[tuple[str, int | None], ...] = ()
    offset: int = 0
    start: int = 0                          # file offset of the entry, and its end
    end: int = 0


@dataclass(frozen=True)
class Extern:
    """An import or export entry. ``index`` is the index it defines in ``sort``'s space; for
    exports ``target`` is the index of the item exported."""

    name: str
    sort: str
    index: int
    target: int | None = None
    offset: int = 0
    start: int = 0
    end: int = 0


@dataclass
class IndexSpaces:
    """Sizes of every index space of one component."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, sort: str, n: int = 1) -> int:
        """Define ``n`` items in ``sort``; return the first new index."""
        first = self.counts.get(sort, 0)
        self.counts[sort] = first + n
        return first

    def __getitem__(self, sort: str) -> int:
        return self.counts.get(sort, 0)


@dataclass
class Component:
    """A parsed component; see the module docstring for the model."""

    data: memoryview
    start: int
    end: int
    path: str = ""
    sections: list[Section] = field(default_factory=list)
    modules: list[Module] = field(default_factory=list)
    module_sections: list[int] = field(default_factory=list)       # section index per module
    components: list["Component"] = field(default_factory=list)
    component_sections: list[int] = field(default_factory=list)    # section index per component
    core_instances: list[CoreInstance] = field(default_factory=list)
    instances: list[ComponentInstance] = field(default_factory=list)
    aliases: list[Alias] = field(default_factory=list)
    canons: list[Canon] = field(default_factory=list)
    imports: list[Extern] = field(default_factory=list)
    exports: list[Extern] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)                 # offsets of start sections
    values: list[int] = field(default_factory=list)                 # offsets of value sections
    spaces: IndexSpaces = field(default_factory=IndexSpaces)
    # module index -> the module it copies, when the pre-initializer gave a twice-instantiated
    # module one copy per instance (preinit.component.specialise); empty for a parsed file
    copy_of: dict[int, int] = field(default_factory=dict)
    specialised: bool = False       # set on the root of such a specialised tree
    # how each component func index was defined: ("lift"|"import"|"alias"|"export", entry)
    funcs: list[tuple[str, object]] = field(default_factory=list)

    def item_path(self, item: str) -> str:
        """Where ``item`` (e.g. "core module 2") sits in the tree, as rejections and tables name it."""
        return f"{self.path} / {item}" if self.path else item

    def raw(self) -> memoryview:
        """The component's bytes, as a view into the file."""
        return self.data[self.start:self.end]

    def instantiations(self, module_index: int) -> list[CoreInstance]:
        """The core instances that instantiate core module ``module_index``."""
        return [ci for ci in self.core_instances if ci.kind == "instantiate" and ci.module == module_index]

    def component_instantiations(self, component_index: int) -> list[ComponentInstance]:
        """The component instances that instantiate nested component ``component_index``."""
        return [ci for ci in self.instances if ci.kind == "instantiate" and ci.component == component_index]

    def walk(self) -> "Iterator[Component]":
        """This component and every nested one, depth first."""
        yield self
        for c in self.components:
            yield from c.walk()
