"""Idempotent bootstrap of the platform's state: buckets, Mongo indexes, Dagster's database.

Run by `genolake bootstrap` (the native stack and compose's one-shot `bootstrap` service).
Safe to repeat: every step checks before it creates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from genolake_core.docstore import DocStore
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings


@dataclass
class BootstrapReport:
    buckets_created: list[str] = field(default_factory=list)
    indexes_ensured: bool = False
    database_created: bool = False


def ensure_postgres_database(settings: Settings, admin_dsn: str | None) -> bool:
    """Create Dagster's database if `admin_dsn` (a superuser connection) is given and it is missing."""
    if admin_dsn is None:
        return False
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(admin_dsn)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (settings.pg_user,))
            if cur.fetchone() is None:
                cur.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(settings.pg_user)),
                    (settings.pg_password.get_secret_value(),),
                )
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (settings.pg_db,))
            if cur.fetchone() is not None:
                return False
            cur.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(settings.pg_db), sql.Identifier(settings.pg_user)
                )
            )
            return True
    finally:
        conn.close()


def bootstrap(settings: Settings, admin_dsn: str | None = None) -> BootstrapReport:
    report = BootstrapReport()
    report.database_created = ensure_postgres_database(settings, admin_dsn)
    store = ObjectStore.from_settings(settings)
    for bucket in (settings.landing_bucket, settings.lake_bucket):
        if store.ensure_bucket(bucket):
            report.buckets_created.append(bucket)
    docs = DocStore.from_settings(settings)
    try:
        docs.ensure_indexes()
        report.indexes_ensured = True
    finally:
        docs.close()
    return report
