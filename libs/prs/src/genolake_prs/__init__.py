"""genolake_prs."""
