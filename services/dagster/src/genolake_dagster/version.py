"""Code version recorded with every output (lineage). Bump when outputs would change."""

from __future__ import annotations

CODE_VERSION = "normalize-1"
