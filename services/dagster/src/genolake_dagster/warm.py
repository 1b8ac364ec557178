"""Imported once by the code server's forkserver helper (see codeserver.py), never by the runs themselves.

Everything a run worker would otherwise import before its first step: Dagster's execution machinery
and its Postgres storage (a worker's first act is `DagsterInstance.from_ref`, which imported the
storage classes, SQLAlchemy's dialect and psycopg2: three quarters of a cold worker's time before
its run started, in a py-spy profile), the code location with its assets (polars, the annotation, PRS
and report libraries), the S3 and Mongo clients, and the repository built from `defs`. No connection
is opened and no setting is read here, so a forked worker inherits nothing but code and parsed data.
"""

from __future__ import annotations

import boto3
import dagster._core.execution.api
import dagster._core.storage.base_storage
import dagster._core.storage.local_compute_log_manager  # noqa: F401
import dagster_postgres  # noqa: F401
import pymongo  # noqa: F401
import sqlalchemy.dialects.postgresql.psycopg2  # noqa: F401
from genolake_annotation.modules import annotate  # noqa: F401
from genolake_annotation.normalize import normalize_single  # noqa: F401
from genolake_annotation.report import write_report  # noqa: F401

from genolake_dagster.definitions import defs

defs.get_repository_def()
# botocore parses the S3 service model (JSON) on a session's first client; do it once here. Creating a
# client opens no connection.
boto3.client(
    "s3",
    region_name="us-east-1",
    endpoint_url="http://127.0.0.1:9",
    aws_access_key_id="-",
    aws_secret_access_key="-",
)
