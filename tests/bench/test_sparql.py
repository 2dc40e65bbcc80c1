"""The SPARQL benchmark's HTTP client reads each way a server frames a response."""

from __future__ import annotations

import hashlib
import importlib.util
import socket
import sys
import struct
import threading
import time
from pathlib import Path
from urllib.request import parse_http_list, parse_keqv_list

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))  # the benchmark imports its generator by name
_spec = importlib.util.spec_from_file_location("bench_sparql", BENCH / "sparql.py")
bench = importlib.util.module_from_spec(_spec)
# dataclasses look the module up in sys.modules while they build the classes.
sys.modules[_spec.name] = bench
_spec.loader.exec_module(bench)

BODY = b'{"head":{"vars":["n"]},"results":{"bindings":[]}}'
REALM, NONCE, USER, PASSWORD = "bench", "f00d", "dba", "secret"


class RawServer:
    """A server on 127.0.0.1 that responds to each request as its path selects.

    - `/length`: a body with Content-Length, the connection kept;
    - `/chunked`: the body in three chunks, then a trailer field;
    - `/to-end`: the body without length, then the connection closed;
    - `/once`: a body with Content-Length, then the connection closed without
      saying so, as a server does when its keep-alive delay has passed;
    - `/digest`: 401 with a digest challenge, 200 to a correct response to it;
    - `/no-content`: 204 without a body or a length, the connection kept;
    - `/interim`: 100 Continue, then the body with Content-Length;
    - `/split`: the head in two writes, apart in time, then the body;
    - `/close-field`: a body with Content-Length and `Connection: keep-alive, close`;
    - `/reset`: a body with Content-Length, then a reset of the connection;
    - `/cut-first`: on the first connection, 10 bytes of a body of 100, then a
      close; on the others, the body;
    - `/silent`: the connection closed before any response.
    """

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            serving = threading.Thread(target=self._serve, args=(connection,))
            serving.daemon = True
            serving.start()

    def _serve(self, connection: socket.socket) -> None:
        reader = connection.makefile("rb")
        with connection, reader:
            while True:
                line = reader.readline()
                if not line:
                    return
                path = line.split()[1].decode()
                fields = {}
                while (header := reader.readline()) not in (b"\r\n", b""):
                    name, _, value = header.decode("latin-1").partition(":")
                    fields[name.strip().lower()] = value.strip()
                body = reader.read(int(fields.get("content-length", "0")))
                self.requests.append((path, fields, body))
                if not self._respond(connection, path, fields):
                    return

    def _respond(self, connection: socket.socket, path: str, fields: dict) -> bool:
        """Send the response; return whether the connection stays open."""
        whole = f"HTTP/1.1 200 OK\r\nContent-Length: {len(BODY)}\r\n\r\n".encode()
        if path == "/length":
            connection.sendall(whole + BODY)
            return True
        if path == "/chunked":
            parts = [BODY[:10], BODY[10:11], BODY[11:]]
            chunks = b"".join(b"%x;note=1\r\n%s\r\n" % (len(p), p) for p in parts)
            head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            connection.sendall(head + chunks + b"0\r\nX-Trailer: done\r\n\r\n")
            return True
        if path == "/to-end":
            connection.sendall(b"HTTP/1.1 200 OK\r\n\r\n" + BODY)
            return False
        if path == "/once":
            connection.sendall(whole + BODY)
            return False
        if path == "/no-content":
            connection.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
            return True
        if path == "/interim":
            connection.sendall(b"HTTP/1.1 100 Continue\r\n\r\n" + whole + BODY)
            return True
        if path == "/split":
            connection.sendall(whole[:20])
            time.sleep(0.05)
            connection.sendall(whole[20:] + BODY)
            return True
        if path == "/close-field":
            close = b"Connection: keep-alive, close\r\n"
            connection.sendall(whole[:-2] + close + b"\r\n" + BODY)
            return False
        if path == "/reset":
            connection.sendall(whole + BODY)
            time.sleep(0.05)
            # A zero linger time makes close send a reset instead of a FIN.
            linger = struct.pack("ii", 1, 0)
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            return False
        if path == "/cut-first" and self.connections == 1:
            head = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
            connection.sendall(head + BODY[:10])
            return False
        if path == "/cut-first":
            connection.sendall(whole + BODY)
            return True
        if path == "/silent":
            return False
        if path == "/digest" and _right_digest(fields.get("authorization", "")):
            connection.sendall(whole + BODY)
            return True
        challenge = f'Digest realm="{REALM}", nonce="{NONCE}", qop="auth"'
        head = f"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: {challenge}\r\n"
        connection.sendall(head.encode() + b"Content-Length: 6\r\n\r\ndenied")
        return True

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        # shutdown wakes the thread blocked in accept; close alone would not.
        self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()


def _right_digest(header: str) -> bool:
    scheme, _, parameters = header.partition(" ")
    if scheme != "Digest":
        return False
    fields = parse_keqv_list(parse_http_list(parameters))

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    secret = md5(f"{USER}:{REALM}:{PASSWORD}")
    target = md5(f"POST:{fields['uri']}")
    parts = (NONCE, fields["nc"], fields["cnonce"], "auth", target)
    return fields["response"] == md5(secret + ":" + ":".join(parts))


@pytest.fixture
def server():
    running = RawServer()
    yield running
    if running.listener.fileno() != -1:
        running.close()


def post(connection, text: str = "ASK {}") -> tuple[int, bytes]:
    return connection.post(text.encode(), {"Content-Type": "application/sparql-query"})


@pytest.mark.parametrize("path", ["/length", "/chunked", "/to-end", "/once"])
def test_reads_each_framing_twice(server, path):
    connection = bench.KeptConnection(server.url(path))
    try:
        assert post(connection) == (200, BODY)
        assert post(connection, "SELECT * {}") == (200, BODY)
    finally:
        connection.close()
    sent = [(p, f["content-length"], b) for p, f, b in server.requests]
    assert sent == [(path, "6", b"ASK {}"), (path, "11", b"SELECT * {}")]


@pytest.mark.parametrize(("path", "connections"), [("/length", 1), ("/chunked", 1)])
def test_keeps_the_connection(server, path, connections):
    connection = bench.KeptConnection(server.url(path))
    try:
        for _ in range(3):
            assert post(connection) == (200, BODY)
    finally:
        connection.close()
    assert server.connections == connections


def test_opens_again_after_close(server):
    connection = bench.KeptConnection(server.url("/once"))
    try:
        for _ in range(3):
            assert post(connection) == (200, BODY)
    finally:
        connection.close()
    assert server.connections == 3


def test_answers_a_digest_challenge(server):
    connection = bench.KeptConnection(server.url("/digest"), digest=(USER, PASSWORD))
    try:
        assert post(connection) == (200, BODY)
        assert post(connection) == (200, BODY)
    finally:
        connection.close()
    authorizations = [f.get("authorization", "") for _, f, _ in server.requests]
    assert authorizations[0] == ""
    assert all(a.startswith("Digest ") for a in authorizations[1:])
    assert len(authorizations) == 3  # one response to the challenge, then its reuse


def test_returns_401_without_credentials(server):
    connection = bench.KeptConnection(server.url("/digest"))
    try:
        assert post(connection) == (401, b"denied")
    finally:
        connection.close()


def test_raises_when_the_server_is_gone(server):
    connection = bench.KeptConnection(server.url("/length"))
    server.close()
    with pytest.raises(ConnectionError):
        post(connection)


@pytest.mark.parametrize("path", ["/no-content", "/interim", "/split"])
def test_reads_bodyless_interim_and_split(server, path):
    connection = bench.KeptConnection(server.url(path))
    expected = (204, b"") if path == "/no-content" else (200, BODY)
    try:
        started = time.monotonic()
        for _ in range(2):
            assert post(connection) == expected
        # A body read until the close would wait for the socket's timeout.
        assert time.monotonic() - started < 2
    finally:
        connection.close()
    assert server.connections == 1


@pytest.mark.parametrize("path", ["/close-field", "/reset"])
def test_opens_again_after_close_or_reset(server, path):
    connection = bench.KeptConnection(server.url(path))
    try:
        for _ in range(2):
            assert post(connection) == (200, BODY)
            time.sleep(0.1)
    finally:
        connection.close()
    assert server.connections == 2


def test_response_cut_short_raises_then_recovers(server):
    connection = bench.KeptConnection(server.url("/cut-first"))
    try:
        with pytest.raises(ConnectionError):
            post(connection)
        assert post(connection) == (200, BODY)
    finally:
        connection.close()
    assert server.connections == 2


def test_gives_up_after_second_close(server):
    connection = bench.KeptConnection(server.url("/silent"))
    with pytest.raises(ConnectionError, match="closed"):
        post(connection)
    assert server.connections == 2
