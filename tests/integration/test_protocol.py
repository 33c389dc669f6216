"""The wire: pipelining, inline commands, protocol errors and abuse, connection limits."""

import random
import resource
import selectors
import socket
import time

import pytest

from conftest import RawClient, encode_command, wait_until

MB = 1024 * 1024


def used_memory(server):
    return int(server.info("memory")["used_memory"])


def assert_server_healthy(server):
    """A fresh client is served normally."""
    with server.raw(timeout=2.0) as c:
        assert c.call_raw("PING") == b"+PONG\r\n"
        assert c.call_raw("SET", "health", "ok") == b"+OK\r\n"
        assert c.call_raw("GET", "health") == b"$2\r\nok\r\n"


# -- every io-model: basic commands, pipelining, many clients -----------------

def test_basic_set_get(io_server):
    r = io_server.client()
    r.flushall()
    assert r.set("k", "v") is True
    assert r.get("k") == b"v"
    assert r.incr("n") == 1


def test_pipeline_10000_commands_in_one_send(io_server):
    with io_server.raw(timeout=20) as c:
        c.call("FLUSHALL")
        request, expected = [], []
        for i in range(10000):
            if i % 2:
                request.append(encode_command("SET", f"key:{i}", f"value:{i}"))
                expected.append(b"+OK\r\n")
            else:
                request.append(encode_command("INCR", "counter"))
                expected.append(b":%d\r\n" % (i // 2 + 1))
        payload = b"".join(request)
        c.send(payload)
        replies = c.read_exactly(len(b"".join(expected)), timeout=20)
        assert replies == b"".join(expected)
        assert c.call("GET", "key:9999") == b"value:9999"
        assert c.call("DBSIZE") == 5001


def test_pipelined_replies_are_batched(io_server):
    """100 replies to one pipelined packet leave in a few write calls, not 100."""
    watcher = io_server.client()
    with io_server.raw() as c:
        assert c.call_raw("PING") == b"+PONG\r\n"
        before = watcher.info("stats")["total_writes_processed"]
        c.send(b"PING\r\n" * 100)
        assert c.read_exactly(700) == b"+PONG\r\n" * 100
        after = watcher.info("stats")["total_writes_processed"]
    # One write for the pipeline, one for the first INFO reply; allow a split read or two.
    assert after - before <= 4


def test_pipeline_large_replies(io_server):
    """About 20 MB of replies: the server must cope with partial writes."""
    value = bytes(random.Random(7).randrange(256) for _ in range(10000))
    with io_server.raw(timeout=30) as c:
        c.call("SET", "big", value)
        n = 2000
        c.send(encode_command("GET", "big") * n)
        one = b"$10000\r\n" + value + b"\r\n"
        got = c.read_exactly(len(one) * n, timeout=30)
        assert got == one * n


def test_many_clients(io_server):
    clients = [io_server.raw(timeout=10) for _ in range(100)]
    try:
        clients[0].call("DEL", "shared")
        for round_ in range(3):
            for n, c in enumerate(clients):
                c.send(encode_command("SET", f"c{n}", f"{n}:{round_}") +
                       encode_command("INCR", "shared") + encode_command("GET", f"c{n}"))
            for n, c in enumerate(clients):
                assert c.read() == b"OK"
                assert isinstance(c.read(), int)
                assert c.read() == f"{n}:{round_}".encode()
        assert clients[-1].call("GET", "shared") == b"300"
    finally:
        for c in clients:
            c.close()


def test_command_split_at_every_byte(io_server):
    request = encode_command("SET", "split", "hello world") + b"GET split\r\n"
    with io_server.raw() as c:
        for i in range(len(request)):
            c.send(request[i:i + 1])
            time.sleep(0.001)
        assert c.read_raw() == b"+OK\r\n"
        assert c.read_raw() == b"$11\r\nhello world\r\n"


# -- inline commands ----------------------------------------------------------

@pytest.mark.parametrize("line,value", [
    (b'SET k "a b"\r\n', b"a b"),
    (b"SET k 'x y'\r\n", b"x y"),
    (b'SET k "\\x41\\x42"\r\n', b"AB"),
    (b'SET k "tab\\there\\n"\r\n', b"tab\there\n"),
    (b"SET k 'it\\'s'\r\n", b"it's"),
    (b"SET k plain\n", b"plain"),
    (b"  SET   k   spaced  \r\n", b"spaced"),
    (b'SET k ""\r\n', b""),
])
def test_inline_quoting(raw, line, value):
    raw.send(line)
    assert raw.read_raw() == b"+OK\r\n"
    assert raw.call("GET", "k") == value


def test_inline_empty_lines_ignored(raw):
    raw.send(b"\r\n\r\n\nPING\r\n")
    assert raw.read_raw() == b"+PONG\r\n"


def test_inline_pipelined_with_multibulk(raw):
    raw.send(b"SET a 1\r\n" + encode_command("INCR", "a") + b"GET a\r\nPING\r\n")
    assert [raw.read_raw() for _ in range(4)] == [b"+OK\r\n", b":2\r\n", b"$1\r\n2\r\n",
                                                    b"+PONG\r\n"]


def test_inline_unknown_command(raw):
    raw.send(b"$999999999\r\n")
    assert raw.read_raw() == \
        b"-ERR unknown command '$999999999', with args beginning with: \r\n"


# -- protocol errors: exact text, then the connection is closed ---------------

PROTOCOL_ERRORS = [
    (b"*2147483648\r\n", b"invalid multibulk length"),
    (b"*abc\r\n", b"invalid multibulk length"),
    (b"*1\r\n$abc\r\n", b"invalid bulk length"),
    (b"*1\r\n$-1\r\n", b"invalid bulk length"),
    (b"*1\r\n$999999999\r\n", b"invalid bulk length"),
    (b"*1\r\n$536870913\r\n", b"invalid bulk length"),
    (b"*1\r\nx\r\n", b"expected '$', got 'x'"),
    (b"*2\r\n$3\r\nGET\r\n:1\r\n", b"expected '$', got ':'"),
    (b'SET k "a b\r\n', b"unbalanced quotes in request"),
    (b"SET k 'a b\r\n", b"unbalanced quotes in request"),
    (b'SET k "a"b\r\n', b"unbalanced quotes in request"),
    (b"*1\r\n" + b"x" * 70000, b"too big bulk count string"),
    (b"y" * 70000, b"too big inline request"),
]


@pytest.mark.parametrize("payload,message", PROTOCOL_ERRORS,
                         ids=[m.decode() + f"-{i}" for i, (_, m) in enumerate(PROTOCOL_ERRORS)])
def test_protocol_error_replies_then_closes(server, raw, payload, message):
    raw.send(payload)
    assert raw.read_until_closed(timeout=3) == b"-ERR Protocol error: " + message + b"\r\n"
    assert_server_healthy(server)


def test_commands_before_protocol_error_are_answered(raw):
    raw.send(b"PING\r\nSET k v\r\n*1\r\n$abc\r\nPING\r\n")
    assert raw.read_until_closed(timeout=3) == \
        b"+PONG\r\n+OK\r\n-ERR Protocol error: invalid bulk length\r\n"


def test_multibulk_edge_counts(raw):
    raw.send(b"*0\r\n*-1\r\nPING\r\n")  # empty and null multibulks are skipped silently
    assert raw.read_raw() == b"+PONG\r\n"


def test_huge_multibulk_count_allocates_nothing(server, raw):
    before = used_memory(server)
    raw.send(b"*2147483647\r\n")
    assert raw.nothing_received(0.2)  # a valid header: the server waits for the arguments
    assert used_memory(server) - before < 1 * MB
    assert_server_healthy(server)


def test_huge_declared_lengths_allocate_little(server):
    before = used_memory(server)
    conns = [server.raw() for _ in range(5)]
    try:
        for c in conns:
            c.send(b"*1048576\r\n$1000000\r\nabc")
        for c in conns:
            assert c.nothing_received(0.05)
        assert used_memory(server) - before < 16 * MB
        assert_server_healthy(server)
    finally:
        for c in conns:
            c.close()


@pytest.mark.ferrite_only
def test_large_bulk_header_allocates_as_bytes_arrive(server):
    """Redis 7.0 reserves the whole declared bulk up front; ferrite allocates as data comes."""
    before = used_memory(server)
    with server.raw() as c:
        c.send(b"*1\r\n$400000000\r\nabc")
        assert c.nothing_received(0.1)
        assert used_memory(server) - before < 4 * MB


def test_random_garbage_never_hurts(server, r):
    r.set("precious", "data")
    rnd = random.Random(20240601)
    for i in range(30):
        blob = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 3000)))
        if i % 3 == 0:
            blob = b"*" + blob
        elif i % 3 == 1:
            blob = b"*3\r\n$" + blob
        with server.raw() as c:
            c.send(blob)
            try:
                c.read_until_closed(timeout=0.05)
            except TimeoutError:
                pass  # still waiting for more input: fine
    assert r.get("precious") == b"data"
    assert_server_healthy(server)


# -- fairness: no client can stall the others ---------------------------------

def test_half_sent_command_does_not_delay_others(server, raw):
    with server.raw(timeout=1.0) as other:
        raw.send(b"*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$5\r\nab")
        for i in range(20):
            assert other.call_raw("SET", f"k{i}", "v", timeout=1.0) == b"+OK\r\n"
        assert other.call("EXISTS", "half") == 0
        raw.send(b"cde\r\n")
        assert raw.read_raw() == b"+OK\r\n"
        assert other.call("GET", "half") == b"abcde"


def test_client_that_never_reads_does_not_block_others(server, raw):
    raw.call("SET", "big", b"x" * MB)
    with server.raw(timeout=2.0) as hog:
        hog.send(encode_command("GET", "big") * 30)  # 30 MB of replies it never reads
        time.sleep(0.1)
        for _ in range(20):
            assert raw.call_raw("PING", timeout=1.0) == b"+PONG\r\n"
        assert raw.call("STRLEN", "big") == MB


def test_output_buffer_limit_disconnects_slow_reader(server, raw):
    raw.call("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0")
    try:
        raw.call("SET", "big", b"x" * (256 * 1024))
        with server.raw() as hog:
            hog.call("CLIENT", "SETNAME", "hog")
            hog.send(encode_command("GET", "big") * 100)
            wait_until(lambda: b"name=hog " not in raw.call("CLIENT", "LIST"), 3.0,
                       message="the slow reader to be disconnected")
            assert hog.is_closed(timeout=3.0)
        assert raw.call_raw("PING") == b"+PONG\r\n"
    finally:
        raw.call("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0")


# -- connection limits and options --------------------------------------------

def test_maxclients(make_server):
    srv = make_server("--maxclients", "3")
    watcher = srv.client()  # every INFO goes through it: a new connection would need a slot

    def connected():
        return watcher.info("clients")["connected_clients"]

    wait_until(lambda: connected() == 1, 2.0, message="only the watcher to be connected")
    a, b = srv.raw(), srv.raw()
    assert a.call_raw("PING") == b"+PONG\r\n"
    assert b.call_raw("PING") == b"+PONG\r\n"
    with srv.raw() as extra:
        assert extra.read_until_closed(timeout=3) == b"-ERR max number of clients reached\r\n"
    assert watcher.info("stats")["rejected_connections"] == 1
    a.close()
    wait_until(lambda: connected() == 2, 2.0, message="the closed client to be released")
    with srv.raw() as again:
        assert again.call_raw("PING") == b"+PONG\r\n"


def test_timeout_closes_idle_clients(make_server):
    srv = make_server("--timeout", "1")
    with srv.raw() as idle:
        assert idle.call_raw("PING") == b"+PONG\r\n"
        start = time.monotonic()
        assert idle.is_closed(timeout=5.0)
        assert time.monotonic() - start >= 0.9


def test_timeout_spares_active_clients(make_server):
    srv = make_server("--timeout", "1")
    with srv.raw() as busy:
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            assert busy.call_raw("PING") == b"+PONG\r\n"
            time.sleep(0.2)


def test_timeout_spares_subscribers_and_blocked_clients(make_server):
    srv = make_server("--timeout", "1")
    with srv.raw() as sub, srv.raw() as waiter:
        assert sub.call("SUBSCRIBE", "ch") == [b"subscribe", b"ch", 1]
        waiter.cmd("BLPOP", "q", "0")
        time.sleep(3.0)
        with srv.raw() as pusher:  # connected only now: it would be timed out itself
            assert pusher.call("PUBLISH", "ch", "hi") == 1
            assert sub.read() == [b"message", b"ch", b"hi"]
            assert pusher.call("RPUSH", "q", "x") == 1
            assert waiter.read() == [b"q", b"x"]


def test_unixsocket(make_server, tmp_path):
    path = str(tmp_path / "ferrite.sock")
    srv = make_server("--unixsocket", path, "--unixsocketperm", "700")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(path)
        s.sendall(encode_command("SET", "u", "1") + encode_command("GET", "u"))
        data = b""
        while len(data) < len(b"+OK\r\n$1\r\n1\r\n"):
            data += s.recv(100)
        assert data == b"+OK\r\n$1\r\n1\r\n"
    finally:
        s.close()
    assert srv.client().get("u") == b"1"


@pytest.mark.ferrite_only
def test_select_refuses_fd_beyond_fd_setsize(make_server):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(4096, hard), hard))
    conns = []
    try:
        srv = make_server("--io-model", "select", "--maxclients", "2000")
        first = srv.raw()
        assert first.call_raw("PING") == b"+PONG\r\n"
        conns = [RawClient(srv.port, timeout=5) for _ in range(1100)]
        sel = selectors.DefaultSelector()
        for c in conns:
            sel.register(c.sock, selectors.EVENT_READ, c)
        refused = set()
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and len(refused) < 40:
            for key, _ in sel.select(timeout=0.2):
                sel.unregister(key.fileobj)
                refused.add(key.data)
        sel.close()
        assert refused, "no connection beyond FD_SETSIZE was refused"
        for c in refused:
            reply = c.read_until_closed(timeout=2)
            assert reply.startswith(b"-ERR"), reply
        assert first.call_raw("PING") == b"+PONG\r\n"
        accepted = [c for c in conns if c not in refused]
        assert accepted[0].call_raw("PING") == b"+PONG\r\n"
        for c in conns:
            c.close()
        conns = []
        assert_server_healthy(srv)
    finally:
        for c in conns:
            c.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
