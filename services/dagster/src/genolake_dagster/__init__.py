"""genolake_dagster."""
