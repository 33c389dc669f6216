"""Replication: a replica of the server under test and the server as a replica, with
Debian's redis-server on the other side of the link too. Full synchronisation (diskless and
from a file), the command stream, partial resynchronisation after a cut link (a TCP proxy in
the test stands between replica and master) and after a replica restart, promotion with
REPLICAOF NO ONE, WAIT, ROLE, INFO replication, read-only replicas, expiry on replicas,
replica output-buffer limits, and a master that stays responsive next to a stuck replica.

Datasets are compared by dumping every key (type, content, PTTL within a tolerance)."""

import os
import random
import signal
import socket
import threading
import time

import pytest
import redis

from conftest import IS_REDIS, SERVER_BIN, RawClient, Server, free_port, wait_until

REDIS_BIN = "/usr/bin/redis-server"
needs_redis = pytest.mark.skipif(
    not os.access(REDIS_BIN, os.X_OK),
    reason=f"{REDIS_BIN} is missing: install Debian's redis-server to run the interop tests")

SYNC_DEADLINE = 20


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

class Servers:
    """Starts servers (ours or Debian's) in per-test directories; stops them all."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.started = []

    def start(self, *args, binary=SERVER_BIN, name=None):
        name = name or f"srv{len(self.started)}"
        srv = Server("--repl-diskless-sync-delay", "0", *args, workdir=self.tmp_path / name,
                     binary=binary)
        self.started.append(srv)
        return srv

    def stop_all(self):
        for srv in self.started:
            srv.stop()


@pytest.fixture
def servers(tmp_path):
    s = Servers(tmp_path)
    yield s
    s.stop_all()


def link_up(replica):
    return replica.info("replication").get("master_link_status") == "up"


def replicate(replica, master_port, host="127.0.0.1"):
    assert replica.client().replicaof(host, master_port)
    wait_until(lambda: link_up(replica), SYNC_DEADLINE, message="replication link up")


def offsets_equal(master, replica):
    m = master.info("replication")
    r = replica.info("replication")
    return r.get("master_link_status") == "up" and \
        int(r["slave_repl_offset"]) == int(m["master_repl_offset"])


def wait_synced(master, *replicas):
    for r in replicas:
        wait_until(lambda: offsets_equal(master, r), SYNC_DEADLINE,
                   message=f"replica :{r.port} caught up with master :{master.port}")


def dump(server, dbs=range(16)):
    """{(db, key): (type, value, pttl)} for every key of the server."""
    out = {}
    for db in dbs:
        c = server.client(db=db)
        for key in c.scan_iter(count=1000):
            t = c.type(key).decode()
            if t == "string":
                v = c.get(key)
            elif t == "list":
                v = tuple(c.lrange(key, 0, -1))
            elif t == "set":
                v = tuple(sorted(c.smembers(key)))
            elif t == "hash":
                v = tuple(sorted(c.hgetall(key).items()))
            elif t == "zset":
                v = tuple(c.zrange(key, 0, -1, withscores=True))
            else:
                v = None
            out[(db, key)] = (t, v, c.pttl(key))
        c.close()
    return out


def assert_same(master, replica, ttl_tolerance_ms=3000):
    a, b = dump(master), dump(replica)
    assert a.keys() == b.keys(), (set(a) ^ set(b))
    for k in a:
        ta, va, pa = a[k]
        tb, vb, pb = b[k]
        assert (ta, va) == (tb, vb), k
        if pa < 0 or pb < 0:
            assert pa == pb, (k, pa, pb)
        else:
            assert abs(pa - pb) <= ttl_tolerance_ms, (k, pa, pb)


def fill(server, tag="", big=False):
    """Keys of every type in several databases, with TTLs, a transaction, a large value."""
    for db in (0, 3):
        c = server.client(db=db)
        p = c.pipeline(transaction=False)
        t = f"{tag}db{db}:"
        p.set(t + "str", "hello")
        p.set(t + "int", 12345)
        p.set(t + "bin", bytes(range(256)))
        p.set(t + "ttl", "x", px=600_000)
        p.set(t + "ex", "y", ex=900)
        p.incrby(t + "counter", 7)
        p.rpush(t + "list", *[f"e{i}" for i in range(300)])
        p.sadd(t + "intset", *range(50))
        p.sadd(t + "set", *[f"m{i}" for i in range(200)])
        p.hset(t + "hash", mapping={f"f{i}": f"v{i}" for i in range(150)})
        p.zadd(t + "zset", {f"z{i}": i / 3 for i in range(200)})
        p.expire(t + "zset", 500)
        p.execute()
        tx = c.pipeline(transaction=True)
        tx.set(t + "tx1", "a")
        tx.lpush(t + "txlist", "q", "r")
        tx.incr(t + "counter")
        tx.execute()
        c.spop(t + "set", 3)  # chance on the master, SREM in the stream
        c.close()
    if big:
        server.client().set(tag + "big", os.urandom(5 * 1024 * 1024))


class LinkProxy:
    """A TCP proxy the test can cut (closing every connection, refusing new ones) and
    restore: the replica's link goes through it."""

    def __init__(self, target_port):
        self.target = target_port
        self.enabled = True
        self.lock = threading.Lock()
        self.conns = []
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.closed = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.closed:
            try:
                s, _ = self.lsock.accept()
            except OSError:
                return
            if not self.enabled:
                s.close()
                continue
            try:
                t = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                s.close()
                continue
            with self.lock:
                self.conns += [s, t]
            threading.Thread(target=self._pump, args=(s, t), daemon=True).start()
            threading.Thread(target=self._pump, args=(t, s), daemon=True).start()

    def _pump(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        self.enabled = False
        with self.lock:
            conns, self.conns = self.conns, []
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass

    def restore(self):
        self.enabled = True

    def close(self):
        self.closed = True
        self.cut()
        self.lsock.close()


class WriteLoad:
    """Writes from a thread until stopped: strings, counters, lists, hashes, expiries."""

    def __init__(self, server, seed=1):
        self.server = server
        self.stop_flag = threading.Event()
        self.count = 0
        self.error = None
        self.rng = random.Random(seed)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        c = self.server.client()
        try:
            while not self.stop_flag.is_set():
                p = c.pipeline(transaction=self.rng.random() < 0.2)
                for _ in range(20):
                    i = self.rng.randrange(500)
                    op = self.rng.randrange(6)
                    if op == 0:
                        p.set(f"load:s{i}", self.rng.randbytes(self.rng.randrange(1, 200)))
                    elif op == 1:
                        p.incr(f"load:c{i % 50}")
                    elif op == 2:
                        p.rpush(f"load:l{i % 20}", i)
                    elif op == 3:
                        p.hset(f"load:h{i % 20}", f"f{i}", i)
                    elif op == 4:
                        p.set(f"load:t{i}", i, px=self.rng.randrange(30_000, 100_000))
                    else:
                        p.delete(f"load:s{(i + 1) % 500}")
                p.execute()
                self.count += 1
        except Exception as e:  # reported by stop()
            self.error = e
        finally:
            c.close()

    def stop(self):
        self.stop_flag.set()
        self.thread.join(10)
        assert self.error is None, self.error
        assert self.count > 0


def log_has(server, text):
    return text in server.log()


# ---------------------------------------------------------------------------
# between two servers under test
# ---------------------------------------------------------------------------

MASTER_FIELDS = ["role", "connected_slaves", "slave0", "master_failover_state", "master_replid",
                 "master_replid2", "master_repl_offset", "second_repl_offset",
                 "repl_backlog_active", "repl_backlog_size", "repl_backlog_first_byte_offset",
                 "repl_backlog_histlen"]
REPLICA_FIELDS = ["role", "master_host", "master_port", "master_link_status",
                  "master_last_io_seconds_ago", "master_sync_in_progress",
                  "slave_read_repl_offset", "slave_repl_offset", "slave_priority",
                  "slave_read_only", "replica_announced", "connected_slaves",
                  "master_failover_state", "master_replid", "master_replid2",
                  "master_repl_offset", "second_repl_offset", "repl_backlog_active",
                  "repl_backlog_size", "repl_backlog_first_byte_offset", "repl_backlog_histlen"]


def field_names(server):
    text = server.info_text("replication")
    return [line.split(":", 1)[0] for line in text.splitlines()
            if line and not line.startswith("#")]


@pytest.mark.parametrize("diskless", ["yes", "no"])
def test_full_sync_stream_info_role(servers, diskless):
    master = servers.start("--repl-diskless-sync", diskless)
    replica = servers.start()
    fill(master, "before:", big=True)
    replicate(replica, master.port)
    fill(master, "after:")
    m = master.client()
    m.set("after:big", b"z" * (5 * 1024 * 1024 + 3))
    wait_synced(master, replica)
    assert_same(master, replica)

    assert field_names(master) == MASTER_FIELDS
    assert field_names(replica) == REPLICA_FIELDS
    mi, ri = master.info("replication"), replica.info("replication")
    assert mi["role"] == "master" and mi["connected_slaves"] == "1"
    assert mi["slave0"].startswith(f"ip=127.0.0.1,port={replica.port},state=online,offset=")
    assert ri["role"] == "slave" and ri["master_port"] == str(master.port)
    assert ri["master_replid"] == mi["master_replid"]
    assert ri["slave_read_only"] == "1" and ri["master_sync_in_progress"] == "0"

    # WAIT: the replica acknowledges the write.
    m.set("waited", 1)
    assert m.execute_command("WAIT", 1, 5000) == 1
    assert m.execute_command("WAIT", 2, 200) == 1

    role = m.execute_command("ROLE")
    assert role[0] == b"master" and isinstance(role[1], int)
    assert role[2] == [[b"127.0.0.1", str(replica.port).encode(), role[2][0][2]]]
    r = replica.client()
    rrole = r.execute_command("ROLE")
    assert rrole[:4] == [b"slave", b"127.0.0.1", master.port, b"connected"]
    assert isinstance(rrole[4], int) and rrole[4] > 0

    with pytest.raises(redis.ResponseError, match="^You can't write against a read only replica"):
        r.set("x", 1)
    with pytest.raises(redis.ResponseError, match="WAIT cannot be used with replica instances"):
        r.execute_command("WAIT", 1, 10)
    assert r.get("waited") == b"1"
    stats = master.info("stats")
    assert int(stats["sync_full"]) == 1


def test_replica_expiry_waits_for_master_del(servers):
    master = servers.start()
    replica = servers.start()
    replicate(replica, master.port)
    m, r = master.client(), replica.client()
    m.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", 0)
    # Long enough to outlast the sync on a loaded machine, short enough to wait for.
    deadline = time.monotonic() + 1.0
    m.set("short", "v", px=1000)
    m.set("keep", "v")
    wait_synced(master, replica)
    assert r.get("short") == b"v"
    time.sleep(max(0.0, deadline - time.monotonic()) + 0.1)
    # Logically expired: the replica reports it missing but keeps it until the master's DEL.
    assert r.get("short") is None
    assert r.exists("short") == 0
    assert r.dbsize() == 2
    assert m.get("short") is None  # the master expires it and propagates DEL
    wait_until(lambda: r.dbsize() == 1, 5, message="DEL reached the replica")


def test_replica_serve_stale_data_no(servers):
    replica = servers.start("--replica-serve-stale-data", "no")
    r = replica.client()
    r.replicaof("127.0.0.1", free_port())  # nobody there: the link stays down
    with pytest.raises(redis.ResponseError, match="^MASTERDOWN Link with MASTER is down and "
                       "replica-serve-stale-data is set to 'no'[.]$"):
        r.get("x")
    assert r.info("replication")["master_link_status"] == "down"  # INFO is allowed
    assert r.echo("hi") == b"hi"  # ECHO is flagged stale in Redis 7.0
    assert r.replicaof("no", "one")


def test_min_replicas_to_write(servers):
    master = servers.start("--min-replicas-to-write", "1", "--min-replicas-max-lag", "10")
    m = master.client()
    with pytest.raises(redis.ResponseError, match="^NOREPLICAS Not enough good replicas to write[.]$"):
        m.set("x", 1)
    replica = servers.start()
    replicate(replica, master.port)
    wait_until(lambda: _set_ok(m), 5, message="writes accepted with one good replica")


def _set_ok(m):
    try:
        return m.set("x", 1)
    except redis.ResponseError:
        return False


def test_promotion_keeps_history_for_other_replicas(servers):
    master = servers.start()
    r1 = servers.start()
    r2 = servers.start()
    replicate(r1, master.port)
    replicate(r2, master.port)
    fill(master)
    wait_synced(master, r1, r2)
    old_id = master.info("replication")["master_replid"]
    master.stop()

    c1 = r1.client()
    assert c1.replicaof("no", "one")
    info = r1.info("replication")
    assert info["role"] == "master"
    assert info["master_replid2"] == old_id
    assert int(info["second_repl_offset"]) == int(info["master_repl_offset"]) + 1
    replicate(r2, r1.port)
    c1.set("after-promotion", 1)
    wait_synced(r1, r2)
    assert int(r1.info("stats")["sync_partial_ok"]) == 1
    assert int(r1.info("stats")["sync_full"]) == 0
    assert r2.client().get("after-promotion") == b"1"
    assert_same(r1, r2)


def test_chained_replica_gets_the_same_stream(servers):
    master = servers.start()
    mid = servers.start()
    leaf = servers.start()
    replicate(mid, master.port)
    replicate(leaf, mid.port)
    fill(master)
    wait_synced(master, mid, leaf)
    ids = {s.info("replication")["master_replid"] for s in (master, mid, leaf)}
    assert len(ids) == 1
    assert_same(master, leaf)


def test_partial_resync_after_link_cut(servers):
    master = servers.start()
    replica = servers.start()
    proxy = LinkProxy(master.port)
    try:
        replicate(replica, proxy.port)
        fill(master)
        wait_synced(master, replica)
        proxy.cut()
        wait_until(lambda: not link_up(replica), 10, message="link down")
        m = master.client()
        for i in range(100):
            m.set(f"during-cut:{i}", i)
        proxy.restore()
        wait_synced(master, replica)
        stats = master.info("stats")
        assert int(stats["sync_full"]) == 1
        assert int(stats["sync_partial_ok"]) == 1
        assert log_has(master, "Partial resynchronization request from")
        assert_same(master, replica)
    finally:
        proxy.close()


@pytest.mark.parametrize("backlog", ["16kb", "64mb"])
def test_consistency_under_load_with_random_cuts(servers, backlog):
    """No write lost or applied twice across cuts: counters and lists would show it. A
    small backlog forces full resyncs under load, a large one partial ones."""
    master = servers.start("--repl-backlog-size", backlog)
    replica = servers.start()
    proxy = LinkProxy(master.port)
    rng = random.Random(7)
    try:
        replicate(replica, proxy.port)
        load = WriteLoad(master)
        for _ in range(4):
            time.sleep(rng.uniform(0.1, 0.4))
            proxy.cut()
            time.sleep(rng.uniform(0.05, 0.3))
            proxy.restore()
        time.sleep(0.3)
        load.stop()
        wait_synced(master, replica)
        master.client().execute_command("DEBUG", "SET-ACTIVE-EXPIRE", 0)
        assert_same(master, replica)
        stats = master.info("stats")
        if backlog == "64mb":
            assert int(stats["sync_partial_ok"]) >= 1, stats
        else:
            assert int(stats["sync_full"]) >= 2, stats
    finally:
        proxy.close()


def test_replica_restart_continues_partially(servers):
    master = servers.start()
    replica = servers.start()
    replicate(replica, master.port)
    fill(master)
    wait_synced(master, replica)
    with pytest.raises(redis.ConnectionError):
        replica.client().execute_command("SHUTDOWN", "SAVE")
    replica.wait_exit()
    master.client().set("while-down", 1)
    replica.extra_args += ["--replicaof", "127.0.0.1", str(master.port)]
    replica.start()
    wait_synced(master, replica)
    assert int(master.info("stats")["sync_partial_ok"]) == 1
    assert int(master.info("stats")["sync_full"]) == 1
    assert_same(master, replica)


@pytest.mark.ferrite_only
def test_master_stays_responsive_next_to_a_stuck_replica(servers):
    master = servers.start()
    m = master.client()
    m.execute_command("DEBUG", "POPULATE", 200000, "key", 100)
    stuck = RawClient(master.port)
    assert stuck.call("REPLCONF", "capa", "eof") == b"OK"
    stuck.cmd("PSYNC", "?", "-1")
    wait_until(lambda: log_has(master, "asks for synchronization"), 5, message="PSYNC arrived")
    # The stuck replica never reads; the master keeps serving.
    worst = 0.0
    for i in range(200):
        m.set(f"k{i}", "v" * 1000)
        t = time.monotonic()
        assert m.ping()
        worst = max(worst, time.monotonic() - t)
    assert worst < 0.2, worst
    # After repl-timeout the master gives up on it, and a real replica can sync.
    m.config_set("repl-timeout", 1)
    wait_until(lambda: log_has(master, "Disconnecting timedout replica"), 10,
               message="stuck replica dropped")
    stuck.close()
    m.config_set("repl-timeout", 60)
    replica = servers.start()
    replicate(replica, master.port)
    wait_synced(master, replica)
    assert replica.client().dbsize() == m.dbsize()


def test_replica_over_output_buffer_limit_is_dropped_and_resyncs(servers):
    master = servers.start("--client-output-buffer-limit", "replica", "256kb", "0", "0",
                           "--repl-backlog-size", "16kb")
    replica = servers.start()
    replicate(replica, master.port)
    wait_synced(master, replica)
    os.kill(replica.pid, signal.SIGSTOP)
    try:
        m = master.client()
        payload = b"p" * 100_000
        # Write until the master gives up on it: the kernel's socket buffers (tens of MB on
        # loopback) fill first, then the output buffer passes the limit.
        for i in range(3000):
            m.set(f"flood:{i % 50}", payload)
            if i % 20 == 0 and log_has(master, "for overcoming of output buffer limits"):
                break
        else:
            pytest.fail("the stopped replica was never dropped")
    finally:
        os.kill(replica.pid, signal.SIGCONT)
    wait_synced(master, replica)
    assert int(master.info("stats")["sync_full"]) == 2
    assert_same(master, replica)


# ---------------------------------------------------------------------------
# with Debian's redis-server on the other side
# ---------------------------------------------------------------------------

@needs_redis
@pytest.mark.parametrize("redis_is", ["replica", "master"])
def test_interop_with_redis_under_write_load(servers, redis_is):
    """Debian's redis-server on one side of the link, the server under test on the other:
    identical datasets after a full sync, a concurrent write load and transactions."""
    if redis_is == "replica":
        master = servers.start()
        replica = servers.start(binary=REDIS_BIN, name="redis-replica")
    else:
        master = servers.start(binary=REDIS_BIN, name="redis-master")
        replica = servers.start()
    fill(master, big=True)
    replicate(replica, master.port)
    load = WriteLoad(master, seed=3)
    time.sleep(1.0)
    load.stop()
    fill(master, "late:")
    wait_synced(master, replica)
    master.client().execute_command("DEBUG", "SET-ACTIVE-EXPIRE", 0)
    assert_same(master, replica)
    m = master.client()
    m.set("w", 1)
    assert m.execute_command("WAIT", 1, 5000) == 1
    slave0 = master.info("replication")["slave0"]
    assert f"port={replica.port},state=online" in slave0


@needs_redis
@pytest.mark.parametrize("redis_is", ["replica", "master"])
def test_partial_resync_with_redis(servers, redis_is):
    if redis_is == "replica":
        master = servers.start()
        replica = servers.start(binary=REDIS_BIN, name="redis-replica")
    else:
        master = servers.start(binary=REDIS_BIN, name="redis-master")
        replica = servers.start()
    proxy = LinkProxy(master.port)
    try:
        replicate(replica, proxy.port)
        fill(master)
        wait_synced(master, replica)
        proxy.cut()
        wait_until(lambda: not link_up(replica), 10, message="link down")
        master.client().set("during-cut", 1)
        proxy.restore()
        wait_synced(master, replica)
        assert int(master.info("stats")["sync_partial_ok"]) == 1
        assert int(master.info("stats")["sync_full"]) == 1
        assert_same(master, replica)
    finally:
        proxy.close()


def test_plain_sync_sends_the_snapshot_then_the_stream(servers):
    """SYNC, the pre-PSYNC form: no +FULLRESYNC line, a $<len> snapshot, then commands."""
    master = servers.start()
    master.client().set("k", "v")
    raw = master.raw(timeout=10)
    raw.cmd("SYNC")
    while raw.buf[:1] in (b"", b"\n"):
        raw.buf = raw.buf.lstrip(b"\n")
        if not raw.buf:
            raw._fill(time.monotonic() + 10)
    header = raw.read_exactly(raw.buf.index(b"\r\n") + 2)
    assert header.startswith(b"$")
    rdb = raw.read_exactly(int(header[1:-2]))
    assert rdb.startswith(b"REDIS00") and b"k" in rdb
    master.client().set("after", "1")
    stream = b""
    deadline = time.monotonic() + 10
    while b"after" not in stream and time.monotonic() < deadline:
        raw._fill(deadline)
        stream, raw.buf = stream + raw.buf, b""
    assert b"$3\r\nset\r\n$5\r\nafter\r\n" in stream.lower()


def test_replica_with_aof_keeps_snapshot_and_stream(servers):
    """A replica with appendonly rewrites its AOF from the snapshot it loaded, then appends
    the stream: restarted alone, it has the whole dataset."""
    master = servers.start()
    fill(master, "before:")
    replica = servers.start("--appendonly", "yes")
    replicate(replica, master.port)
    fill(master, "after:")
    wait_synced(master, replica)
    wait_until(lambda: replica.info("persistence")["aof_rewrite_in_progress"] == "0", 10,
               message="AOF rewrite after the sync")
    expected = dump(master)
    replica.stop()
    (replica.dir / "dump.rdb").unlink(missing_ok=True)  # the transferred snapshot
    replica.start()  # no replicaof: the AOF alone
    got = dump(replica)
    assert got.keys() == expected.keys()
    assert {k: v[:2] for k, v in got.items()} == {k: v[:2] for k, v in expected.items()}


class FakeMaster:
    """A master played by the test, one connection at a time: it records the replica's
    handshake and answers what the test tells it to."""

    EMPTY_RDB = b"REDIS0010\xff" + b"\x00" * 8  # no keys; checksum 0 means "not computed"

    def __init__(self):
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(4)
        self.lsock.settimeout(SYNC_DEADLINE)
        self.port = self.lsock.getsockname()[1]

    def accept(self):
        s, _ = self.lsock.accept()
        s.settimeout(SYNC_DEADLINE)
        return RawConn(s)

    def handshake(self, conn):
        """Reads the replica's commands up to PSYNC, answering each; returns them."""
        seen = []
        while True:
            cmd = conn.read_command()
            seen.append(cmd)
            if cmd[0].upper() == b"PSYNC":
                return seen
            conn.sock.sendall(b"+PONG\r\n" if cmd[0].upper() == b"PING" else b"+OK\r\n")

    def close(self):
        self.lsock.close()


class RawConn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _need(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("replica closed")
            self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._need(len(self.buf) + 1)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read_command(self):
        head = self._line()
        assert head.startswith(b"*"), head
        args = []
        for _ in range(int(head[1:])):
            n = int(self._line()[1:])
            self._need(n + 2)
            args.append(self.buf[:n])
            self.buf = self.buf[n + 2:]
        return args

    def close(self):
        self.sock.close()


def test_handshake_and_a_transaction_cut_in_the_middle(servers):
    """The handshake is Redis's, byte for byte in its commands; a transaction cut by a link
    loss before its EXEC does not count: the replica asks for it again from its MULTI."""
    fake = FakeMaster()
    replica = servers.start("--masterauth", "secret")
    try:
        own_id = replica.info("replication")["master_replid"].encode()
        replica.client().replicaof("127.0.0.1", fake.port)
        conn = fake.accept()
        seen = fake.handshake(conn)
        assert seen == [[b"PING"], [b"AUTH", b"secret"],
                        [b"REPLCONF", b"listening-port", str(replica.port).encode()],
                        [b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"],
                        # A former master offers its own history (offset 0, so byte 1).
                        [b"PSYNC", own_id, b"1"]]
        replid = b"a" * 40
        rdb = FakeMaster.EMPTY_RDB
        conn.sock.sendall(b"+FULLRESYNC " + replid + b" 100\r\n\n$%d\r\n" % len(rdb) + rdb)
        wait_until(lambda: link_up(replica), SYNC_DEADLINE, message="link up")
        done = b"*3\r\n$3\r\nSET\r\n$4\r\ndone\r\n$1\r\n1\r\n"
        opened = b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$3\r\ntxn\r\n$1\r\n1\r\n"
        conn.sock.sendall(done + opened)
        r = replica.client()
        wait_until(lambda: r.get("done") == b"1", 5, message="stream applied")
        assert int(replica.info("replication")["slave_repl_offset"]) == 100 + len(done)
        conn.close()  # inside the transaction
        conn = fake.accept()
        seen = fake.handshake(conn)
        assert seen[-1] == [b"PSYNC", replid, str(100 + len(done) + 1).encode()]
        conn.sock.sendall(b"+CONTINUE " + replid + b"\r\n" + opened + b"*1\r\n$4\r\nEXEC\r\n")
        wait_until(lambda: r.get("txn") == b"1", 5, message="transaction applied")
        conn.close()
    finally:
        fake.close()


def test_masterauth(servers):
    master = servers.start("--requirepass", "pw")
    bad = servers.start("--masterauth", "wrong")
    good = servers.start("--masterauth", "pw")
    replicate(good, master.port)
    assert bad.client().replicaof("127.0.0.1", master.port)
    wait_until(lambda: log_has(bad, "Unable to AUTH to MASTER"), 10, message="AUTH refused")
    assert not link_up(bad)
    master.client(password="pw").set("k", "v")
    wait_until(lambda: good.client().get("k") == b"v", 5, message="write replicated")


def test_client_list_and_kill_by_replication_type(servers):
    master = servers.start()
    replica = servers.start()
    replicate(replica, master.port)
    listed = master.client().execute_command("CLIENT", "LIST", "TYPE", "replica").decode()
    assert listed.count("\n") == 1 and "flags=S" in listed and "cmd=" in listed
    mine = replica.client().execute_command("CLIENT", "LIST", "TYPE", "master").decode()
    assert mine.count("\n") == 1 and "flags=M" in mine
    assert replica.client().execute_command("CLIENT", "KILL", "TYPE", "master") == 1
    wait_until(lambda: int(master.info("stats")["sync_partial_ok"]) == 1, SYNC_DEADLINE,
               message="the replica reconnected with a partial resync")


@pytest.mark.parametrize("diskless", ["yes", "no"])
def test_two_replicas_share_one_snapshot(servers, diskless):
    master = servers.start("--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "1")
    fill(master, big=True)
    replicas = [servers.start(), servers.start()]
    for r in replicas:
        assert r.client().replicaof("127.0.0.1", master.port)
    for r in replicas:
        wait_until(lambda: link_up(r), SYNC_DEADLINE, message="link up")
    master.client().set("after", 1)
    wait_synced(master, *replicas)
    for r in replicas:
        assert_same(master, r)
    if diskless == "yes":
        assert master.log().count("Starting BGSAVE for SYNC with target: replicas sockets") == 1
    assert int(master.info("stats")["sync_full"]) == 2


def test_argument_errors_as_redis(servers):
    c = servers.start().client()
    # Each argument of WAIT has its own error, as Redis 7.0 words them.
    with pytest.raises(redis.ResponseError, match="^value is not an integer or out of range$"):
        c.execute_command("WAIT", "a", 0)
    with pytest.raises(redis.ResponseError, match="^timeout is not an integer or out of range$"):
        c.execute_command("WAIT", 0, "a")
    with pytest.raises(redis.ResponseError, match="^timeout is negative$"):
        c.execute_command("WAIT", 0, -1)
    # An announced address may be a long host name: up to 255 bytes, as in Redis.
    assert c.execute_command("REPLCONF", "ip-address", "h" * 255) == b"OK"
    with pytest.raises(redis.ResponseError,
                       match="^REPLCONF ip-address provided by replica instance is too long: "
                             "256 bytes$"):
        c.execute_command("REPLCONF", "ip-address", "h" * 256)


def test_endless_handshake_line_from_master_is_refused(servers):
    """A peer that never ends its reply line is no master: the replica drops the link
    instead of buffering without bound, and tries again."""
    fake = FakeMaster()
    replica = servers.start()
    try:
        replica.client().replicaof("127.0.0.1", fake.port)
        conn = fake.accept()
        fake.handshake(conn)
        try:
            conn.sock.sendall(b"+" + b"x" * (1024 * 1024))
        except OSError:
            pass  # the replica may hang up before taking it all
        wait_until(lambda: log_has(replica, "Bad protocol from MASTER: a reply line longer"),
                   10, message="line refused")
        conn.close()
        fake.accept().close()  # it reconnects
        assert replica.client().ping()
    finally:
        fake.close()


def test_psync_with_a_bad_offset_is_an_error_not_a_sync(servers):
    master = servers.start()
    c = RawClient(master.port)
    assert c.call_raw("PSYNC", "?", "abc") == b"-ERR value is not an integer or out of range\r\n"
    # Still an ordinary client: no snapshot follows, and it is nobody's replica.
    assert c.call_raw("PING") == b"+PONG\r\n"
    assert master.info("replication")["connected_slaves"] == "0"
