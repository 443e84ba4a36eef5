"""Where the catalogue and the learner's data live; every location can be overridden by environment."""

from __future__ import annotations

import os
from pathlib import Path

from dlpath.errors import DlpathError

HOME_ENV = "DLPATH_HOME"
CATALOG_ENV = "DLPATH_CATALOG"
NO_EXTRAS_ENV = "DLPATH_NO_EXTRAS"
DEBUG_ENV = "DLPATH_DEBUG"
WAYBACK_API_ENV = "DLPATH_WAYBACK_API"
LOCK_WAIT_ENV = "DLPATH_LOCK_WAIT"  # how much longer to wait for a locked database, in seconds (default 10)

_YES = ("1", "true", "yes", "on")
_NO = ("", "0", "false", "no", "off")

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


def extras_hidden(explicit: bool = False) -> bool:
    """Whether to leave out what dlpath added to the article's path: ``--no-extras``, else ``$DLPATH_NO_EXTRAS``.

    Raises DlpathError for a value of the variable that is neither yes (1, true, yes, on) nor no
    (0, false, no, off, empty).
    """
    if explicit:
        return True
    value = os.environ.get(NO_EXTRAS_ENV, "").strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise DlpathError(
        f"{NO_EXTRAS_ENV}={os.environ[NO_EXTRAS_ENV]!r} is neither yes nor no: set it to 1 to hide what"
        " dlpath added to the article's path, or 0 (or unset it) to show it"
    )


def installed_copy(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a file inside the installed package's data (not a source checkout's ``data/``)."""
    return Path(os.path.realpath(path)).is_relative_to(_PACKAGE_DIR / "data")


def debug_requested() -> bool:
    """Whether ``$DLPATH_DEBUG`` asks for tracebacks (any value but empty, 0, false, no)."""
    return os.environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "false", "no")


def wayback_api_override() -> str | None:
    """The Wayback availability API named by ``$DLPATH_WAYBACK_API`` (tests point it at a local server)."""
    return os.environ.get(WAYBACK_API_ENV) or None


def lock_wait_seconds() -> float:
    """How long to wait for another program's lock after announcing it: ``$DLPATH_LOCK_WAIT`` or 10 s."""
    try:
        value = float(os.environ.get(LOCK_WAIT_ENV, "10"))
    except ValueError:
        return 10.0
    return min(max(value, 0.0), 600.0) if value == value else 10.0  # NaN -> the default
