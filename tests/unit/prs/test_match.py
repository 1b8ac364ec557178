"""Matching rules on small contract-shaped genotype frames: match types, strand flips, palindromes,
multi-allelic records, duplicates, missing/absent calls, haploid calls, absent_is_ref."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from genolake_core.normalized import NORMALIZED_SCHEMA
from genolake_prs import (
    PrsError,
    PrsSettings,
    prepare_scores,
    reference_alleles_from_fasta,
    score_sample,
    score_samples,
)
from genolake_prs.scoring_file import ScoringFile, parse_scoring_text

GENOTYPE_SCHEMA = {name: dtype for name, dtype in NORMALIZED_SCHEMA.items() if name not in ("ids", "end")}


def record(
    pos: int, ref: str, alts: list[str], gt: str, af: list[float] | None = None, chrom: str = "1"
) -> dict[str, Any]:
    alleles = [ref, *alts]
    called = [alleles[int(i)] for i in gt.replace("|", "/").split("/") if i != "."]
    return {
        "chrom": chrom,
        "start": pos,
        "rsid": None,
        "ref": ref,
        "alts": alts,
        "gt": gt,
        "genotype": sorted(called) or None,
        "filter": "PASS",
        "qual": 50.0,
        "dp": 30,
        "af": af,
    }


def genotypes(*records: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(records), schema=GENOTYPE_SCHEMA)


def scoring(
    rows: list[str],
    *,
    columns: str = "chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight",
    header: str = "#pgs_id=TEST\n#genome_build=GRCh38\n",
    score_id: str | None = None,
) -> ScoringFile:
    text = header + columns + "\n" + "".join(row + "\n" for row in rows)
    return parse_scoring_text(text.encode(), path=Path("test_score.txt"), score_id=score_id)


def run(gts: pl.DataFrame, *files: ScoringFile, **settings: Any) -> tuple[dict[str, Any], pl.DataFrame]:
    result = score_sample(
        gts, list(files), sample="S1", sample_build="GRCh38", settings=PrsSettings(**settings)
    )
    assert result.match_log is not None
    return result.scores.row(0, named=True), result.match_log


def by_pos(log: pl.DataFrame) -> dict[int, dict[str, Any]]:
    return {row["pos"]: row for row in log.iter_rows(named=True)}


def test_match_types_and_strand_flips() -> None:
    gts = genotypes(
        record(100, "A", ["G"], "0/1"),
        record(200, "A", ["G"], "1/1"),
        record(300, "C", ["T"], "0|1"),
        record(400, "C", ["T"], "0/0"),
    )
    sf = scoring(
        [
            "1\t100\tG\tA\t0.5",  # refalt: effect ALT, one copy
            "1\t200\tA\tG\t0.25",  # altref: effect REF, zero copies (1/1)
            "1\t300\tA\tG\t2.0",  # refalt_flip: A/G is T/C on the other strand; effect T, one copy
            "1\t400\tG\tA\t-1.0",  # altref_flip: G/A = C/T flipped; effect C = REF, two copies
        ]
    )
    totals, log = run(gts, sf)
    rows = by_pos(log)
    assert {p: r["match_type"] for p, r in rows.items()} == {
        100: "refalt",
        200: "altref",
        300: "refalt_flip",
        400: "altref_flip",
    }
    assert {p: r["matched_allele"] for p, r in rows.items()} == {100: "G", 200: "A", 300: "T", 400: "C"}
    assert {p: r["dosage"] for p, r in rows.items()} == {100: 1, 200: 0, 300: 1, 400: 2}
    assert totals["score_sum"] == pytest.approx(0.5 * 1 + 0.25 * 0 + 2.0 * 1 + -1.0 * 2)
    assert (
        totals["matched_refalt"],
        totals["matched_altref"],
        totals["matched_refalt_flip"],
        totals["matched_altref_flip"],
    ) == (1, 1, 1, 1)
    assert totals["variants_matched"] == totals["variants_called"] == totals["variants_total"] == 4
    assert totals["match_rate"] == 1.0 and totals["weight_coverage"] == 1.0

    excluded, log = run(gts, sf, skip_flip=True)
    assert excluded["variants_matched"] == 2
    assert {r["reason"] for r in log.iter_rows(named=True) if r["status"] == "excluded"} == {
        "strand_flip_skipped"
    }
    assert excluded["score_sum"] == pytest.approx(0.5)


def test_palindromes_excluded_by_default() -> None:
    gts = genotypes(
        record(100, "A", ["T"], "0/1"), record(200, "C", ["G"], "1/1"), record(300, "A", ["G"], "1/1")
    )
    sf = scoring(["1\t100\tT\tA\t1.0", "1\t200\tG\tC\t10.0", "1\t300\tG\tA\t100.0"])
    totals, log = run(gts, sf)
    rows = by_pos(log)
    assert {p: (r["status"], r["reason"]) for p, r in rows.items()} == {
        100: ("excluded", "ambiguous_palindrome"),
        200: ("excluded", "ambiguous_palindrome"),
        300: ("matched", "refalt"),
    }
    assert totals["score_sum"] == pytest.approx(200.0)
    assert totals["variants_excluded"] == 2
    assert totals["weight_coverage"] == pytest.approx(100 / 111)

    kept, log = run(gts, sf, keep_ambiguous=True)
    assert kept["score_sum"] == pytest.approx(1.0 + 20.0 + 200.0)  # read as given strand: refalt
    assert set(log["match_type"].to_list()) == {"refalt"}


def test_multiallelic_excluded_by_default_and_counted_by_allele() -> None:
    gts = genotypes(record(100, "A", ["G", "C"], "1/2"), record(200, "C", ["T"], "0/1"))
    sf = scoring(["1\t100\tC\tA\t3.0", "1\t200\tT\tC\t1.0"])
    totals, log = run(gts, sf)
    assert by_pos(log)[100]["reason"] == "multiallelic"
    assert totals["score_sum"] == pytest.approx(1.0)
    kept, log = run(gts, sf, keep_multiallelic=True)
    assert by_pos(log)[100]["match_type"] == "refalt"
    assert by_pos(log)[100]["dosage"] == 1  # genotype C/G holds one C
    assert kept["score_sum"] == pytest.approx(4.0)


@pytest.mark.parametrize(
    ("policy", "expected_sum", "expected_excluded"),
    [("keep_first", 1.0, 2), ("sum", 1.0 + 2.0 + 4.0, 0), ("exclude", 0.0, 3)],
)
def test_duplicates(policy: str, expected_sum: float, expected_excluded: int) -> None:
    """The same variant three times (once in the other orientation): one sample record."""
    gts = genotypes(record(100, "A", ["G"], "0/1"), record(200, "C", ["T"], "1/1"))
    sf = scoring(["1\t100\tG\tA\t1.0", "1\t200\tT\tC\t0.0", "1\t100\tG\tA\t2.0", "1\t100\tA\tG\t4.0"])
    totals, log = run(gts, sf, duplicates=policy)
    assert totals["score_sum"] == pytest.approx(expected_sum)
    assert totals["variants_duplicated"] == 3
    assert totals["variants_excluded"] == expected_excluded
    dup = log.filter(pl.col("pos") == 100)
    assert dup["duplicate"].to_list() == [True, True, True]
    if policy == "keep_first":
        assert dup["status"].to_list() == ["matched", "excluded", "excluded"]
        assert dup["reason"].to_list() == ["refalt", "duplicate", "duplicate"]


def test_duplicates_error_policy() -> None:
    gts = genotypes(record(100, "A", ["G"], "0/1"))
    sf = scoring(["1\t100\tG\tA\t1.0", "1\t100\tG\tA\t2.0"])
    with pytest.raises(PrsError, match="duplicates='error'"):
        run(gts, sf, duplicates="error")


def test_no_other_allele_and_inferred_other_allele() -> None:
    gts = genotypes(
        record(100, "A", ["G"], "0/1"),
        record(200, "A", ["G"], "1/1"),
        record(300, "C", ["T"], "0/0"),
        record(400, "C", ["T"], "0/1"),
    )
    sf = scoring(
        [
            "1\t100\tG\t0.5\t1\t100\tA",  # inferred OA = A -> refalt
            "1\t200\tG\t0.25\t1\t200\tA/C",  # ambiguous inference: effect allele alone -> no_oa_alt
            "1\t300\tG\t1.0\t1\t300\t",  # G is C's complement -> no_oa_ref_flip (two copies)
            "1\t400\tA\t4.0\t1\t400\t",  # A is T's complement -> no_oa_alt_flip
        ],
        columns="chr_name\tchr_position\teffect_allele\teffect_weight\thm_chr\thm_pos\thm_inferOtherAllele",
        header="#pgs_id=NOOA\n#HmPOS_build=GRCh38\n",
    )
    totals, log = run(gts, sf)
    rows = by_pos(log)
    assert {p: r["match_type"] for p, r in rows.items()} == {
        100: "refalt",
        200: "no_oa_alt",
        300: "no_oa_ref_flip",
        400: "no_oa_alt_flip",
    }
    assert {p: r["other_allele_source"] for p, r in rows.items()} == {
        100: "inferred",
        200: "none",
        300: "none",
        400: "none",
    }
    assert totals["score_sum"] == pytest.approx(0.5 * 1 + 0.25 * 2 + 1.0 * 2 + 4.0 * 1)


def test_missing_partial_haploid_and_ploidy() -> None:
    gts = genotypes(
        record(100, "A", ["G"], "./."),
        record(200, "A", ["G"], "1/."),
        record(300, "A", ["G"], "1", chrom="X"),
        record(400, "A", ["G"], "0/1/1"),
        record(500, "A", ["G"], "0|1"),
    )
    gts = gts.with_columns(
        pl.when(pl.col("start") == 300).then(pl.lit("X")).otherwise(pl.col("chrom")).alias("chrom")
    )
    sf = scoring(
        ["1\t100\tG\tA\t1", "1\t200\tG\tA\t10", "X\t300\tG\tA\t100", "1\t400\tG\tA\t1000", "1\t500\tG\tA\t5"]
    )
    totals, log = run(gts, sf)
    rows = by_pos(log)
    assert {p: (r["status"], r["reason"]) for p, r in rows.items()} == {
        100: ("missing_call", "missing_genotype"),
        200: ("missing_call", "missing_genotype"),  # half-missing is missing (plink2 --vcf-half-call missing)
        300: ("matched", "refalt"),
        400: ("missing_call", "ploidy_above_2"),
        500: ("matched", "refalt"),
    }
    assert rows[300]["dosage"] == 1 and rows[300]["ploidy"] == 1
    assert totals["score_sum"] == pytest.approx(100 + 5)
    assert totals["variants_missing_call"] == 3
    assert totals["variants_matched"] == 5 and totals["variants_called"] == 2
    assert totals["call_rate"] == pytest.approx(2 / 5)
    assert totals["percentile"] is None and "missing calls" in totals["percentile_reason"]


def test_unmatched_reasons_and_several_records_at_one_locus() -> None:
    gts = genotypes(
        record(100, "A", ["G"], "0/1"),
        record(100, "A", ["AT"], "1/1"),  # an indel at the same POS
        record(200, "C", ["T"], "0/1"),
    )
    sf = scoring(
        [
            "1\t100\tAT\tA\t1.0",  # the indel record
            "1\t200\tG\tT\t5.0",  # alleles of another variant (C/T), on neither strand
            "1\t300\tG\tA\t7.0",  # absent locus
            "1\t200\tI\tD\t9.0",  # not matchable alleles
            "2\t100\tG\tA\t11.0",  # another chromosome: absent
        ]
    )
    totals, log = run(gts, sf)
    reasons = [(r["pos"], r["chrom"], r["reason"]) for r in log.iter_rows(named=True)]
    assert reasons == [
        (100, "1", "refalt"),
        (200, "1", "allele_mismatch"),
        (300, "1", "absent_locus"),
        (200, "1", "invalid_allele"),
        (100, "2", "absent_locus"),
    ]
    assert log["dosage"].to_list()[0] == 2
    assert log["sample_alts"].to_list()[0] == "AT"
    assert totals["score_sum"] == pytest.approx(2.0)
    assert totals["variants_absent"] == 2 and totals["variants_unmatched"] == 4
    assert totals["low_overlap"] is True


def test_complex_rows_excluded_and_no_position_rows_reported(tmp_path: Path) -> None:
    gts = genotypes(record(100, "A", ["G"], "1/1"), record(200, "A", ["G"], "1/1"))
    sf = scoring(
        ["1\t100\tG\tA\t1.0\t1\t100\tFALSE", "1\t200\tG\tA\t2.0\t1\t200\tTRUE", "1\t300\tG\tA\t3.0\t\t\t"],
        columns="chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\thm_chr\thm_pos\tis_haplotype",
        header="#pgs_id=CPLX\n#HmPOS_build=GRCh38\n",
    )
    totals, log = run(gts, sf)
    assert log["reason"].to_list() == ["refalt", "unsupported_effect_type", "no_position"]
    assert totals["score_sum"] == pytest.approx(2.0)
    assert totals["variants_total"] == 3


def test_many_scores_one_pass_equal_separate_runs() -> None:
    gts = genotypes(
        *[
            record(p, "A", ["G"], gt)
            for p, gt in zip(range(100, 1100, 100), ["0/1", "1/1", "0/0"] * 4, strict=False)
        ]
    )
    a = scoring([f"1\t{p}\tG\tA\t{p / 100}" for p in range(100, 1100, 100)], score_id="A")
    b = scoring([f"1\t{p}\tA\tG\t{-p / 50}" for p in range(100, 1100, 200)], score_id="B")
    both = score_sample(gts, [a, b], sample="S1", sample_build="GRCh38").scores
    one_a = score_sample(gts, [a], sample="S1", sample_build="GRCh38").scores
    one_b = score_sample(gts, [b], sample="S1", sample_build="GRCh38").scores
    assert both.filter(pl.col("pgs_id") == "A").equals(one_a)
    assert both.filter(pl.col("pgs_id") == "B").equals(one_b)
    with pytest.raises(PrsError, match="unique"):
        score_sample(gts, [a, a], sample="S1", sample_build="GRCh38")


def test_absent_is_ref_needs_reference_and_uses_it(tmp_path: Path) -> None:
    gts = genotypes(record(100, "A", ["G"], "0/1"))
    sf = scoring(
        [
            "1\t100\tG\tA\t1.0",  # present
            "1\t5\tC\tA\t10.0",  # absent; REF C is the effect allele -> two copies
            "1\t6\tT\tG\t100.0",  # absent; REF G is the other allele -> zero copies
            "1\t7\tC\tT\t1000.0",  # absent; REF is G = complement of C -> flipped, two copies
            "1\t8\tA\t\t10000.0",  # absent, no OA; REF T is A's complement: strand unknown -> ambiguous
            "1\t9\tAT\tA\t1e5",  # absent indel: REF/REF can't be told from one base
            "1\t4000\tC\tA\t1e6",  # beyond the FASTA contig: reference unknown
        ]
    )
    with pytest.raises(PrsError, match="reference"):
        run(gts, sf, absent_is_ref=True)

    # a FASTA with its .fai, written here: 10 bases a line, REF at positions 5..9 = C G G T A
    sequence = "AAAACGGTAA" * 4
    fasta = tmp_path / "ref.fa"
    fasta.write_text(
        ">1 test\n" + "\n".join(sequence[i : i + 10] for i in range(0, len(sequence), 10)) + "\n"
    )
    (tmp_path / "ref.fa.fai").write_text(f"1\t{len(sequence)}\t8\t10\t11\n")
    loci = sf.variants.select("chrom", "pos")
    ref = reference_alleles_from_fasta(fasta, loci)
    assert dict(zip(ref["pos"].to_list(), ref["ref"].to_list(), strict=True)) == {
        p: sequence[p - 1] for p in (5, 6, 7, 8, 9)
    }
    result = score_sample(
        gts,
        [sf],
        sample="S1",
        sample_build="GRCh38",
        settings=PrsSettings(absent_is_ref=True),
        reference_alleles=ref,
    )
    assert result.match_log is not None
    rows = by_pos(result.match_log)
    assert sequence[4:9] == "CGGTA"
    assert {p: (r["status"], r["reason"], r["dosage"]) for p, r in rows.items()} == {
        100: ("matched", "refalt", 1),
        5: ("matched", "absent_ref", 2),
        6: ("matched", "absent_ref", 0),
        7: ("matched", "absent_ref_flip", 2),
        8: ("excluded", "ambiguous_palindrome", None),
        9: ("unmatched", "absent_not_snv_or_mismatch", None),
        4000: ("unmatched", "absent_reference_unknown", None),
    }
    assert result.scores["score_sum"].item() == pytest.approx(1.0 + 10.0 * 2 + 0 + 1000.0 * 2)

    # without absent_is_ref the same loci are absent: counted, contributing nothing
    plain = score_sample(gts, [sf], sample="S1", sample_build="GRCh38").scores.row(0, named=True)
    assert plain["variants_absent"] == 6 and plain["score_sum"] == pytest.approx(1.0)


def test_hashed_variant_keys_fall_back_to_exact_on_collision(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows sharing a variant are matched once through a hashed key; a collision (forced here: every
    variant at a locus gets the same key) is detected and the sample is matched again exactly."""
    import genolake_prs._match.prepare as prepare_module

    gts = genotypes(
        record(100, "A", ["G"], "0/1"), record(100, "A", ["AT"], "1/1"), record(200, "C", ["T"], "1/1")
    )
    a = scoring(["1\t100\tG\tA\t1.0", "1\t100\tAT\tA\t10.0", "1\t200\tT\tC\t100.0"], score_id="A")
    b = scoring(["1\t100\tA\tAT\t-3.0", "1\t200\tC\tT\t5.0", "1\t100\tG\tA\t7.0"], score_id="B")
    expected = score_sample(gts, [a, b], sample="S1", sample_build="GRCh38")

    original = prepare_module.variant_key

    def colliding(frame: pl.LazyFrame, *, exact: bool) -> pl.LazyFrame:
        if exact:
            return original(frame, exact=True)
        return frame.with_columns(
            pl.col("locus").hash(seed=1).alias("_vk1"),  # same key for every variant at a locus
            pl.struct("locus", "effect_allele", "match_other_allele").hash(seed=2).alias("_vk2"),
        )

    monkeypatch.setattr(prepare_module, "variant_key", colliding)
    again = score_sample(gts, [a, b], sample="S1", sample_build="GRCh38")
    assert again.scores.equals(expected.scores)
    assert again.match_log is not None and expected.match_log is not None
    assert again.match_log.equals(expected.match_log)
    assert expected.scores["score_sum"].to_list() == pytest.approx([1.0 + 20.0 + 200.0, 0.0 + 0.0 + 7.0])


def test_prepared_scores_reused_across_samples() -> None:
    one = genotypes(record(100, "A", ["G"], "0/1"), record(200, "C", ["T"], "1/1"))
    two = genotypes(record(100, "A", ["G"], "1/1"), record(200, "C", ["T"], "./."))
    a = scoring(["1\t100\tG\tA\t1.5", "1\t200\tT\tC\t2.0"], score_id="A")
    b = scoring(["1\t200\tC\tT\t-1.0"], score_id="B")
    prepared = prepare_scores([a, b])
    both = score_samples({"S1": one, "S2": two}, prepared, sample_build="GRCh38").scores
    separate = pl.concat(
        [
            score_sample(one, [a, b], sample="S1", sample_build="GRCh38").scores,
            score_sample(two, [a, b], sample="S2", sample_build="GRCh38").scores,
        ]
    )
    assert both.equals(separate)
    assert both.select("sample", "pgs_id", "score_sum").rows() == [
        ("S1", "A", 1.5 + 4.0),
        ("S1", "B", 0.0),
        ("S2", "A", 3.0),
        ("S2", "B", 0.0),
    ]
    assert both.filter(pl.col("sample") == "S2")["variants_missing_call"].to_list() == [1, 1]
