"""Shared fixtures and helpers for ferrite's integration tests.

The suite starts the real server binary on a free loopback port and talks to it with
real clients (redis-py, redis-cli, raw sockets).  Point it at Debian's Redis with
``FERRITE_SERVER=/usr/bin/redis-server``: every test not marked ``ferrite_only`` must pass
there too, because Redis 7.0's behaviour is the contract.

Markers:
  ferrite_only  behaviour Redis does not have (io-model, FD_SETSIZE refusal...);
                skipped when the binary is redis-server.
"""

import ctypes
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis

REPO = Path(__file__).resolve().parents[2]
SERVER_BIN = os.environ.get("FERRITE_SERVER") or str(REPO / "build" / "ferrite-server")
IS_REDIS = "redis-server" in os.path.basename(SERVER_BIN)
REDIS_CLI = os.environ.get("REDIS_CLI", "/usr/bin/redis-cli")

START_DEADLINE = 10.0
STOP_DEADLINE = 10.0

_live_servers = []


# ---------------------------------------------------------------------------
# pytest hooks
# ---------------------------------------------------------------------------

def pytest_configure(config):
    config.addinivalue_line(
        "markers", "ferrite_only: ferrite-specific behaviour, skipped against redis-server")


def pytest_report_header(config):
    mode = "redis" if IS_REDIS else "ferrite"
    return f"integration server: {SERVER_BIN} ({mode} mode)"


def pytest_collection_modifyitems(config, items):
    skip_ferrite = pytest.mark.skip(reason="ferrite-only behaviour; binary is redis-server")
    for item in items:
        if IS_REDIS and "ferrite_only" in item.keywords:
            item.add_marker(skip_ferrite)


def pytest_sessionfinish(session, exitstatus):
    # Belt and braces: no server may outlive the test session.
    for srv in list(_live_servers):
        srv.stop()


# ---------------------------------------------------------------------------
# RESP over a raw socket
# ---------------------------------------------------------------------------

class Incomplete(Exception):
    """The buffer does not yet hold a whole reply."""


class ConnectionClosed(Exception):
    """The server closed the connection."""


class RespError(bytes):
    """An error reply ('-...'); the bytes are the message without '-' and CRLF."""


class RespSet(list):
    """A RESP3 set reply ('~')."""


class RespPush(list):
    """A RESP3 push reply ('>')."""


def encode_command(*args):
    """Encode arguments as a RESP multibulk request."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def _line(buf, pos):
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise Incomplete
    return buf[pos:end], end + 2


def parse_reply(buf, pos=0):
    """Parse one RESP2/RESP3 reply at buf[pos:]; return (value, end position)."""
    if pos >= len(buf):
        raise Incomplete
    kind = buf[pos:pos + 1]
    line, pos = _line(buf, pos + 1)
    if kind == b"+":
        return line, pos
    if kind == b"-":
        return RespError(line), pos
    if kind in (b":", b"("):
        return int(line), pos
    if kind == b"_":
        return None, pos
    if kind == b",":
        return float(line), pos
    if kind == b"#":
        return line == b"t", pos
    if kind in (b"$", b"="):
        n = int(line)
        if n < 0:
            return None, pos
        if len(buf) < pos + n + 2:
            raise Incomplete
        return buf[pos:pos + n], pos + n + 2
    if kind in (b"*", b"~", b">", b"%", b"|"):
        n = int(line)
        if n < 0:
            return None, pos
        if kind in (b"%", b"|"):
            d = {}
            for _ in range(n):
                k, pos = parse_reply(buf, pos)
                v, pos = parse_reply(buf, pos)
                d[k] = v
            if kind == b"|":  # attribute: the real reply follows
                return parse_reply(buf, pos)
            return d, pos
        items = []
        for _ in range(n):
            v, pos = parse_reply(buf, pos)
            items.append(v)
        return {b"*": list, b"~": RespSet, b">": RespPush}[kind](items), pos
    raise ValueError(f"not a RESP reply type: {kind!r} in {buf[pos - 1:pos + 40]!r}")


class RawClient:
    """A plain TCP connection with RESP helpers and timeouts on every read."""

    def __init__(self, port, host="127.0.0.1", timeout=5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.buf = b""
        self.eof = False

    # -- sending ----------------------------------------------------------
    def send(self, data):
        self.sock.sendall(data)

    def cmd(self, *args):
        """Send one command (multibulk encoded) without reading the reply."""
        self.send(encode_command(*args))

    def call(self, *args, timeout=None):
        """Send one command and return its parsed reply."""
        self.cmd(*args)
        return self.read(timeout)

    def call_raw(self, *args, timeout=None):
        """Send one command and return the exact bytes of its reply."""
        self.cmd(*args)
        return self.read_raw(timeout)

    # -- receiving --------------------------------------------------------
    def _fill(self, deadline):
        if self.eof:
            raise ConnectionClosed(self.buf)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no complete reply in time; buffered {self.buf[:200]!r}")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(1 << 20)
        except socket.timeout:
            raise TimeoutError(f"no complete reply in time; buffered {self.buf[:200]!r}")
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
            raise ConnectionClosed(self.buf)
        self.buf += data

    def _deadline(self, timeout):
        return time.monotonic() + (self.timeout if timeout is None else timeout)

    def read_raw(self, timeout=None):
        """Return the exact bytes of the next whole reply."""
        deadline = self._deadline(timeout)
        while True:
            try:
                _, end = parse_reply(self.buf)
            except Incomplete:
                self._fill(deadline)
                continue
            raw, self.buf = self.buf[:end], self.buf[end:]
            return raw

    def read(self, timeout=None):
        """Return the next reply, parsed."""
        return parse_reply(self.read_raw(timeout))[0]

    def read_exactly(self, n, timeout=None):
        """Return the next n bytes, whatever they are."""
        deadline = self._deadline(timeout)
        while len(self.buf) < n:
            self._fill(deadline)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_until_closed(self, timeout=None):
        """Return everything the server sends until it closes; TimeoutError if it doesn't."""
        deadline = self._deadline(timeout)
        while True:
            try:
                self._fill(deadline)
            except ConnectionClosed:
                out, self.buf = self.buf, b""
                return out

    def is_closed(self, timeout=1.0):
        """True if the server closes the connection within timeout (pending data discarded)."""
        try:
            self.read_until_closed(timeout)
            return True
        except TimeoutError:
            return False

    def nothing_received(self, wait=0.2):
        """True if no byte arrives (and the connection stays open) for `wait` seconds."""
        try:
            self._fill(time.monotonic() + wait)
        except TimeoutError:
            return self.buf == b""
        except ConnectionClosed:
            return False
        return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---------------------------------------------------------------------------
# The server process
# ---------------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def _die_with_pytest():
    """preexec_fn: the server gets SIGKILL if the test process dies without cleaning up."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def free_port():
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port != 6379:
            return port


def wait_until(predicate, timeout, interval=0.02, message="condition"):
    """Poll predicate() until it is truthy; return its value or fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers signal 0; treat it as dead.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Server:
    """One server process on a free loopback port, killed by PID on stop()."""

    def __init__(self, *extra_args, config_text=None, workdir, binary=SERVER_BIN):
        self.binary = binary
        self.extra_args = [str(a) for a in extra_args]
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config_path = None
        if config_text is not None:
            self.config_path = self.dir / "server.conf"
            self.config_path.write_text(config_text)
        self.log_path = self.dir / "server.log"
        self.proc = None
        self.port = None
        self._clients = []
        self.start()

    @property
    def pid(self):
        return self.proc.pid

    def argv(self, port):
        args = [self.binary]
        if self.config_path is not None:
            args.append(str(self.config_path))
        args += ["--port", str(port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.dir),
                 "--enable-debug-command", "yes"]
        return args + self.extra_args

    def start(self):
        if not os.access(self.binary, os.X_OK):
            pytest.fail(f"server binary {self.binary} not found or not executable "
                        "(build it, or set FERRITE_SERVER)")
        for _attempt in range(5):
            port = free_port()
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(
                    self.argv(port), cwd=self.dir, stdin=subprocess.DEVNULL,
                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                    preexec_fn=_die_with_pytest)
            _live_servers.append(self)
            self.port = port
            if self._wait_ready():
                return
            self.proc.wait()
            _live_servers.remove(self)
            if not re.search(r"in use|EADDRINUSE", self.log(), re.I):
                break
        pytest.fail(f"server did not start: {self.argv(self.port)}\n--- log ---\n{self.log()}")

    def _wait_ready(self):
        deadline = time.monotonic() + START_DEADLINE
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with RawClient(self.port, timeout=1.0) as c:
                    c.cmd("PING")
                    c.read()  # +PONG, or -NOAUTH with requirepass: either means ready
                    return True
            except (OSError, TimeoutError, ConnectionClosed):
                time.sleep(0.02)
        self.stop()
        pytest.fail(f"server not answering PING within {START_DEADLINE}s\n{self.log()}")

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def client(self, **kwargs):
        kwargs.setdefault("socket_timeout", 10)
        c = redis.Redis(host="127.0.0.1", port=self.port, decode_responses=False, **kwargs)
        self._clients.append(c)
        return c

    def raw(self, timeout=5.0):
        c = RawClient(self.port, timeout=timeout)
        self._clients.append(c)
        return c

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout=STOP_DEADLINE):
        """Wait for the process to exit on its own; return its exit code."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"server pid {self.pid} still running after {timeout}s")

    def stop(self):
        for c in self._clients:
            try:
                c.close()
            except Exception:
                pass
        self._clients = []
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(STOP_DEADLINE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            except ProcessLookupError:
                pass
        if self in _live_servers:
            _live_servers.remove(self)

    def info_text(self, *sections):
        """The exact text of INFO [sections...] (over a fresh raw connection)."""
        with RawClient(self.port) as c:
            reply = c.call("INFO", *sections)
        assert isinstance(reply, bytes) and not isinstance(reply, RespError), reply
        return reply.decode()

    def info(self, *sections):
        """INFO parsed into {field: str} (redis-py turns values into ints too eagerly)."""
        return parse_info(self.info_text(*sections))


def parse_info(text):
    if isinstance(text, bytes):
        text = text.decode()
    fields = {}
    for line in text.splitlines():
        if line and not line.startswith("#") and ":" in line:
            k, v = line.split(":", 1)
            fields[k] = v
    return fields


def run_cli(port, *args, input=None, timeout=10):
    """Run redis-cli against port with stdout a pipe; return CompletedProcess (text)."""
    return subprocess.run([REDIS_CLI, "-p", str(port), *map(str, args)], input=input,
                          capture_output=True, text=True, timeout=timeout)


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(workdir=tmp_path_factory.mktemp("server"))
    yield srv
    srv.stop()


@pytest.fixture
def r(server):
    """A redis-py client on an empty server (db 0)."""
    c = server.client()
    c.flushall()
    yield c
    c.close()


@pytest.fixture
def raw(server):
    """A raw RESP connection on an empty server (db 0)."""
    c = server.raw()
    assert c.call("FLUSHALL") == b"OK"
    yield c
    c.close()


@pytest.fixture
def make_server(tmp_path):
    """Factory: make_server(*extra_args, config_text=None) -> started Server."""
    started = []

    def factory(*extra_args, config_text=None):
        srv = Server(*extra_args, config_text=config_text,
                     workdir=tmp_path / f"srv{len(started)}")
        started.append(srv)
        return srv

    yield factory
    for srv in started:
        srv.stop()


IO_MODELS = [pytest.param(None, id="default")] + [
    pytest.param(m, id=m, marks=pytest.mark.ferrite_only) for m in ("epoll", "poll", "select")]


@pytest.fixture(scope="module", params=IO_MODELS)
def io_server(request, tmp_path_factory):
    """A server per io-model (ferrite); just the default server against Redis."""
    args = ["--io-model", request.param] if request.param else []
    srv = Server(*args, workdir=tmp_path_factory.mktemp(f"io-{request.param or 'default'}"))
    yield srv
    srv.stop()
