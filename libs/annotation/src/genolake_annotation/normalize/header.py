"""Read a VCF header (the ``##`` meta lines and the ``#CHROM`` line), and nothing more.

Rules:

- Input is a path or a binary stream (may be non-seekable, e.g. an S3 streaming body); plain, gzip and
  bgzip are recognised by magic bytes (see :mod:`genolake_annotation.normalize.compression`).
- The first line must be ``##fileformat=VCFv...``; meta lines follow; the header ends at the ``#CHROM``
  line, whose first eight columns must be ``CHROM POS ID REF ALT QUAL FILTER INFO`` (then ``FORMAT`` and
  the sample names, if any). Reading stops there, after a peek at the next line to tell whether any
  record follows (``has_records``): the records are never parsed.
- Anything else raises :class:`VcfFormatError` naming the line and what is wrong.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import BinaryIO

from pydantic import BaseModel, ConfigDict

from genolake_annotation.normalize.builds import BuildSource, build_from_contigs, build_from_names
from genolake_annotation.normalize.compression import Compression, open_binary
from genolake_annotation.normalize.errors import VcfFormatError
from genolake_annotation.normalize.settings import Build

FIXED_COLUMNS = ("CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO")

_STRUCTURED = re.compile(r"^##(INFO|FORMAT|FILTER|contig|ALT)=<(.*)>\s*$")
_KEY_VALUE = re.compile(r'([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|[^,]*)')
_MAX_HEADER_LINE = 1 << 20


class FieldDef(BaseModel):
    """One ``##INFO`` / ``##FORMAT`` declaration."""

    model_config = ConfigDict(frozen=True)

    id: str
    number: str | None = None
    type: str | None = None
    description: str | None = None


class VcfHeader(BaseModel):
    """What the header of a VCF says. ``contigs`` keeps names as written (``chr1`` stays ``chr1``)."""

    model_config = ConfigDict(frozen=True)

    file_format: str
    samples: list[str]
    contigs: dict[str, int | None]
    reference: str | None = None
    assembly: str | None = None
    detected_build: Build | None = None
    build_source: BuildSource | None = None
    info_ids: list[str]
    format_ids: list[str]
    filter_ids: list[str]
    info: dict[str, FieldDef]
    format: dict[str, FieldDef]
    compression: Compression
    header_lines: int
    """Number of header lines including ``#CHROM``: the first record is on line ``header_lines + 1``."""
    has_records: bool | None = None
    """Whether a non-blank line follows the header (None: unknown, the stream failed after it)."""


def _parse_structured(body: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for match in _KEY_VALUE.finditer(body):
        value = match.group(2)
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
            value = value[1:-1]
        fields.setdefault(match.group(1), value)
    return fields


def _decode(raw: bytes, line_no: int) -> str:
    if len(raw) > _MAX_HEADER_LINE:
        raise VcfFormatError("header line longer than 1 MiB; not a VCF?", line=line_no)
    try:
        return raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise VcfFormatError(f"header is not UTF-8 text ({exc.reason}); not a VCF?", line=line_no) from exc


def _read_header(stream: BinaryIO, compression: Compression) -> VcfHeader:
    file_format: str | None = None
    contigs: dict[str, int | None] = {}
    reference: str | None = None
    assembly: str | None = None
    info: dict[str, FieldDef] = {}
    fmt: dict[str, FieldDef] = {}
    filters: list[str] = []
    line_no = 0
    while True:
        try:
            raw = stream.readline(_MAX_HEADER_LINE + 1)
        except (OSError, EOFError) as exc:  # corrupt or truncated gzip
            raise VcfFormatError(f"cannot decompress the header: {exc}", line=line_no + 1) from exc
        if not raw:
            if line_no == 0:
                raise VcfFormatError("empty input: not a VCF")
            raise VcfFormatError("missing the #CHROM header line (end of input reached)", line=line_no + 1)
        line_no += 1
        if line_no == 1 and raw.startswith(b"BCF"):
            raise VcfFormatError("input is BCF; convert it to VCF first (bcftools view -Oz)", line=1)
        line = _decode(raw, line_no)
        if line_no == 1:
            if not line.startswith("##fileformat="):
                raise VcfFormatError(
                    f"first line must be '##fileformat=VCFv4.x', found {line[:40]!r}: not a VCF",
                    line=1,
                    field="##fileformat",
                )
            file_format = line.split("=", 1)[1].strip()
            continue
        if line.startswith("#CHROM"):
            columns = line[1:].split("\t")
            if tuple(columns[:8]) != FIXED_COLUMNS:
                raise VcfFormatError(
                    f"#CHROM line must start with {' '.join(FIXED_COLUMNS)} (tab-separated), "
                    f"found {line[:80]!r}",
                    line=line_no,
                    field="#CHROM",
                )
            samples = columns[9:]
            if len(columns) > 8 and columns[8] != "FORMAT":
                raise VcfFormatError(
                    f"9th #CHROM column must be FORMAT, found {columns[8]!r}", line=line_no, field="#CHROM"
                )
            if len(columns) == 9:
                raise VcfFormatError("#CHROM line has FORMAT but no sample columns", line=line_no)
            duplicates = sorted({s for s in samples if samples.count(s) > 1})
            if duplicates:
                raise VcfFormatError(f"duplicate sample names: {duplicates}", line=line_no, field="#CHROM")
            break
        if not line.startswith("##"):
            raise VcfFormatError(
                f"expected a '##' meta line or the #CHROM line, found {line[:40]!r}", line=line_no
            )
        match = _STRUCTURED.match(line)
        if match:
            kind, fields = match.group(1), _parse_structured(match.group(2))
            ident = fields.get("ID")
            if not ident:
                raise VcfFormatError(f"##{kind} line without ID", line=line_no, field=f"##{kind}")
            if kind == "contig":
                length = fields.get("length")
                contigs[ident] = int(length) if length and length.isdigit() else None
                assembly = assembly or fields.get("assembly")
            elif kind in ("INFO", "FORMAT"):
                target = info if kind == "INFO" else fmt
                target[ident] = FieldDef(
                    id=ident,
                    number=fields.get("Number"),
                    type=fields.get("Type"),
                    description=fields.get("Description"),
                )
            elif kind == "FILTER":
                filters.append(ident)
        elif line.startswith("##reference="):
            reference = line.split("=", 1)[1].strip() or None
        elif line.startswith("##assembly="):
            assembly = line.split("=", 1)[1].strip() or None
    assert file_format is not None
    has_records: bool | None = None
    try:
        while has_records is None:
            peek = stream.readline(_MAX_HEADER_LINE + 1)
            if not peek:
                has_records = False
            elif peek.strip():
                has_records = True
    except (OSError, EOFError):  # corrupt or truncated right after the header: the records will say
        has_records = None
    build = build_from_contigs(contigs)
    source: BuildSource | None = "contigs" if build else None
    if build is None:
        build = build_from_names(reference, assembly)
        source = "reference" if build else None
    return VcfHeader(
        file_format=file_format,
        samples=samples,
        contigs=contigs,
        reference=reference,
        assembly=assembly,
        detected_build=build,
        build_source=source,
        info_ids=list(info),
        format_ids=list(fmt),
        filter_ids=filters,
        info=info,
        format=fmt,
        compression=compression,
        header_lines=line_no,
        has_records=has_records,
    )


def read_vcf_header(source: Path | BinaryIO) -> VcfHeader:
    """Read only the header of a VCF (path or binary stream; plain, gzip or bgzip)."""
    if isinstance(source, (str, Path)):
        with Path(source).open("rb") as handle:
            stream, compression = open_binary(handle)
            return _read_header(stream, compression)
    stream, compression = open_binary(source)
    return _read_header(stream, compression)
