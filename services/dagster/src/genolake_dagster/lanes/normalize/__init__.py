"""The `normalize` lane: a VCF in the landing zone becomes one normalized parquet per sample."""
