"""Where a reference source file comes from: a local path, ``s3://bucket/key`` or
``hf://datasets/<owner>/<repo>[@<revision>]/<path in the repo>`` (Hugging Face).

:func:`fetch_source` returns a local path to the file: a local path as is; an S3 object downloaded
through a :class:`genolake_core.objectstore.ObjectStore` (or a boto3 client) into ``cache_dir/s3/...``;
a Hugging Face file through ``huggingface_hub.hf_hub_download`` (``endpoint``: default ``HF_ENDPOINT`` or
huggingface.co) into ``cache_dir/hf``. Failures raise :class:`ReferenceSourceError` naming the source
and what to do (the Hub unreachable: download the file where it is reachable and install it from a path).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genolake_annotation.reference.table import ReferenceError


class ReferenceSourceError(ReferenceError):
    """A reference source could not be obtained."""


def parse_hf_file_uri(uri: str) -> tuple[str, str | None, str]:
    """``hf://datasets/<owner>/<repo>[@<revision>]/<path>`` -> (repo_id, revision, path)."""
    rest = uri.removeprefix("hf://")
    if not rest.startswith("datasets/"):
        raise ReferenceSourceError(f"{uri!r}: only Hugging Face datasets are supported (hf://datasets/...)")
    parts = rest.removeprefix("datasets/").split("/")
    if len(parts) < 3 or not all(parts[:3]):
        raise ReferenceSourceError(f"{uri!r}: expected hf://datasets/<owner>/<repo>[@<revision>]/<file path>")
    repo, _, revision = parts[1].partition("@")
    return f"{parts[0]}/{repo}", revision or None, "/".join(parts[2:])


def fetch_source(
    uri: str, cache_dir: Path, *, s3_store: Any = None, endpoint: str | None = None, token: str | None = None
) -> Path:
    """A local path to the reference source named by ``uri`` (see the module docstring)."""
    cache_dir = Path(cache_dir)
    if uri.startswith("s3://"):
        if s3_store is None:
            raise ReferenceSourceError(f"{uri}: an S3 source needs the platform's object store")
        if not hasattr(s3_store, "download"):
            from genolake_core.objectstore import ObjectStore

            s3_store = ObjectStore(s3_store)
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        if not key:
            raise ReferenceSourceError(f"{uri}: expected s3://<bucket>/<key>")
        target = cache_dir / "s3" / bucket / key
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            s3_store.download(bucket, key, target)
        except Exception as exc:
            raise ReferenceSourceError(f"cannot download {uri}: {exc}") from exc
        return target
    if uri.startswith("hf://"):
        repo_id, revision, filename = parse_hf_file_uri(uri)
        from huggingface_hub import hf_hub_download

        try:
            return Path(
                hf_hub_download(
                    repo_id,
                    filename,
                    repo_type="dataset",
                    revision=revision,
                    cache_dir=cache_dir / "hf",
                    endpoint=endpoint,
                    token=token,
                )
            )
        except Exception as exc:  # network errors come in many types
            first = str(exc).splitlines()[0] if str(exc) else ""
            raise ReferenceSourceError(
                f"cannot download {filename} from the Hugging Face dataset {repo_id} "
                f"({type(exc).__name__}: {first}). If the Hub is unreachable from this machine, download the "
                "file where it is reachable and install it from a local path (--file)."
            ) from exc
    path = Path(uri.removeprefix("file://"))
    if not path.is_file():
        raise ReferenceSourceError(f"reference source {path} does not exist")
    return path


__all__ = ["ReferenceSourceError", "fetch_source", "parse_hf_file_uri"]
