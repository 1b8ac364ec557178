"""The `prs` lane: polygenic risk scores of an already normalized partition."""
