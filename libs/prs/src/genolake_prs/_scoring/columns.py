"""The columns of a scoring file the parser knows, and the schema of the parsed variants."""

from __future__ import annotations

import polars as pl

#: Schema of `ScoringFile.variants` (one row per scoring-file data row, in file order).
VARIANT_SCHEMA: dict[str, pl.DataType] = {
    "row_nr": pl.UInt32(),
    "line": pl.UInt32(),
    "rsid": pl.String(),
    "chrom": pl.String(),
    "pos": pl.Int64(),
    "effect_allele": pl.String(),
    "other_allele": pl.String(),
    "match_other_allele": pl.String(),
    "other_allele_source": pl.String(),
    "allele_valid": pl.Boolean(),
    "effect_type": pl.String(),
    "effect_weight": pl.Float64(),
    "dosage_0_weight": pl.Float64(),
    "dosage_1_weight": pl.Float64(),
    "dosage_2_weight": pl.Float64(),
    "abs_weight": pl.Float64(),
    "allelefrequency_effect": pl.Float64(),
}

FLAG_COLUMNS = ("is_dominant", "is_recessive", "is_haplotype", "is_diplotype", "is_interaction")
DOSAGE_COLUMNS = ("dosage_0_weight", "dosage_1_weight", "dosage_2_weight")
FLOAT_COLUMNS = ("effect_weight", *DOSAGE_COLUMNS, "allelefrequency_effect")
INT_COLUMNS = ("chr_position", "hm_pos")
