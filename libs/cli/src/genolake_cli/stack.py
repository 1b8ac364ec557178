"""The native stack: the platform's real services as local processes (development, CI, tests).

Same topology as docker-compose.yaml: MinIO, PostgreSQL (Dagster storage), FerretDB (MongoDB wire
protocol), a Dagster gRPC code server, the Dagster daemon and webserver, and the API. State lives
under one root folder (default `data/stack/`): service data, logs, pid files, and `genolake.env`,
the `GENOLAKE_*` settings every process reads (generated once with random secrets).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genolake_core.errors import GenoLakeError
from genolake_core.settings import ENV_FILE_VARIABLE, Settings

if TYPE_CHECKING:
    from genolake_core.bootstrap import BootstrapReport

PG_BIN_CANDIDATES = (
    Path("/usr/lib/postgresql/15/bin"),
    Path("/usr/lib/postgresql/16/bin"),
    Path("/usr/lib/postgresql/17/bin"),
)
DEFAULT_BIN_DIR = Path.home() / ".cache" / "genolake" / "bin"
FERRETDB_DATABASE = "ferretdb"  # FerretDB's PostgreSQL backend: 5-15x faster queries here than its SQLite one
STORAGE_SERVICES = ("minio", "ferretdb", "pgbouncer")  # started (and restored into) before Dagster
INCOMPLETE_MARKER = "RESTORE_INCOMPLETE"  # written by `genolake restore` until the restore is whole


class StackError(GenoLakeError):
    """A service that could not be started or checked; the message names it and its log."""


@dataclass(frozen=True)
class Ports:
    """Every port of the stack, derived from one base so that two stacks can run side by side."""

    base: int = 19000

    @property
    def minio(self) -> int:
        return self.base

    @property
    def minio_console(self) -> int:
        return self.base + 1

    @property
    def mongo(self) -> int:
        return self.base + 17

    @property
    def mongo_debug(self) -> int:
        return self.base + 18

    @property
    def webserver(self) -> int:
        return self.base + 30

    @property
    def postgres(self) -> int:
        return self.base + 32

    @property
    def pgbouncer(self) -> int:
        return self.base + 33

    @property
    def code_server(self) -> int:
        return self.base + 40

    @property
    def api(self) -> int:
        return self.base + 80


@dataclass
class Service:
    name: str
    argv: list[str]
    ready: Callable[[], bool]
    timeout: float = 90.0
    extra_env: dict[str, str] = field(default_factory=dict)


def _port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(200 <= response.status < 300)
    except OSError:
        return False


def _find_binary(name: str, bin_dir: Path) -> str:
    candidate = bin_dir / name
    if candidate.is_file():
        return str(candidate)
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin")  # Debian's pgbouncer
    if found is None:
        raise StackError(f"{name} not found in {bin_dir} or PATH: run scripts/install-native.sh")
    return found


def _pg_bin() -> Path:
    for candidate in PG_BIN_CANDIDATES:
        if (candidate / "pg_ctl").is_file():
            return candidate
    raise StackError(
        "PostgreSQL server binaries not found under /usr/lib/postgresql: run scripts/install-native.sh"
    )


class NativeStack:
    """Start, stop and inspect the native stack rooted at `root`."""

    def __init__(
        self, root: Path, project_root: Path, ports: Ports | None = None, bin_dir: Path | None = None
    ) -> None:
        self.root = root.resolve()
        self.project_root = project_root.resolve()
        self.ports = ports or Ports()
        self.bin_dir = bin_dir or Path(os.environ.get("GENOLAKE_BIN_DIR", DEFAULT_BIN_DIR))
        self.env_file = self.root / "genolake.env"
        self.logs = self.root / "logs"
        self.pids = self.root / "pids"
        self.dagster_home = self.root / "dagster_home"
        if not (self.project_root / "services" / "dagster" / "dagster.native.yaml").is_file():
            raise StackError(
                f"{self.project_root} is not a GenoLake checkout "
                "(services/dagster/dagster.native.yaml missing)"
            )

    # --- configuration ---------------------------------------------------------------------

    def _generate_env(self) -> dict[str, str]:
        return {
            "GENOLAKE_S3_ENDPOINT_URL": f"http://127.0.0.1:{self.ports.minio}",
            "GENOLAKE_S3_ACCESS_KEY": "genolake-" + secrets.token_hex(4),
            "GENOLAKE_S3_SECRET_KEY": secrets.token_urlsafe(24),
            "GENOLAKE_MONGO_URL": f"mongodb://127.0.0.1:{self.ports.mongo}/",
            "GENOLAKE_MONGO_DB": "genolake",
            "GENOLAKE_PG_HOST": "127.0.0.1",
            "GENOLAKE_PG_PORT": str(self.ports.postgres),
            "GENOLAKE_PG_USER": "dagster",
            "GENOLAKE_PG_PASSWORD": secrets.token_urlsafe(18),
            "GENOLAKE_PG_DB": "dagster",
            "GENOLAKE_DAGSTER_UI_URL": f"http://127.0.0.1:{self.ports.webserver}",
            "GENOLAKE_API_HOST": "127.0.0.1",
            "GENOLAKE_API_PORT": str(self.ports.api),
        }

    def env(self) -> dict[str, str]:
        """The stack's GENOLAKE_* settings (created on first use, then stable)."""
        if not self.env_file.is_file():
            self.root.mkdir(parents=True, exist_ok=True)
            lines = [f"{key}={value}" for key, value in self._generate_env().items()]
            partial = self.env_file.with_suffix(".partial")
            partial.write_text("\n".join(lines) + "\n")
            partial.chmod(0o600)
            partial.replace(self.env_file)
        values = {}
        for line in self.env_file.read_text().splitlines():
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                values[key] = value
        return values

    def settings(self) -> Settings:
        """The settings the stack's services run with: its env file, whatever this process's environment
        says (GENOLAKE_* variables of the caller, e.g. of another stack, do not override them)."""
        prefix = "GENOLAKE_"
        values: dict[str, Any] = {
            key.removeprefix(prefix).lower(): value for key, value in self.env().items()
        }
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]  # pydantic-settings' init-only kwarg

    def process_env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("GENOLAKE_")}
        env.update(self.env())
        env[ENV_FILE_VARIABLE] = str(self.env_file)
        env["DAGSTER_HOME"] = str(self.dagster_home)
        env["AWS_REQUEST_CHECKSUM_CALCULATION"] = "when_required"
        env["AWS_RESPONSE_CHECKSUM_VALIDATION"] = "when_required"
        return env

    def _write_dagster_files(self) -> Path:
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(
            self.project_root / "services" / "dagster" / "dagster.native.yaml",
            self.dagster_home / "dagster.yaml",
        )
        workspace = self.root / "workspace.yaml"
        workspace.write_text(
            "load_from:\n"
            "  - grpc_server:\n"
            "      host: 127.0.0.1\n"
            f"      port: {self.ports.code_server}\n"
            "      location_name: genolake\n"
        )
        return workspace

    # --- services --------------------------------------------------------------------------

    def _venv_bin(self, name: str) -> str:
        path = Path(sys.executable).parent / name
        return str(path) if path.exists() else name

    def services(self) -> list[Service]:
        env = self.env()
        # Dagster's processes reach Postgres through pgbouncer: its storage opens a connection per
        # operation, and a pooled connection costs Postgres no backend start (see _pgbouncer_ini).
        pooled = {"GENOLAKE_PG_PORT": str(self.ports.pgbouncer)}
        workspace = self.root / "workspace.yaml"
        minio_env = {
            "MINIO_ROOT_USER": env["GENOLAKE_S3_ACCESS_KEY"],
            "MINIO_ROOT_PASSWORD": env["GENOLAKE_S3_SECRET_KEY"],
            "MINIO_BROWSER": "on",
            "MINIO_UPDATE": "off",
        }
        p = self.ports
        return [
            Service(
                "minio",
                [
                    _find_binary("minio", self.bin_dir),
                    "server",
                    str(self.root / "minio"),
                    "--quiet",
                    "--address",
                    f"127.0.0.1:{p.minio}",
                    "--console-address",
                    f"127.0.0.1:{p.minio_console}",
                ],
                ready=lambda: _http_ok(f"http://127.0.0.1:{p.minio}/minio/health/ready"),
                extra_env=minio_env,
            ),
            Service(
                "ferretdb",
                [
                    _find_binary("ferretdb", self.bin_dir),
                    "--handler=postgresql",
                    f"--postgresql-url=postgres://postgres@127.0.0.1:{p.postgres}/{FERRETDB_DATABASE}",
                    f"--state-dir={self.root / 'ferretdb-state'}",
                    f"--listen-addr=127.0.0.1:{p.mongo}",
                    f"--debug-addr=127.0.0.1:{p.mongo_debug}",
                    "--telemetry=disable",
                    "--log-level=WARN",
                ],
                ready=lambda: _port_open(p.mongo),
            ),
            Service(
                "pgbouncer",
                self._as_postgres([_find_binary("pgbouncer", self.bin_dir), str(self._pgbouncer_ini())]),
                ready=lambda: _port_open(p.pgbouncer),
            ),
            Service(
                "code-server",
                [  # Dagster's gRPC server with run workers forked warm (genolake_dagster.codeserver)
                    sys.executable,
                    "-m",
                    "genolake_dagster.codeserver",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(p.code_server),
                    "-m",
                    "genolake_dagster.definitions",
                    "--location-name",
                    "genolake",
                ],
                ready=lambda: _port_open(p.code_server),
                timeout=180,
                extra_env=pooled,
            ),
            Service(
                "daemon",
                [self._venv_bin("dagster-daemon"), "run", "-w", str(workspace)],
                ready=lambda: True,
                extra_env=pooled,
            ),
            Service(
                "webserver",
                [
                    self._venv_bin("dagster-webserver"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(p.webserver),
                    "-w",
                    str(workspace),
                ],
                ready=lambda: _http_ok(f"http://127.0.0.1:{p.webserver}/server_info"),
                timeout=180,
                extra_env=pooled,
            ),
            Service(
                "api",
                [
                    self._venv_bin("uvicorn"),
                    "genolake_api.main:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(p.api),
                    "--workers",
                    "2",
                    "--log-level",
                    "warning",
                ],  # 2 workers: tail latency under polling (bench_api)
                ready=lambda: _http_ok(f"http://127.0.0.1:{p.api}/health"),
                timeout=180,  # two workers importing the app: over 90 s on a loaded 2-core machine
            ),
        ]

    # --- postgres (managed by pg_ctl, not by pid files) ------------------------------------

    def _as_postgres(self, argv: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv

    def pg_base(self) -> Path:
        """Folder of the Postgres cluster, its socket and log.

        `{root}/pg` normally. As root, Postgres runs as the `postgres` user, which must be able to
        reach that folder; when an ancestor of the root is private (a 0700 temporary folder), the
        cluster lives in /var/tmp/genolake-pg/<hash of root> instead, and `status` says so.
        """
        inside = self.root / "pg"
        if os.geteuid() != 0:
            return inside
        self.root.mkdir(parents=True, exist_ok=True)
        reachable = (
            subprocess.run(
                ["runuser", "-u", "postgres", "--", "test", "-x", str(self.root)], check=False
            ).returncode
            == 0
        )
        if reachable:
            return inside
        digest = hashlib.sha256(str(self.root).encode()).hexdigest()[:12]
        return Path("/var/tmp/genolake-pg") / digest

    def _pgbouncer_ini(self) -> Path:
        """pgbouncer's configuration, beside the Postgres cluster (readable by its user when root).

        Session pooling: a client keeps one server connection for as long as it is connected (LISTEN,
        which Dagster's event watcher uses, keeps working) and the server connection is reset
        (DISCARD ALL) and reused by the next client instead of a new backend being started. Trust
        authentication, like the cluster itself: both listen on 127.0.0.1 only.
        """
        folder = self.pg_base() / "pgbouncer"
        ini = folder / "pgbouncer.ini"
        users = folder / "userlist.txt"
        settings_user = self.env()["GENOLAKE_PG_USER"]
        text = (
            "[databases]\n"
            f"* = host=127.0.0.1 port={self.ports.postgres}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.ports.pgbouncer}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {users}\n"
            "pool_mode = session\n"
            "max_client_conn = 400\n"
            "default_pool_size = 60\n"
            "server_reset_query = DISCARD ALL\n"
            "server_idle_timeout = 300\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
            "log_connections = 0\n"
            "log_disconnections = 0\n"
        )
        if not ini.is_file() or ini.read_text() != text:
            folder.mkdir(parents=True, exist_ok=True)
            users.write_text(f'"{settings_user}" ""\n"postgres" ""\n')
            ini.write_text(text)
            if os.geteuid() == 0:
                for path in (folder, ini, users):
                    shutil.chown(path, "postgres", "postgres")
        return ini

    def _postgres_up(self) -> None:
        pg_bin = _pg_bin()
        base = self.pg_base()
        data, socket_dir = base / "data", base / "sock"
        for path in (base, socket_dir):
            path.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(path, "postgres", "postgres")
        if not (data / "PG_VERSION").is_file():
            data.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                shutil.chown(data, "postgres", "postgres")
            self._run(
                self._as_postgres(
                    [
                        str(pg_bin / "initdb"),
                        "-D",
                        str(data),
                        "-U",
                        "postgres",
                        "--auth=trust",
                        "-E",
                        "UTF8",
                        "--no-instructions",
                    ]
                ),
                "postgres initdb",
            )
        if _port_open(self.ports.postgres):
            return
        options = (
            f"-p {self.ports.postgres} -k {socket_dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        )
        self._run(
            self._as_postgres(
                [
                    str(pg_bin / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(base / "postgres.log"),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            ),
            "postgres",
        )

    def _admin_dsn(self) -> str:
        return f"host=127.0.0.1 port={self.ports.postgres} user=postgres dbname=postgres"

    def _ensure_ferretdb_database(self) -> None:
        """FerretDB keeps its documents in this Postgres database (its PostgreSQL backend)."""
        import psycopg2

        conn = psycopg2.connect(self._admin_dsn())
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (FERRETDB_DATABASE,))
                if cur.fetchone() is None:
                    cur.execute(f"CREATE DATABASE {FERRETDB_DATABASE}")
        finally:
            conn.close()

    def _postgres_down(self) -> None:
        data = self.pg_base() / "data"
        if (data / "postmaster.pid").is_file():
            subprocess.run(
                self._as_postgres([str(_pg_bin() / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                check=False,
                capture_output=True,
            )

    @staticmethod
    def _run(argv: list[str], name: str) -> None:
        result = subprocess.run(argv, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise StackError(
                f"{name} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}"
            )

    # --- process control -------------------------------------------------------------------

    def _pid(self, name: str) -> int | None:
        pid_file = self.pids / f"{name}.pid"
        if not pid_file.is_file():
            return None
        pid = int(pid_file.read_text())
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            pid_file.unlink(missing_ok=True)
            return None
        return pid

    def _start(self, service: Service, env: dict[str, str]) -> None:
        if self._pid(service.name) is not None:
            return
        self.logs.mkdir(parents=True, exist_ok=True)
        self.pids.mkdir(parents=True, exist_ok=True)
        log = (self.logs / f"{service.name}.log").open("ab")
        process = subprocess.Popen(
            service.argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**env, **service.extra_env},
            cwd=self.root,
            start_new_session=True,
        )
        (self.pids / f"{service.name}.pid").write_text(str(process.pid))
        deadline = time.monotonic() + service.timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise StackError(
                    f"{service.name} exited with {process.returncode}; "
                    f"see {self.logs / (service.name + '.log')}"
                )
            if service.ready():
                return
            time.sleep(0.3)
        raise StackError(
            f"{service.name} not ready after {service.timeout:.0f}s; "
            f"see {self.logs / (service.name + '.log')}"
        )

    def _stop(self, name: str, grace: float = 15.0) -> None:
        pid = self._pid(name)
        if pid is None:
            return
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and self._alive(pid):
                time.sleep(0.2)
            if not self._alive(pid):
                break
        (self.pids / f"{name}.pid").unlink(missing_ok=True)

    @staticmethod
    def _alive(pid: int) -> bool:
        try:
            waited, _ = os.waitpid(pid, os.WNOHANG)
            if waited == pid:
                return False
        except ChildProcessError:
            pass
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    # --- public ----------------------------------------------------------------------------

    def up_storage(self) -> BootstrapReport:
        """Start Postgres, MinIO and FerretDB (idempotent) and bootstrap buckets, indexes, Dagster's DB."""
        env = self.process_env()
        for folder in ("minio", "ferretdb-state"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        self._write_dagster_files()
        self._postgres_up()
        self._ensure_ferretdb_database()
        for service in self.services():  # storage first
            if service.name in STORAGE_SERVICES:
                self._start(service, env)
        from genolake_core.bootstrap import bootstrap  # boto3, pymongo: only when the stack starts

        return bootstrap(self.settings(), admin_dsn=self._admin_dsn())

    def up(self, *, allow_incomplete: bool = False) -> BootstrapReport:
        """Start every service (those already running are left alone) and bootstrap state.

        Refuses a root that a restore left incomplete (`RESTORE_INCOMPLETE`): it would run pipelines
        on half of a platform's state.
        """
        marker = self.root / INCOMPLETE_MARKER
        if marker.is_file() and not allow_incomplete:
            raise StackError(f"{self.root} holds an incomplete restore: {marker.read_text().strip()}")
        report = self.up_storage()
        env = self.process_env()
        for service in self.services():
            if service.name not in STORAGE_SERVICES:
                self._start(service, env)
        return report

    def down(self) -> None:
        for service in reversed(self.services()):
            self._stop(service.name)
        self._postgres_down()

    def service_names(self) -> list[str]:
        return [service.name for service in self.services()]

    def pid(self, name: str) -> int | None:
        """Pid of a running service (the leader of its process group), None if it is not running."""
        return self._pid(name)

    def kill(self, name: str, sig: signal.Signals = signal.SIGKILL) -> None:
        """Send `sig` to a service's whole process group (its children too: a code server's run workers)
        and forget its pid; `start` brings it back. Fault tests use it."""
        pid = self._pid(name)
        if pid is None:
            return
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self._alive(pid):
            time.sleep(0.1)
        (self.pids / f"{name}.pid").unlink(missing_ok=True)

    def start(self, name: str) -> None:
        """Start one service (after `kill`), waiting until it is ready."""
        [service] = [service for service in self.services() if service.name == name]
        self._start(service, self.process_env())

    def stop_postgres(self) -> None:
        """Stop Postgres (fast shutdown: its clients are disconnected); `start_postgres` restarts it."""
        self._postgres_down()

    def start_postgres(self) -> None:
        self._postgres_up()

    def status(self) -> dict[str, str]:
        state = "up" if _port_open(self.ports.postgres) else "down"
        result = {"postgres": f"{state} ({self.pg_base()})"} if state == "up" else {"postgres": state}
        for service in self.services():
            pid = self._pid(service.name)
            result[service.name] = (
                "down" if pid is None else ("up" if service.ready() else f"starting (pid {pid})")
            )
        return result
