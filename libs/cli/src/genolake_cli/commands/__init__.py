"""One module per `genolake` command (group)."""
