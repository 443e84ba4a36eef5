"""Where the catalogue and the learner's data live; every location can be overridden by environment."""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "DLPATH_HOME"
CATALOG_ENV = "DLPATH_CATALOG"

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir() -> Path:
    """The folder for progress, caches and last results: ``$DLPATH_HOME`` or the platform's user data dir.

    Nothing is created here; writers create the folder when they first need it.
    """
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir  # 3.5 ms to import, which DLPATH_HOME (the tests) never needs

    return Path(user_data_dir("dlpath", appauthor=False))


def cache_dir() -> Path:
    """Disposable speed-ups (the parsed catalogue): ``$DLPATH_HOME/cache`` or the platform's cache dir."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser() / "cache"
    from platformdirs import user_cache_dir  # 3.5 ms to import, which DLPATH_HOME never needs

    return Path(user_cache_dir("dlpath", appauthor=False))


def bundled_data_file(name: str) -> Path:
    """A file of the shipped course data: inside the installed package, or ``data/`` of a source checkout."""
    packaged = _PACKAGE_DIR / "data" / name
    if packaged.exists():
        return packaged
    return _PACKAGE_DIR.parent / "data" / name


def catalog_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The catalogue to use: ``--catalog``, else ``$DLPATH_CATALOG``, else the bundled ``steps.yaml``."""
    if explicit:
        return Path(explicit).expanduser()
    override = os.environ.get(CATALOG_ENV)
    if override:
        return Path(override).expanduser()
    return bundled_data_file("steps.yaml")
