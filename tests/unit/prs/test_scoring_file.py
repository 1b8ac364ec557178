"""Parsing PGS Catalog (format 2.0) and custom scoring files."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import polars as pl
import pytest
from genolake_prs import (
    ScoringFileError,
    read_scoring_file,
    read_scoring_parquet,
    write_scoring_parquet,
)


def raw_table(path: Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Header metadata and rows read with the csv module (an independent reading)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as handle:  # type: ignore[operator]
        lines = handle.read().splitlines()
    meta = {
        line.lstrip("#").split("=", 1)[0]: line.split("=", 1)[1]
        for line in lines
        if line.startswith("#") and not line.startswith("##") and "=" in line
    }
    body = [line for line in lines if not line.startswith("#")]
    return meta, list(csv.DictReader(io.StringIO("\n".join(body)), delimiter="\t"))


@pytest.mark.parametrize(
    "name",
    ["PGS000001_hmPOS_GRCh37", "PGS000001_hmPOS_GRCh38", "PGS000002_hmPOS_GRCh37", "PGS000002_hmPOS_GRCh38"],
)
def test_pgs_catalog_harmonized_files(test_data: Path, name: str) -> None:
    path = test_data / "pgs" / f"{name}.txt.gz"
    meta, rows = raw_table(path)
    sf = read_scoring_file(path)

    assert sf.score_id == meta["pgs_id"]
    assert sf.header.pgs_id == meta["pgs_id"]
    assert sf.header.format_version == "2.0"
    assert sf.header.HmPOS_build == meta["HmPOS_build"]
    assert sf.header.harmonized
    assert sf.build == meta["HmPOS_build"]  # genome_build is NR; the harmonized build counts
    assert sf.header.genome_build == meta["genome_build"]
    assert sf.header.variants_number == int(meta["variants_number"]) == len(rows) == len(sf)
    assert sf.header.weight_type == meta["weight_type"]
    extras = sf.header.as_dict()
    assert extras["HmPOS_match_chr"] == meta["HmPOS_match_chr"]  # unknown keys are kept
    assert extras["citation"] == meta["citation"]

    v = sf.variants
    assert v["pos"].to_list() == [int(r["hm_pos"]) for r in rows]
    assert v["chrom"].to_list() == [r["hm_chr"] for r in rows]
    assert v["effect_allele"].to_list() == [r["effect_allele"] for r in rows]
    assert v["other_allele"].to_list() == [r["other_allele"] for r in rows]
    assert v["effect_weight"].to_list() == [float(r["effect_weight"]) for r in rows]
    assert set(v["effect_type"].to_list()) == {"additive"}
    assert set(v["other_allele_source"].to_list()) == {"reported"}
    assert v["line"].to_list() == list(range(21, 21 + len(rows)))  # 20 header lines + column names
    assert v["abs_weight"].sum() == pytest.approx(sum(abs(float(r["effect_weight"])) for r in rows))


def test_author_reported_positions_and_chr_prefix(tmp_path: Path) -> None:
    path = tmp_path / "my_score.txt"
    path.write_text(
        "#genome_build=hg19\n"
        "rsID\tchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\tallelefrequency_effect\n"
        "rs1\tchr1\t100\ta\tg\t0.5\t0.25\n"
        "rs2\t23\t200\tT\t\t-1.5\t\n"
        "rs3\tchrM\t300\tC\tT\t2\t0.5\n"
    )
    sf = read_scoring_file(path)
    assert sf.score_id == "my_score"  # no pgs_id: the file name
    assert sf.build == "GRCh37" and not sf.header.harmonized
    v = sf.variants
    assert v["chrom"].to_list() == ["1", "X", "MT"]
    assert v["pos"].to_list() == [100, 200, 300]
    assert v["effect_allele"].to_list() == ["A", "T", "C"]
    assert v["other_allele"].to_list() == ["G", None, "T"]
    assert v["other_allele_source"].to_list() == ["reported", "none", "reported"]
    assert v["allelefrequency_effect"].to_list() == [0.25, None, 0.5]
    assert read_scoring_file(path, score_id="other").score_id == "other"


def test_infer_other_allele_single_and_multiple(tmp_path: Path) -> None:
    path = tmp_path / "PGS999999_hmPOS_GRCh38.txt"
    path.write_text(
        "#pgs_id=PGS999999\n#HmPOS_build=GRCh38\n"
        "rsID\tchr_name\teffect_allele\teffect_weight\thm_rsID\thm_chr\thm_pos\thm_inferOtherAllele\n"
        "rs1\t1\tA\t0.1\trs1\t1\t100\tG\n"
        "rs2\t1\tC\t0.2\trs2\t1\t200\tA/T\n"
        "rs3\t1\tT\t0.3\trs3\t1\t\t\n"
    )
    v = read_scoring_file(path).variants
    assert v["match_other_allele"].to_list() == ["G", None, None]
    assert v["other_allele_source"].to_list() == ["inferred", "none", "none"]
    assert v["pos"].to_list() == [100, 200, None]  # failed harmonization: kept, no position


def test_per_dosage_weights(tmp_path: Path) -> None:
    path = tmp_path / "apoe.txt"
    path.write_text(
        "#pgs_id=DOSAGE1\n"
        "chr_name\tchr_position\teffect_allele\tother_allele\tdosage_0_weight\tdosage_1_weight\tdosage_2_weight\n"
        "19\t44908684\tC\tT\t0\t0.5\t1.5\n"
        "19\t44908822\tT\tC\t-0.25\t0\t3\n"
    )
    v = read_scoring_file(path).variants
    assert set(v["effect_type"].to_list()) == {"dosage_weights"}
    assert v["effect_weight"].null_count() == 2
    assert v.select("dosage_0_weight", "dosage_1_weight", "dosage_2_weight").rows() == [
        (0, 0.5, 1.5),
        (-0.25, 0, 3),
    ]
    assert v["abs_weight"].to_list() == [1.5, 3.0]


def test_dominant_recessive_become_dosage_weights(tmp_path: Path) -> None:
    path = tmp_path / "flags.txt"
    path.write_text(
        "chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\tis_dominant\tis_recessive\tis_haplotype\n"
        "1\t10\tA\tG\t2\tTRUE\tFALSE\tFALSE\n"
        "1\t20\tA\tG\t3\tfalse\ttrue\t\n"
        "1\t30\tA\tG\t4\t\t\t\n"
        "1\t40\tA\tG\t5\tFALSE\tFALSE\tTRUE\n"
    )
    v = read_scoring_file(path).variants
    assert v["effect_type"].to_list() == ["dominant", "recessive", "additive", "complex"]
    assert v.select("dosage_0_weight", "dosage_1_weight", "dosage_2_weight").rows()[:2] == [
        (0, 2, 2),
        (0, 0, 3),
    ]
    assert v["effect_weight"].to_list()[2:] == [4.0, 5.0]


BASE_HEADER = "#pgs_id=BAD\nchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n"


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        (BASE_HEADER + "1\t10\tA\tG\t0.1\n1\t11\tA\tG\tabc\n", 4, "effect_weight", "not a number"),
        (BASE_HEADER + "1\t10\tA\tG\tinf\n", 3, "effect_weight", "not finite"),
        (BASE_HEADER + "1\t10\tA\tG\t\n", 3, "effect_weight", "empty"),
        (BASE_HEADER + "1\t10\t\tG\t0.1\n", 3, "effect_allele", "empty"),
        (BASE_HEADER + "1\t10\tA\tG\t0.1\n1\tten\tA\tG\t0.1\n", 4, "chr_position", "not an integer"),
        (BASE_HEADER + "1\t0\tA\tG\t0.1\n", 3, "chr_position", "1-based"),
        (
            BASE_HEADER + "1\t10\tA\tG\t0.1\n1\t11\tA\tG\n",
            4,
            None,
            "expected 5 tab-separated fields, found 4",
        ),
        (BASE_HEADER + "1\t10\tA\tG\t0.1\tx\n1\t11\tA\t0.1\n", 3, None, "found 6"),
        (BASE_HEADER + "1\t10\tA\tG\t0.1\n\n1\t11\tA\tG\t0.1\n", 4, None, "blank line"),
        (
            "#pgs_id=BAD\nchr_name\tchr_position\tother_allele\teffect_weight\n1\t1\tA\t1\n",
            2,
            "effect_allele",
            "missing",
        ),
        (
            "chr_name\tchr_position\teffect_allele\tdosage_0_weight\tdosage_1_weight\n1\t1\tA\t0\t1\n",
            1,
            "dosage_2_weight",
            "all three",
        ),
        ("rsID\teffect_allele\teffect_weight\nrs1\tA\t1\n", 1, "chr_name", "positions are required"),
        (
            "#HmPOS_build=GRCh38\nchr_name\tchr_position\teffect_allele\teffect_weight\n1\t1\tA\t1\n",
            2,
            "hm_chr",
            "harmonized",
        ),
        (
            "chr_name\tchr_position\teffect_allele\teffect_weight\teffect_weight\n",
            1,
            "effect_weight",
            "duplicated",
        ),
        (
            "chr_name\tchr_position\teffect_allele\teffect_weight\tallelefrequency_effect\n1\t1\tA\t1\t1.5\n",
            2,
            "allelefrequency_effect",
            "[0, 1]",
        ),
        (
            "chr_name\tchr_position\teffect_allele\teffect_weight\tis_dominant\n1\t1\tA\t1\tyes\n",
            2,
            "is_dominant",
            "TRUE or FALSE",
        ),
        (
            "chr_name\tchr_position\teffect_allele\teffect_weight\tis_dominant\tis_recessive\n1\t1\tA\t1\tTRUE\tTRUE\n",
            2,
            "is_recessive",
            "both",
        ),
        ("#pgs_id=ONLYHEADER\n", 1, None, "no column-name row"),
    ],
)
def test_malformed_files_name_line_and_column(
    tmp_path: Path, text: str, line: int | None, column: str | None, fragment: str
) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(ScoringFileError) as info:
        read_scoring_file(path)
    err = info.value
    assert err.path == path
    assert err.line == line
    assert err.column == column
    assert fragment in str(err)
    assert str(path) in str(err)
    if line is not None:
        assert f"line {line}" in str(err)
    if column is not None:
        assert repr(column) in str(err)


def test_malformed_gzip_line_numbers_count_header(test_data: Path, tmp_path: Path) -> None:
    """A broken weight in a real file is reported at its line in the decompressed file."""
    source = test_data / "pgs" / "PGS000002_hmPOS_GRCh37.txt.gz"
    with gzip.open(source, "rt") as handle:
        lines = handle.read().splitlines()
    target = 40  # 1-based line number of a data row
    fields = lines[target - 1].split("\t")
    fields[4] = "0.1.2"
    lines[target - 1] = "\t".join(fields)
    bad = tmp_path / "PGS000002_broken.txt.gz"
    bad.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    with pytest.raises(
        ScoringFileError, match=rf"line {target}, column 'effect_weight': '0.1.2' is not a number"
    ):
        read_scoring_file(bad)


def test_crlf_and_corrupt_gzip_and_missing_file(tmp_path: Path) -> None:
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(b"chr_name\tchr_position\teffect_allele\teffect_weight\r\n1\t1\tA\t1\r\n")
    with pytest.raises(ScoringFileError, match="CRLF"):
        read_scoring_file(crlf)
    corrupt = tmp_path / "x.txt.gz"
    corrupt.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(ScoringFileError, match="gzip"):
        read_scoring_file(corrupt)
    with pytest.raises(ScoringFileError, match="no such file"):
        read_scoring_file(tmp_path / "absent.txt")


def test_parquet_round_trip(test_data: Path, tmp_path: Path) -> None:
    sf = read_scoring_file(test_data / "pgs" / "PGS000002_hmPOS_GRCh38.txt.gz")
    out = tmp_path / "PGS000002.parquet"
    write_scoring_parquet(sf, out)
    back = read_scoring_parquet(out)
    assert back.score_id == sf.score_id
    assert back.header == sf.header
    assert back.variants.equals(sf.variants)
    plain = tmp_path / "plain.parquet"
    pl.DataFrame({"a": [1]}).write_parquet(plain)
    with pytest.raises(ScoringFileError, match="not a genolake_prs scoring parquet"):
        read_scoring_parquet(plain)


@pytest.mark.parametrize("kept", [0, 3])
def test_truncated_file_names_itself_and_both_counts(shared_data: Path, tmp_path: Path, kept: int) -> None:
    """A partial download (the header's #variants_number, fewer rows) is an error, not a low overlap."""
    source = shared_data / "pgs" / "PGS000001_hmPOS_GRCh38.txt.gz"
    meta, _ = raw_table(source)
    lines = gzip.decompress(source.read_bytes()).decode().splitlines(keepends=True)
    header_end = next(i for i, line in enumerate(lines) if not line.startswith("#")) + 1  # + column names
    truncated = tmp_path / "PGS000001_partial.txt.gz"
    truncated.write_bytes(gzip.compress("".join(lines[: header_end + kept]).encode()))
    with pytest.raises(ScoringFileError) as info:
        read_scoring_file(truncated)
    message = str(info.value)
    assert str(truncated) in message
    assert f"variants_number={meta['variants_number']}" in message and f"has {kept} variant rows" in message
