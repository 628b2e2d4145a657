"""Fixtures the CLI tests share."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def cache_home(tmp_path, monkeypatch) -> Path:
    """A cache home of the test's own (XDG_CACHE_HOME, and a config home beside it): the caches
    a test inspects hold only what its runs wrote, and a user's caches are never touched."""
    home = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    return home
