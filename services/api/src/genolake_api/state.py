"""Clients the API holds for its lifetime, and the dependency that hands them to routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from genolake_core.docstore import DocStore
from genolake_core.objectstore import ObjectStore, S3Client, make_s3_client
from genolake_core.settings import Settings


@dataclass
class AppState:
    settings: Settings
    docs: DocStore
    store: ObjectStore
    public_s3: S3Client  # signs presigned URLs for the endpoint users reach

    @classmethod
    def connect(cls, settings: Settings) -> AppState:
        return cls(
            settings=settings,
            docs=DocStore.from_settings(settings),
            store=ObjectStore.from_settings(settings),
            public_s3=make_s3_client(settings, public=True),
        )

    def close(self) -> None:
        self.docs.close()


def get_state(request: Request) -> AppState:
    return request.app.state.genolake  # type: ignore[no-any-return]


StateDep = Annotated[AppState, Depends(get_state)]
