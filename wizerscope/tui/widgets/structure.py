"""The structure tree of the input with a details pane for the selected node.

Tree nodes are added when their parent is expanded, so a componentize-py component with tens of
thousands of entries shows its first level at once.
"""
from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static, Tree

from ...inspector.session import Session
from ...inspector.tree import TreeNode
from .base import SessionView

PREVIEW = 64


class StructurePane(Horizontal, SessionView):
    """Left: the tree. Right: the selected node's details and its first bytes."""

    tab = "structure"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session: Session | None = None
        self.selected: TreeNode | None = None
        self._populated: set[int] = set()       # ids of the tree nodes whose children are added

    def compose(self) -> ComposeResult:
        tree: Tree[TreeNode] = Tree("(no file)", id="structure-tree")
        tree.show_root = True
        yield tree
        with VerticalScroll(id="structure-details-box"):
            yield Static("Select a node to see its details.", id="structure-details")

    def show(self, session: Session) -> None:
        self.session = session
        root = session.structure()
        tree = self.query_one("#structure-tree", Tree)
        tree.clear()
        self._populated.clear()
        tree.root.set_label(Text(root.label))
        tree.root.data = root
        self._populate(tree.root)
        tree.root.expand()
        for child in list(tree.root.children)[:4]:
            if child.data is not None and child.data.kind in ("module", "component", "group") \
                    and child.data.label.startswith(("core module", "component")):
                self._populate(child)
                child.expand()
        self._details(root)

    def _populate(self, node) -> None:
        data: TreeNode = node.data
        if data is None or node.id in self._populated:
            return
        self._populated.add(node.id)
        for c in data.children:
            node.add(Text(c.label), data=c, allow_expand=bool(c.children))

    def on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        self._populate(event.node)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        if event.node.data is not None:
            self._details(event.node.data)

    def _details(self, node: TreeNode) -> None:
        self.selected = node
        t = Table.grid(padding=(0, 2))
        t.add_column(style="bold cyan", no_wrap=True)
        t.add_column()
        t.add_row("node", Text(node.label))
        for k, v in node.details:
            t.add_row(k, Text(v))
        if node.children:
            t.add_row("children", str(len(node.children)))
        parts = [t]
        if node.offset is not None and self.session is not None:
            data = self.session.wasm[node.offset:node.offset + min(PREVIEW, node.size or PREVIEW)]
            hex_lines = Text()
            for i in range(0, len(data), 8):
                chunk = data[i:i + 8]
                hex_lines.append(f"{node.offset + i:08x}  ", style="bright_black")
                hex_lines.append(" ".join(f"{b:02x}" for b in chunk).ljust(24))
                hex_lines.append(" " + "".join(chr(b) if 32 <= b < 127 else "." for b in chunk) + "\n")
            parts.append(Text("\nfirst bytes:", style="bold"))
            parts.append(hex_lines)
        from rich.console import Group
        self.query_one("#structure-details", Static).update(Group(*parts))
