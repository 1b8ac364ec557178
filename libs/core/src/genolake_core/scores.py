"""The catalog of installed scoring files (`reference/scores/{score_id}/{build}/scoring.txt.gz`), read
from the lake: what `genolake scores list` and `GET /scores` show. Installing is genolake_prs.lake."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

from genolake_core.layout import SCORES_PREFIX, SCORING_FILE_NAME
from genolake_core.objectstore import ObjectStore

Outcome = Literal["installed", "unchanged", "replaced"]


@dataclass(frozen=True)
class InstalledScore:
    score_id: str
    genome_build: str
    key: str
    sha256: str
    variants: int
    source: str
    trait: str | None = None


@dataclass(frozen=True)
class InstallResult:
    """What one install changed: `replaced` carries the sha256 of the file it replaced."""

    score: InstalledScore
    outcome: Outcome
    previous_sha256: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self.score), "outcome": self.outcome, "previous_sha256": self.previous_sha256}


def installed_scores(store: ObjectStore, bucket: str) -> list[InstalledScore]:
    """Every installed (score, build), sorted; metadata from one HEAD per object."""
    found = []
    for info in store.list(bucket, f"{SCORES_PREFIX}/"):
        parts = info.key[len(SCORES_PREFIX) + 1:].split("/")
        if len(parts) != 3 or parts[2] != SCORING_FILE_NAME:
            continue  # not written by an install (a stray object): never served as a score
        head = store.head(bucket, info.key)
        if head is None:
            continue  # deleted between the listing and the HEAD
        meta = head.metadata
        found.append(InstalledScore(
            score_id=parts[0], genome_build=parts[1], key=info.key, sha256=meta.get("sha256", ""),
            variants=int(meta.get("variants", "0") or 0), source=meta.get("source", ""),
            trait=meta.get("trait") or None,
        ))
    return sorted(found, key=lambda s: (s.score_id, s.genome_build))
