"""How a command ends when something goes wrong: one line on stderr and an exit code, never a traceback."""

from __future__ import annotations

import errno
import os
import sys

from dlpath.errors import ExitCode
from dlpath.paths import debug_requested

BROKEN_PIPE = 1  # the reader went away (``| head``): as Rich and Click end in that case


def debug_from_environment() -> bool:
    """Whether ``DLPATH_DEBUG`` asks for tracebacks (read in dlpath.paths, like every dlpath variable)."""
    return debug_requested()


def flush_stdout() -> None:
    """Flush stdout now, so that a closed or full stdout is seen inside the boundary, not at exit."""
    try:
        sys.stdout.flush()
    except ValueError:  # already closed by the test runner
        pass


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (the test runner)
        pass


def handle(err: BaseException, *, debug: bool, prog_name: str) -> int:
    """Print what ``err`` means for the user (at most one line) and return the exit code."""
    import typer

    try:
        from typer._click import exceptions as click  # typer 0.22 and later carry their own click
    except ImportError:  # pragma: no cover - older typer on click
        from click import exceptions as click

    from dlpath.cli import common

    if isinstance(err, SystemExit):
        return err.code if isinstance(err.code, int) else (0 if err.code is None else 1)
    if isinstance(err, typer.Exit):
        return err.exit_code
    if isinstance(err, (BrokenPipeError, ConnectionResetError)) or (
        isinstance(err, OSError) and err.errno == errno.EPIPE
    ):
        _silence_stdout()  # the reader has gone (``| head``): nothing left to say, and no one to say it to
        return BROKEN_PIPE
    if isinstance(err, KeyboardInterrupt):
        common.print_error("interrupted")
        return int(ExitCode.INTERRUPTED)
    if isinstance(err, typer.Abort):
        common.print_error("aborted")
        return int(ExitCode.FAILURE)
    if isinstance(err, click.NoArgsIsHelpError):
        err.show()
        return err.exit_code
    if isinstance(err, click.UsageError):
        command = err.ctx.command_path if err.ctx is not None else prog_name
        common.print_error(f"{err.format_message()} (see '{command} --help')")
        return err.exit_code
    if isinstance(err, click.ClickException):
        common.print_error(err.format_message())
        return err.exit_code
    if isinstance(err, ValueError) and "embedded null byte" in str(err):
        # every file operation refuses a NUL in a path; it can only have come from the command line
        common.print_error("a file name on the command line contains a NUL character (\\0): check the arguments")
        return int(ExitCode.USAGE)
    if isinstance(err, OSError) and err.errno in _OS_ADVICE:
        where = f" ({err.filename})" if err.filename else ""
        if err.errno == errno.ENOSPC and not err.filename:
            _silence_stdout()  # stdout itself is full: say so on stderr, once
        common.print_error(f"{err.strerror}{where}: {_OS_ADVICE[err.errno]}")
        return int(ExitCode.USAGE)
    if debug:
        import traceback

        traceback.print_exception(err, file=sys.stderr)
    detail = f"{type(err).__name__}: {err}".strip().rstrip(":")
    if len(detail) > 200:
        detail = detail[:197] + "..."
    hint = "" if debug else " (run again with --debug or DLPATH_DEBUG=1 to see the traceback)"
    common.print_error(
        f"unexpected {detail}. This is a bug in dlpath: please report it to the maintainers"
        f" with the command you ran{hint}"
    )
    return int(ExitCode.USAGE)


_OS_ADVICE = {
    errno.ENOSPC: "the disk is full; free some space and try again",
    errno.EDQUOT: "your disk quota is used up; free some space and try again",
    errno.EFBIG: "the file would be larger than this system allows; free space or raise the limit",
    errno.EROFS: "the file system is read-only; choose a writable place",
    errno.EACCES: "permission denied; check the permissions of the file and its folder",
    errno.EPERM: "the operation is not permitted; check the permissions of the file and its folder",
    errno.EIO: "the disk reported an input/output error; check the disk and try again",
}
