"""Run tags GenoLake sets on every run it requests (read back by the status sync)."""

from __future__ import annotations

BATCH_TAG = "genolake/batch_id"
LANE_TAG = "genolake/lane"
USER_TAG = "genolake/user"
SAMPLE_TAG = "genolake/sample"
HEAVY_TAG = "genolake/heavy"
