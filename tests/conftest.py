"""Shared fixtures: every test gets its own DLPATH_HOME and the bundled catalogue, never the real home."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def dlpath_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty data directory for each test (the learner's real data is never touched)."""
    home = tmp_path_factory.mktemp("dlpath-home")
    monkeypatch.setenv("DLPATH_HOME", str(home))
    # and should anything look past DLPATH_HOME, platformdirs' folders are temporary too
    for name in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(home / "xdg" / name.lower()))
    monkeypatch.delenv("DLPATH_CATALOG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    return home


@pytest.fixture
def fixtures() -> Path:
    """The folder of small fixture catalogues and files, named by what they exercise."""
    return FIXTURES
