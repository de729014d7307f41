"""Byte streams for ingestion: gzip with a bomb guard, peeking for format sniffing, capped reads.

Everything is read as bytes and decoded late, so that one code path serves files, gzip members,
stdin (text or binary) and downloads, and so that sizes are counted before text is built.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from typing import BinaryIO, TextIO

from realpolitik.errors import InputError
from realpolitik.ingest.limits import limit_hint

GZIP_MAGIC = b"\x1f\x8b"
_BUFFER = 1024 * 1024


class GzipGuard(io.RawIOBase):
    """Decompress a gzip stream, refusing to produce more than ``limit`` bytes.

    A few kilobytes of gzip can expand to gigabytes; counting the output as it is produced
    stops such a bomb after ``limit`` bytes without ever holding more than one buffer of it.
    Corrupt or truncated data becomes an :class:`InputError` naming the origin.
    """

    def __init__(self, raw: BinaryIO, limit: int, origin: str) -> None:
        super().__init__()
        self._gz = gzip.GzipFile(fileobj=raw, mode="rb")
        self._limit = limit
        self._origin = origin
        self._count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            n = self._gz.readinto(buffer)
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise InputError(self._origin, f"corrupt or truncated gzip data ({exc})") from exc
        self._count += n
        if self._count > self._limit:
            raise InputError(
                self._origin,
                f"gzip data decompresses to more than max_decompressed_bytes={self._limit:,} bytes: "
                f"refused (possible gzip bomb); {limit_hint('max_decompressed_bytes')}",
            )
        return n

    def close(self) -> None:
        self._gz.close()
        super().close()


class PrefixedStream(io.RawIOBase):
    """A stream that first returns ``prefix`` and then the rest of ``rest``.

    Lets us sniff the head of a non-seekable stream (stdin, a gzip member) and still read it
    from the beginning afterwards.
    """

    def __init__(self, prefix: bytes, rest: BinaryIO) -> None:
        super().__init__()
        self._prefix = memoryview(prefix)
        self._pos = 0
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._pos < len(self._prefix):
            n = min(len(buffer), len(self._prefix) - self._pos)
            buffer[:n] = self._prefix[self._pos : self._pos + n]
            self._pos += n
            return n
        data = self._rest.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n

    def close(self) -> None:
        self._rest.close()
        super().close()


class TextAsBinary(io.RawIOBase):
    """UTF-8 bytes of a text stream (``sys.stdin`` without ``.buffer``, ``io.StringIO``)."""

    def __init__(self, text: TextIO) -> None:
        super().__init__()
        self._text = text
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            chunk = self._text.read(65536)
            if not chunk:
                return 0
            self._pending = chunk.encode("utf-8", "surrogateescape")
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def buffered(raw: io.RawIOBase) -> BinaryIO:
    return io.BufferedReader(raw, buffer_size=_BUFFER)  # type: ignore[return-value]


def binary_stream(stream: TextIO | BinaryIO) -> BinaryIO:
    """A binary view of stdin-like input, whether it was opened in text or binary mode."""
    inner = getattr(stream, "buffer", None)
    if inner is not None:
        return inner  # type: ignore[no-any-return]
    probe = stream.read(0)
    if isinstance(probe, bytes):
        return stream  # type: ignore[return-value]
    return buffered(TextAsBinary(stream))  # type: ignore[arg-type]


def read_exactly(stream: BinaryIO, n: int) -> bytes:
    """Read up to ``n`` bytes, looping over short reads (pipes return what they have)."""
    parts: list[bytes] = []
    got = 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def peek(stream: BinaryIO, n: int) -> tuple[bytes, BinaryIO]:
    """The first ``n`` bytes of ``stream`` and a stream that still starts at the beginning."""
    head = read_exactly(stream, n)
    return head, buffered(PrefixedStream(head, stream))


def maybe_gunzip(stream: BinaryIO, origin: str, limit: int) -> tuple[BinaryIO, bool]:
    """Decompress ``stream`` if it starts with the gzip magic number."""
    head, stream = peek(stream, 2)
    if head == GZIP_MAGIC:
        return buffered(GzipGuard(stream, limit, origin)), True
    return stream, False


def read_capped(stream: BinaryIO, cap: int, origin: str, too_big: str) -> bytes:
    """Read the whole stream, or raise ``InputError(origin, too_big)`` past ``cap`` bytes."""
    data = read_exactly(stream, cap + 1)
    if len(data) > cap:
        raise InputError(origin, too_big)
    return data


def iter_lines(stream: BinaryIO, max_line_bytes: int) -> Iterator[tuple[int, bytes | None]]:
    """Yield ``(line_number, line)``; ``line`` is None for a line over ``max_line_bytes``.

    The over-long line is skipped chunk by chunk, never held whole in memory.
    """
    number = 0
    while True:
        line = stream.readline(max_line_bytes + 1)
        if not line:
            return
        number += 1
        if len(line) > max_line_bytes and not line.endswith(b"\n"):
            while True:
                rest = stream.readline(_BUFFER)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        yield number, line
