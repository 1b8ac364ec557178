"""Module sources (local folder, S3 through a fake store, Hugging Face through a local fake endpoint) and
the modules.yaml registry."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import ClassVar

import polars as pl
import pytest
from genolake_annotation.modules import (
    HuggingFaceSource,
    LocalSource,
    ModuleSourceError,
    S3Source,
    annotate,
    builtin_spec_dirs,
    compile_module,
    default_registry,
    load_registry,
    resolve_modules,
    source_from_uri,
)
from genolake_annotation.modules.registry import BUILTIN_DIR
from genolake_annotation.modules.sources import parse_hf_uri

from tests.unit.annotation.test_modules_support import (
    actual_annotations,
    bcftools_records,
    expected_annotations,
    normalized,
)


def _copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    for path in dst.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return dst


@pytest.fixture
def root(tmp_path: Path, test_data: Path) -> Path:
    """A module folder with a spec, a compiled module, just-dna-lite tables and the LongevityMap database."""
    modules = test_data / "modules"
    root = tmp_path / "modules"
    root.mkdir()
    _copy_tree(modules / "mthfr_nad", root / "mthfr_nad")
    compile_module(modules / "cyp_panel", root / "cyp_panel")
    compile_module(modules / "cyp_panel", tmp_path / "jdl-src")
    (root / "jdl").mkdir()
    for table in ("weights", "annotations", "studies"):
        shutil.copy(tmp_path / "jdl-src" / f"{table}.parquet", root / "jdl" / f"{table}.parquet")
    shutil.copy(modules / "longevitymap.sqlite", root / "longevitymap.sqlite")
    return root


def test_local_source(root: Path, tmp_path: Path) -> None:
    source = LocalSource(root)
    assert source.available() == ["cyp_panel", "jdl", "longevitymap", "mthfr_nad"]
    cache = tmp_path / "cache"
    spec = source.fetch("mthfr_nad", None, cache)
    assert spec.path.is_relative_to(cache) and spec.manifest.build.builder == "spec"
    stamp = (spec.path / "module.json").stat().st_mtime_ns
    assert source.fetch("mthfr_nad", spec.version, cache).path == spec.path  # reused, not recompiled
    assert (spec.path / "module.json").stat().st_mtime_ns == stamp
    compiled = source.fetch("cyp_panel", None, cache)
    assert compiled.path == root / "cyp_panel"
    adopted = source.fetch("jdl", None, cache)
    assert adopted.path.is_relative_to(cache) and not (root / "jdl" / "module.json").exists()
    assert adopted.manifest.build.builder == "adopt" and adopted.weights().height == compiled.weights().height
    longevity = source.fetch("longevitymap", None, cache)
    assert longevity.manifest.layout == "categories" and longevity.path.is_relative_to(cache)
    with pytest.raises(ModuleSourceError, match="is version '0\\+.*', but '9.9' is pinned"):
        source.fetch("cyp_panel", "9.9", cache)
    with pytest.raises(ModuleSourceError, match="'nope' not found .*available: cyp_panel, jdl, longevitymap"):
        source.fetch("nope", None, cache)


def test_question_mark_genotypes_are_reference_relative(chr22_vcf: Path, tmp_path: Path) -> None:
    """just-dna-lite tables write a het genotype with an unresolved reference allele as [X, "?"]."""
    records = [r for r in bcftools_records(chr22_vcf, "HG00097") if r.rsid and len(r.alts) == 1][::25]
    rows = []
    for record in records:
        alt = record.alts[0]
        rows.append({"rsid": record.rsid, "genotype": ["?", alt], "weight": 0.5, "state": "protective"})
        rows.append({"rsid": record.rsid, "genotype": [alt, alt], "weight": 1.0, "state": "protective"})
    folder = tmp_path / "src" / "qmark"
    folder.mkdir(parents=True)
    pl.DataFrame(rows).with_columns(
        pl.lit("qmark").alias("module"), pl.lit("c").alias("conclusion"), pl.lit("1").alias("priority")
    ).write_parquet(folder / "weights.parquet")
    pl.DataFrame(
        {"rsid": [r.rsid for r in records], "gene": "G", "phenotype": "p", "category": "x"}
    ).write_parquet(folder / "annotations.parquet")
    module = LocalSource(tmp_path / "src").fetch("qmark", None, tmp_path / "cache")
    out = tmp_path / "out"
    annotate(normalized(chr22_vcf, "HG00097", tmp_path), [module], out)
    expected_rows = [
        {
            "rsid": r["rsid"],
            "weight": r["weight"],
            "genotype": None,
            "allele": r["genotype"][1],
            "zygosity": "het",
        }
        if "?" in r["genotype"]
        else {"rsid": r["rsid"], "weight": r["weight"], "genotype": "/".join(r["genotype"])}
        for r in rows
    ]
    expected = expected_annotations("qmark", expected_rows, bcftools_records(chr22_vcf, "HG00097"))
    assert expected and actual_annotations(out / "annotations.parquet") == expected
    got = pl.read_parquet(out / "annotations.parquet")
    assert set(got["category"]) == {"x"}  # filled from annotations.parquet


class FakeStore:
    """The two ObjectStore methods S3Source uses, over a local folder (bucket = first folder level)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.downloads: list[str] = []

    def list(self, bucket: str, prefix: str) -> Iterator[SimpleNamespace]:
        base = self.root / bucket
        for path in sorted(base.rglob("*")):
            key = path.relative_to(base).as_posix()
            if path.is_file() and key.startswith(prefix):
                yield SimpleNamespace(key=key)

    def download(self, bucket: str, key: str, path: Path) -> None:
        self.downloads.append(key)
        shutil.copy(self.root / bucket / key, path)


def test_s3_source(tmp_path: Path, test_data: Path) -> None:
    lake = tmp_path / "s3"
    prefix = lake / "data-lake" / "reference" / "modules"
    compile_module(test_data / "modules" / "cyp_panel", prefix / "cyp_panel")
    spec = _copy_tree(test_data / "modules" / "mthfr_nad", prefix / "mthfr_nad" / "1.0.0")
    (spec / "module_spec.yaml").write_text(
        (spec / "module_spec.yaml")
        .read_text()
        .replace("  name: mthfr_nad", "  name: mthfr_nad\n  version: 1.0.0")
    )
    store = FakeStore(lake)
    source = source_from_uri("s3://data-lake/reference/modules", s3_store=store)
    assert isinstance(source, S3Source) and source.available() == ["cyp_panel", "mthfr_nad"]
    cache = tmp_path / "cache"
    cyp = source.fetch("cyp_panel", None, cache)
    assert cyp.name == "cyp_panel" and cyp.path.is_relative_to(cache)
    remote_manifest = json.loads((prefix / "cyp_panel" / "module.json").read_text())
    assert {f: e.sha256 for f, e in cyp.manifest.files.items()} == {
        f: e["sha256"] for f, e in remote_manifest["files"].items()
    }
    mthfr = source.fetch("mthfr_nad", "1.0.0", cache)
    assert mthfr.version == "1.0.0"
    assert "reference/modules/mthfr_nad/1.0.0/variants.csv" in store.downloads
    with pytest.raises(ModuleSourceError, match="'nope' not found under s3://data-lake/reference/modules/"):
        source.fetch("nope", None, cache)
    with pytest.raises(ModuleSourceError, match="needs an object store"):
        source_from_uri("s3://bucket/x")


def test_hf_urls_patterns_and_uris() -> None:
    source = HuggingFaceSource(endpoint="https://huggingface.co")
    assert source.allow_patterns("longevitymap") == ["data/longevitymap/*"]
    assert (
        source.file_url("longevitymap", "weights.parquet")
        == "https://huggingface.co/datasets/just-dna-seq/annotators/resolve/main/data/longevitymap/weights.parquet"
    )
    pinned = HuggingFaceSource("org/mods", revision="v1.2", subdir="modules", endpoint="http://hub.local")
    assert pinned.allow_patterns("x") == ["modules/x/*"]
    assert (
        pinned.file_url("x", "weights.parquet")
        == "http://hub.local/datasets/org/mods/resolve/v1.2/modules/x/weights.parquet"
    )
    assert pinned.uri == "hf://datasets/org/mods@v1.2/modules"
    assert parse_hf_uri("hf://datasets/just-dna-seq/annotators") == ("just-dna-seq/annotators", None, "data")
    assert parse_hf_uri("hf://datasets/a/b@abc123/x/y") == ("a/b", "abc123", "x/y")
    with pytest.raises(ValueError, match="only Hugging Face datasets"):
        parse_hf_uri("hf://models/a/b")
    assert isinstance(source_from_uri("hf://datasets/a/b@r"), HuggingFaceSource)
    assert isinstance(source_from_uri("builtin:"), LocalSource)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_hf_offline_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    source = HuggingFaceSource(endpoint=endpoint)
    with pytest.raises(ModuleSourceError) as info:
        source.fetch("longevitymap", None, tmp_path / "cache")
    message = str(info.value)
    assert "'longevitymap'" in message and "just-dna-seq/annotators" in message and endpoint in message
    assert "unreachable" in message and "--modules-dir" in message


class _FakeHub(BaseHTTPRequestHandler):
    """Just enough of the Hub API for repo_info + snapshot_download of a dataset."""

    files: ClassVar[dict[str, bytes]] = {}
    commit = "c0ffee" + "0" * 34

    def log_message(self, *args: object) -> None:
        pass

    def _send(
        self, body: bytes, content_type: str = "application/octet-stream", head: bool = False, **headers: str
    ) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:
        path = self.path.split("?")[0]
        if "/tree/" in path:
            tree = [
                {"type": "file", "path": f, "size": len(d), "oid": hashlib.sha1(d).hexdigest()}
                for f, d in self.files.items()
            ]
            return self._send(json.dumps(tree).encode(), "application/json", head)
        if path.startswith("/api/datasets/"):
            info = {
                "id": "just-dna-seq/annotators",
                "sha": self.commit,
                "siblings": [{"rfilename": f} for f in self.files],
            }
            return self._send(json.dumps(info).encode(), "application/json", head)
        for name, data in self.files.items():
            if path.endswith(f"/resolve/{self.commit}/{name}"):
                etag = '"' + hashlib.sha256(data).hexdigest() + '"'
                return self._send(data, head=head, ETag=etag, X_Repo_Commit=self.commit)
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_hf_fake_endpoint_download_and_offline_reuse(
    tmp_path: Path, test_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    built = compile_module(test_data / "modules" / "cyp_panel", tmp_path / "built")
    _FakeHub.files = {
        f"data/cyp_panel/{t}.parquet": (built.path / f"{t}.parquet").read_bytes()
        for t in ("weights", "annotations", "studies")
    }
    _FakeHub.files["data/other/weights.parquet"] = b"not downloaded"
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    cache = tmp_path / "cache"
    try:
        source = HuggingFaceSource(endpoint=endpoint)
        assert source.available() == ["cyp_panel", "other"]
        module = source.fetch("cyp_panel", None, cache)
    finally:
        server.shutdown()
        server.server_close()
    assert module.version == f"hf-{_FakeHub.commit[:12]}"
    assert module.manifest.source == f"hf://datasets/just-dna-seq/annotators@{_FakeHub.commit}/data/cyp_panel"
    assert module.weights().equals(built.weights())
    assert not list(cache.rglob("other"))  # allow_patterns kept the other module out
    # the Hub is gone now: the copy downloaded for this revision is used
    again = HuggingFaceSource(endpoint=endpoint).fetch("cyp_panel", module.version, cache)
    assert again.path == module.path
    with pytest.raises(ModuleSourceError, match="unreachable"):
        HuggingFaceSource(endpoint=endpoint, revision="v2").fetch("cyp_panel", None, cache)


def test_registry(tmp_path: Path, root: Path) -> None:
    registry_file = tmp_path / "modules.yaml"
    registry_file.write_text(
        "modules:\n"
        "  mthfr_nad: {source: modules}\n"  # relative to the registry file
        "  cyp_panel: {source: 'builtin:'}\n"
        "  longevitymap: {source: modules, enabled: false}\n"
        "  remote: {source: 'hf://datasets/just-dna-seq/annotators@main', version: 1.0}\n"
    )
    registry = load_registry(registry_file)
    assert registry.enabled() == ["mthfr_nad", "cyp_panel", "remote"]
    assert registry.modules["remote"].version == "1.0"
    modules = resolve_modules(registry, ["mthfr_nad", "cyp_panel", "longevitymap"], cache_dir=tmp_path / "c")
    assert [m.name for m in modules] == ["mthfr_nad", "cyp_panel", "longevitymap"]
    with pytest.raises(ModuleSourceError, match="'nope' not in the registry"):
        resolve_modules(registry, ["nope"], cache_dir=tmp_path / "c")

    for text, error in [
        ("modules:\n  Bad-Name: {source: x}\n", "invalid module name"),
        ("modules:\n  ok: {source: x, pin: 1}\n", "modules.ok.pin: Extra inputs are not permitted"),
        ("modules: [\n", "invalid YAML"),
        ("- a\n", "expected a mapping"),
    ]:
        registry_file.write_text(text)
        with pytest.raises(ValueError, match=error):
            load_registry(registry_file)


def test_default_registry_is_the_shipped_modules(tmp_path: Path) -> None:
    registry = default_registry()
    assert list(registry.modules) == ["longevitymap", "cyp_panel", "mthfr_nad"]
    assert {e.source for e in registry.modules.values()} == {"builtin:"}
    assert sorted(builtin_spec_dirs()) == ["cyp_panel", "mthfr_nad"]
    modules = resolve_modules(registry, cache_dir=tmp_path / "cache")  # offline: nothing is downloaded
    assert [m.name for m in modules] == ["longevitymap", "cyp_panel", "mthfr_nad"]
    assert modules[0].manifest.source.endswith("/builtin/longevitymap.sqlite.gz")


def test_builtin_specs_are_just_dna_lites(shared_data: Path) -> None:
    """The shipped specs are the example specs of the shared data (optional: ../shared/data)."""
    for name, folder in builtin_spec_dirs().items():
        for file in ("module_spec.yaml", "variants.csv", "studies.csv"):
            assert (folder / file).read_bytes() == (shared_data / "modules" / name / file).read_bytes()
    with gzip.open(BUILTIN_DIR / "longevitymap.sqlite.gz") as handle:
        assert handle.read() == (shared_data / "modules" / "longevitymap.sqlite").read_bytes()
