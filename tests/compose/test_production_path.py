"""The production path (issue #11): the images built from this checkout, `docker compose up`, and a
VCF carried from an S3 upload to an HTML report the way lab users and their admin do it, only through
ports published on 127.0.0.1. Then the production mechanics (run containers, compute logs in S3,
Dagster's storage in the postgres container, documents in the mongo container), a failed run
re-executed from the Dagster webserver, a daemon restart in the middle of a run, and down/up.

Expectations come from the inputs (bcftools on the shipped VCF, the module spec written from its calls),
never typed in. The test data is tests/data/vcf/antku_small.vcf (tests/data/README.md).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.compose.conftest import Stack, say
from tests.compose.harness import HERE, IMAGE_TAG, NUMBERS, PROJECT, WORK, Aws, api_client, docker, wait_for

# The first test also waits for the session's build (up to ~25 minutes cold on 2 cores) and `up`.
pytestmark = pytest.mark.timeout(5400)

VCF = HERE.parent / "data" / "vcf" / "antku_small.vcf"
PANEL = "compose_panel"
BUILTIN = ("mthfr_nad", "cyp_panel")
FINAL = {"success", "failed", "rejected"}
REEXECUTE = """
mutation Reexecute($parentRunId: String!) {
  launchPipelineReexecution(reexecutionParams: {parentRunId: $parentRunId, strategy: FROM_FAILURE}) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}
"""
SESSION_STARTED = time.time()


# --- Users and inputs ----------------------------------------------------------------------------


@dataclass
class LabUser:
    name: str
    token: str
    aws: Aws


def make_user(stack: Stack, name: str, *, admin: bool = False) -> LabUser:
    """An S3 account (`docker compose run --rm minio-init add-user`) and an API key (`docker compose
    exec dagster-user-code genolake admin create-user`), as docs/deploy/README-quickstart.md says."""
    out = stack.compose.run("run", "--rm", "minio-init", "add-user", name).stdout
    keys = dict(line.split("=", 1) for line in out.splitlines() if line.startswith("AWS_"))
    assert keys["AWS_ACCESS_KEY_ID"] == name, out
    created = stack.compose.exec(
        "dagster-user-code", "genolake", "admin", "create-user", name, *(["--admin"] if admin else [])
    )
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("glk_"), created.stdout + created.stderr
    return LabUser(name, token, stack.aws(name, keys["AWS_SECRET_ACCESS_KEY"]))


@pytest.fixture(scope="session")
def alice(stack: Stack) -> LabUser:
    return make_user(stack, "alice")


@pytest.fixture(scope="session")
def labadmin(stack: Stack) -> LabUser:
    return make_user(stack, "labadmin", admin=True)


@pytest.fixture(scope="session")
def vcf_gz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped VCF, bgzip-compressed as a sequencing pipeline delivers it."""
    target = tmp_path_factory.mktemp("vcf") / "antku.vcf.gz"
    with target.open("wb") as out:
        subprocess.run(["bgzip", "-c", str(VCF)], stdout=out, check=True)
    return target


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def bcftools_records(vcf: Path) -> set[tuple[str, int, str, str, str]]:
    out = subprocess.run(
        ["bcftools", "query", "-f", "%CHROM\t%POS\t%REF\t%ALT\t[%GT]\n", str(vcf)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    rows = set()
    for line in out.splitlines():
        chrom, pos, ref, alt, gt = line.split("\t")
        rows.add((chrom.removeprefix("chr"), int(pos), ref, "" if alt == "." else alt, gt))
    return rows


def called_snvs(vcf: Path) -> list[tuple[str, int, str, str, list[str]]]:
    """PASS biallelic SNVs with a non-reference call: (chrom, pos, ref, alt, sorted called alleles)."""
    out = subprocess.run(
        ["bcftools", "query", "-i", 'FILTER="PASS"', "-f", "%CHROM\t%POS\t%REF\t%ALT\t[%GT]\n", str(vcf)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    called = []
    for line in out.splitlines():
        chrom, pos, ref, alt, gt = line.split("\t")
        genotype = gt.replace("|", "/")
        if len(ref) != 1 or len(alt) != 1 or genotype not in {"0/1", "1/1"}:
            continue
        alleles = sorted(ref if allele == "0" else alt for allele in genotype.split("/"))
        called.append((chrom.removeprefix("chr"), int(pos), ref, alt, alleles))
    return called


def write_panel(
    folder: Path, vcf: Path, sites: int = 20
) -> tuple[set[tuple[str, int, tuple[str, ...]]], float]:
    """A position-keyed module from the VCF's own calls: per site the called genotype (matches) and
    another one (does not), weights from the position. Returns the expected matches and their total
    weight."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "module_spec.yaml").write_text(
        f'schema_version: "1.0"\nmodule:\n  name: {PANEL}\n  version: "1.0.0"\n'
        "  title: Compose test panel\ngenome_build: GRCh38\n"
    )
    expected: set[tuple[str, int, tuple[str, ...]]] = set()
    total = 0.0
    columns = ["rsid", "chrom", "start", "ref", "alts", "genotype", "weight", "state", "conclusion", "gene",
               "phenotype", "category"]  # fmt: skip
    with (folder / "variants.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for chrom, pos, ref, alt, called in called_snvs(vcf)[:sites]:
            other = [alt, alt] if called != [alt, alt] else sorted([ref, alt])
            for genotype in (called, other):
                weight = round(((pos % 201) - 100) / 100, 2)
                text = "/".join(genotype)
                note = f"{chrom}:{pos} {text}"
                writer.writerow(
                    [
                        "",
                        chrom,
                        pos,
                        ref,
                        alt,
                        text,
                        weight,
                        "neutral",
                        note,
                        f"GENE{pos % 5}",
                        "test",
                        "test",
                    ]
                )
                if genotype == called:
                    expected.add((chrom, pos, tuple(genotype)))
                    total += weight
    return expected, total


def upload_manifest(user: LabUser, name: str, manifest: dict[str, Any]) -> str:
    path = WORK / "manifests" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest))
    user.aws("s3", "cp", str(path), f"s3://landing-zone/manifests/{user.name}/{name}.json")
    return manifest["batch_id"]


def follow(
    stack: Stack, user: LabUser, batch_id: str, timeout: float = 600, latest: str | None = None
) -> dict[str, Any]:
    """GET /manifests/{batch_id} through the API container until the manifest is final (and, given
    `latest`, says so for that run)."""
    with api_client(stack.ports.api, user.token) as api:

        def final() -> dict[str, Any] | None:
            response = api.get(f"/manifests/{batch_id}")
            if response.status_code == 404:
                return None
            response.raise_for_status()
            doc = response.json()
            if latest is not None and doc["latest_run_ids"] != [latest]:
                return None
            return doc if doc["status"] in FINAL else None

        return wait_for(f"manifest {batch_id} to finish", final, timeout=timeout, interval=2)


def dagster_runs(stack: Stack, batch_id: str) -> list[dict[str, str]]:
    """Dagster's runs of a batch, read inside the postgres container (Dagster's storage)."""
    rows = stack.compose.psql(
        "SELECT r.run_id, r.status, coalesce(c.value, ''), coalesce(i.value, ''), coalesce(p.value, '') "
        "FROM runs r JOIN run_tags t ON t.run_id = r.run_id "
        "LEFT JOIN run_tags c ON c.run_id = r.run_id AND c.key = 'docker/container_id' "
        "LEFT JOIN run_tags i ON i.run_id = r.run_id AND i.key = 'dagster/image' "
        "LEFT JOIN run_tags p ON p.run_id = r.run_id AND p.key = 'dagster/parent_run_id' "
        f"WHERE t.key = 'genolake/batch_id' AND t.value = '{batch_id}' ORDER BY r.create_timestamp"
    )
    keys = ("run_id", "status", "container_id", "image", "parent_run_id")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def doc_run(stack: Stack, batch_id: str) -> str:
    [run] = dagster_runs(stack, batch_id)
    return run["run_id"]


def container_events(container_id: str) -> list[dict[str, Any]]:
    out = docker(
        "events", "--since", str(int(SESSION_STARTED) - 5), "--until", str(int(time.time()) + 1),
        "--filter", f"container={container_id}", "--format", "{{json .}}",
    ).stdout  # fmt: skip
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def assert_run_container(stack: Stack, run: dict[str, str]) -> None:
    """The run ran in its own container of the user-code image, on the compose network, and is gone."""
    user_code = f"genolake/dagster-user-code:{IMAGE_TAG}"
    assert run["image"] == user_code and run["container_id"], run
    code_server = stack.compose.run("ps", "-q", "dagster-user-code").stdout.strip()
    assert run["container_id"] != docker("inspect", "-f", "{{.Id}}", code_server).stdout.strip()
    gone = docker("container", "inspect", run["container_id"], check=False)
    assert gone.returncode != 0 and "No such" in gone.stderr, "the run container was not removed"
    actions = wait_for(
        "the run container's destroy event",
        lambda: (a := [e["Action"] for e in container_events(run["container_id"])]) and "destroy" in a and a,
        timeout=30,
    )
    assert [a for a in actions if a in {"create", "start", "die", "destroy"}] == [
        "create",
        "start",
        "die",
        "destroy",
    ], actions
    events = container_events(run["container_id"])
    create = next(e for e in events if e["Action"] == "create")
    assert create["Actor"]["Attributes"]["image"] == user_code
    assert create["Actor"]["Attributes"]["dagster/run_id"] == run["run_id"]
    die = next(e for e in events if e["Action"] == "die")
    assert die["Actor"]["Attributes"]["exitCode"] == "0", die
    network = docker(
        "events", "--since", str(int(SESSION_STARTED) - 5), "--until", str(int(time.time()) + 1),
        "--filter", "type=network", "--filter", "event=connect", "--format", "{{json .}}",
    ).stdout  # fmt: skip
    joined = {
        json.loads(line)["Actor"]["Attributes"].get("name")
        for line in network.splitlines()
        if json.loads(line)["Actor"]["Attributes"].get("container") == run["container_id"]
    }
    assert joined == {stack.compose.settings["DOCKER_NETWORK"]}, joined


RESULTS: dict[str, Any] = {}


# --- The tests, in order -------------------------------------------------------------------------


def test_images_carry_no_build_tools(stack: Stack) -> None:
    """The final images hold the virtualenv and no compilers, package caches or sources."""
    probe = (
        "for tool in gcc cc c++ g++ clang ld as go rustc cargo make uv pip; do "
        "command -v $tool >/dev/null 2>&1 && echo tool:$tool; done; "
        "for dir in /root/.cache /home/genolake/.cache /home/dagster/.cache /src /go /root/go; do "
        "[ -e $dir ] && echo dir:$dir; done; exit 0"
    )
    for service in ("dagster-user-code", "dagster-webserver", "api"):
        image = f"genolake/{'dagster-user-code' if service == 'dagster-user-code' else 'dagster' if service.startswith('dagster') else 'api'}:{IMAGE_TAG}"  # noqa: E501
        found = docker("run", "--rm", "--entrypoint", "sh", image, "-c", probe).stdout.split()
        assert found == [], f"{image} carries {found}"
        user = docker("run", "--rm", "--entrypoint", "id", image, "-u").stdout.strip()
        assert user == "10001", f"{image} runs as uid {user}"

    # BUILD_EXTRA_CA_CERTS (this machine's bundle, with its proxy's CA) reached the builds as a
    # secret only: every image's CA bundle is its base image's, and nothing is left of the secret.
    bundle = "sha256sum /etc/ssl/certs/ca-certificates.crt; ls -A /run/secrets /run/build-ca 2>/dev/null; :"
    base = stack.compose.settings.get("PYTHON_IMAGE", "python:3.11.14-slim-bookworm")
    expected = docker("run", "--rm", "--entrypoint", "sh", base, "-c", bundle).stdout
    for image in (f"genolake/{name}:{IMAGE_TAG}" for name in ("dagster-user-code", "dagster", "api")):
        assert docker("run", "--rm", "--entrypoint", "sh", image, "-c", bundle).stdout == expected, image


def test_vcf_to_report(stack: Stack, alice: LabUser, labadmin: LabUser, vcf_gz: Path) -> None:
    # The admin installs the shipped built-in modules (offline) and publishes a panel made from the
    # sample's own calls through the landing zone.
    installed = json.loads(
        stack.compose.exec(
            "dagster-user-code", "genolake", "modules", "install", "--modules", ",".join(BUILTIN)
        ).stdout
    )
    assert {item["module"] for item in installed} == set(BUILTIN)
    expected, total = write_panel(WORK / "panel", VCF)
    assert len(expected) >= 10
    batch = f"panel-{uuid.uuid4().hex[:8]}"
    files = []
    for role, name in (("module_spec", "module_spec.yaml"), ("variants", "variants.csv")):
        key = f"uploads/{labadmin.name}/modules/{batch}/{name}"
        labadmin.aws("s3", "cp", str(WORK / "panel" / name), f"s3://landing-zone/{key}")
        files.append({"key": key, "role": role})
    upload_manifest(labadmin, batch, {"manifest_version": 1, "batch_id": batch, "uploader": labadmin.name,
                                      "intent": "register_module", "files": files})  # fmt: skip
    doc = follow(stack, labadmin, batch)
    assert doc["status"] == "success", doc

    # alice uploads her VCF and an analyze manifest with the AWS CLI, then follows it through the API.
    batch = f"alice-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    alice.aws("s3", "cp", str(vcf_gz), "s3://landing-zone/uploads/alice/antku.vcf.gz")
    upload_manifest(alice, batch, {
        "manifest_version": 1, "batch_id": batch, "uploader": "alice", "intent": "analyze",
        "sample": "antku", "genome_build": "GRCh38",
        "files": [{"key": "uploads/alice/antku.vcf.gz", "role": "vcf", "sha256": sha256(vcf_gz)}],
        "options": {"annotate": {"modules": [PANEL, *BUILTIN]}},
    })  # fmt: skip
    doc = follow(stack, alice, batch)
    assert doc["status"] == "success", doc
    with api_client(stack.ports.api, alice.token) as api:
        report = api.get("/partitions/alice/antku/report")
        latency = time.monotonic() - started
        assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
        NUMBERS.add(f"upload to report (analyze, {len(bcftools_records(VCF))} records)", f"{latency:.0f} s")
        say(f"upload to report: {latency:.0f} s")
        html = report.text
        [run_id] = doc["latest_run_ids"]
        assert run_id in html

        # The report's machine-readable totals are those of the spec written from the calls.
        rows = re.findall(rf'<tr class="variant" data-module="{PANEL}"', html)
        assert len(rows) == len(expected)
        shown = float(re.search(rf'data-module-total="{PANEL}" data-total="([^"]+)"', html).group(1))
        assert shown == pytest.approx(total)

        # The tables behind it: every record bcftools reads, and exactly the expected matches.
        page = api.get("/partitions/alice/antku/tables/variants", params={"limit": 1000}).json()
        got = {(r["chrom"], r["start"], r["ref"], ",".join(r["alts"]), r["gt"]) for r in page["rows"]}
        records = bcftools_records(VCF)
        assert page["total"] == len(records) and got == records
        page = api.get("/partitions/alice/antku/tables/annotations", params={"module": PANEL, "limit": 1000})
        assert {(r["chrom"], r["start"], tuple(r["genotype"])) for r in page.json()["rows"]} == expected
        for name in BUILTIN:  # their sites are not in this slice: computed, not assumed, to be none
            spec = (
                Path(__file__).resolve().parents[2]
                / "libs/annotation/src/genolake_annotation/modules/builtin"
            )
            sites = {
                (r["chrom"], int(r["start"])) for r in csv.DictReader((spec / name / "variants.csv").open())
            }
            in_sample = {(c, p) for c, p, *_ in records} & sites
            page = api.get(
                "/partitions/alice/antku/tables/annotations", params={"module": name, "limit": 1000}
            )
            assert {(r["chrom"], r["start"]) for r in page.json()["rows"]} <= in_sample

    # The same bytes alice may read from the lake herself.
    lake = alice.aws("s3", "cp", "s3://data-lake/users/alice/antku/report/report.html", "-").stdout
    assert lake == html
    RESULTS["analyze"] = {"batch": batch, "run_id": run_id}


def test_production_mechanics(stack: Stack, alice: LabUser) -> None:
    if "analyze" not in RESULTS:
        pytest.skip("needs test_vcf_to_report")
    batch, run_id = RESULTS["analyze"]["batch"], RESULTS["analyze"]["run_id"]

    # Dagster's storage is the postgres container: the run, and the launcher's tags.
    [run] = dagster_runs(stack, batch)
    assert (run["run_id"], run["status"]) == (run_id, "SUCCESS")
    assert_run_container(stack, run)

    # Step logs outlive the removed container: in S3 (the compute log manager's bucket).
    logs = stack.pipelines_aws()
    keys = [key for key in logs.keys("s3://dagster-compute-logs/compute-logs/") if run_id in key]
    assert keys, "no compute logs in S3 for the run"
    text = "".join(logs("s3", "cp", f"s3://dagster-compute-logs/{key}", "-").stdout for key in keys)
    assert run_id in text

    # The documents are in the mongo container.
    manifest = stack.compose.mongo(f'db.manifests.findOne({{_id: "{batch}"}})')
    assert manifest["status"] == "success" and manifest["latest_run_ids"] == [run_id]
    run_doc = stack.compose.mongo(f'db.runs.findOne({{_id: "{run_id}"}})')
    assert run_doc["status"] == "SUCCESS"
    assert run_doc["dagster_url"].startswith(stack.compose.settings["GENOLAKE_DAGSTER_UI_URL"])
    server = stack.compose.mongo("db.adminCommand({buildInfo: 1})")
    name = f"FerretDB {server['ferretdbVersion']}" if "ferretdbVersion" in server else "MongoDB"
    NUMBERS.add("mongo wire server", f"{name} (reports version {server['version']})")


def test_failed_run_is_reexecuted_from_the_webserver(stack: Stack, alice: LabUser, vcf_gz: Path) -> None:
    key = "uploads/alice/retry.vcf.gz"
    alice.aws("s3", "cp", str(vcf_gz), f"s3://landing-zone/{key}")
    batch = upload_manifest(alice, f"retry-{uuid.uuid4().hex[:8]}", {
        "manifest_version": 1, "batch_id": f"retry-{uuid.uuid4().hex[:8]}", "uploader": "alice",
        "intent": "normalize", "sample": "retry", "genome_build": "GRCh38",
        "files": [{"key": key, "role": "vcf", "sha256": sha256(vcf_gz)}],
    })  # fmt: skip
    # The input disappears between acceptance and the run (a run container needs seconds to start).
    with api_client(stack.ports.api, alice.token) as api:
        wait_for("the batch to be accepted",
                 lambda: api.get(f"/manifests/{batch}").json().get("status") == "queued"
                 if api.get(f"/manifests/{batch}").status_code == 200 else None,
                 timeout=180, interval=0.2)  # fmt: skip
    alice.aws("s3", "rm", f"s3://landing-zone/{key}")
    failed = follow(stack, alice, batch)
    assert failed["status"] == "failed" and any(key in error for error in failed["errors"]), failed
    [first] = dagster_runs(stack, batch)
    assert first["status"] == "FAILURE"

    # The input is back (same bytes, same ETag); re-executed as the UI's Re-execute does it.
    alice.aws("s3", "cp", str(vcf_gz), f"s3://landing-zone/{key}")
    with api_client(stack.ports.ui) as ui:
        answer = ui.post("/graphql", json={"query": REEXECUTE, "variables": {"parentRunId": first["run_id"]}})
    result = answer.json()["data"]["launchPipelineReexecution"]
    assert result["__typename"] == "LaunchRunSuccess", result
    done = follow(stack, alice, batch, latest=result["run"]["runId"])
    assert done["status"] == "success" and done["errors"] == [], done
    runs = dagster_runs(stack, batch)
    assert [(r["status"], r["parent_run_id"]) for r in runs] == [
        ("FAILURE", ""),
        ("SUCCESS", first["run_id"]),
    ]
    assert_run_container(stack, runs[1])


def test_daemon_restart_in_the_middle_of_a_run(stack: Stack, alice: LabUser, vcf_gz: Path) -> None:
    """`docker compose restart dagster-daemon` while a run executes and a manifest waits: every
    manifest ends success, each with exactly one run and one archived copy."""
    alice.aws("s3", "cp", str(vcf_gz), "s3://landing-zone/uploads/alice/restart.vcf.gz")
    vcf = [{"key": "uploads/alice/restart.vcf.gz", "role": "vcf", "sha256": sha256(vcf_gz)}]
    running = upload_manifest(alice, "restart-analyze", {
        "manifest_version": 1, "batch_id": f"restart-{uuid.uuid4().hex[:8]}", "uploader": "alice",
        "intent": "analyze", "sample": "restart", "genome_build": "GRCh38", "files": vcf,
    })  # fmt: skip
    wait_for(
        "the run to start",
        lambda: [r for r in dagster_runs(stack, running) if r["status"] == "STARTED"],
        timeout=300,
        interval=0.5,
    )
    # At once (the run takes some 10 s more): the restart, and meanwhile a second manifest arrives.
    restart_began = time.time()
    with ThreadPoolExecutor(max_workers=1) as pool:

        def timed_restart() -> float:
            began = time.monotonic()
            stack.compose.run("restart", "dagster-daemon", timeout=300)
            return time.monotonic() - began

        restart = pool.submit(timed_restart)
        waiting = upload_manifest(alice, "restart-normalize", {
            "manifest_version": 1, "batch_id": f"waiting-{uuid.uuid4().hex[:8]}", "uploader": "alice",
            "intent": "normalize", "sample": "waiting", "genome_build": "GRCh38", "files": vcf,
        })  # fmt: skip
        NUMBERS.add("docker compose restart dagster-daemon", f"{restart.result():.0f} s")

    for batch in (running, waiting):
        doc = follow(stack, alice, batch)
        assert doc["status"] == "success", doc
        runs = dagster_runs(stack, batch)
        assert [r["status"] for r in runs] == ["SUCCESS"] and doc["run_ids"] == [runs[0]["run_id"]], (
            doc,
            runs,
        )
    # The analyze run was still executing when the restart began (Dagster's end_time, epoch seconds).
    [[end_time]] = stack.compose.psql(f"SELECT end_time FROM runs WHERE run_id = '{doc_run(stack, running)}'")
    assert float(end_time) > restart_began, (end_time, restart_began)
    archive = stack.pipelines_aws().keys("s3://landing-zone/archive/")
    for name in ("restart-analyze", "restart-normalize"):
        assert len([k for k in archive if "/alice/" in k and f"/{name}." in k]) == 1, archive
    assert stack.pipelines_aws().keys("s3://landing-zone/manifests/alice/") == []
    stack.compose.wait_healthy(timeout=300)


def test_down_and_up_keep_every_result(stack: Stack, alice: LabUser) -> None:
    def snapshot() -> dict[str, Any]:
        with api_client(stack.ports.api, alice.token) as api:
            partitions = sorted(p["partition"] if "partition" in p else json.dumps(p, sort_keys=True)
                                for p in api.get("/partitions").json())  # fmt: skip
            manifests = sorted((m["id"], m["status"]) for m in api.get("/manifests").json())
            report = hashlib.sha256(api.get("/partitions/alice/antku/report").content).hexdigest()
        return {
            "partitions": partitions,
            "manifests": manifests,
            "report": report,
            "runs": stack.compose.psql("SELECT run_id, status FROM runs ORDER BY run_id"),
            "documents": stack.compose.mongo(
                "db.manifests.countDocuments({}) + ':' + db.runs.countDocuments({})"
            ),
        }

    before = snapshot()
    assert before["manifests"] and before["runs"]
    started = time.monotonic()
    stack.compose.run("down", timeout=600)
    volumes = docker("volume", "ls", "-q", "--filter", f"label=com.docker.compose.project={PROJECT}").stdout
    assert {v.removeprefix(f"{PROJECT}_") for v in volumes.split()} == {
        "minio-data",
        "postgres-data",
        "mongo-data",
        "mongo-config",
    }
    stack.compose.run("up", "-d", "--wait", "--wait-timeout", "900", timeout=960)
    stack.compose.wait_healthy(timeout=60)
    NUMBERS.add("down, up -d to all healthy (volumes kept)", f"{time.monotonic() - started:.0f} s")
    assert snapshot() == before
