"""Percentiles: reference distribution, theoretical (allele frequencies), and refusals."""

from __future__ import annotations

import math
import random
import subprocess
from pathlib import Path
from statistics import NormalDist

import polars as pl
import pytest
from genolake_prs import (
    LowOverlapError,
    PrsSettings,
    ReferenceDistribution,
    ReferenceDistributionError,
    read_scoring_file,
    score_sample,
)
from genolake_prs.percentile import assign_percentile, empirical_percentile

from tests.unit.prs.prs_testlib import CHR22_SAMPLES, is_palindrome, need_tool


def chr22_score(
    chr22_vcf: Path, path: Path, *, n: int, seed: int, with_af: bool
) -> dict[tuple[str, int], tuple[str, float, float]]:
    """A custom score on non-palindromic chr22 SNVs; returns {(chrom, pos): (effect, weight, p_effect)} with
    p from the VCF's INFO AF (the file carries it as allelefrequency_effect when ``with_af``)."""
    out = subprocess.run(
        [need_tool("bcftools"), "query", "-f", "%CHROM\t%POS\t%REF\t%ALT\t%INFO/AF\n", str(chr22_vcf)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    sites = [line.split("\t") for line in out.splitlines()]
    sites = [
        s for s in sites if len(s[2]) == len(s[3]) == 1 and not is_palindrome(s[2], s[3]) and s[4] != "."
    ]
    rng = random.Random(seed)
    chosen = rng.sample(sites, n)
    truth: dict[tuple[str, int], tuple[str, float, float]] = {}
    lines = [
        "#pgs_id=AFSCORE",
        "#genome_build=GRCh37",
        "chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight"
        + ("\tallelefrequency_effect" if with_af else ""),
    ]
    for chrom, pos, ref, alt, af in chosen:
        effect, other = (ref, alt) if rng.random() < 0.5 else (alt, ref)
        p = float(af) if effect == alt else 1 - float(af)
        weight = round(rng.uniform(-1, 1), 6)
        truth[(chrom, int(pos))] = (effect, weight, p)
        lines.append(f"{chrom}\t{pos}\t{effect}\t{other}\t{weight}" + (f"\t{p!r}" if with_af else ""))
    path.write_text("\n".join(lines) + "\n")
    return truth


@pytest.mark.parametrize("with_af", [True, False])
def test_theoretical_percentile_from_allele_frequencies(
    chr22_vcf: Path, chr22_parquets: dict[str, Path], tmp_path: Path, with_af: bool
) -> None:
    """mean = sum 2pw, variance = sum 2p(1-p)w^2, percentile = Phi(z); from the scoring file's
    allelefrequency_effect or, without it, the sample's INFO AF (1000 Genomes: population AF)."""
    truth = chr22_score(chr22_vcf, tmp_path / "af.txt", n=500, seed=9, with_af=with_af)
    sf = read_scoring_file(tmp_path / "af.txt")
    mean = sum(2 * p * w for _, w, p in truth.values())
    variance = sum(2 * p * (1 - p) * w * w for _, w, p in truth.values())
    for sample, parquet in chr22_parquets.items():
        result = score_sample(parquet, [sf], sample_build="GRCh37")
        row = result.scores.row(0, named=True)
        assert row["variants_called"] == row["af_variants"] == len(truth)
        expected = 100 * NormalDist(mean, math.sqrt(variance)).cdf(row["score_sum"])
        assert row["percentile_method"] == "theoretical_af", sample
        assert row["percentile"] == pytest.approx(expected, rel=1e-9)
        assert row["percentile_reason"] is None
        assert result.match_log is not None
        assert set(result.match_log["p_source"].to_list()) == {"scoring_file" if with_af else "sample"}


def test_reference_distribution_percentile(
    chr22_vcf: Path, chr22_parquets: dict[str, Path], tmp_path: Path
) -> None:
    chr22_score(chr22_vcf, tmp_path / "ref.txt", n=300, seed=3, with_af=False)
    sf = read_scoring_file(tmp_path / "ref.txt")
    panel = pl.concat([score_sample(p, [sf], sample_build="GRCh37").scores for p in chr22_parquets.values()])
    panel_path = tmp_path / "panel.parquet"
    panel.write_parquet(panel_path)
    reference = ReferenceDistribution.from_parquet(panel_path)
    assert reference.size("AFSCORE") == len(CHR22_SAMPLES)
    settings = PrsSettings(min_reference_size=len(CHR22_SAMPLES))
    sums = sorted(panel["score_sum"].to_list())
    for sample, parquet in chr22_parquets.items():
        row = score_sample(
            parquet, [sf], sample_build="GRCh37", settings=settings, reference=reference
        ).scores.row(0, named=True)
        below = sum(s < row["score_sum"] for s in sums)
        equal = sum(s == row["score_sum"] for s in sums)
        assert row["percentile_method"] == "reference_distribution"
        assert row["percentile"] == pytest.approx(100 * (below + equal / 2) / len(sums)), sample
    # too small a panel: falls back to allele frequencies, never to the small panel
    row = score_sample(
        chr22_parquets["HG00096"], [sf], sample_build="GRCh37", reference=reference
    ).scores.row(0, named=True)
    assert row["percentile_method"] == "theoretical_af"
    # ... and with no frequencies at all: no percentile, and the reason says both
    row = score_sample(
        chr22_parquets["HG00096"],
        [sf],
        sample_build="GRCh37",
        reference=reference,
        settings=PrsSettings(use_sample_af=False),
    ).scores.row(0, named=True)
    assert row["percentile"] is None
    assert "reference distribution has 5 scores" in row["percentile_reason"]
    assert "allele frequencies for 0/300" in row["percentile_reason"]


def test_reference_distribution_validation() -> None:
    with pytest.raises(ReferenceDistributionError, match="score_sum"):
        ReferenceDistribution(pl.DataFrame({"pgs_id": ["A"]}))
    with pytest.raises(ReferenceDistributionError, match="non-finite"):
        ReferenceDistribution(pl.DataFrame({"pgs_id": ["A", "A"], "score_sum": [1.0, float("nan")]}))
    assert empirical_percentile([1.0, 2.0, 3.0, 4.0], 2.5) == 50.0
    assert empirical_percentile([1.0, 2.0, 2.0, 4.0], 2.0) == 50.0


def test_own_genotype_af_is_not_a_population_frequency(tmp_path: Path) -> None:
    """A one-sample VCF's INFO AF (0.5 / 1.0) is the sample's own genotype: no percentile from it."""
    records = [
        {"chrom": "1", "start": p, "ref": "A", "alts": ["G"], "gt": gt, "genotype": g, "af": [af]}
        for p, gt, g, af in [
            (10, "0/1", ["A", "G"], 0.5),
            (20, "1/1", ["G", "G"], 1.0),
            (30, "0/1", ["A", "G"], 0.5),
        ]
    ]
    gts = pl.DataFrame(records)
    score = tmp_path / "s.txt"
    score.write_text(
        "chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n"
        "1\t10\tG\tA\t1\n1\t20\tG\tA\t2\n1\t30\tG\tA\t3\n"
    )
    row = score_sample(gts, [read_scoring_file(score)], sample="S").scores.row(0, named=True)
    assert row["af_variants"] == 0
    assert row["percentile"] is None and "allele frequencies for 0/3" in row["percentile_reason"]


def test_low_overlap_flag_or_error(test_data: Path, chr22_parquets: dict[str, Path]) -> None:
    sf = read_scoring_file(test_data / "pgs" / "PGS000002_hmPOS_GRCh37.txt.gz")
    row = score_sample(chr22_parquets["HG00097"], [sf], sample_build="GRCh37").scores.row(0, named=True)
    assert row["low_overlap"] is True and row["percentile"] is None
    assert row["match_rate"] == row["variants_matched"] / row["variants_total"]
    with pytest.raises(LowOverlapError, match="PGS000002"):
        score_sample(
            chr22_parquets["HG00097"],
            [sf],
            sample_build="GRCh37",
            settings=PrsSettings(on_low_overlap="error"),
        )


def test_assign_percentile_never_invents_a_number() -> None:
    settings = PrsSettings()
    common = {
        "pgs_id": "X",
        "score_sum": 1.0,
        "af_mean": 0.0,
        "af_variance": 1.0,
        "af_score_sum": 1.0,
        "settings": settings,
        "reference": None,
    }
    assert (
        assign_percentile(
            variants_total=0, variants_matched=0, variants_called=0, af_variants=0, **common
        ).percentile
        is None
    )  # type: ignore[arg-type]
    low = assign_percentile(
        variants_total=100, variants_matched=74, variants_called=74, af_variants=74, **common
    )  # type: ignore[arg-type]
    assert low.percentile is None and "74/100" in (low.reason or "")
    ok = assign_percentile(
        variants_total=100, variants_matched=75, variants_called=75, af_variants=75, **common
    )  # type: ignore[arg-type]
    assert ok.percentile == pytest.approx(100 * NormalDist().cdf(1.0))
    few_af = assign_percentile(
        variants_total=100, variants_matched=100, variants_called=100, af_variants=94, **common
    )  # type: ignore[arg-type]
    assert few_af.percentile is None and "94/100" in (few_af.reason or "")
    flat = assign_percentile(
        variants_total=10,
        variants_matched=10,
        variants_called=10,
        af_variants=10,
        **{**common, "af_variance": 0.0},  # type: ignore[arg-type]
    )
    assert flat.percentile is None and "variance is zero" in (flat.reason or "")
