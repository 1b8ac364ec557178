"""genolake_cli."""
