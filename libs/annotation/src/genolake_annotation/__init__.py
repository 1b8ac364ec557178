"""genolake_annotation."""
