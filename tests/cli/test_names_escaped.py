"""Names from the binary are shown escaped (issue 11): an export named with an OSC title
sequence, a clear-screen sequence or an OSC-8 hyperlink must not reach the terminal through
``inspect`` (tree, candidates, globals) or the inspector."""
from __future__ import annotations

import pytest

from wizerscope import cli
from wizerscope.errors import printable
from wizerscope.inspector.session import Session

EVIL = r'''(module (memory 1)
  (global (export "glob\1b]0;pwned\07") (mut i32) (i32.const 0))
  (func (export "\1b[2J\1b]8;;http://x\1b\\click\1b]8;;\1b\\"))
  (func (export "bidi\e2\80\aereversed\c2\9b"))
  (func (export "wizer-initialize")))'''
RAW = ("\x1b", "\x07", "\u202e", "\x9b")


@pytest.mark.parametrize("text, shown", [("plain-name", "plain-name"), ("a\x1b[2Jb", "a\\x1b[2Jb"),
                                          ("t\x07", "t\\x07"), ("c1\x9b", "c1\\x9b"), ("bidi\u202e", "bidi\\u202e"),
                                          ("nl\n", "nl\\n"), ("é ü 名前", "é ü 名前")])
def test_printable(text, shown):
    assert printable(text) == shown


def test_inspect_text_escapes_every_name(tmp_path, capsys):
    src = tmp_path / "evil.wat"
    src.write_text(EVIL)
    cli.main(["inspect", str(src)])
    out = capsys.readouterr().out
    assert not any(c in out for c in RAW)
    assert "\\x1b]0;pwned\\x07" in out and "\\u202e" in out


def test_tree_labels_and_details_are_escaped(tmp_path):
    src = tmp_path / "evil.wat"
    src.write_text(EVIL)
    s = Session.open(str(src))
    seen = []

    def walk(node):
        seen.append(node.label)
        seen.extend(str(v) for _, v in node.details)
        for c in node.children:
            walk(c)
    walk(s.structure())
    assert any("pwned" in t for t in seen)
    assert not any(c in t for t in seen for c in RAW)


async def test_tui_tables_escape_names(tmp_path):
    from textual.widgets import DataTable

    from tests.helpers import pilot as scripted
    from wizerscope.tui.app import WizerscopeApp
    src = tmp_path / "evil.wat"
    src.write_text(EVIL)
    app = WizerscopeApp(str(src))
    async with app.run_test(size=(140, 44)) as pilot:
        await scripted.settle(pilot)
        table = app.query_one("#candidates", DataTable)
        texts = [str(c) for row in range(table.row_count) for c in table.get_row_at(row)]
        assert any("pwned" in t for t in texts)
        assert not any(c in t for t in texts for c in RAW)
        await pilot.press("2")                         # the Globals tab: a line-API table
        await pilot.pause()
        glob = app.query_one("#globals")
        glob.set_data(["name"], [("glob\x1b]0;pwned\x07",)])    # a name as the binary may hold it
        lines = [glob.render_line(y).text for y in range(min(glob.size.height, 3))]
        assert any("pwned" in t for t in lines) and not any(c in t for t in lines for c in RAW)
