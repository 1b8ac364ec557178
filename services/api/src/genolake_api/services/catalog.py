"""What is installed: annotation modules (Mongo `modules`, files in `reference/modules/`) and scoring files
(Mongo `scores`, files in `reference/scores/`)."""

from __future__ import annotations

from genolake_core.scores import InstalledScore, installed_scores

from genolake_api.schemas import ModuleOut
from genolake_api.state import AppState


def installed_modules(state: AppState) -> list[ModuleOut]:
    """The current version of each module (what annotation uses), with all its versions."""
    result = []
    for doc in state.docs.modules.find({}).sort("_id", 1):
        versions = doc.get("versions", {})
        current = next((v for v in versions.values() if v.get("version") == doc.get("current")), None)
        if current is None:
            continue
        result.append(
            ModuleOut(
                name=doc["_id"],
                version=current["version"],
                enabled=bool(doc.get("enabled", True)),
                title=current.get("title"),
                key=current.get("key"),
                genome_build=current.get("genome_build"),
                source=current.get("source"),
                lake_prefix=current.get("prefix"),
                published_at=current.get("published_at"),
                versions=sorted(v["version"] for v in versions.values()),
            )
        )
    return result


def scores(state: AppState) -> list[InstalledScore]:
    """Installed scoring files, one per score and genome build."""
    return installed_scores(state.docs)
