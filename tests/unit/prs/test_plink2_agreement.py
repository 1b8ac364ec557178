"""Our score sums agree with Debian's plink2 --score (6 significant digits, missing genotypes = 0).

Scoring files are built at test time from the chr22 VCF's sites (seeded random sample, random
weights, effect allele sometimes REF sometimes ALT, some rows strand-flipped, some absent loci);
plink2 gets the same variants on the VCF's strand, by ID CHROM:POS:REF:ALT.
"""

from __future__ import annotations

import gzip
import random
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from genolake_prs import PrsSettings, read_scoring_file, score_sample

from tests.unit.prs.prs_testlib import (
    CHR22_SAMPLES,
    PlinkRunner,
    agrees_with_printed,
    flip,
    is_palindrome,
    printed_half_unit,
)


@dataclass(frozen=True)
class Row:
    chrom: str
    pos: int
    ref: str
    alt: str
    effect: str  # on the VCF strand
    weight: float
    flipped: bool = False  # written complemented in our scoring file
    absent: bool = False  # a locus the VCF lacks

    @property
    def vcf_id(self) -> str:
        return f"{self.chrom}:{self.pos}:{self.ref}:{self.alt}"

    @property
    def other(self) -> str:
        return self.alt if self.effect == self.ref else self.ref

    @property
    def palindrome(self) -> bool:
        return is_palindrome(self.ref, self.alt)


def build_rows(sites: pl.DataFrame, *, seed: int, n: int = 2000, n_absent: int = 100) -> list[Row]:
    rng = random.Random(seed)
    picked = sites.sample(n, seed=seed, shuffle=True)
    rows: list[Row] = []
    for chrom, pos, _id, ref, alt in picked.iter_rows():
        effect = ref if rng.random() < 0.5 else alt
        weight = round(rng.uniform(-1.0, 1.0), 8)
        snv = len(ref) == 1 and len(alt) == 1
        flipped = snv and not is_palindrome(ref, alt) and rng.random() < 0.15
        rows.append(Row(chrom, pos, ref, alt, effect, weight, flipped=flipped))
    taken = set(sites["pos"].to_list())
    candidates = [p + 1 for p in sites["pos"].to_list() if p + 1 not in taken]
    for pos in rng.sample(candidates, n_absent):
        rows.append(Row("22", pos, "A", "G", "G", round(rng.uniform(-1, 1), 8), absent=True))
    rng.shuffle(rows)
    return rows


def write_ours(
    rows: list[Row], path: Path, *, header: str = "#pgs_id=CUSTOM_CHR22\n#genome_build=GRCh37\n"
) -> Path:
    lines = [header + "chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight"]
    for r in rows:
        ea, oa = (flip(r.effect), flip(r.other)) if r.flipped else (r.effect, r.other)
        lines.append(f"{r.chrom}\t{r.pos}\t{ea}\t{oa}\t{r.weight!r}")
    path.write_text("\n".join(lines) + "\n")
    return path


def plink_rows(rows: list[Row], *, keep_ambiguous: bool) -> list[tuple[str, str, float]]:
    return [
        (r.vcf_id, r.effect, r.weight) for r in rows if not r.absent and (keep_ambiguous or not r.palindrome)
    ]


def assert_agree(ours: pl.DataFrame, theirs: dict[str, str]) -> None:
    got = dict(zip(ours["sample"].to_list(), ours["score_sum"].to_list(), strict=True))
    assert set(got) == set(theirs) == set(CHR22_SAMPLES)
    bad = {s: (got[s], theirs[s]) for s in theirs if not agrees_with_printed(got[s], theirs[s])}
    assert not bad, f"ours vs plink2 differ: {bad}"


def score_all(parquets: dict[str, Path], scoring: Path, settings: PrsSettings) -> pl.DataFrame:
    sf = read_scoring_file(scoring)
    return pl.concat(
        [score_sample(p, [sf], sample_build="GRCh37", settings=settings).scores for p in parquets.values()]
    )


@pytest.mark.parametrize("keep_ambiguous", [False, True])
@pytest.mark.parametrize("seed", [1, 2])
def test_custom_scores_agree_with_plink2(
    chr22_sites: pl.DataFrame,
    chr22_vcf: Path,
    chr22_parquets: dict[str, Path],
    plink2_score: PlinkRunner,
    tmp_path: Path,
    seed: int,
    keep_ambiguous: bool,
) -> None:
    rows = build_rows(chr22_sites, seed=seed)
    scoring = write_ours(rows, tmp_path / "custom.txt")
    ours = score_all(chr22_parquets, scoring, PrsSettings(keep_ambiguous=keep_ambiguous))
    theirs = plink2_score(chr22_vcf, plink_rows(rows, keep_ambiguous=keep_ambiguous))
    assert_agree(ours, theirs)

    # the bookkeeping agrees with how the file was built
    expected_matched = sum(1 for r in rows if not r.absent and (keep_ambiguous or not r.palindrome))
    first = ours.row(0, named=True)
    assert first["variants_total"] == len(rows)
    assert first["variants_matched"] == expected_matched
    assert first["variants_absent"] == sum(r.absent for r in rows)
    assert first["variants_excluded"] == (
        0 if keep_ambiguous else sum(r.palindrome and not r.absent for r in rows)
    )
    flipped = sum(r.flipped for r in rows)
    assert first["matched_refalt_flip"] + first["matched_altref_flip"] == flipped
    assert first["matched_refalt"] + first["matched_altref"] == expected_matched - flipped


def test_missing_genotypes_count_zero_like_no_mean_imputation(
    chr22_sites: pl.DataFrame,
    chr22_missing_vcf: Path,
    chr22_missing_parquets: dict[str, Path],
    plink2_score: PlinkRunner,
    tmp_path: Path,
) -> None:
    rows = build_rows(chr22_sites, seed=3)
    scoring = write_ours(rows, tmp_path / "custom.txt")
    ours = score_all(chr22_missing_parquets, scoring, PrsSettings())
    theirs = plink2_score(chr22_missing_vcf, plink_rows(rows, keep_ambiguous=False))
    assert_agree(ours, theirs)
    # missing calls are counted, never silently dropped: matched = called + missing
    for row in ours.iter_rows(named=True):
        assert row["variants_missing_call"] > 0
        assert row["variants_matched"] == row["variants_called"] + row["variants_missing_call"]


def test_dominant_recessive_and_dosage_weights_agree_with_plink2_modifiers(
    chr22_sites: pl.DataFrame,
    chr22_vcf: Path,
    chr22_parquets: dict[str, Path],
    plink2_score: PlinkRunner,
    tmp_path: Path,
) -> None:
    """Per-dosage weights (0, d1, d2) = dominant(d1) + recessive(d2 - d1) in plink2 terms."""
    rows = [r for r in build_rows(chr22_sites, seed=4, n_absent=0) if not r.palindrome and not r.flipped]
    rng = random.Random(44)
    d1 = [round(rng.uniform(-1, 1), 8) for _ in rows]
    d2 = [round(rng.uniform(-1, 1), 8) for _ in rows]
    lines = [
        "#pgs_id=DOSAGE_CHR22",
        "#genome_build=GRCh37",
        "chr_name\tchr_position\teffect_allele\tother_allele\tdosage_0_weight\tdosage_1_weight\tdosage_2_weight",
    ]
    for r, a, b in zip(rows, d1, d2, strict=True):
        lines.append(f"{r.chrom}\t{r.pos}\t{r.effect}\t{r.other}\t0\t{a!r}\t{b!r}")
    dosage_file = tmp_path / "dosage.txt"
    dosage_file.write_text("\n".join(lines) + "\n")
    ours = score_all(chr22_parquets, dosage_file, PrsSettings())
    dom = plink2_score(
        chr22_vcf, [(r.vcf_id, r.effect, a) for r, a in zip(rows, d1, strict=True)], "dominant"
    )
    rec = plink2_score(
        chr22_vcf, [(r.vcf_id, r.effect, b - a) for r, a, b in zip(rows, d1, d2, strict=True)], "recessive"
    )
    got = dict(zip(ours["sample"].to_list(), ours["score_sum"].to_list(), strict=True))
    for sample in CHR22_SAMPLES:
        expected = float(dom[sample]) + float(rec[sample])
        # two printed 6-digit values summed: allow both rounding errors
        tolerance = printed_half_unit(dom[sample]) + printed_half_unit(rec[sample])
        assert abs(got[sample] - expected) <= tolerance, (sample, got[sample], expected)

    # is_dominant / is_recessive flags on effect_weight rows
    lines = [
        "#pgs_id=FLAGS_CHR22",
        "#genome_build=GRCh37",
        "chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\tis_dominant\tis_recessive",
    ]
    for i, (r, a) in enumerate(zip(rows, d1, strict=True)):
        lines.append(
            f"{r.chrom}\t{r.pos}\t{r.effect}\t{r.other}\t{a!r}\t{'TRUE' if i % 2 else 'FALSE'}\t"
            f"{'FALSE' if i % 2 else 'TRUE'}"
        )
    flags_file = tmp_path / "flags.txt"
    flags_file.write_text("\n".join(lines) + "\n")
    ours = score_all(chr22_parquets, flags_file, PrsSettings())
    dom = plink2_score(
        chr22_vcf,
        [(r.vcf_id, r.effect, a) for i, (r, a) in enumerate(zip(rows, d1, strict=True)) if i % 2],
        "dominant",
    )
    rec = plink2_score(
        chr22_vcf,
        [(r.vcf_id, r.effect, a) for i, (r, a) in enumerate(zip(rows, d1, strict=True)) if not i % 2],
        "recessive",
    )
    got = dict(zip(ours["sample"].to_list(), ours["score_sum"].to_list(), strict=True))
    for sample in CHR22_SAMPLES:
        expected = float(dom[sample]) + float(rec[sample])
        tolerance = printed_half_unit(dom[sample]) + printed_half_unit(rec[sample])
        assert abs(got[sample] - expected) <= tolerance, (sample, got[sample], expected)


def test_pgs_catalog_format_file_agrees_with_plink2(
    test_data: Path,
    chr22_sites: pl.DataFrame,
    chr22_vcf: Path,
    chr22_parquets: dict[str, Path],
    plink2_score: PlinkRunner,
    tmp_path: Path,
) -> None:
    """A harmonized format-2.0 file (PGS000001's header and weights, placed on chr22 sites)."""
    source = test_data / "pgs" / "PGS000001_hmPOS_GRCh37.txt.gz"
    with gzip.open(source, "rt") as handle:
        text = handle.read().splitlines()
    header = [line for line in text if line.startswith("#")]
    columns = next(line for line in text if not line.startswith("#")).split("\t")
    weights = read_scoring_file(source).variants["effect_weight"].to_list()
    rows = [r for r in build_rows(chr22_sites, seed=5, n=len(weights) * 10, n_absent=0)]
    out_lines = [*header, "\t".join(columns)]
    for i, r in enumerate(rows):
        record = dict.fromkeys(columns, "")
        record.update(
            rsID=f"rs{i}",
            chr_name="22",
            effect_allele=flip(r.effect) if r.flipped else r.effect,
            other_allele=flip(r.other) if r.flipped else r.other,
            effect_weight=repr(weights[i % len(weights)]),
            hm_source="ENSEMBL",
            hm_rsID=f"rs{i}",
            hm_chr=r.chrom,
            hm_pos=str(r.pos),
        )
        out_lines.append("\t".join(record[c] for c in columns))
    scoring = tmp_path / "PGS_LIKE_hmPOS_GRCh37.txt"
    scoring.write_text("\n".join(out_lines) + "\n")
    ours = score_all(chr22_parquets, scoring, PrsSettings())
    assert set(ours["pgs_id"].to_list()) == {"PGS000001"}
    theirs = plink2_score(
        chr22_vcf,
        [(r.vcf_id, r.effect, weights[i % len(weights)]) for i, r in enumerate(rows) if not r.palindrome],
    )
    assert_agree(ours, theirs)


def test_pgs000001_on_chr22_low_overlap_no_percentile(
    test_data: Path, chr22_vcf: Path, chr22_parquets: dict[str, Path], plink2_score: PlinkRunner
) -> None:
    """PGS000001 has 3 chr22 variants, none inside the VCF's region: plink2 finds no variant, we
    match none, report the match rate and refuse a percentile with a reason."""
    sf = read_scoring_file(test_data / "pgs" / "PGS000001_hmPOS_GRCh37.txt.gz")
    variants = sf.variants
    rows = []
    for r in variants.iter_rows(named=True):
        for ref, alt in ((r["other_allele"], r["effect_allele"]), (r["effect_allele"], r["other_allele"])):
            rows.append((f"{r['chrom']}:{r['pos']}:{ref}:{alt}", r["effect_allele"], r["effect_weight"]))
    with pytest.raises(RuntimeError, match=r"No valid variants|no valid"):
        plink2_score(chr22_vcf, rows)

    result = score_sample(chr22_parquets["HG00096"], [sf], sample_build="GRCh37")
    row = result.scores.row(0, named=True)
    assert row["variants_total"] == variants.height
    assert row["variants_matched"] == 0
    assert row["match_rate"] == 0.0
    assert row["low_overlap"] is True
    assert row["percentile"] is None
    assert row["percentile_method"] is None
    assert "low overlap" in row["percentile_reason"] and f"0/{variants.height}" in row["percentile_reason"]
    assert result.match_log is not None
    assert set(result.match_log["reason"].to_list()) == {"absent_locus"}
