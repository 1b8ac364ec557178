"""Partitions: one dynamic partition per sample, keyed `{user}/{sample}`, registered by intake sensors."""

from __future__ import annotations

from dagster import DynamicPartitionsDefinition

SAMPLES = "samples"
samples_partitions = DynamicPartitionsDefinition(name=SAMPLES)
