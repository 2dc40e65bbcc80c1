"""Start a Virtuoso server of maillage's own, for the remote store tests and benchmarks.

The server runs Debian's `virtuoso-t` (package `virtuoso-opensource`, 7.2.5) with a
configuration written here. The database lives in the given folder, and the SQL and
HTTP ports listen on 127.0.0.1 only. The features that reach out (zero-config
announcements, replication, the HTTP proxy, plugins) stay off.

maillage connects as the account `maillage`, with digest authentication on
`/sparql-auth` and `/sparql-graph-crud-auth`. The account holds SPARQL_UPDATE, which
Virtuoso requires for updates, so it may also read and write every graph. Virtuoso's
own graphs (its mapping schema and two small service graphs) become private, so that
maillage's account sees only maillage's graphs, and the anonymous `/sparql` endpoint
reads nothing.
"""

from __future__ import annotations

import logging
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

logger = logging.getLogger(__name__)

VIRTUOSO = Path("/usr/bin/virtuoso-t")
ISQL = Path("/usr/bin/isql-vt")
USER = "maillage"
_PRIVATE_GROUP = "http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs"
# The graphs a new database of Virtuoso 7.2.5 contains before any data is loaded.
SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
)
_START_TIMEOUT = 120.0
_STOP_TIMEOUT = 60.0

_INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = {folder}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty_buffers}
AllowOSCalls = 0

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
EnabledDavVSP = 0
HTTPProxyEnabled = 0
ServerThreads = 10

[Replication]
ServerEnable = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""
# MaxQueryCostEstimationTime stays unset: when it is set, Virtuoso's endpoint compiles
# each INSERT DATA into SQL text, which passes its limit of 10,000 lines at about 4,000
# triples.


@dataclass(frozen=True)
class VirtuosoServer:
    """A running server: its HTTP root, its SQL port, its process and the password.

    `password` is the password of maillage's account and of dba alike.
    """

    http_url: str
    sql_port: int
    password: str
    pid: int

    @property
    def sparql_url(self) -> str:
        """Return the SPARQL endpoint that takes digest authentication."""
        return f"{self.http_url}/sparql-auth"

    @property
    def graph_store_url(self) -> str:
        """Return the Graph Store Protocol endpoint that takes digest authentication."""
        return f"{self.http_url}/sparql-graph-crud-auth"

    def auth(self) -> httpx.DigestAuth:
        return httpx.DigestAuth(USER, self.password)


def is_installed() -> bool:
    return VIRTUOSO.is_file() and ISQL.is_file()


@contextmanager
def running_virtuoso(
    folder: Path, *, buffers: int = 10_000
) -> Iterator[VirtuosoServer]:
    """Start Virtuoso on a new database in `folder`, set it up, and stop it on exit.

    `buffers` is Virtuoso's NumberOfBuffers, 8 KiB pages of cache. The server is
    stopped by its process id, on success and on failure alike.
    """
    folder.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = _free_port(), _free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(
        _INI.format(
            folder=folder,
            sql_port=sql_port,
            http_port=http_port,
            buffers=buffers,
            dirty_buffers=buffers * 3 // 4,
        )
    )
    log = (folder / "virtuoso.out").open("wb")
    process = subprocess.Popen(
        [str(VIRTUOSO), "+foreground", "+configfile", str(ini)],
        cwd=folder,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        http_url = f"http://127.0.0.1:{http_port}"
        _wait_until_ready(process, http_url, folder)
        # Letters and digits only, because SET PASSWORD takes it unquoted.
        password = "m" + secrets.token_hex(16)
        _set_up(sql_port, password)
        logger.info("Virtuoso %d ready at %s", process.pid, http_url)
        yield VirtuosoServer(http_url, sql_port, password, process.pid)
    finally:
        _stop(process)
        log.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_ready(process: subprocess.Popen, http_url: str, folder: Path) -> None:
    """Poll the anonymous endpoint until it responds; raise with the log if it exits."""
    deadline = time.monotonic() + _START_TIMEOUT
    with httpx.Client(timeout=5, trust_env=False) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited: {_log_tail(folder)}")
            try:
                answer = client.get(f"{http_url}/sparql", params={"query": "ASK {}"})
                if answer.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
    raise RuntimeError(
        f"virtuoso-t did not answer in {_START_TIMEOUT} s: {_log_tail(folder)}"
    )


def _set_up(sql_port: int, password: str) -> None:
    """Create maillage's account, hide Virtuoso's graphs, give dba the same password."""
    private = "".join(
        f"DB.DBA.RDF_GRAPH_GROUP_INS ('{_PRIVATE_GROUP}', '{graph}');\n"
        for graph in SYSTEM_GRAPHS
    )
    script = (
        f"DB.DBA.USER_CREATE ('{USER}', '{password}');\n"
        f'GRANT SPARQL_UPDATE TO "{USER}";\n'
        f"DB.DBA.RDF_GRAPH_GROUP_CREATE ('{_PRIVATE_GROUP}', 1);\n"
        f"{private}"
        # Permission bits: 1 read, 2 write. The third argument 1 sets the rights on
        # private graphs, 0 on the others.
        "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 0, 1);\n"
        f"DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('{USER}', 0, 1);\n"
        f"DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('{USER}', 3, 0);\n"
        "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 0, 0);\n"
        # SET PASSWORD takes the old password, then the new one.
        f"SET PASSWORD dba {password};\n"
    )
    run_isql(sql_port, "dba", script)


def run_isql(sql_port: int, password: str, script: str) -> str:
    """Run SQL statements as dba with `isql-vt`; raise with its output on an error."""
    done = subprocess.run(
        [str(ISQL), f"127.0.0.1:{sql_port}", "dba", password],
        input=script,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0 or "*** Error" in done.stdout:
        raise RuntimeError(f"isql-vt failed: {done.stdout[-2000:]}{done.stderr[-500:]}")
    return done.stdout


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        logger.warning("Virtuoso %d did not stop; killing it", process.pid)
        process.kill()
        process.wait()


def _log_tail(folder: Path) -> str:
    log = folder / "virtuoso.out"
    return log.read_text(errors="replace")[-2000:] if log.exists() else "no log"
