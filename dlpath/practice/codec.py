"""Values and messages between the grader and the sandboxed learner's code: JSON, with arrays as data.

Nothing is ever pickled: an array travels as its dtype, shape and raw bytes (base64), and only plain
values are understood (None, bools, numbers, strings, lists, tuples, dicts with string keys, NumPy
arrays and scalars of numeric dtypes). Anything else (a function, a module, an object) arrives as an
``Opaque`` that only says what it was, so a reply can describe a value but never run code in the
grader. A message is one frame: its length as 8 ASCII hex digits, then that many bytes of JSON.

The functions a check hands to the learner's code (the gradient given to ``minimise``) travel as data
too: ``QuadraticGradient`` is rebuilt on the other side from its matrix and centre.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

HEADER = 8  # hex digits of a frame's length
MAX_FRAME = 64 * 1024 * 1024  # bytes: a larger message is refused (the sandbox's memory is limited anyway)
_KINDS = "biufc"  # dtype kinds that travel: bool, ints, floats, complex


class ProtocolError(Exception):
    """A message that is not a well-formed frame of this protocol."""


@dataclass(frozen=True, slots=True)
class Opaque:
    """A value the protocol does not carry (a function, an object...): only what kind of thing it was."""

    kind: str  # e.g. "function", "generator", "MyClass"


@dataclass(frozen=True, slots=True)
class QuadraticGradient:
    """∇f(x) = A (x − c) of the bowl f(x) = ½ (x − c)ᵀ A (x − c): a gradient that can be sent as data.

    ``A`` has shape (dim, dim) and ``c`` shape (dim,); called with x of shape (dim,) (or a scalar when
    dim is 1) it returns an array of shape (dim,).
    """

    A: np.ndarray
    c: np.ndarray

    def __call__(self, x):
        return self.A @ (np.asarray(x, dtype=float) - self.c)


def encode(value: Any) -> Any:
    """``value`` as JSON-ready data (see the module docstring for what is carried)."""
    if isinstance(value, np.generic):  # before float: np.float64 is a float too, and must stay np.float64
        if value.dtype.kind not in _KINDS:
            return {"__opaque__": f"{type(value).__name__}"}
        return {"__scalar__": encode(np.asarray(value))}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**63 else {"__big__": str(value)}
    if isinstance(value, float):
        return value
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _KINDS:
            return {"__opaque__": f"array of {value.dtype}"}
        data = value if value.flags.c_contiguous else value.copy(order="C")  # (ascontiguousarray makes 0-d 1-d)
        return {
            "__array__": base64.b64encode(data.tobytes()).decode("ascii"),
            "dtype": data.dtype.str,
            "shape": list(data.shape),
        }
    if isinstance(value, QuadraticGradient):
        return {"__gradient__": [encode(value.A), encode(value.c)]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: encode(v) for k, v in value.items()}}
    return {"__opaque__": _kind(value)}


def _kind(value: Any) -> str:
    if callable(value) and hasattr(value, "__code__"):
        return "function"
    return type(value).__name__


def decode(data: Any) -> Any:
    """The value ``encode`` made ``data`` from; ProtocolError for anything malformed."""
    try:
        return _decode(data)
    except RecursionError:
        raise ProtocolError("a value nested too deeply") from None
    except (TypeError, ValueError) as err:  # e.g. an integer of more digits than Python converts
        raise ProtocolError(f"a malformed value: {err}") from None


def _decode(data: Any) -> Any:
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [_decode(v) for v in data]
    if not isinstance(data, dict) or len(data) == 0:
        raise ProtocolError(f"unexpected value {type(data).__name__}")
    if "__array__" in data:
        return _array(data)
    (key, inner), *rest = data.items()
    if rest:
        raise ProtocolError("unexpected object")
    if key == "__tuple__" and isinstance(inner, list):
        return tuple(_decode(v) for v in inner)
    if key == "__dict__" and isinstance(inner, dict):
        return {str(k): _decode(v) for k, v in inner.items()}
    if key == "__scalar__" and isinstance(inner, dict):
        array = _array(inner)
        if array.shape != ():
            raise ProtocolError("a scalar with a shape")
        return array[()]
    if key == "__big__" and isinstance(inner, str):
        return int(inner)
    if key == "__opaque__" and isinstance(inner, str):
        return Opaque(inner[:80])
    if key == "__gradient__" and isinstance(inner, list) and len(inner) == 2:
        A, c = (_decode(v) for v in inner)
        return QuadraticGradient(A, c)
    raise ProtocolError(f"unexpected object {key!r}")


def _array(data: dict) -> np.ndarray:
    try:
        dtype = np.dtype(data["dtype"])
        shape = tuple(int(n) for n in data["shape"])
        raw = base64.b64decode(data["__array__"], validate=True)
    except (KeyError, TypeError, ValueError) as err:
        raise ProtocolError(f"malformed array: {err}") from None
    if dtype.kind not in _KINDS or any(n < 0 for n in shape):
        raise ProtocolError("an array of a dtype or shape that does not travel")
    if len(raw) != dtype.itemsize * int(np.prod(shape, dtype=np.int64)):
        raise ProtocolError("an array whose bytes do not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def roundtrip(value: Any) -> Any:
    """``value`` after a trip through the protocol: what the other side of the sandbox would see."""
    return decode(json.loads(json.dumps(encode(value))))


def frame(message: dict) -> bytes:
    """One message as a frame: its length in hex, then its JSON."""
    body = json.dumps(message, separators=(",", ":")).encode("utf-8")
    if len(body) > MAX_FRAME:
        raise ProtocolError(f"a message of {len(body)} bytes is too large")
    return f"{len(body):0{HEADER}x}".encode("ascii") + body


def parse(body: bytes) -> dict:
    """The message of a frame's body; ProtocolError unless it is a JSON object."""
    try:
        message = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ProtocolError("a message that is not JSON, or nested too deeply") from None
    if not isinstance(message, dict):
        raise ProtocolError("a message that is not an object")
    return message


def body_length(header: bytes) -> int:
    """The length a frame's header announces; ProtocolError if it is not one."""
    try:
        text = header.decode("ascii")
        length = int(text, 16)
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError("a frame header that is not a length") from None
    if len(text) != HEADER or length > MAX_FRAME:
        raise ProtocolError("a frame header that is not a length")
    return length


def write_frame(fd: int, message: dict) -> None:
    """Write one frame to ``fd``, all of it (blocking)."""
    data = memoryview(frame(message))
    while data:
        data = data[os.write(fd, data) :]


def read_frame(fd: int) -> dict | None:
    """Read one frame from ``fd`` (blocking); None at end of file."""
    header = _read_exactly(fd, HEADER)
    if header is None:
        return None
    body = _read_exactly(fd, body_length(header))
    if body is None:
        raise ProtocolError("a frame cut short")
    return parse(body)


def _read_exactly(fd: int, n: int) -> bytes | None:
    parts, got = [], 0
    while got < n:
        chunk = os.read(fd, n - got)
        if not chunk:
            if got:
                raise ProtocolError("a frame cut short")
            return None
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)
