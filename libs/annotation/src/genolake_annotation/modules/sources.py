"""Where modules come from: a local folder, any S3 prefix, or the Hugging Face dataset (just-dna-seq).

Every source answers ``available()`` (module names) and ``fetch(name, version, cache_dir)`` (a verified
:class:`CompiledModule`). A module folder ``<root>/<name>/`` (or ``<root>/<name>/<version>/`` when a
version is pinned and such a folder exists) may hold:

- a compiled module (``module.json`` + parquet): used as is (digests verified);
- a spec (``module_spec.yaml`` + CSVs): compiled into ``cache_dir`` (reused while the spec is unchanged);
- just-dna-lite tables without ``module.json`` (the Hugging Face layout ``data/<name>/*.parquet``):
  copied to ``cache_dir`` and given a manifest (:func:`adopt_module_dir`).

A local root may also hold ``longevitymap.sqlite``: the ``longevitymap`` module is then built from it
into ``cache_dir``. A pinned ``version`` that differs from the module's version is an error, never a
silent substitution. Failures raise :class:`ModuleSourceError` saying which source, module and why.

Hugging Face: ``fetch`` resolves the revision to a commit (``HfApi.repo_info``) and downloads only
``<subdir>/<name>/*`` of that commit (``snapshot_download(allow_patterns=...)``) into
``cache_dir/hf/<repo>/<commit>/``; the module version of adopted tables is ``hf-<commit[:12]>``. When the
Hub cannot be reached, a copy downloaded earlier for the same revision is used; otherwise the error says
the Hub is unreachable and how to proceed offline. ``endpoint`` (default: ``HF_ENDPOINT`` or
huggingface.co) and ``token`` are passed to huggingface-hub.

S3: pass a :class:`genolake_core.objectstore.ObjectStore` or a boto3 S3 client; objects under
``<prefix>/<name>/`` are downloaded into ``cache_dir/s3/<bucket>/<prefix>/<name>/`` (replaced whole).
"""

from __future__ import annotations

import gzip
import shutil
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from genolake_annotation.errors import InvalidInputError, ModuleError
from genolake_annotation.modules.compile import compile_spec
from genolake_annotation.modules.manifest import (
    MANIFEST_FILE,
    CompiledModule,
    ModuleIntegrityError,
    adopt_module_dir,
    open_module,
    replace_dir,
    sha256_of,
)
from genolake_annotation.modules.spec import SPEC_FILE, ModuleSpecError, load_spec

if TYPE_CHECKING:
    from genolake_annotation.reference.table import VariantReference

HF_DEFAULT_REPO = "just-dna-seq/annotators"
HF_DEFAULT_SUBDIR = "data"
LONGEVITY_SQLITE = "longevitymap.sqlite"
LONGEVITY_SQLITE_GZ = "longevitymap.sqlite.gz"  # the built-in copy (gzip); decompressed into the cache
_MARKERS = (MANIFEST_FILE, "weights.parquet", SPEC_FILE)


class ModuleSourceError(ModuleError):
    """A module could not be obtained from a source (not found, version pin differs, unreachable ...)."""


@runtime_checkable
class ModuleSource(Protocol):
    uri: str

    def available(self) -> list[str]: ...

    def fetch(self, name: str, version: str | None, cache_dir: Path) -> CompiledModule: ...


def _check_pin(module: CompiledModule, version: str | None, where: str) -> CompiledModule:
    if version is not None and module.version != version:
        raise ModuleSourceError(
            f"module {module.name!r} from {where} is version {module.version!r}, but {version!r} is pinned"
        )
    return module


def _ref_suffix(references: Sequence[VariantReference]) -> str:
    if not references:
        return ""
    from genolake_annotation.reference.compile import reference_tag

    return f"-r{reference_tag(references)}"


def _module_from_folder(
    folder: Path,
    name: str,
    version: str | None,
    cache_dir: Path,
    where: str,
    references: Sequence[VariantReference] = (),
) -> CompiledModule:
    """A verified compiled module from a folder holding a compiled module, a spec or just-dna-lite tables."""
    if (folder / MANIFEST_FILE).is_file():
        try:
            module = open_module(folder)
        except ModuleIntegrityError as exc:
            raise ModuleSourceError(f"module {name!r} from {where}: {exc}") from exc
    elif (folder / SPEC_FILE).is_file():
        try:
            spec = load_spec(folder)
        except ModuleSpecError as exc:
            raise ModuleSourceError(f"module {name!r} from {where} has an invalid spec: {exc}") from exc
        target = Path(cache_dir) / "compiled" / spec.name / (spec.sha256[:16] + _ref_suffix(references))
        reused: CompiledModule | None = None
        if (target / MANIFEST_FILE).is_file():
            try:
                cached = open_module(target)
                if cached.manifest.build.source_sha256 == spec.sha256:
                    reused = cached
            except ModuleIntegrityError:
                reused = None
        if reused is None:
            reused = compile_spec(spec, target, source=where, references=references)
        module = reused
    elif (folder / "weights.parquet").is_file():
        digest = sha256_of(folder / "weights.parquet")
        target = Path(cache_dir) / "adopted" / name / digest[:16]
        if not (target / MANIFEST_FILE).is_file():
            tmp = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:12]}"
            shutil.copytree(folder, tmp)
            replace_dir(tmp, target)
            adopt_module_dir(target, name=name, version=version or f"0+{digest[:12]}", source=where)
        module = open_module(target)
    else:
        raise ModuleSourceError(f"module {name!r} not found in {where}")
    if module.name != name:
        raise ModuleSourceError(f"{where} holds module {module.name!r}, not {name!r}")
    return _check_pin(module, version, where)


class LocalSource:
    """Modules in a local folder (``<root>/<name>/``), plus ``<root>/longevitymap.sqlite`` (or its gzip
    ``longevitymap.sqlite.gz``) if present. ``references``: variant-position references the specs and
    the LongevityMap database are compiled against (see genolake_annotation.reference)."""

    def __init__(self, root: Path, references: Sequence[VariantReference] = ()) -> None:
        self.root = Path(root)
        self.uri = f"file://{self.root.resolve()}"
        self.references = tuple(references)

    def _sqlite(self) -> Path | None:
        for name in (LONGEVITY_SQLITE, LONGEVITY_SQLITE_GZ):
            if (self.root / name).is_file():
                return self.root / name
        return None

    def available(self) -> list[str]:
        if not self.root.is_dir():
            return []
        names = {p.name for p in self.root.iterdir() if p.is_dir() and _is_module_folder(p)}
        if self._sqlite() is not None:
            names.add("longevitymap")
        return sorted(names)

    def fetch(self, name: str, version: str | None, cache_dir: Path) -> CompiledModule:
        if not self.root.is_dir():
            raise ModuleSourceError(f"module folder {self.root} does not exist")
        folder = self.root / name
        if version is not None and _is_module_folder(folder / version):
            folder = folder / version
        if _is_module_folder(folder):
            return _module_from_folder(
                folder,
                name,
                version,
                cache_dir,
                f"{self.uri}/{folder.relative_to(self.root)}",
                self.references,
            )
        sqlite = self._sqlite()
        if name == "longevitymap" and sqlite is not None:
            from genolake_annotation.modules.longevity import build_longevity_module

            if sqlite.name.endswith(".gz"):
                sqlite = _gunzipped(sqlite, Path(cache_dir) / "sources")
            digest = sha256_of(sqlite)
            target = Path(cache_dir) / "compiled" / name / (digest[:16] + _ref_suffix(self.references))
            module = None
            if (target / MANIFEST_FILE).is_file():
                try:
                    module = open_module(target)
                except ModuleIntegrityError:
                    module = None
            if module is None or module.manifest.build.source_sha256 != digest:
                module = build_longevity_module(
                    sqlite,
                    target,
                    source=f"{self.uri}/{self._sqlite().name}",  # type: ignore[union-attr]
                    references=self.references,
                )
            return _check_pin(module, version, self.uri)
        raise ModuleSourceError(
            f"module {name!r} not found in {self.root} (available: {', '.join(self.available()) or 'none'})"
        )


def _gunzipped(path: Path, folder: Path) -> Path:
    """A decompressed copy of ``path`` in ``folder`` (named by the gzip file's sha256; reused)."""
    digest = sha256_of(path)
    target = folder / f"{path.name.removesuffix('.gz')}.{digest[:16]}"
    if not target.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{target.name}.{uuid.uuid4().hex[:8]}.tmp"
        with gzip.open(path, "rb") as src, tmp.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        tmp.replace(target)
    return target


def _is_module_folder(folder: Path) -> bool:
    return folder.is_dir() and any((folder / marker).is_file() for marker in _MARKERS)


class S3Source:
    """Modules under an S3 prefix: ``s3://<bucket>/<prefix>/<name>/`` (``<name>/<version>/`` if pinned)."""

    def __init__(self, store: Any, bucket: str, prefix: str = "") -> None:
        if not hasattr(store, "download") or not hasattr(store, "list"):
            from genolake_core.objectstore import ObjectStore  # a bare boto3 client

            store = ObjectStore(store)
        self.store = store
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.uri = f"s3://{bucket}/{self.prefix}".rstrip("/")

    def _key(self, *parts: str) -> str:
        return "/".join(p for p in (self.prefix, *parts) if p)

    def _objects(self, prefix: str) -> Iterator[str]:
        for info in self.store.list(self.bucket, prefix):
            yield info.key

    def available(self) -> list[str]:
        base = self._key() + "/" if self.prefix else ""
        names = set()
        for key in self._objects(base):
            parts = key[len(base) :].split("/")
            if len(parts) >= 2 and parts[-1] in _MARKERS:
                names.add(parts[0])
        return sorted(names)

    def fetch(self, name: str, version: str | None, cache_dir: Path) -> CompiledModule:
        candidates = ([self._key(name, version)] if version else []) + [self._key(name)]
        for prefix in candidates:
            keys = [k for k in self._objects(prefix + "/") if "/" not in k[len(prefix) + 1 :]]
            if any(k.rsplit("/", 1)[-1] in _MARKERS for k in keys):
                break
        else:
            raise ModuleSourceError(f"module {name!r} not found under {self.uri}/")
        target = Path(cache_dir) / "s3" / self.bucket / prefix
        tmp = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:12]}"
        tmp.mkdir(parents=True)
        try:
            for key in keys:
                self.store.download(self.bucket, key, tmp / key.rsplit("/", 1)[-1])
            replace_dir(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return _module_from_folder(target, name, version, cache_dir, f"s3://{self.bucket}/{prefix}")


class HuggingFaceSource:
    """Modules in a Hugging Face dataset (default ``just-dna-seq/annotators``, folder ``data/<name>/``)."""

    def __init__(
        self,
        repo_id: str = HF_DEFAULT_REPO,
        *,
        revision: str | None = None,
        subdir: str = HF_DEFAULT_SUBDIR,
        endpoint: str | None = None,
        token: str | None = None,
    ) -> None:
        self.repo_id = repo_id
        self.revision = revision
        self.subdir = subdir.strip("/")
        self.endpoint = endpoint
        self.token = token
        rev = f"@{revision}" if revision else ""
        self.uri = f"hf://datasets/{repo_id}{rev}" + (f"/{self.subdir}" if self.subdir else "")

    def allow_patterns(self, name: str) -> list[str]:
        """The ``snapshot_download`` patterns that select exactly one module's files."""
        folder = f"{self.subdir}/{name}" if self.subdir else name
        return [f"{folder}/*"]

    def file_url(self, name: str, filename: str) -> str:
        """Download URL of one file of a module (as huggingface-hub builds it)."""
        from huggingface_hub import hf_hub_url

        folder = f"{self.subdir}/{name}" if self.subdir else name
        return hf_hub_url(
            self.repo_id,
            f"{folder}/{filename}",
            repo_type="dataset",
            revision=self.revision,
            endpoint=self.endpoint,
        )

    def _endpoint_label(self) -> str:
        from huggingface_hub import constants

        return self.endpoint or constants.ENDPOINT

    def _offline_error(self, name: str, exc: BaseException) -> ModuleSourceError:
        first_line = str(exc).splitlines()[0] if str(exc) else ""
        return ModuleSourceError(
            f"cannot download module {name!r} from the Hugging Face dataset {self.repo_id} at "
            f"{self._endpoint_label()} ({type(exc).__name__}: {first_line}). "
            "The Hub is unreachable from this machine: use a local module folder (--modules-dir) or an S3 "
            "source, or download the module where the Hub is reachable and copy it here."
        )

    def _commit(self, name: str) -> str:
        from huggingface_hub import HfApi

        try:
            info = HfApi(endpoint=self.endpoint, token=self.token).repo_info(
                self.repo_id, repo_type="dataset", revision=self.revision
            )
        except Exception as exc:  # network errors are many types (httpx, OSError, HfHubHTTPError ...)
            raise self._offline_error(name, exc) from exc
        if not info.sha:
            raise ModuleSourceError(f"the Hub gave no commit for {self.repo_id}@{self.revision or 'main'}")
        return str(info.sha)

    def available(self) -> list[str]:
        from huggingface_hub import HfApi

        try:
            files = HfApi(endpoint=self.endpoint, token=self.token).list_repo_files(
                self.repo_id, repo_type="dataset", revision=self.revision
            )
        except Exception as exc:
            raise self._offline_error("*", exc) from exc
        prefix = f"{self.subdir}/" if self.subdir else ""
        return sorted(
            {
                f[len(prefix) :].split("/")[0]
                for f in files
                if f.startswith(prefix) and f.endswith("weights.parquet")
            }
        )

    def fetch(self, name: str, version: str | None, cache_dir: Path) -> CompiledModule:
        from huggingface_hub import snapshot_download

        base = Path(cache_dir) / "hf" / self.repo_id.replace("/", "--")
        try:
            commit = self._commit(name)
        except ModuleSourceError:
            cached = _cached_hf(base / (self.revision or "main") / "module" / name)
            if cached is None:
                raise
            return _check_pin(cached, version, self.uri)
        local = base / commit
        try:
            snapshot_download(
                self.repo_id,
                repo_type="dataset",
                revision=commit,
                allow_patterns=self.allow_patterns(name),
                local_dir=local,
                endpoint=self.endpoint,
                token=self.token,
            )
        except Exception as exc:
            raise self._offline_error(name, exc) from exc
        folder = local / self.subdir / name if self.subdir else local / name
        if not (folder / "weights.parquet").is_file():
            raise ModuleSourceError(
                f"module {name!r} is not in {self.uri} (no {self.subdir}/{name}/weights.parquet)"
            )
        where = "/".join(p for p in (f"hf://datasets/{self.repo_id}@{commit}", self.subdir, name) if p)
        if (folder / MANIFEST_FILE).is_file():
            module = _module_from_folder(folder, name, None, cache_dir, where)
        else:
            adopt_module_dir(folder, name=name, version=f"hf-{commit[:12]}", source=where)
            module = open_module(folder)
        # remember which commit the revision resolved to, for offline re-use
        alias = base / (self.revision or "main") / "module" / name
        alias.parent.mkdir(parents=True, exist_ok=True)
        tmp = alias.parent / f".{name}.{uuid.uuid4().hex[:8]}.tmp"
        tmp.write_text(str(module.path))
        tmp.replace(alias)
        return _check_pin(module, version, where)


def _cached_hf(alias: Path) -> CompiledModule | None:
    if not alias.is_file():
        return None
    try:
        return open_module(Path(alias.read_text().strip()))
    except (ModuleIntegrityError, OSError):
        return None


def parse_hf_uri(uri: str) -> tuple[str, str | None, str]:
    """``hf://datasets/<owner>/<repo>[@<revision>][/<subdir>]`` -> (repo_id, revision, subdir)."""
    rest = uri.removeprefix("hf://")
    if not rest.startswith("datasets/"):
        raise InvalidInputError(
            f"{uri!r}: only Hugging Face datasets are supported (hf://datasets/<owner>/<repo>)"
        )
    parts = rest.removeprefix("datasets/").split("/")
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise InvalidInputError(f"{uri!r}: expected hf://datasets/<owner>/<repo>[@<revision>][/<subdir>]")
    repo, _, revision = parts[1].partition("@")
    subdir = "/".join(parts[2:]) if len(parts) > 2 else HF_DEFAULT_SUBDIR
    return f"{parts[0]}/{repo}", revision or None, subdir


def source_from_uri(
    uri: str,
    *,
    base_dir: Path | None = None,
    s3_store: Any = None,
    references: Sequence[VariantReference] = (),
) -> ModuleSource:
    """A source from a registry ``source`` string.

    ``hf://datasets/<owner>/<repo>[@<revision>][/<subdir>]`` (subdir default ``data``),
    ``s3://<bucket>[/<prefix>]`` (needs ``s3_store``: an ObjectStore or a boto3 client),
    ``builtin:`` (the specs shipped in this package), ``file:///abs/path`` or a path (relative to
    ``base_dir``).
    """
    if uri.startswith("hf://"):
        repo_id, revision, subdir = parse_hf_uri(uri)
        return HuggingFaceSource(repo_id, revision=revision, subdir=subdir)
    if uri.startswith("s3://"):
        if s3_store is None:
            raise ModuleSourceError(f"{uri}: an S3 source needs an object store (s3_store=)")
        bucket, _, prefix = uri.removeprefix("s3://").partition("/")
        return S3Source(s3_store, bucket, prefix)
    if uri in ("builtin:", "builtin"):
        return LocalSource(Path(__file__).parent / "builtin", references)
    path = Path(uri.removeprefix("file://"))
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    return LocalSource(path, references)


__all__ = [
    "HF_DEFAULT_REPO",
    "HuggingFaceSource",
    "LocalSource",
    "ModuleSource",
    "ModuleSourceError",
    "S3Source",
    "parse_hf_uri",
    "source_from_uri",
]
