"""Find the first malformed record of a VCF, with its line number and field.

Only used after the fast (polars) pass failed: it re-reads the file line by line in Python, applying the
same checks the fast pass applies through strict casts, and returns a :class:`VcfFormatError` naming the
line and field. Slow (pure Python) but never on the happy path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from genolake_annotation.normalize.compression import open_binary
from genolake_annotation.normalize.errors import VcfFormatError
from genolake_annotation.normalize.header import VcfHeader
from genolake_annotation.normalize.reader import MAX_RECORD_BYTES

_INT = re.compile(r"^[+-]?[0-9]+$")


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _info_value(info: str, key: str) -> str | None:
    for item in info.split(";"):
        if item.startswith(key + "="):
            return item[len(key) + 1 :]
    return None


def check_record(line: str, line_no: int, header: VcfHeader, sample_indices: Sequence[int]) -> None:
    """Raise :class:`VcfFormatError` if this data line is malformed."""
    cols = line.split("\t")
    expected = 8 + (1 + len(header.samples) if header.samples else 0)
    if len(cols) != expected:
        raise VcfFormatError(
            f"expected {expected} tab-separated columns, found {len(cols)} (truncated or malformed line?)",
            line=line_no,
            field="columns",
        )
    names = ("CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT")
    for name, value in zip(names, cols):
        if value == "":
            raise VcfFormatError("empty value", line=line_no, field=name)
    if not _INT.match(cols[1]):
        raise VcfFormatError(f"POS must be an integer, found {cols[1]!r}", line=line_no, field="POS")
    if cols[5] != "." and not _is_float(cols[5]):
        raise VcfFormatError(f"QUAL must be a number or '.', found {cols[5]!r}", line=line_no, field="QUAL")
    for key in [k for k in ("END", "DP") if k in header.info]:
        info = _info_value(cols[7], key)
        if info is not None and info != "." and not _INT.match(info):
            raise VcfFormatError(f"must be an integer, found {info!r}", line=line_no, field=f"INFO/{key}")
    if not header.samples:
        return
    keys = cols[8].split(":")
    n_alleles = 1 + (0 if cols[4] == "." else cols[4].count(",") + 1)
    for k in sample_indices:
        sample = header.samples[k]
        parts = cols[9 + k].rstrip("\r").split(":")
        if keys[0] == "GT":
            for index in re.split(r"[/|]", parts[0]):
                if index == ".":
                    continue
                if not index.isdigit():
                    raise VcfFormatError(
                        f"sample {sample}: GT {parts[0]!r} is not allele indices separated by / or |",
                        line=line_no,
                        field="FORMAT/GT",
                    )
                if int(index) >= n_alleles:
                    raise VcfFormatError(
                        f"sample {sample}: GT {parts[0]!r} refers to allele {index}, "
                        f"but the record has only {n_alleles} alleles (REF + ALT {cols[4]!r})",
                        line=line_no,
                        field="FORMAT/GT",
                    )
        if "DP" in keys:
            i = keys.index("DP")
            if i < len(parts) and parts[i] != "." and not _INT.match(parts[i]):
                raise VcfFormatError(
                    f"sample {sample}: DP must be an integer, found {parts[i]!r}",
                    line=line_no,
                    field="FORMAT/DP",
                )


def find_malformed_record(
    path: Path, header: VcfHeader, sample_indices: Sequence[int]
) -> VcfFormatError | None:
    """The error for the first malformed record, or None if every record passes the checks."""
    line_no = 0
    with path.open("rb") as handle:
        stream, _ = open_binary(handle)
        try:
            for raw in stream:
                line_no += 1
                if line_no <= header.header_lines:
                    continue
                if len(raw.rstrip(b"\r\n")) >= MAX_RECORD_BYTES:
                    return VcfFormatError(
                        f"record line is {len(raw)} bytes long; lines of 1 MiB or more are refused "
                        "(a missing line break, or binary data?)",
                        line=line_no,
                        field="line",
                    )
                if raw.startswith(b"#"):
                    return VcfFormatError(
                        "a '#' line among the records (header and comment lines must all come before "
                        "the first record)",
                        line=line_no,
                        field="columns",
                    )
                try:
                    line = raw.decode("utf-8").rstrip("\n")
                except UnicodeDecodeError:
                    return VcfFormatError("record is not UTF-8 text", line=line_no)
                if not line.strip():
                    continue
                try:
                    check_record(line, line_no, header, sample_indices)
                except VcfFormatError as exc:
                    return exc
        except (OSError, EOFError) as exc:
            return VcfFormatError(f"cannot decompress after line {line_no}: {exc} (truncated file?)")
    return None
