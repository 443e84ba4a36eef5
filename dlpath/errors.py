"""One exception family for everything dlpath tells a user went wrong, and the exit codes."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit statuses shared by every command."""

    OK = 0
    FAILURE = 1  # the command ran and found problems (broken links, failed checks, invalid catalogue)
    USAGE = 2  # bad input: unknown name, unreadable or malformed catalogue, corrupt data file
    INTERRUPTED = 130


class DlpathError(Exception):
    """An error with a one-line, user-facing message that says what is wrong and what to do.

    The CLI prints ``error: <message>`` on stderr and exits with ``exit_code``; no traceback.
    """

    exit_code: int = ExitCode.USAGE

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class CatalogError(DlpathError):
    """The catalogue file is missing, unreadable, malformed or invalid."""


class NotFoundError(DlpathError):
    """A step, resource or exercise name matches nothing (or more than one thing)."""


class StoreError(DlpathError):
    """The progress store or another data file cannot be opened, read or written safely."""
