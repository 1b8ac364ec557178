"""Detect how a VCF is compressed (by magic bytes, never by file name) and open it as a text stream.

- ``gzip``: starts with ``1f 8b``; ``bgzip`` is gzip whose first member carries the ``BC`` extra subfield
  (BGZF). Both are read by :mod:`gzip`, which handles the many members of a BGZF file.
- ``none``: anything else that is not a known unsupported compression (bzip2, xz, zstd are rejected with
  a message; a BCF file is rejected after decompression).

Everything here reads forward only, so it works on non-seekable streams (an S3 streaming body).
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import BinaryIO, Literal

from genolake_annotation.normalize.errors import VcfFormatError

Compression = Literal["none", "gzip", "bgzip"]

_UNSUPPORTED = {
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}


def detect_compression(prefix: bytes) -> Compression:
    """Classify the first bytes of a file (18 are enough for BGZF)."""
    if prefix[:2] == b"\x1f\x8b":
        # gzip header: FLG at 3; FEXTRA (bit 2) with XLEN at 10-11 and subfield id "BC" at 12-13.
        if len(prefix) >= 14 and prefix[3] & 0x04 and prefix[12:14] == b"BC":
            return "bgzip"
        return "gzip"
    for magic, name in _UNSUPPORTED.items():
        if prefix.startswith(magic):
            raise VcfFormatError(f"input is {name}-compressed; only plain, gzip and bgzip VCF are supported")
    return "none"


class _PrefixedStream(io.RawIOBase):
    """A forward-only binary stream: ``prefix`` bytes already read, then the rest of ``stream``."""

    def __init__(self, prefix: bytes, stream: BinaryIO) -> None:
        self._prefix = prefix
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        if self._prefix:
            n = min(len(view), len(self._prefix))
            view[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._stream.read(len(view))
        if not data:
            return 0
        view[: len(data)] = data
        return len(data)


def _read_prefix(stream: BinaryIO, size: int = 18) -> bytes:
    prefix = b""
    while len(prefix) < size:
        chunk = stream.read(size - len(prefix))
        if not chunk:
            break
        prefix += chunk
    return prefix


def open_binary(stream: BinaryIO) -> tuple[BinaryIO, Compression]:
    """Wrap a raw binary stream so that reading it yields decompressed VCF bytes."""
    prefix = _read_prefix(stream)
    compression = detect_compression(prefix)
    raw = io.BufferedReader(_PrefixedStream(prefix, stream), buffer_size=1 << 16)
    if compression == "none":
        return raw, compression
    return gzip.GzipFile(fileobj=raw, mode="rb"), compression  # type: ignore[return-value]


def detect_file_compression(path: Path) -> Compression:
    with path.open("rb") as handle:
        return detect_compression(handle.read(18))
