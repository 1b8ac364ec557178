"""Helpers shared by the PRS tests (no fixtures here; see conftest.py)."""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from genolake_annotation.normalize import normalize_vcf

CHR22_SAMPLES = ("HG00096", "HG00097", "HG00099", "HG00100", "HG00101")
COMPLEMENT = {"A": "T", "C": "G", "G": "C", "T": "A"}

#: plink2_score fixture: (vcf, [(ID, A1, weight)], *modifiers) -> {IID: SCORE1_SUM as printed}
PlinkRunner = Callable[..., dict[str, str]]


def need_tool(name: str) -> str:
    """The tool's path; a skip naming it when missing (a failure in CI: see tests/conftest.py)."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (scripts/install-native.sh installs it)")
    return path


def is_palindrome(ref: str, alt: str) -> bool:
    return len(ref) == 1 and len(alt) == 1 and COMPLEMENT.get(ref) == alt


def flip(allele: str) -> str:
    return "".join(COMPLEMENT[b] for b in allele)


def printed_half_unit(printed: str) -> float:
    """Half a unit of the 6th significant digit of a number plink2 printed."""
    value = abs(float(printed))
    if value == 0.0:
        return 5e-7
    return 0.5 * 10 ** (math.floor(math.log10(value)) - 5)


def agrees_with_printed(ours: float, printed: str) -> bool:
    """``ours`` equals plink2's printed value to the precision printed (6 significant digits):
    within half a unit of the 6th significant digit of the printed number (plus a millionth of that
    unit, for exact ties summed in a different order: x.xxxxx5 may print either way)."""
    return abs(ours - float(printed)) <= printed_half_unit(printed) * (1 + 1e-6)


def normalize_all(vcf: Path, out_dir: Path, samples: Sequence[str]) -> dict[str, Path]:
    """Normalize ``samples`` of ``vcf`` through the platform's normalizer."""
    outputs = {s: out_dir / f"{s}.parquet" for s in samples}
    normalize_vcf(vcf, outputs)
    return outputs
