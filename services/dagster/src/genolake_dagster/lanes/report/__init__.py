"""The `report` lane: render one partition's HTML report from its annotations (and PRS results if any)."""
