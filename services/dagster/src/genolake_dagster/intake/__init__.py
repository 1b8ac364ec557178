"""Manifest intake: lane sensors claim manifests by intent; triage handles what no lane can."""
