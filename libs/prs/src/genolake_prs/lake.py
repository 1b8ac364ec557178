"""Scoring files installed in the data lake: `reference/scores/{score_id}/{build}/scoring.txt.gz`.

An admin installs a score once (`genolake scores install`: PGS Catalog ids through `PgsCatalogClient`,
or local files); PRS manifests then name it in `options.scores` instead of uploading the file.

- A file is installed only after it parsed as a scoring file (`read_scoring_file`) and declares a
  genome build (harmonized `HmPOS_build`, else `genome_build`); its id is the header's `pgs_id` (for a
  custom file without one: the file name).
- It is stored gzip-compressed (deterministically: same content, same bytes), with object metadata
  `sha256`, `score-id`, `genome-build`, `variants`, `source` and `trait`. One S3 PUT: a reader sees the
  old or the new file, never part of one. Then the Mongo `scores` index is upserted (what GET /scores
  lists); the object is the truth the PRS planner checks.
- Installing the same content again changes nothing (`unchanged`). Different content for the same
  score and build (the Catalog re-harmonizes scores) replaces the file (`replaced`, with both sha256);
  a PRS run records the sha256 it used, so earlier results stay traceable.
"""

from __future__ import annotations

import dataclasses
import gzip
import tempfile
from pathlib import Path

from genolake_core.docstore import DocStore
from genolake_core.ids import InvalidIdentifierError, check_score
from genolake_core.layout import SCORE_BUILDS, SCORING_FILE_NAME, score_key
from genolake_core.objectstore import ObjectStore, sha256_file
from genolake_core.scores import InstalledScore, InstallResult

from genolake_prs.errors import ScoringFileError
from genolake_prs.scoring_file import read_scoring_file


def _gzipped(path: Path, folder: Path) -> Path:
    """`path` itself when it is gzip already, else a gzip copy (mtime 0: the same content gives the same
    bytes)."""
    with path.open("rb") as handle:
        if handle.read(2) == b"\x1f\x8b":
            return path
    target = folder / SCORING_FILE_NAME
    target.write_bytes(gzip.compress(path.read_bytes(), mtime=0))
    return target


def install_scoring_file(
    path: Path,
    store: ObjectStore,
    docs: DocStore,
    bucket: str,
    *,
    source: str | None = None,
    expect: tuple[str, str] | None = None,
) -> InstallResult:
    """Validate one scoring file and install it; raises `ScoringFileError` naming what is wrong.

    `expect` = (score id, build) the file must declare (a download from the PGS Catalog)."""
    path = Path(path)
    scoring = read_scoring_file(path)
    build = scoring.build
    if build is None:
        raise ScoringFileError(path, "the header declares no genome build (#genome_build= or #HmPOS_build=)")
    if build not in SCORE_BUILDS:
        raise ScoringFileError(
            path, f"positions are on {build}; installed scores must be on {' or '.join(SCORE_BUILDS)}"
        )
    try:
        score_id = check_score(scoring.score_id)
    except InvalidIdentifierError as exc:
        raise ScoringFileError(path, f"{exc} (set #pgs_id= in the header)") from exc
    if expect is not None and (score_id, build) != expect:
        raise ScoringFileError(path, f"declares {score_id} on {build}; expected {expect[0]} on {expect[1]}")
    key = score_key(score_id, build)
    with tempfile.TemporaryDirectory(prefix="genolake-score-") as scratch:
        upload = _gzipped(path, Path(scratch))
        digest = sha256_file(upload)
        installed = InstalledScore(
            score_id=score_id,
            genome_build=build,
            key=key,
            sha256=digest,
            variants=len(scoring),
            source=source or path.name,
            trait=scoring.header.trait_reported,
        )
        existing = store.head(bucket, key)
        previous = existing.metadata.get("sha256") if existing is not None else None
        if previous != digest:
            metadata = {
                "score-id": score_id,
                "genome-build": build,
                "variants": str(installed.variants),
                "source": _ascii(installed.source),
                "trait": _ascii(installed.trait or ""),
            }
            store.put_file(upload, bucket, key, metadata=metadata, content_type="application/gzip")
    # The index follows the object, also when unchanged: an install interrupted between the two heals.
    docs.record_score(dataclasses.asdict(installed))
    if previous == digest:
        return InstallResult(installed, "unchanged", previous)
    return InstallResult(installed, "installed" if previous is None else "replaced", previous)


def _ascii(text: str) -> str:
    """S3 user metadata travels in HTTP headers: keep it printable ASCII."""
    return text.encode("ascii", "replace").decode()[:512]
