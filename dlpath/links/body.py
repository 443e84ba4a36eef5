"""Decode the start of a body as a browser would (gzip, deflate), never producing more than a cap.

A compressed page reads as gibberish until decoded, and a small compressed body can inflate to
gigabytes (a "gzip bomb"): each call produces at most the room left under the cap, and the
compressed input not yet needed waits in the decompressor, so memory stays bounded by the cap.
"""

from __future__ import annotations

import zlib

#: What dlpath asks servers for: only the encodings it can decode.
ACCEPT_ENCODING = "gzip, deflate"


class UnsupportedEncoding(Exception):
    """The server used a Content-Encoding dlpath did not ask for and cannot decode."""


class CorruptBody(Exception):
    """The compressed body does not decompress: a browser would show an error instead of the page."""


class _Stage:
    """One decompressor of the chain (one Content-Encoding)."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self.raw_deflate = False  # "deflate" should be zlib-wrapped; some servers send it bare
        self.decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS if coding != "deflate" else zlib.MAX_WBITS)
        self.pending = b""
        self.started = False

    def feed(self, data: bytes, room: int) -> bytes:
        """Decoded bytes from what waits plus ``data``, at most ``room`` (the rest waits for the next call)."""
        data = self.pending + data
        try:
            out = self.decompressor.decompress(data, room)
        except zlib.error:
            if self.coding == "deflate" and not self.started and not self.raw_deflate:
                self.raw_deflate = True
                self.decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.feed_raw(data, room)
            raise CorruptBody(f"its {self.coding} encoding is corrupt") from None
        self.started = True
        self.pending = self.decompressor.unconsumed_tail
        return out

    def feed_raw(self, data: bytes, room: int) -> bytes:
        """Start over on ``data`` as bare deflate (the server left out the zlib header)."""
        self.pending = b""
        return self.feed(data, room)


class BodyDecoder:
    """Undoes a ``Content-Encoding`` (``gzip``, ``deflate``, a list of them, or none), capped."""

    def __init__(self, content_encoding: str | None) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
        codings = [c for c in codings if c and c != "identity"]
        for coding in codings:
            if coding not in ("gzip", "x-gzip", "deflate"):
                raise UnsupportedEncoding(coding)
        self.codings = ", ".join(codings)
        self.stages = [_Stage(c) for c in reversed(codings)]  # the last one applied is undone first

    def feed(self, data: bytes, room: int) -> bytes:
        """Decoded bytes for the next raw ``data``, at most ``room`` of them (``b""`` flushes what waits)."""
        for stage in self.stages:
            if room <= 0:
                return b""
            data = stage.feed(data, room)
        return data[:room]

    @property
    def complete(self) -> bool:
        """Whether every compressed stream reached its end (a body cut short leaves one unfinished)."""
        return all(stage.decompressor.eof for stage in self.stages)

    @property
    def waiting(self) -> bool:
        """Whether compressed input is still waiting to be decoded (the cap was reached before it)."""
        return any(stage.pending for stage in self.stages)
