"""Fetch a module spec named by a register_module manifest from the landing zone into a local folder."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from genolake_annotation.modules.spec import SPEC_FILE
from genolake_core.objectstore import ObjectStore

# manifest file role -> file name in a spec folder
SPEC_ROLES = {"module_spec": SPEC_FILE, "variants": "variants.csv", "studies": "studies.csv"}


def download_spec(
    store: ObjectStore, bucket: str, objects: Mapping[str, tuple[str, str | None]], folder: Path
) -> dict[str, str]:
    """Download role -> (key, expected ETag or None) into `folder`; returns role -> ETag found.

    Raises ValueError naming the object when an expected ETag differs (the upload changed).
    """
    folder.mkdir(parents=True, exist_ok=True)
    etags = {}
    for role, (key, expected) in objects.items():
        info = store.download(bucket, key, folder / SPEC_ROLES[role])
        if expected is not None and info.etag != expected:
            raise ValueError(f"{key} changed after the manifest was accepted; submit a new manifest")
        etags[role] = info.etag
    return etags
