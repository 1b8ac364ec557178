"""docs/deploy/scaling.md: its Kubernetes dagster.yaml is a valid instance config, and its
K8sRunLauncher config passes dagster-k8s's schema where dagster-k8s is installed."""

from __future__ import annotations

import importlib
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from dagster._config import process_config
from dagster._core.instance.config import dagster_instance_config

from tests.unit.compose.compose_testlib import REPO

DOC = REPO / "docs" / "deploy" / "scaling.md"
MARKER = "# dagster.yaml on Kubernetes"


def k8s_snippet() -> dict[str, Any]:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    (block,) = [b for b in blocks if MARKER in b]
    lines = block.splitlines()
    indent = len(lines[0]) - len(lines[0].lstrip())
    return yaml.safe_load("\n".join(line[indent:] for line in lines))  # type: ignore[no-any-return]


@pytest.fixture
def k8s_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """services/dagster/dagster.yaml with the doc's run_launcher, loaded by Dagster."""
    instance = yaml.safe_load((REPO / "services" / "dagster" / "dagster.yaml").read_text())
    instance["run_launcher"] = k8s_snippet()["run_launcher"]
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(instance))
    for name in re.findall(
        r"\{env: ([A-Z0-9_]+)\}", (REPO / "services" / "dagster" / "dagster.yaml").read_text()
    ):
        monkeypatch.setenv(name, "5432" if name.endswith("PORT") else "x")
    config, _ = dagster_instance_config(str(tmp_path))
    return dict(config)


def test_k8s_snippet_is_a_valid_instance_config(k8s_instance: dict[str, Any]) -> None:
    launcher = k8s_instance["run_launcher"]
    assert (launcher["module"], launcher["class"]) == ("dagster_k8s", "K8sRunLauncher")
    config = launcher["config"]
    assert config["env_secrets"] == ["genolake-settings"]
    assert config["dagster_home"] == "/opt/dagster/dagster_home"  # the images' DAGSTER_HOME
    assert config["job_image"].endswith("/genolake/dagster-user-code:0.1.0")


@pytest.mark.ci_may_skip  # dagster-k8s is not a GenoLake dependency
def test_k8s_launcher_config_matches_dagster_k8s_schema(k8s_instance: dict[str, Any]) -> None:
    try:
        module = importlib.import_module("dagster_k8s")
    except ImportError:
        pytest.skip("dagster-k8s is not installed (not a GenoLake dependency; scaling.md step 3.1 adds it)")
    klass = module.K8sRunLauncher
    result = process_config(klass.config_type(), k8s_instance["run_launcher"]["config"])
    assert result.success, result.errors


def test_doc_names_real_files() -> None:
    text = DOC.read_text()
    for path in re.findall(r"`((?:services|docs|scripts)/[\w./-]+\.(?:sh|yaml|json\.tmpl|js|md))`", text):
        assert (REPO / path).is_file(), path
    assert shutil.which("sh")  # the doc runs the init scripts with sh
