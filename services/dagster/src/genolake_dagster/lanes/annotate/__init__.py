"""The `annotate` lane: match a normalized partition against the installed annotation modules."""
