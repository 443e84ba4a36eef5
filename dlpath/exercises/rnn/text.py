"""The text a character model learns: the Zen of Python (from the standard library) or a file the learner gives."""

from __future__ import annotations

import ast
import codecs
import importlib.util
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from dlpath.exercises import ExerciseError

MAX_TEXT_BYTES = 1_000_000
MIN_CHARACTERS = 50  # shorter texts give too few windows to learn anything from
MIN_DISTINCT = 2  # with one character there is nothing to predict
MAX_DISTINCT = 300  # each character adds a row and a column to the weights: keep training quick


def zen_of_python() -> str:
    """The Zen of Python, decoded from the ``this`` module's source without importing it (importing prints it).

    The module keeps the text rot13-encoded in a string ``s``; we read that string from the source
    file with ``ast`` and undo the rot13 ourselves.
    """
    spec = importlib.util.find_spec("this")
    origin = getattr(spec, "origin", None)
    problem = "this Python has no readable 'this' module (some minimal installs leave it out)"
    if not origin or not origin.endswith(".py"):
        raise ExerciseError(f"{problem}: give a text to learn with --text FILE")
    try:
        tree = ast.parse(Path(origin).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        raise ExerciseError(f"{problem}: give a text to learn with --text FILE") from None
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "s" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return codecs.decode(node.value.value, "rot13")
    raise ExerciseError(f"{problem}: give a text to learn with --text FILE")


def load_text(path: Path) -> str:
    """The text of ``path``, checked: a regular file, at most 1 MB, UTF-8, not binary, long and varied enough.

    ExerciseError with one line naming the problem otherwise.
    """
    where = f"--text {path}"
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ExerciseError(f"{where}: no such file; give the path of a UTF-8 text file") from None
    except OSError as err:
        raise ExerciseError(f"{where}: cannot be read ({err.strerror}); give a UTF-8 text file") from None
    if stat.S_ISDIR(info.st_mode):
        raise ExerciseError(f"{where}: is a folder; give the path of a UTF-8 text file")
    if not stat.S_ISREG(info.st_mode):
        raise ExerciseError(f"{where}: is not a regular file (a device, pipe or socket); give a UTF-8 text file")
    if info.st_size > MAX_TEXT_BYTES:
        raise ExerciseError(
            f"{where}: is {info.st_size:,} bytes, more than the {MAX_TEXT_BYTES:,} allowed;"
            " a few kilobytes are plenty for this exercise: give a shorter excerpt"
        )
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_TEXT_BYTES + 1)
    except OSError as err:
        raise ExerciseError(f"{where}: cannot be read ({err.strerror}); give a UTF-8 text file") from None
    if len(data) > MAX_TEXT_BYTES:  # it grew since we looked
        raise ExerciseError(f"{where}: is more than the {MAX_TEXT_BYTES:,} bytes allowed; give a shorter excerpt")
    if b"\0" in data:
        raise ExerciseError(f"{where}: looks like a binary file (it contains NUL bytes); give a UTF-8 text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ExerciseError(
            f"{where}: is not valid UTF-8 (byte {err.start + 1}, line {line}); save it as UTF-8 and try again"
        ) from None
    check_text(text, where)
    return text


def check_text(text: str, where: str = "the text") -> None:
    """ExerciseError unless ``text`` is long enough and has a sensible number of distinct characters."""
    if not text.strip():
        raise ExerciseError(f"{where}: is empty (or only white space); give a file with some text in it")
    if len(text) < MIN_CHARACTERS:
        raise ExerciseError(
            f"{where}: has only {len(text)} characters; give at least {MIN_CHARACTERS} so there is something to learn"
        )
    distinct = len(set(text))
    if distinct < MIN_DISTINCT:
        raise ExerciseError(
            f"{where}: uses a single character; give a text with at least {MIN_DISTINCT} different ones"
        )
    if distinct > MAX_DISTINCT:
        raise ExerciseError(
            f"{where}: uses {distinct} different characters, more than the {MAX_DISTINCT} this exercise allows"
            " (each one adds weights to train); give a text in fewer scripts or symbols"
        )


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The distinct characters of a text, in sorted order; a character's index is its position."""

    chars: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Vocabulary:
        """The vocabulary of ``text``."""
        return cls(tuple(sorted(set(text))))

    @property
    def size(self) -> int:
        """V, the number of distinct characters."""
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        """The index of each character of ``text`` (every one must be in the vocabulary)."""
        index = {ch: i for i, ch in enumerate(self.chars)}
        return [index[ch] for ch in text]

    def decode(self, indices) -> str:
        """The characters of ``indices``, joined."""
        return "".join(self.chars[i] for i in indices)
