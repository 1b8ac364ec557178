"""genolake_api."""
