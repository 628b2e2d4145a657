"""The Rejections tab's verdict agrees with `init`: the missing default export with its
candidates, no guessed init, the export an init choice removes, grouped sites, a failed run."""
from __future__ import annotations

import pytest

from wizerscope.errors import WizerscopeError
from wizerscope.inspector.session import Session
from wizerscope.inspector.verdict import _removed_from_component, for_form
from wizerscope.preinit.choose import preinit
from wizerscope.preinit.options import Options

from tests.helpers.inspector_wat import NESTED, TRAPS, TWICE, write
from tests.helpers.truth_wat import CALLS_IMPORT, COMMAND, TABLE_SETS


def test_command_module_has_no_guessed_init_and_says_the_export_is_missing(tmp_path):
    s = Session.open(write(tmp_path, "cmd.wat", COMMAND))
    assert s.options.init_func == "wizer-initialize"          # what `init` would run: no guess
    (card,) = s.verdict()
    assert card.level == "init-export" and card.blocking
    assert "does not have a `wizer-initialize` export" in card.message
    assert card.lines == ["candidates: `_start`, `setup`"]
    assert "Init form" in card.hint and "-f" not in card.hint
    with pytest.raises(WizerscopeError, match="wizer-initialize"):     # and `init` refuses it too
        preinit(s.wasm, Options())
    out = s.run()
    assert not out.ok and [c.level for c in s.verdict()] == ["init-export"]


def test_choosing_start_explains_what_the_output_loses_and_offers_the_rename(tmp_path):
    s = Session.open(write(tmp_path, "cmd.wat", COMMAND))
    s.options.init_func = "_start"
    (card,) = s.verdict()
    assert card.level == "warning" and not card.blocking
    assert "no `_start`" in card.message and "_start=EXPORT" in card.hint and "renames" in card.hint
    s.options.renames = [("_start", "setup")]
    assert s.verdict() == []
    s.options.renames, s.options.keep_init_func = [], True
    assert s.verdict() == []
    s.options.init_func = "setup"
    assert s.verdict() == []


def test_choosing_a_component_export_says_the_output_loses_it(tmp_path):
    """A plain top-level component export run as init is dropped from the output (as the
    reference's rewrite does): the tab warns, and keeping the init export silences it."""
    s = Session.open(write(tmp_path, "twice.wat", TWICE))
    assert s.verdict() == []                            # wizer-initialize: nothing lost
    s.options.init_func = "get-a"
    (card,) = s.verdict()
    assert card.level == "warning" and card.rule == "init-removes-export"
    assert "no longer exports `get-a`" in card.message and "keep the init function exported" in card.hint
    out = s.run()
    assert out.ok and b"get-a" not in bytes(out.output)  # what the warning said
    s.options.keep_init_func = True
    assert s.verdict() == []


def test_only_plain_top_level_component_exports_are_said_to_be_removed(tmp_path):
    """The nested component's `get` is a plain export (removed as init); interface functions and
    WAVE calls never match the rewrite's export removal, so no warning for them."""
    s = Session.open(write(tmp_path, "nested.wat", NESTED))
    assert all(c.rule != "init-removes-export" for c in s.verdict())
    s.options.init_func = "get"
    assert [c.rule for c in s.verdict()] == ["init-removes-export"]
    for name in ("exports.init", "wasi:cli/run@0.2.0#run", "my:pkg/iface.setup", "get(1)"):
        assert not _removed_from_component(name), name


def test_identical_rejections_are_one_card_listing_every_site(tmp_path):
    s = Session.open(write(tmp_path, "sets.wat", TABLE_SETS))
    assert len(s.rejections) == 3
    (card,) = s.verdict()
    assert card.rule == "forbidden-instruction" and len(card.sites) == 3 and len(card.offsets) == 3
    assert card.items == ["func 0 $wizer-initialize : table.set", "func 1 $other : table.set"]


def test_a_failed_run_is_a_reason_with_its_backtrace(tmp_path):
    s = Session.open(write(tmp_path, "traps.wat", TRAPS))
    assert s.verdict() == []
    assert not s.run().ok
    (card,) = s.verdict()
    assert card.level == "run-failed" and "failed during init" in card.message
    assert card.backtrace and any("deep" in line for line in card.backtrace)


def test_an_import_call_names_the_preloads_field(tmp_path):
    s = Session.open(write(tmp_path, "imp.wat", CALLS_IMPORT))
    assert not s.run().ok
    (card,) = s.verdict()
    assert "host_fn" in card.message and "`preloads` field" in card.hint and "--preload" not in card.hint


def test_cli_words_become_form_fields():
    assert for_form("--timeout 0: expected") == "`timeout` 0: expected"
    assert "WASI during init" in for_form("allow WASI with -S cli (or --allow-wasi)")
    assert for_form("-W fuel=N") == "`fuel`"
