"""The variant-position reference: building it (checked against bcftools), compiling modules against it
(strand decisions checked against just-dna-lite's curated LongevityMap table), filling rsIDs at
normalization, and the acceptance test: LongevityMap matches the same loci on a real VCF whose IDs were
stripped with `bcftools annotate -x ID` as on the same VCF with its IDs."""

from __future__ import annotations

import csv
import json
import subprocess
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import polars as pl
import pytest
from genolake_annotation.modules import annotate, build_longevity_module, compile_module, read_summary
from genolake_annotation.normalize import NormalizeSettings, normalize_single
from genolake_annotation.reference import ReferenceError, build_reference, open_reference
from genolake_annotation.reference.compile import reference_tag
from genolake_annotation.reference.sources import ReferenceSourceError, fetch_source
from genolake_annotation.reference.table import reference_chrom

from tests.unit.annotation.test_modules_sources import _FakeHub
from tests.unit.prs.prs_testlib import need_tool

SITES_FORMAT = "%CHROM\t%POS\t%ID\t%REF\t%ALT\n"


def bcftools(*args: str) -> str:
    return subprocess.run([need_tool("bcftools"), *args], check=True, capture_output=True, text=True).stdout


def peer_sites(vcf: Path) -> set[tuple[str, str, int, str, tuple[str, ...]]]:
    """(rsid, chrom, pos, ref, alts) of every rsID of a VCF, as bcftools reads it."""
    out = set()
    for line in bcftools("query", "-f", SITES_FORMAT, str(vcf)).splitlines():
        chrom, pos, ids, ref, alt = line.split("\t")
        for rsid in ids.split(";"):
            if rsid.startswith("rs") and rsid[2:].isdigit():
                alts = () if alt == "." else tuple(alt.split(","))
                out.add((rsid, reference_chrom(chrom), int(pos), ref, alts))
    return out


@pytest.fixture(scope="module")
def grch38_reference(ensembl_grch38_sites: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return build_reference(ensembl_grch38_sites, "GRCh38", tmp_path_factory.mktemp("ref38") / "ref")


@pytest.fixture(scope="module")
def longevity_grch38(test_data: Path, grch38_reference, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("lm38") / "longevitymap"
    return build_longevity_module(
        test_data / "modules" / "longevitymap.sqlite", out, references=[grch38_reference]
    )


def _table_set(frame: pl.DataFrame) -> set[tuple[str, str, int, str, tuple[str, ...]]]:
    return {(r, c, p, ref, tuple(a)) for r, c, p, ref, a in frame.iter_rows()}


def test_reference_from_vcf_equals_bcftools(ensembl_grch38_sites: Path, grch38_reference) -> None:  # type: ignore[no-untyped-def]
    table = pl.read_parquet(grch38_reference.positions_path)
    assert _table_set(table) == peer_sites(ensembl_grch38_sites)
    manifest = grch38_reference.manifest
    assert (manifest.build, manifest.rows, manifest.source_format) == ("GRCh38", table.height, "vcf")
    assert manifest.version == "0+" + manifest.source_sha256[:12]
    assert table["rsid"].is_sorted()
    assert open_reference(grch38_reference.path).manifest == manifest  # verified digest


def test_reference_from_ensembl_style_parquet(
    ensembl_grch38_sites: Path, grch38_reference, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """An Ensembl variation parquet export (columns id, chrom, start, ref, alt joined by '|'; chr prefix)."""
    rows = [
        line.split("\t")
        for line in bcftools("query", "-f", SITES_FORMAT, str(ensembl_grch38_sites)).splitlines()
    ]
    frame = pl.DataFrame(
        {
            "chrom": ["chr" + r[0] for r in rows],
            "start": [int(r[1]) for r in rows],
            "id": [r[2] for r in rows],
            "ref": [r[3] for r in rows],
            "alt": [r[4].replace(",", "|") for r in rows],
        }
    )
    source = tmp_path / "ensembl.parquet"
    frame.write_parquet(source)
    built = build_reference(source, "GRCh38", tmp_path / "ref")
    assert built.manifest.source_format == "parquet"
    assert _table_set(pl.read_parquet(built.positions_path)) == _table_set(
        pl.read_parquet(grch38_reference.positions_path)
    )


def test_reference_errors_name_the_problem(tmp_path: Path, antku_vcf: Path) -> None:
    with pytest.raises(ReferenceError, match="GRCh39"):
        build_reference(antku_vcf, "GRCh39", tmp_path / "x")
    with pytest.raises(ReferenceError, match="no record with an rsID"):
        build_reference(antku_vcf, "GRCh38", tmp_path / "x")  # DeepVariant output: IDs are '.'
    bad = tmp_path / "bad.parquet"
    pl.DataFrame({"x": [1]}).write_parquet(bad)
    with pytest.raises(ReferenceError, match="no rsid column"):
        build_reference(bad, "GRCh38", tmp_path / "y")
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_reference_from_hugging_face_stand_in(
    ensembl_grch38_sites: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real huggingface-hub client against a local stand-in for the Hub (unreachable from here)."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    _FakeHub.files = {"variation/sites.vcf.gz": ensembl_grch38_sites.read_bytes()}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        path = fetch_source(
            f"hf://datasets/genolake/variation@{_FakeHub.commit}/variation/sites.vcf.gz",
            tmp_path / "c",
            endpoint=endpoint,
        )
        with pytest.raises(ReferenceSourceError, match="install it from a local path"):
            fetch_source(
                f"hf://datasets/genolake/variation@{_FakeHub.commit}/missing.vcf.gz",
                tmp_path / "c",
                endpoint=endpoint,
            )
    finally:
        server.shutdown()
        server.server_close()
    assert path.read_bytes() == ensembl_grch38_sites.read_bytes()
    with pytest.raises(ReferenceSourceError, match="only Hugging Face datasets"):
        fetch_source("hf://models/x/y/z", tmp_path)


def _authored_label(decision: dict[str, object]) -> str:
    """A decision's authored genotype as just-dna-lite writes it: a reference-relative het row (X + the
    site's REF) as the sorted pair."""
    genotype = str(decision["genotype"])
    if genotype.endswith("/(ref)") and decision["site"]:
        ref = str(decision["site"]).split(" ")[1].split(">")[0]
        return "/".join(sorted([genotype.split("/")[0], ref]))
    return genotype


def test_curated_minus_strand_rows_end_forward_or_with_a_reason(longevity_grch38, repo_root: Path) -> None:  # type: ignore[no-untyped-def]
    """Every row of just-dna-lite's curated LongevityMap table (tests/data/curation, with its origin)
    ends in our compiled module with the curated forward genotype, or with a recorded reason why not."""
    report = longevity_grch38.compile_report()
    assert report is not None
    decisions: dict[tuple[str, str], list[dict[str, object]]] = {}
    for d in report["decisions"]:
        decisions.setdefault((str(d["rsid"]), _authored_label(d)), []).append(d)
    weights = longevity_grch38.weights()
    compiled = {
        (rsid, "/".join(g) if g is not None else f"{a}/(ref)")
        for rsid, g, a in weights.select("rsid", "genotype", "allele").iter_rows()
    }
    with (repo_root / "tests" / "data" / "curation" / "longevitymap.csv").open(newline="") as handle:
        curated = list(csv.DictReader(handle))
    assert curated
    outcomes: dict[str, int] = {}
    for row in curated:
        found = decisions.get((row["rsid"], row["genotype"]))
        assert found and len(found) == 1, (row, found)
        d = found[0]
        if row["field"] == "genotype" and d["action"] == "flipped":
            assert d["result"] == row["new_value"], (row, d)
            assert (row["rsid"], row["new_value"]) in compiled
            outcomes["same forward genotype"] = outcomes.get("same forward genotype", 0) + 1
            continue
        # otherwise the row is not used as authored, and the report says why
        assert d["action"] in {"refused", "palindromic", "ambiguous", "not_in_reference"}, (row, d)
        assert str(d["reason"]).strip(), (row, d)
        outcomes[str(d["action"])] = outcomes.get(str(d["action"]), 0) + 1
    genotype_rows = sum(r["field"] == "genotype" for r in curated)
    assert outcomes["same forward genotype"] > genotype_rows // 2  # most are flipped exactly as curated
    assert sum(outcomes.values()) == len(curated)


def test_compile_report_lists_every_row_and_positions_follow_decisions(
    test_data: Path, longevity_grch38, grch38_reference
) -> None:  # type: ignore[no-untyped-def]
    from genolake_annotation.modules.longevity import longevity_tables

    source_rows = longevity_tables(test_data / "modules" / "longevitymap.sqlite")[0]["weights"].height
    report = longevity_grch38.compile_report()
    counts = report["counts"]
    assert len(report["decisions"]) == source_rows == sum(counts.values())
    assert longevity_grch38.weights().height == source_rows - counts["refused"]
    assert longevity_grch38.manifest.references["GRCh38"]["version"] == grch38_reference.version
    assert longevity_grch38.manifest.strand == counts
    assert longevity_grch38.version.endswith(f"-r{reference_tag([grch38_reference])}")
    positions = longevity_grch38.positions()
    kept = [d for d in report["decisions"] if d["action"] != "refused"]
    with_position = {i for i, d in enumerate(kept) if d["action"] in ("forward", "flipped")}
    assert set(positions["module_row"].to_list()) <= with_position
    sites = pl.read_parquet(grch38_reference.positions_path)
    site_of = {r: (c, p, ref) for r, c, p, ref, _ in sites.iter_rows()}
    weights = longevity_grch38.weights()
    for row, chrom, start, ref in positions.select("module_row", "chrom", "start", "ref").iter_rows():
        assert site_of[weights["rsid"][row]] == (chrom, start, ref)


def test_spec_modules_compile_with_a_reference(test_data: Path, grch38_reference, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    plain = compile_module(test_data / "modules" / "mthfr_nad", tmp_path / "plain")
    module = compile_module(
        test_data / "modules" / "mthfr_nad", tmp_path / "ref", references=[grch38_reference]
    )
    assert module.version.startswith(plain.version + "-r")
    report = module.compile_report()
    assert len(report["decisions"]) == plain.weights().height
    found = {d["rsid"] for d in report["decisions"] if d["action"] != "not_in_reference"}
    in_reference = set(pl.read_parquet(grch38_reference.positions_path)["rsid"])
    assert found == {r for r in plain.weights()["rsid"]} & in_reference


def _matched(out: Path, module: str = "longevitymap") -> set[tuple[str, int, str]]:
    frame = pl.read_parquet(out / "annotations.parquet").filter(pl.col("module") == module)
    return {(r, m, g) for r, m, g in frame.select("rsid", "module_row", "gt").iter_rows()}


def test_longevity_matches_the_same_loci_without_ids(
    na12878_vcf: Path, test_data: Path, tmp_path: Path
) -> None:
    """Acceptance: the real NA12878 exome slice (GRCh37, with rsIDs) and the same VCF with its IDs stripped
    by `bcftools annotate -x ID` give the same LongevityMap loci. The GRCh37 reference is the sites of the
    sample's own VCF (`bcftools view -G`, a dbSNP-style slice: CHROM POS ID REF ALT), the only GRCh37
    source with rsIDs at these loci that ships with the repository."""
    sites = tmp_path / "sites.vcf"
    sites.write_text(bcftools("view", "-G", str(na12878_vcf)))
    reference = build_reference(sites, "GRCh37", tmp_path / "ref37")
    module = build_longevity_module(
        test_data / "modules" / "longevitymap.sqlite", tmp_path / "lm", references=[reference]
    )
    stripped = tmp_path / "stripped.vcf"
    stripped.write_text(bcftools("annotate", "-x", "ID", str(na12878_vcf)))
    assert set(bcftools("query", "-f", "%ID\n", str(stripped)).split()) == {"."}

    declared = NormalizeSettings(expected_build="GRCh37")  # the header has no build evidence (no lengths)
    with_ids = tmp_path / "with_ids.parquet"
    normalize_single(na12878_vcf, with_ids, settings=declared)
    annotate(with_ids, [module], tmp_path / "a")
    expected = _matched(tmp_path / "a")
    assert expected  # real matches, flipped rows among them
    flipped = {d["rsid"] for d in module.compile_report()["decisions"] if d["action"] == "flipped"}
    assert {r for r, _, _ in expected} & flipped

    # stripped, IDs filled from the reference: the same loci, the same rows
    filled = tmp_path / "filled.parquet"
    result = normalize_single(stripped, filled, settings=declared, id_reference=reference)
    annotate(filled, [module], tmp_path / "b")
    assert _matched(tmp_path / "b") == expected
    assert read_summary(tmp_path / "b") == read_summary(tmp_path / "a")
    assert result.ids_filled == pl.read_parquet(with_ids)["rsid"].is_not_null().sum()

    # stripped, no ID filling: the loci with positions still match; the rsID-only ones are reported as
    # "could not be looked for", never as absent
    bare = tmp_path / "bare.parquet"
    normalize_single(stripped, bare, settings=declared)
    annotate(bare, [module], tmp_path / "c")
    by_position = _matched(tmp_path / "c")
    positioned_rows = set(module.positions()["module_row"].to_list())
    assert by_position == {m for m in expected if m[1] in positioned_rows}
    summary = read_summary(tmp_path / "c")[0]
    rsid_loci = {r for i, r in enumerate(module.weights()["rsid"]) if i not in positioned_rows}
    assert summary.reasons["not_searchable"] == len(rsid_loci) > 0
    assert summary.reasons.get("not_in_sample") is None


def test_fill_ids_marks_exactly_the_filled_records(na12878_vcf: Path, tmp_path: Path) -> None:
    sites = tmp_path / "sites.vcf"
    sites.write_text(bcftools("view", "-G", str(na12878_vcf)))
    reference = build_reference(sites, "GRCh37", tmp_path / "ref")
    stripped = tmp_path / "stripped.vcf"
    stripped.write_text(bcftools("annotate", "-x", "ID", str(na12878_vcf)))
    out = tmp_path / "n.parquet"
    normalize_single(stripped, out, id_reference=reference)
    frame = pl.read_parquet(out)
    original = [
        line.split("\t") for line in bcftools("query", "-f", SITES_FORMAT, str(na12878_vcf)).splitlines()
    ]
    expected = {(c, int(p)): i for c, p, i, _, _ in original if i.startswith("rs")}
    filled = frame.filter(pl.col("rsid_filled"))
    assert {(c, p): r for c, p, r in filled.select("chrom", "start", "rsid").iter_rows()} == expected
    assert frame.filter(~pl.col("rsid_filled"))["rsid"].null_count() == frame.height - filled.height
    assert frame["ids"].list.len().sum() == 0  # the VCF's own IDs stay as written ('.')
    plain = tmp_path / "plain.parquet"
    normalize_single(stripped, plain)
    assert "rsid_filled" not in pl.read_parquet(plain).columns  # no reference: no extra work, no column
    meta = json.loads(pl.read_parquet_metadata(out)["genolake.normalize"])
    assert meta["id_reference"]["version"] == reference.version


def test_analyze_offline_with_the_shipped_modules(
    na12878_vcf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Acceptance: `genolake analyze --vcf X --user U --out D` with a fresh cache and no network (the Hub
    pointed at a closed port) annotates with every shipped module and matches loci in each."""
    import socket

    from genolake_cli.main import app
    from typer.testing import CliRunner

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setenv("HF_ENDPOINT", closed)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    result = CliRunner().invoke(
        app, ["analyze", "--vcf", str(na12878_vcf), "--user", "demo", "--out", str(tmp_path / "d")]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert {m["module"]: m["matched"] > 0 for m in payload["modules"]} == {
        "longevitymap": True,
        "cyp_panel": True,
        "mthfr_nad": True,
    }
    html = (tmp_path / "d" / "report.html").read_text()
    for module in ("longevitymap", "cyp_panel", "mthfr_nad"):
        assert f'data-module="{module}"' in html
