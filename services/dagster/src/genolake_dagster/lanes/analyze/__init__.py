"""The `analyze` lane: the whole pipeline per sample in one run (normalize -> annotate -> PRS -> report)."""
