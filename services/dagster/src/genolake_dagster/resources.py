"""Dagster resources: typed handles on the platform's storage, configured from GENOLAKE_* settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dagster import ConfigurableResource, InitResourceContext
from dagster._core.storage.tags import PARTITION_NAME_TAG
from genolake_core.docstore import DocStore
from genolake_core.logs import bind_context, configure_logging
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings, get_settings

from genolake_dagster.tags import BATCH_TAG, LANE_TAG


class PlatformResource(ConfigurableResource):
    """Object store, document store and settings. Read from the environment at run time, never at import.

    Setting it up (for every sensor evaluation and run) configures the process's logging: JSON lines on
    stderr, and in a run the run's id, batch, lane and partition on every line (genolake_core.logs).
    """

    def setup_for_execution(self, context: InitResourceContext) -> None:
        configure_logging()
        run = context.run
        if run is not None:
            bind_context(
                run_id=run.run_id,
                batch_id=run.tags.get(BATCH_TAG),
                lane=run.tags.get(LANE_TAG),
                partition=run.tags.get(PARTITION_NAME_TAG),
            )

    def settings(self) -> Settings:
        return get_settings()

    def store(self) -> ObjectStore:
        return ObjectStore.from_settings(self.settings())

    @contextmanager
    def docs(self) -> Iterator[DocStore]:
        docs = DocStore.from_settings(self.settings())
        try:
            yield docs
        finally:
            docs.close()
