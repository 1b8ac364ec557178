"""Object-key layout of the two buckets: the one place that spells keys.

landing-zone (users write):
  uploads/{user}/...                      data files (VCFs, module specs)
  manifests/{user}/{name}.json            manifests waiting for a lane
  archive/{outcome}/{user}/{yyyy-mm-dd}/{name}.{etag}.json   processed manifests
data-lake (only the pipelines write):
  users/{user}/{sample}/{asset}/...       per-partition outputs (normalized/, report/, ...)
  reference/modules/{name}/{version}/...  published annotation modules (module.json + parquet tables)
  reference/variants/{build}/{version}/... installed variant-position references (positions.parquet,
                                          reference.json last)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from pathlib import PurePosixPath

from genolake_core.ids import USER_PATTERN, check_sample, check_score, check_user

UPLOADS_PREFIX = "uploads/"
MANIFESTS_PREFIX = "manifests/"
ARCHIVE_PREFIX = "archive/"
USERS_PREFIX = "users/"
REFERENCE_PREFIX = "reference/"


class ArchiveOutcome(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


def uploads_prefix(user: str) -> str:
    return f"{UPLOADS_PREFIX}{check_user(user)}/"


def manifests_prefix(user: str) -> str:
    return f"{MANIFESTS_PREFIX}{check_user(user)}/"


def manifest_owner(key: str) -> str | None:
    """The user whose manifest area holds `key` (`manifests/{user}/...`), or None."""
    parts = key.split("/")
    if len(parts) < 3 or parts[0] + "/" != MANIFESTS_PREFIX or not parts[-1]:
        return None
    return parts[1]


MAX_ARCHIVE_NAME = 120  # characters of the manifest's file name kept in its archive key


def archive_key(outcome: ArchiveOutcome, source_key: str, etag: str, received: datetime) -> str:
    """Deterministic archive location of one manifest object version (so archiving is idempotent).

    Bounded whatever the source key (S3 keys end at 1024 bytes): a folder that is not a valid user
    id archives under `_unknown`, a long file name is cut and made unique with a hash of the key.
    """
    owner = manifest_owner(source_key)
    if owner is None or not USER_PATTERN.fullmatch(owner):
        owner = "_unknown"
    name = PurePosixPath(source_key).name
    if len(name) > MAX_ARCHIVE_NAME:
        digest = hashlib.sha256(source_key.encode("utf-8", "surrogatepass")).hexdigest()
        name = f"{name[:MAX_ARCHIVE_NAME]}~{digest[:16]}"
    tag = etag.strip('"')[:16]
    return f"{ARCHIVE_PREFIX}{outcome.value}/{owner}/{received:%Y-%m-%d}/{name}.{tag}.json"


def partition_prefix(user: str, sample: str) -> str:
    return f"{USERS_PREFIX}{check_user(user)}/{check_sample(sample)}/"


def normalized_key(user: str, sample: str) -> str:
    return f"{partition_prefix(user, sample)}normalized/variants.parquet"


def prs_scores_key(user: str, sample: str) -> str:
    return f"{partition_prefix(user, sample)}prs/scores.parquet"


def prs_match_log_key(user: str, sample: str) -> str:
    return f"{partition_prefix(user, sample)}prs/match_log.parquet"


def annotations_prefix(user: str, sample: str) -> str:
    """Folder of one partition's annotation outputs (annotations/studies parquet, summary and lineage
    json)."""
    return f"{partition_prefix(user, sample)}annotations/"


MODULES_PREFIX = f"{REFERENCE_PREFIX}modules"


def module_prefix(name: str, version: str) -> str:
    """Folder of one published module version; immutable once its Mongo `modules` entry names it."""
    if "/" in version or version in {"", ".", ".."}:
        raise ValueError(f"invalid module version {version!r}")
    return f"{MODULES_PREFIX}/{name}/{version}/"


VARIANT_REFERENCES_PREFIX = f"{REFERENCE_PREFIX}variants"
VARIANT_REFERENCE_BUILDS = ("GRCh37", "GRCh38")


def variant_reference_prefix(build: str, version: str) -> str:
    """Folder of one installed variant-position reference version (immutable once indexed)."""
    if build not in VARIANT_REFERENCE_BUILDS:
        raise ValueError(f"invalid genome build {build!r}")
    if "/" in version or version in {"", ".", ".."}:
        raise ValueError(f"invalid reference version {version!r}")
    return f"{VARIANT_REFERENCES_PREFIX}/{build}/{version}/"


SCORES_PREFIX = f"{REFERENCE_PREFIX}scores"
SCORING_FILE_NAME = "scoring.txt.gz"
SCORE_BUILDS = ("GRCh37", "GRCh38")  # the builds an installed score can be on (the manifests' builds)


def score_prefix(score_id: str) -> str:
    """Folder of one installed score: one gzip scoring file per genome build below it."""
    return f"{SCORES_PREFIX}/{check_score(score_id)}/"


def score_key(score_id: str, build: str) -> str:
    """The installed scoring file of `score_id` with positions on `build` (GRCh37, GRCh38)."""
    if build not in SCORE_BUILDS:
        raise ValueError(f"invalid genome build {build!r}")
    return f"{score_prefix(score_id)}{build}/{SCORING_FILE_NAME}"


def annotations_key(user: str, sample: str) -> str:
    """The annotation rows of a partition (the parquet the API's `annotations` table pages through)."""
    return f"{annotations_prefix(user, sample)}annotations.parquet"


def partition_object(relative: str) -> Callable[[str, str], str]:
    """(user, sample) -> `users/{user}/{sample}/{relative}`: the key function a lane's contract declares
    for an object under a partition (genolake_core.lanes.AssetContract.key)."""
    if relative.startswith("/") or ".." in relative.split("/"):
        raise ValueError(f"invalid partition-relative key {relative!r}")

    def key(user: str, sample: str) -> str:
        return f"{partition_prefix(user, sample)}{relative}"

    return key


def report_key(user: str, sample: str) -> str:
    return f"{partition_prefix(user, sample)}report/report.html"


def staging_key(final_key: str, run_id: str) -> str:
    """Where a run writes before moving into `final_key` (same prefix, never read by others)."""
    path = PurePosixPath(final_key)
    return f"{path.parent}/.staging/{run_id}/{path.name}"
