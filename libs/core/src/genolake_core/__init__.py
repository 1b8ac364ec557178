"""genolake_core."""
