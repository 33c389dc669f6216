"""The append-only file: Redis 7's multi-part layout (manifest, RDB base, incremental
files), loading at start-up, BGREWRITEAOF while writes go on, CONFIG SET appendonly,
automatic rewrites, torn tails and incomplete transactions, and crash tests that kill the
server with SIGKILL and count acknowledged writes.

Everything here runs against Debian's redis-server 7.0 as well (same layout, same
messages), except the few tests marked ferrite_only."""

import os
import random
import signal
import subprocess
import threading
import time

import pytest
import redis

from conftest import IS_REDIS, SERVER_BIN, Server, free_port, wait_until
from test_rdb import assert_same, dump, fill

REDIS_BIN = "/usr/bin/redis-server"
needs_redis = pytest.mark.skipif(
    not os.access(REDIS_BIN, os.X_OK),
    reason=f"{REDIS_BIN} is missing: install Debian's redis-server to run the AOF interop tests")

AOF = ("--appendonly", "yes")


def aof_dir(server):
    return server.dir / "appendonlydir"


def manifest(server):
    """[(name, type)] as the manifest lists them."""
    out = []
    for line in (aof_dir(server) / "appendonly.aof.manifest").read_text().splitlines():
        words = line.split()
        fields = dict(zip(words[::2], words[1::2]))
        out.append((fields["file"], fields["type"]))
    return out


def newest_incr(server):
    incrs = [name for name, kind in manifest(server) if kind == "i"]
    return aof_dir(server) / incrs[-1]


def kill9(server):
    os.kill(server.pid, signal.SIGKILL)
    server.proc.wait()


def start(server):
    """Starts the server again in the same directory (with the same arguments) and waits
    until it has loaded its data (Redis answers -LOADING meanwhile)."""
    server.start()

    def loaded():
        try:
            return server.client().ping()
        except redis.BusyLoadingError:
            return False

    wait_until(loaded, 30, message="dataset loaded")


def restart(server):
    server.stop()
    start(server)


def wait_rewrite_done(server, timeout=20):
    def done():
        # One INFO for both fields: with two, a scheduled rewrite can start in between and
        # look finished.
        p = server.info("persistence")
        return p["aof_rewrite_in_progress"] == "0" and p["aof_rewrite_scheduled"] == "0"
    wait_until(done, timeout, message="AOF rewrite to finish")


# -- layout and reload ---------------------------------------------------------------------

def test_layout_is_redis7_multipart(make_server):
    s = make_server(*AOF)
    c = s.client()
    c.set("k", "v")
    kinds = manifest(s)
    assert [k for _, k in kinds] == ["b", "i"]
    assert kinds[0][0] == "appendonly.aof.1.base.rdb"
    assert kinds[1][0] == "appendonly.aof.1.incr.aof"
    assert (aof_dir(s) / kinds[0][0]).read_bytes().startswith(b"REDIS")
    data = newest_incr(s).read_bytes()
    assert b"*2\r\n$6\r\nselect\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n" in data.lower()
    info = s.info("persistence")
    assert info["aof_enabled"] == "1"
    assert int(info["aof_current_size"]) >= len(data)


def test_every_type_survives_restart(make_server):
    s = make_server(*AOF)
    fill(s)
    c = s.client()
    c.delete("db0:list:small")
    c.lpop("db0:list:big", 10)
    c.hdel("db0:hash:many", "field:7")
    c.execute_command("MULTI")
    c.execute_command("INCR", "counter")
    c.execute_command("SWAPDB", 1, 7)
    c.execute_command("EXEC")
    expected = dump(s)
    restart(s)
    assert_same(expected, dump(s))
    assert "DB loaded from append only file" in s.log()


def test_writes_reach_the_file_before_the_reply(make_server):
    s = make_server(*AOF, "--appendfsync", "no")
    c = s.client()
    for i in range(50):
        c.set(f"key:{i}", i)
        # the reply came back, so the command is already in the file
        assert f"key:{i}".encode() in newest_incr(s).read_bytes()


def test_reads_and_noops_are_not_logged(make_server):
    s = make_server(*AOF)
    c = s.client()
    c.set("a", 1)
    size = newest_incr(s).stat().st_size
    c.get("a")
    c.delete("missing")
    c.srem("nosuchset", "x")
    c.expire("missing", 10)
    assert newest_incr(s).stat().st_size == size


def test_select_written_when_the_database_changes(make_server):
    s = make_server(*AOF)
    c3 = s.client(db=3)
    c0 = s.client()
    c3.set("x", 1)
    c3.set("y", 1)
    c0.set("z", 1)
    data = newest_incr(s).read_bytes()
    assert data.count(b"SELECT") == 2
    assert data.index(b"SELECT\r\n$1\r\n3") < data.index(b"\r\nx\r\n") < data.index(
        b"SELECT\r\n$1\r\n0")


# -- rewriting -----------------------------------------------------------------------------

def test_bgrewriteaof_compacts_and_replaces_files(make_server):
    s = make_server(*AOF)
    c = s.client()
    for i in range(200):
        c.incr("counter")
    old = manifest(s)
    assert c.bgrewriteaof() in (True, b"Background append only file rewriting started")
    wait_rewrite_done(s)
    new = manifest(s)
    assert new[0] == ("appendonly.aof.2.base.rdb", "b")
    assert [k for _, k in new] == ["b", "i"]
    for name, _ in old:
        if name not in dict(new):
            assert not (aof_dir(s) / name).exists(), f"{name} left behind"
    c.set("after", "rewrite")
    expected = dump(s)
    restart(s)
    assert_same(expected, dump(s))
    assert s.info("persistence")["aof_last_bgrewrite_status"] == "ok"


def test_writes_during_rewrite_are_kept(make_server):
    s = make_server(*AOF)
    c = s.client()
    c.execute_command("DEBUG", "POPULATE", 300000, "bulk", 64)
    stop = threading.Event()
    written = []

    def writer():
        w = s.client()
        i = 0
        while not stop.is_set():
            w.set(f"during:{i}", i)
            written.append(i)
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        time.sleep(0.05)
        c.bgrewriteaof()
        wait_rewrite_done(s)
        time.sleep(0.05)
    finally:
        stop.set()
        t.join()
    assert len(written) > 10
    assert s.info("persistence")["aof_rewrites"] == "1"
    restart(s)
    c = s.client()
    assert c.dbsize() == 300000 + len(written)
    assert c.get(f"during:{written[-1]}") == str(written[-1]).encode()


def test_rewrite_while_bgsave_is_scheduled(make_server):
    s = make_server(*AOF)
    c = s.client()
    c.execute_command("DEBUG", "POPULATE", 200000)
    c.bgsave()
    with s.raw() as r:
        assert r.call("BGREWRITEAOF") == b"Background append only file rewriting scheduled"
    wait_rewrite_done(s)
    assert s.info("persistence")["aof_rewrites"] == "1"


def test_second_rewrite_refused_while_one_runs(make_server):
    s = make_server(*AOF)
    c = s.client()
    c.execute_command("DEBUG", "POPULATE", 500000, "k", 100)
    c.bgrewriteaof()
    with pytest.raises(redis.ResponseError,
                       match="Background append only file rewriting already in progress"):
        c.bgrewriteaof()
    wait_rewrite_done(s)


def test_auto_rewrite_on_growth(make_server):
    s = make_server(*AOF, "--auto-aof-rewrite-percentage", 100,
                    "--auto-aof-rewrite-min-size", "64kb")
    c = s.client()
    value = "x" * 1000
    for i in range(200):
        c.set(f"k{i % 10}", value)
    wait_until(lambda: int(s.info("persistence")["aof_rewrites"]) >= 1, 10,
               message="automatic rewrite")
    wait_rewrite_done(s)
    assert int(s.info("persistence")["aof_current_size"]) < 64 * 1024


def test_bgrewriteaof_with_appendonly_off_writes_a_base(make_server):
    s = make_server()
    c = s.client()
    c.set("a", 1)
    c.bgrewriteaof()
    wait_rewrite_done(s)
    assert [k for _, k in manifest(s)] == ["b"]


# -- switching at run time -----------------------------------------------------------------

def test_config_set_appendonly_yes_rewrites_then_appends(make_server):
    s = make_server()
    c = s.client()
    fill(s)
    assert c.config_set("appendonly", "yes")
    wait_rewrite_done(s)
    assert s.info("persistence")["aof_enabled"] == "1"
    c.set("after", "switch")
    expected = dump(s)
    assert [k for _, k in manifest(s)] == ["b", "i"]
    s.stop()
    s.extra_args += list(AOF)
    start(s)
    assert_same(expected, dump(s))


def test_config_set_appendonly_no_stops_appending(make_server):
    s = make_server(*AOF)
    c = s.client()
    c.set("a", 1)
    size = newest_incr(s).stat().st_size
    assert c.config_set("appendonly", "no")
    c.set("b", 2)
    assert newest_incr(s).stat().st_size == size
    assert s.info("persistence")["aof_enabled"] == "0"


def test_aof_preferred_over_rdb_at_startup(make_server):
    s = make_server(*AOF)
    c = s.client()
    c.set("from", "aof")
    c.save()                       # dump.rdb says the same...
    c.set("only", "in-aof")        # ...minus this
    restart(s)
    assert s.client().get("only") == b"in-aof"


# -- damaged files -------------------------------------------------------------------------

def write_then_kill(s, n):
    c = s.client()
    p = c.pipeline(transaction=False)
    for i in range(n):
        p.set(f"key:{i:05d}", "v" * (i % 40))
    p.execute()
    kill9(s)


def surviving_prefix(s, n):
    """The keys loaded must be exactly key:0..key:m-1 for some m: a prefix of the history."""
    c = s.client()
    keys = sorted(k.decode() for k in c.keys("key:*"))
    m = len(keys)
    assert keys == [f"key:{i:05d}" for i in range(m)]
    assert m <= n
    return m


@pytest.mark.parametrize("seed", range(4))
def test_torn_tail_loads_what_is_whole(make_server, seed):
    s = make_server(*AOF)
    write_then_kill(s, 500)
    incr = newest_incr(s)
    data = incr.read_bytes()
    rng = random.Random(seed)
    cut = rng.randrange(len(data) // 2, len(data) - 1)
    incr.write_bytes(data[:cut])
    start(s)
    m = surviving_prefix(s, 500)
    assert m >= 1
    assert "aof-load-truncated" in s.log()
    # the torn bytes were cut off, so appending goes on from a clean end
    s.client().set("after", "restart")
    restart(s)
    assert surviving_prefix(s, 500) == m
    assert s.client().get("after") == b"restart"


def test_torn_tail_refused_without_aof_load_truncated(tmp_path):
    s = Server(*AOF, workdir=tmp_path)
    write_then_kill(s, 100)
    incr = newest_incr(s)
    incr.write_bytes(incr.read_bytes()[:-7])
    s.extra_args += ["--aof-load-truncated", "no"]
    with open(s.log_path, "ab") as log:
        proc = subprocess.run(s.argv(free_port()), cwd=s.dir, stdout=log,
                              stderr=subprocess.STDOUT, timeout=20)
    assert proc.returncode != 0
    assert "Unexpected end of file reading the append only file" in s.log()


def test_incomplete_transaction_is_reverted(make_server):
    s = make_server(*AOF)
    c = s.client()
    c.set("before", 1)
    kill9(s)
    with open(newest_incr(s), "ab") as f:
        f.write(b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$7\r\npartial\r\n$1\r\n1\r\n")
    start(s)
    c = s.client()
    assert c.get("before") == b"1"
    assert c.get("partial") is None
    assert "Revert incomplete MULTI/EXEC transaction" in s.log()


def test_garbage_in_the_middle_is_refused(tmp_path):
    s = Server(*AOF, workdir=tmp_path)
    write_then_kill(s, 50)
    incr = newest_incr(s)
    data = incr.read_bytes()
    incr.write_bytes(data[:100] + b"garbage\r\n" + data[100:])
    with open(s.log_path, "ab") as log:
        proc = subprocess.run(s.argv(free_port()), cwd=s.dir, stdout=log,
                              stderr=subprocess.STDOUT, timeout=20)
    assert proc.returncode != 0
    assert "Bad file format reading the append only file" in s.log()


# -- crash tests ---------------------------------------------------------------------------

def acked_writes_survive(make_server, fsync, rounds, seconds):
    """Writers count acknowledged INCRs and SETs while the server is SIGKILLed at a random
    moment; after each restart, everything acknowledged must be there. Returns how many
    acknowledged writes were missing in total (0 is required for 'always')."""
    s = make_server(*AOF, "--appendfsync", fsync)
    rng = random.Random(fsync)
    acked_incr = 0
    acked_keys = []
    missing = 0
    for _ in range(rounds):
        stop = threading.Event()
        state = {"incr": acked_incr, "keys": []}

        def writer():
            w = redis.Redis(port=s.port, socket_timeout=5)
            try:
                while not stop.is_set():
                    state["incr"] = w.incr("counter")
                    key = f"k:{state['incr']}"
                    w.set(key, key)
                    state["keys"].append(key)
            except (redis.ConnectionError, redis.TimeoutError):
                pass
            finally:
                w.close()

        threads = [threading.Thread(target=writer) for _ in range(1)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.05, seconds))
        kill9(s)
        stop.set()
        for t in threads:
            t.join()
        acked_incr = state["incr"]
        acked_keys += state["keys"]
        start(s)
        c = s.client()
        got = int(c.get("counter") or 0)
        assert got >= acked_incr or fsync != "always", (got, acked_incr)
        missing += max(0, acked_incr - got)
        present = c.exists(*acked_keys[-2000:]) if acked_keys else 0
        missing += min(len(acked_keys), 2000) - present
        acked_incr = got
    s.stop()
    return missing


def test_crash_always_loses_no_acknowledged_write(make_server):
    assert acked_writes_survive(make_server, "always", rounds=5, seconds=0.6) == 0


def test_crash_everysec(make_server):
    # A SIGKILL leaves the page cache intact, so even everysec loses nothing here: the
    # write() happened before the reply. What fsync protects against is a power cut.
    assert acked_writes_survive(make_server, "everysec", rounds=3, seconds=0.4) == 0


# -- disk errors ---------------------------------------------------------------------------

def test_misconf_after_failed_bgsave(make_server, tmp_path):
    gone = tmp_path / "vanishing"
    gone.mkdir()
    s = make_server("--save", "3600 1", "--dir", str(gone))
    c = s.client()
    gone.rmdir()   # the server's working directory: no file can be created in it now
    c.set("a", 1)
    c.bgsave()
    wait_until(lambda: s.info("persistence")["rdb_last_bgsave_status"] == "err", 10,
               message="BGSAVE to fail")
    with pytest.raises(redis.ResponseError, match="^MISCONF"):
        c.set("b", 2)
    assert c.get("a") == b"1"          # reads still work
    c.config_set("stop-writes-on-bgsave-error", "no")
    assert c.set("b", 2)
    c.config_set("save", "")   # else shutdown would refuse to exit without its snapshot


# -- interop with Redis 7.0 ----------------------------------------------------------------

@needs_redis
@pytest.mark.skipif(IS_REDIS, reason="the server under test is Redis itself")
@pytest.mark.parametrize("direction", ["to-redis", "from-redis"])
def test_aof_directory_moves_between_servers(tmp_path, direction):
    first, second = (SERVER_BIN, REDIS_BIN) if direction == "to-redis" else (REDIS_BIN,
                                                                              SERVER_BIN)
    a = Server(*AOF, workdir=tmp_path, binary=first)
    fill(a)
    c = a.client()
    c.bgrewriteaof()
    wait_rewrite_done(a)
    c.set("after-rewrite", "x")
    c.rpush("db0:list:small", "tail")
    expected = dump(a)
    a.stop()
    b = Server(*AOF, workdir=tmp_path, binary=second)
    try:
        assert_same(expected, dump(b))
    finally:
        b.stop()


def test_shutdown_force_exits_when_the_final_save_fails(make_server, tmp_path):
    gone = tmp_path / "vanishing"
    gone.mkdir()
    s = make_server("--save", "3600 1", "--dir", str(gone))
    gone.rmdir()
    with s.raw() as r:
        assert r.call("SHUTDOWN") == b"ERR Errors trying to SHUTDOWN. Check logs."
        assert r.call("SHUTDOWN", "ABORT") == b"ERR No shutdown in progress."
        assert r.call("PING") == b"PONG"
        r.cmd("SHUTDOWN", "FORCE")
        assert r.is_closed(timeout=5)
    assert s.wait_exit() == 0


@pytest.mark.ferrite_only   # Redis 7.0.15 exits on DEBUG LOADAOF without an AOF
def test_debug_loadaof_without_aof_is_refused_and_loses_nothing(make_server):
    s = make_server()
    c = s.client()
    c.set("kept", 1)
    with pytest.raises(redis.ResponseError, match="^DEBUG LOADAOF needs appendonly yes"):
        c.execute_command("DEBUG", "LOADAOF")
    assert c.get("kept") == b"1"
