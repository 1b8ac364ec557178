"""Run status mirrored into Mongo: run-status sensors for speed, a reconciler for completeness."""
