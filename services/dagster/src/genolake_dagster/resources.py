"""Dagster resources: typed handles on the platform's storage, configured from GENOLAKE_* settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dagster import ConfigurableResource
from genolake_core.docstore import DocStore
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings, get_settings


class PlatformResource(ConfigurableResource):
    """Object store, document store and settings. Read from the environment at run time, never at import."""

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
