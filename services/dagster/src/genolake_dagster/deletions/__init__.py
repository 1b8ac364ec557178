"""Sample deletion, Dagster side: the API deletes data and documents; this removes the partition."""
