"""A throwaway PostgreSQL cluster for the vote tests: initdb and pg_ctl into a temporary folder, on a
free loopback port (and a socket in that folder), trust authentication, removed afterwards.

Debian installs the binaries outside PATH (/usr/lib/postgresql/<version>/bin); `.ci/run` installs
Debian's postgresql. Without them the tests skip, saying what to install, except under CI=true,
where they fail. initdb refuses to run as root (CI runs as root): then the cluster runs as the
`postgres` user Debian's package creates, through runuser, in a folder it owns.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

INSTALL = "apt-get install -y postgresql"


def _skip_or_fail(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


def binaries() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[-3]))
    return Path(versions[-1]).parent if versions else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """One PostgreSQL server in a folder of its own: start, stop, restart (fast or immediate), url."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.as_user: list[str] = []
        self.folder = Path(tempfile.mkdtemp(prefix="votes-pg-"))
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                _skip_or_fail(f"running as root, and there is no postgres user to run PostgreSQL as: {INSTALL}")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync",
                  "--locale=C")
        self.start()

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_user, str(self.bin / program), *args], capture_output=True, text=True,
                              check=check, timeout=60, cwd=self.folder)

    def start(self) -> None:
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.folder} "
                   "-c max_connections=200 -c shared_buffers=32MB")
        done = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "30",
                         "start", check=False)
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {done.stderr}\n{self.server_log()}")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self, mode: str = "fast", down_seconds: float = 0) -> None:
        self.stop(mode)
        time.sleep(down_seconds)
        self.start()

    def server_log(self) -> str:
        try:
            return self.log.read_text()[-3000:]
        except OSError:
            return ""

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def cluster_or_skip() -> Cluster:
    found = binaries()
    if found is None:
        _skip_or_fail(f"PostgreSQL's binaries (initdb, pg_ctl) are missing: {INSTALL}")
    return Cluster(found)
