"""Backups of a GenoLake stack: `genolake backup --out DIR` and `genolake restore DIR`.

A backup folder holds the three stores the platform's state lives in, and a manifest of checksums:

    DIR/BACKUP.json                      written last: format, time, source, sensors, sha256 + size per file
    DIR/postgres/dagster.dump            Dagster's database, `pg_dump -Fc` (restorable with pg_restore)
    DIR/mongo/{db}/{collection}.bson     the Mongo documents, mongodump's layout (BSON documents one
    DIR/mongo/{db}/{collection}.metadata.json    after another + indexes): mongorestore reads it too
    DIR/s3/{bucket}/objects.jsonl        one line per object: key, blob, size, ETag, part size,
    DIR/s3/{bucket}/blobs/{n}            content type, user metadata (sha256, run-id, ...); the bytes

Consistency (what `backup` does before it copies anything, see quiesce.py): it stops every sensor
but the run-status reconciler (so no manifest is picked up and no run requested), waits for the tick
in progress to end, waits until no run is queued, starting or running (a backup never holds half a
run: a run either finished before, with its lake objects, or has not been requested), waits until
the reconciler has mirrored the last run update into Mongo, stops it too, then copies Postgres,
Mongo and the buckets, and finally starts the sensors that were running. Manifests uploaded meanwhile
wait in the landing zone (they are in the backup if their upload finished before the landing zone
was copied; in either case they are processed afterwards, exactly once per stack). The API stays up;
its writes during the copy (new users or keys, a sample deletion) may or may not be in the backup.

The folder is written under `DIR.partial-*` and renamed to DIR only when complete; restore verifies
every checksum before it touches anything and refuses a damaged or incomplete backup naming the file.
"""
