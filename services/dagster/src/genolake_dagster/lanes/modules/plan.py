"""Turn a register_module manifest into one unpartitioned run: validate the spec now, reject early."""

from __future__ import annotations

import tempfile
from pathlib import Path

from genolake_annotation.modules import ModuleSpecError, load_spec
from genolake_core.lanes.modules import CONTRACT, RegisterModuleManifest
from genolake_core.manifest import ManifestBase, ManifestError

from genolake_dagster.lanes.base import PlanContext, PlannedRun, one_run
from genolake_dagster.lanes.modules.spec_files import download_spec

LANE_NAME = CONTRACT.name


def plan_register_module(manifest: ManifestBase, ctx: PlanContext) -> list[PlannedRun]:
    assert isinstance(manifest, RegisterModuleManifest)
    user = ctx.docs.users.find_one({"_id": manifest.uploader}, {"is_admin": 1})
    if not user or not user.get("is_admin"):
        raise ManifestError([f"uploader: {manifest.uploader!r} is not an admin; only admins publish modules"])
    objects: dict[str, tuple[str, str | None]] = {item.role: (item.key, None) for item in manifest.files}
    with tempfile.TemporaryDirectory(prefix="genolake-spec-") as tmp:
        etags = download_spec(ctx.store, ctx.settings.landing_bucket, objects, Path(tmp))
        try:
            spec = load_spec(Path(tmp))
        except ModuleSpecError as exc:
            raise ManifestError([f"module spec: {exc}"]) from exc
    record = ctx.docs.modules.find_one({"_id": spec.name}, {"versions": 1}) or {}
    for info in record.get("versions", {}).values():
        if info.get("version") == spec.version and info.get("source_sha256") not in (None, spec.sha256):
            raise ManifestError(
                [
                    (
                        f"module spec: {spec.name} {spec.version} is already published with different "
                        "content; bump the version"
                    )
                ]
            )
    files = [{"role": role, "key": key, "etag": etags[role]} for role, (key, _) in objects.items()]
    return [
        one_run(
            LANE_NAME, manifest, None, {"annotation_modules": {"batch_id": manifest.batch_id, "files": files}}
        )
    ]
