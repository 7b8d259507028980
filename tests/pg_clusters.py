"""A PostgreSQL primary with a synchronous streaming standby, made for one test in a
temporary folder with initdb/pg_ctl on ports of its own, and torn down after.

initdb refuses to run as root: as root (CI), the clusters run as the `postgres` OS user
(runuser), in a folder that user owns. Never touches the shared server on 5432.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

STANDBY_NAME = "standby1"


def postgres_bin() -> Path | None:
    """The folder of initdb/pg_ctl/pg_basebackup (Debian keeps them off PATH)."""
    tools = ("initdb", "pg_ctl", "pg_basebackup", "psql")
    candidates = [Path(found).parent for found in [shutil.which("initdb")] if found]
    candidates += [path.parent for path in
                   sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)]
    for folder in candidates:
        if all((folder / tool).exists() for tool in tools):
            return folder
    return None


def why_not() -> str | None:
    """None if the clusters can be made here, else the reason."""
    if postgres_bin() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` user to run initdb as"
        if shutil.which("runuser") is None:
            return "running as root without runuser"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Pair:
    folder: Path
    primary_port: int
    standby_port: int
    started: list[Path] = field(default_factory=list)  # stopped when the test ends

    @property
    def primary(self) -> Path:
        return self.folder / "primary"

    @property
    def standby(self) -> Path:
        return self.folder / "standby"

    def url(self, *ports: int, extra: str = "") -> str:
        hosts = ",".join(f"127.0.0.1:{port}" for port in ports)
        query = "connect_timeout=3" + (f"&{extra}" if extra else "")
        return f"postgresql://postgres@{hosts}/postgres?{query}"

    @property
    def multi_host_url(self) -> str:
        """What the terminals use: both servers, the one that takes writes wins."""
        return self.url(self.primary_port, self.standby_port,
                        extra="target_session_attrs=read-write")

    def kill_primary(self) -> None:
        """SIGKILL to the primary's postmaster and every process it started, at once:
        no shutdown, no checkpoint, connections cut mid-statement."""
        pid = int((self.primary / "postmaster.pid").read_text().split()[0])
        victims = [pid] + _children(pid)
        for victim in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)

    def restart_primary(self) -> None:
        """A fast shutdown (connections cut, as a server's restart does) and a start."""
        _run(self, "pg_ctl", "restart", "-w", "-t", "60", "-m", "fast", "-D",
             str(self.primary), "-l", str(self.folder / "primary.log"))

    def promote_standby(self) -> None:
        _run(self, "pg_ctl", "promote", "-w", "-t", "60", "-D", str(self.standby))

    def sync_state(self, port: int | None = None, name: str = STANDBY_NAME) -> str:
        return _psql(self, port or self.primary_port,
                     f"SELECT sync_state FROM pg_stat_replication "
                     f"WHERE application_name = '{name}'").strip()

    def attach_standby(self, name: str) -> int:
        """A new synchronous standby of the promoted standby, attached the way
        docs/scaling.md says (scripts/attach-standby.sh); returns its port."""
        port = free_port()
        script = Path(__file__).resolve().parent.parent / "scripts" / "attach-standby.sh"
        done = subprocess.run(_as_owner(self, [
            "bash", str(script), "--primary",
            f"host=127.0.0.1 port={self.standby_port} user=postgres", "--data",
            str(self.folder / name), "--name", name, "--port", str(port), "--bin",
            str(postgres_bin()), "--timeout", "120"]),
            capture_output=True, text=True, cwd=self.folder, timeout=300)
        if (self.folder / name / "postmaster.pid").exists():
            self.started.append(self.folder / name)
        if done.returncode != 0:
            raise RuntimeError(f"attach-standby.sh failed: {done.stderr[-1500:]}"
                               f"{done.stdout[-500:]}")
        return port

    def query(self, port: int, text: str) -> str:
        return _psql(self, port, text).strip()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _as_owner(pair_or_folder, command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + command
    return command


def _run(pair: Pair, tool: str, *args: str, check: bool = True) -> str:
    command = _as_owner(pair, [str(postgres_bin() / tool), *args])
    done = subprocess.run(command, capture_output=True, text=True, cwd=pair.folder,
                          timeout=120)
    if check and done.returncode != 0:
        raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr[-1500:]}"
                           f"{done.stdout[-500:]}")
    return done.stdout


def _psql(pair: Pair, port: int, query: str) -> str:
    return _run(pair, "psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d",
                "postgres", "-Atc", query, check=False)


@contextlib.contextmanager
def _cluster_folder():
    """A Pair's folder, owned by the user the clusters run as; every cluster started in
    it is stopped and the folder removed when the test ends."""
    folder = Path(tempfile.mkdtemp(prefix="kiosk-failover-"))
    folder.chmod(0o755)
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    pair = Pair(folder, free_port(), free_port())
    try:
        yield pair
    finally:
        for data in pair.started:
            _run(pair, "pg_ctl", "stop", "-m", "immediate", "-D", str(data), check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _start_primary(pair: Pair, settings: str = "") -> None:
    _run(pair, "initdb", "-D", str(pair.primary), "-U", "postgres", "--auth=trust",
         "-E", "UTF8", "--no-sync")
    with open(pair.primary / "postgresql.conf", "a") as conf:
        conf.write(f"""
port = {pair.primary_port}
listen_addresses = '127.0.0.1'
unix_socket_directories = '{pair.folder}'
max_connections = 60
shared_buffers = 32MB
{settings}""")
    _start(pair, pair.primary, pair.started)


@contextlib.contextmanager
def lone_server():
    """Yields a Pair of which only the primary runs: a server of the test's own, which it
    may restart (Pair.restart_primary) without touching anyone else's connections."""
    with _cluster_folder() as pair:
        _start_primary(pair)
        yield pair


@contextlib.contextmanager
def primary_and_standby():
    """Yields a Pair: the primary streaming to a synchronous standby (synchronous_commit
    on: a commit returns only once the standby has the WAL on disk)."""
    with _cluster_folder() as pair:
        _start_primary(pair, f"""wal_level = replica
max_wal_senders = 4
wal_keep_size = 256MB
synchronous_standby_names = '{STANDBY_NAME}'
synchronous_commit = on
fsync = on
""")
        _run(pair, "pg_basebackup", "-h", "127.0.0.1", "-p", str(pair.primary_port), "-U",
             "postgres", "-D", str(pair.standby), "-X", "stream", "-R", "--no-sync",
             "--checkpoint=fast")
        with open(pair.standby / "postgresql.conf", "a") as conf:
            conf.write(f"""
port = {pair.standby_port}
hot_standby = on
# Promoted, it has no standby of its own to wait for (until one is attached): as a
# failover manager does without a strict synchronous mode.
synchronous_standby_names = ''
""")
        # After pg_basebackup -R's own line (the last one read wins), with the name the
        # primary's synchronous_standby_names waits for.
        with open(pair.standby / "postgresql.auto.conf", "a") as conf:
            conf.write(f"primary_conninfo = 'host=127.0.0.1 port={pair.primary_port} "
                       f"user=postgres application_name={STANDBY_NAME}'\n")
        _start(pair, pair.standby, pair.started)
        deadline = time.monotonic() + 60
        while pair.sync_state() != "sync":
            if time.monotonic() > deadline:
                raise RuntimeError("the standby never became synchronous")
            time.sleep(0.2)
        yield pair


def _start(pair: Pair, data: Path, started: list[Path]) -> None:
    _run(pair, "pg_ctl", "start", "-w", "-t", "60", "-D", str(data), "-l",
         str(pair.folder / f"{data.name}.log"))
    started.append(data)
