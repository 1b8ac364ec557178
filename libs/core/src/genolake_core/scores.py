"""The catalog of installed scoring files (`reference/scores/{score_id}/{build}/scoring.txt.gz`): what
`genolake scores list` and `GET /scores` show, from the Mongo `scores` index that each install writes
after its lake object. Installing is genolake_prs.lake."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

from genolake_core.docstore import DocStore

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


def installed_scores(docs: DocStore) -> list[InstalledScore]:
    """Every installed (score, build), sorted, from the Mongo index (no S3 round trip per score)."""
    return [
        InstalledScore(
            score_id=doc["score_id"],
            genome_build=doc["genome_build"],
            key=doc["key"],
            sha256=doc["sha256"],
            variants=int(doc.get("variants", 0)),
            source=doc.get("source", ""),
            trait=doc.get("trait"),
        )
        for doc in docs.list_scores()
    ]
