"""Fixtures for the VCF normalization tests."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def compressed(tmp_path: Path) -> Callable[[Path, str], Path]:
    """compressed(vcf, kind) -> a copy of `vcf` as kind 'plain', 'gzip' (python gzip) or 'bgzip'."""

    def make(vcf: Path, kind: str) -> Path:
        raw = gzip.decompress(vcf.read_bytes()) if vcf.read_bytes()[:2] == b"\x1f\x8b" else vcf.read_bytes()
        target = tmp_path / f"{vcf.name.split('.')[0]}.{kind}.vcf"
        if kind == "plain":
            target.write_bytes(raw)
            return target
        if kind == "gzip":
            target = target.with_suffix(".vcf.gz")
            target.write_bytes(gzip.compress(raw))
            return target
        if kind == "bgzip":
            bgzip = shutil.which("bgzip")
            if bgzip is None:
                pytest.skip("bgzip not installed")
            target.write_bytes(raw)
            subprocess.run([bgzip, "-f", str(target)], check=True)
            return target.with_name(target.name + ".gz")
        raise ValueError(kind)

    return make
