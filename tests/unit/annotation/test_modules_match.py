"""annotate(): matching real normalized VCFs against modules, checked against bcftools at test time.

Expected matches and per-locus reasons come from `test_modules_support` (the rules re-implemented over
`bcftools query` output); the modules are the shipped example specs and synthetic specs whose rows are
derived from the VCFs' own records.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from genolake_annotation.modules import annotate, compile_module, read_summary
from genolake_annotation.modules.match_common import ANNOTATION_SCHEMA, REASONS
from genolake_annotation.normalize import NormalizeSettings, normalize_single, read_normalize_metadata

from tests.unit.annotation.test_modules_support import (
    Record,
    actual_annotations,
    bcftools_records,
    derived_rows,
    expected_annotations,
    expected_reasons,
    normalized,
    spec_rows,
    write_spec,
)

ENGINES = ("polars", "duckdb")
CHR22_SAMPLE = "HG00097"


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("modules_match")


@pytest.fixture(scope="module")
def antku(work: Path, antku_vcf: Path) -> tuple[Path, list[Record]]:
    return normalized(antku_vcf, "default", work), bcftools_records(antku_vcf, "default")


@pytest.fixture(scope="module")
def chr22(work: Path, chr22_vcf: Path) -> tuple[Path, list[Record]]:
    return normalized(chr22_vcf, CHR22_SAMPLE, work), bcftools_records(chr22_vcf, CHR22_SAMPLE)


def _reasons(out: Path, module: str) -> Counter[str]:
    summary = next(s for s in read_summary(out) if s.module == module)
    return Counter({r: n for r, n in summary.reasons.items() if n})


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("which", ["antku", "chr22"])
def test_shipped_modules_on_real_vcfs(
    engine: str, which: str, request: pytest.FixtureRequest, work: Path, test_data: Path
) -> None:
    parquet, records = request.getfixturevalue(which)
    build = read_normalize_metadata(parquet)["build"]  # type: ignore[index]
    modules, expected = [], Counter()
    for name in ("mthfr_nad", "cyp_panel"):
        spec = test_data / "modules" / name
        modules.append(compile_module(spec, work / "compiled" / name))
        mismatch = build is not None and build != "GRCh38"
        expected += expected_annotations(name, spec_rows(spec), records, mismatch=mismatch)
    out = work / f"shipped-{which}-{engine}"
    result = annotate(parquet, modules, out, engine=engine)  # type: ignore[arg-type]
    assert actual_annotations(out / "annotations.parquet") == expected
    for module in modules:
        rows = spec_rows(test_data / "modules" / module.name)
        mismatch = build is not None and build != "GRCh38"
        assert _reasons(out, module.name) == expected_reasons(rows, records, mismatch=mismatch)
        summary = next(s for s in result.modules if s.module == module.name)
        assert summary.build_mismatch == mismatch
        assert summary.key_used == ("rsid" if mismatch else "position")


@pytest.mark.parametrize("engine", ENGINES)
def test_derived_position_module_antku(engine: str, antku: tuple[Path, list[Record]], work: Path) -> None:
    parquet, records = antku
    rows = derived_rows(records, every=3, rsid=False, position=True)
    spec = write_spec(work / f"spec-pos-{engine}", "derived_pos", rows)
    module = compile_module(spec, work / f"compiled-pos-{engine}")
    out = work / f"pos-{engine}"
    annotate(parquet, [module], out, engine=engine)  # type: ignore[arg-type]

    expected = expected_annotations("derived_pos", spec_rows(spec), records)
    assert expected and actual_annotations(out / "annotations.parquet") == expected
    reasons = expected_reasons(spec_rows(spec), records)
    # the derived module exercises every reason a plain VCF can give
    assert {"matched", "genotype_differs", "no_call", "ref_differs", "no_record"} <= set(reasons)
    assert _reasons(out, "derived_pos") == reasons
    summary = read_summary(out)[0]
    assert summary.matched == reasons["matched"]
    assert summary.unmatched == reasons["genotype_differs"] + reasons["ref_differs"] + reasons["no_record"]
    assert summary.skipped == reasons["no_call"]
    assert summary.loci == sum(reasons.values())


@pytest.mark.parametrize("engine", ENGINES)
def test_derived_rsid_module_chr22(engine: str, chr22: tuple[Path, list[Record]], work: Path) -> None:
    parquet, records = chr22
    rows = derived_rows(records, every=40, rsid=True, position=False)
    spec = write_spec(work / f"spec-rs-{engine}", "derived_rs", rows, genome_build="GRCh37")
    module = compile_module(spec, work / f"compiled-rs-{engine}")
    assert module.manifest.key == "rsid" and module.manifest.genome_build is None
    out = work / f"rs-{engine}"
    annotate(parquet, [module], out, engine=engine)  # type: ignore[arg-type]
    expected = expected_annotations("derived_rs", spec_rows(spec), records)
    assert expected and actual_annotations(out / "annotations.parquet") == expected
    assert _reasons(out, "derived_rs") == expected_reasons(spec_rows(spec), records)
    frame = pl.read_parquet(out / "annotations.parquet")
    assert set(frame["match_key"]) == {"rsid"}


@pytest.mark.parametrize("engine", ENGINES)
def test_build_mismatch_falls_back_to_rsid(engine: str, chr22: tuple[Path, list[Record]], work: Path) -> None:
    """chr22 is GRCh37: a GRCh38 module's positions are not comparable; rows with an rsid match by rsid,
    position-only rows are skipped as build_mismatch."""
    parquet, records = chr22
    with_rsid = derived_rows(records, every=60, rsid=True, position=True)
    used = {(r["chrom"], r["start"]) for r in with_rsid}
    others = [r for r in records if (r.chrom, r.pos) not in used and (r.chrom, r.pos - 1) not in used]
    position_only = [{**r, "rsid": None} for r in derived_rows(others, every=90, rsid=False, position=True)]
    rows = with_rsid + position_only
    spec = write_spec(work / f"spec-mm-{engine}", "mismatch", rows, genome_build="GRCh38")
    module = compile_module(spec, work / f"compiled-mm-{engine}")
    out = work / f"mm-{engine}"
    result = annotate(parquet, [module], out, engine=engine)  # type: ignore[arg-type]
    expected = expected_annotations("mismatch", spec_rows(spec), records, mismatch=True)
    assert expected and actual_annotations(out / "annotations.parquet") == expected
    reasons = expected_reasons(spec_rows(spec), records, mismatch=True)
    assert reasons["build_mismatch"] > 0
    assert _reasons(out, "mismatch") == reasons
    assert result.modules[0].build_mismatch and result.modules[0].key_used == "rsid"

    # the same spec declared GRCh37 is matched by position
    spec37 = write_spec(work / f"spec-mm37-{engine}", "mismatch", rows, genome_build="GRCh37")
    out37 = work / f"mm37-{engine}"
    annotate(parquet, [compile_module(spec37, work / f"compiled-mm37-{engine}")], out37, engine=engine)  # type: ignore[arg-type]
    assert actual_annotations(out37 / "annotations.parquet") == expected_annotations(
        "mismatch", spec_rows(spec37), records
    )
    assert set(pl.read_parquet(out37 / "annotations.parquet")["match_key"]) == {"position"}


@pytest.mark.parametrize("engine", ENGINES)
def test_ref_blocks_are_skipped(engine: str, antku_vcf: Path, work: Path) -> None:
    """A gVCF derived from antku (some records rewritten as <NON_REF> reference blocks), kept by
    normalization: loci on those blocks are skipped as ref_block."""
    lines = antku_vcf.read_text().splitlines()
    header = [line for line in lines if line.startswith("#")]
    body = [line.split("\t") for line in lines if not line.startswith("#")]
    for i, cols in enumerate(body):
        if i % 4 == 0:
            cols[4] = "<NON_REF>"
            cols[9] = "0/0" + cols[9][3:]
    header.insert(1, '##ALT=<ID=NON_REF,Description="Any other allele">')
    gvcf = work / f"derived-{engine}.g.vcf"
    gvcf.write_text("\n".join(header + ["\t".join(c) for c in body]) + "\n")
    parquet = work / f"derived-{engine}.parquet"
    normalize_single(gvcf, parquet, settings=NormalizeSettings(drop_ref_blocks=False))
    records = bcftools_records(gvcf, "default")
    assert any(r.ref_block for r in records)
    rows = []
    for i, record in enumerate(r for r in records if r.ref_block):
        if i % 9 == 0:
            rows.append(
                {
                    "chrom": record.chrom,
                    "start": record.pos,
                    "ref": record.ref,
                    "genotype": f"{record.ref}/{record.ref}",
                    "weight": 0.5,
                    "state": "protective",
                    "conclusion": "c",
                    "gene": "G",
                    "phenotype": "p",
                    "category": "x",
                }
            )
    rows += derived_rows([r for r in records if not r.ref_block], every=25, rsid=False, position=True)
    spec = write_spec(work / f"spec-gvcf-{engine}", "gvcf", rows)
    out = work / f"gvcf-{engine}"
    annotate(parquet, [compile_module(spec, work / f"compiled-gvcf-{engine}")], out, engine=engine)  # type: ignore[arg-type]
    reasons = expected_reasons(spec_rows(spec), records)
    assert reasons["ref_block"] > 0
    assert _reasons(out, "gvcf") == reasons
    assert actual_annotations(out / "annotations.parquet") == expected_annotations(
        "gvcf", spec_rows(spec), records
    )


def test_output_rows_carry_the_module_row(antku: tuple[Path, list[Record]], work: Path) -> None:
    parquet, records = antku
    rows = derived_rows(records, every=5, rsid=False, position=True)
    studies = [{"rsid": "rs1", "pmid": "1", "conclusion": "unused"}]
    spec = write_spec(work / "spec-carry", "carry", rows, studies=studies, version="2.1.0")
    module = compile_module(spec, work / "compiled-carry")
    out = work / "carry"
    annotate(parquet, [module], out, run_id="run-123", code_version="abc")
    frame = pl.read_parquet(out / "annotations.parquet")
    assert dict(frame.schema) == ANNOTATION_SCHEMA
    assert frame.height > 0
    for got in frame.iter_rows(named=True):
        source = rows[got["module_row"]]
        assert got["module"] == "carry" and got["module_version"] == "2.1.0"
        for column in ("gene", "phenotype", "category", "conclusion", "priority", "state"):
            assert got[column] == source[column]
        assert got["weight"] == float(source["weight"])  # type: ignore[arg-type]
        assert "/".join(got["genotype"]) == source["genotype"]
        called = got["genotype"]
        assert got["zygosity"] == ("hom" if called[0] == called[1] else "het")
        assert got["match_key"] == "position"
    assert frame.equals(
        frame.sort(
            ["module", "chrom", "start", "ref", "rsid", "module_row", "gt", "filter"], nulls_last=False
        )
    )

    lineage = json.loads((out / "lineage.json").read_text())
    assert (
        lineage["run_id"] == "run-123" and lineage["code_version"] == "abc" and lineage["engine"] == "polars"
    )
    assert lineage["normalize"] == read_normalize_metadata(parquet)
    assert lineage["input"]["rows"] == len(records) and lineage["input"]["build"] == "GRCh38"
    (mod,) = lineage["modules"]
    assert mod["name"] == "carry" and mod["version"] == "2.1.0"
    assert mod["files"] == json.loads(module.manifest.model_dump_json())["files"]
    summary = read_summary(out)[0]
    assert summary.annotation_rows == frame.height
    assert summary.weight_total == pytest.approx(frame["weight"].sum())
    assert set(summary.reasons) == set(REASONS)


def test_matched_studies_are_copied(antku: tuple[Path, list[Record]], work: Path) -> None:
    parquet, records = antku
    called = [r for r in records if r.genotype is not None and r.alts][:12]
    rows, studies = [], []
    for i, record in enumerate(called):
        rsid = f"rs{900000 + i}"  # antku has no rsids: the module supplies them (position-keyed)
        row = {
            "rsid": rsid,
            "chrom": record.chrom,
            "start": record.pos,
            "ref": record.ref,
            "genotype": "/".join(record.genotype or ()),
            "weight": 0.1,
            "state": "protective",
            "conclusion": "c",
            "gene": "G",
            "phenotype": "p",
            "category": "x",
        }
        if i % 2:  # every other row: a genotype the sample does not have
            row["genotype"] = "N/N"
        rows.append(row)
        studies.append({"rsid": rsid, "pmid": str(1000 + i), "conclusion": f"study {i}"})
    spec = write_spec(work / "spec-studies", "withstudies", rows, studies=studies)
    out = work / "studies"
    annotate(parquet, [compile_module(spec, work / "compiled-studies")], out)
    ann = pl.read_parquet(out / "annotations.parquet")
    got = pl.read_parquet(out / "studies.parquet")
    assert set(got["rsid"]) == set(ann["rsid"]) == {r["rsid"] for r in rows if r["genotype"] != "N/N"}
    assert set(got["module"]) == {"withstudies"}
    assert got.height == len(set(ann["rsid"]))


def test_unknown_engine_and_missing_input(
    antku: tuple[Path, list[Record]], work: Path, test_data: Path
) -> None:
    module = compile_module(test_data / "modules" / "cyp_panel", work / "compiled-x")
    with pytest.raises(ValueError, match="unknown engine 'spark'"):
        annotate(antku[0], [module], work / "x", engine="spark")  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        annotate(work / "nope.parquet", [module], work / "x")
    with pytest.raises(ValueError, match="given twice"):
        annotate(antku[0], [module, module], work / "x")
    assert not (work / "x" / "annotations.parquet").exists()
