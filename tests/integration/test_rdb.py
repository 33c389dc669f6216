"""RDB snapshots: dump.rdb moves both ways between Debian's redis-server 7.0 and the server
under test, SAVE/BGSAVE/LASTSAVE, save points, snapshots at shutdown, DEBUG RELOAD, and
corrupt or truncated files refused with the byte offset in the log.

The interop tests start Debian's /usr/bin/redis-server next to the server under test; they
are skipped (saying why) only when that binary is missing."""

import os
import shutil
import signal
import struct
import subprocess
import time

import pytest
import redis

from conftest import IS_REDIS, SERVER_BIN, Server, wait_until

REDIS_BIN = "/usr/bin/redis-server"
needs_redis = pytest.mark.skipif(
    not os.access(REDIS_BIN, os.X_OK),
    reason=f"{REDIS_BIN} is missing: install Debian's redis-server to run the RDB interop tests")

DBS = (0, 1, 7)


def fill(server):
    """Keys of every type, in small and large encodings, with and without TTLs, in several
    databases, binary-safe, with long compressible strings."""
    for db in DBS:
        c = server.client(db=db)
        p = c.pipeline(transaction=False)
        tag = f"db{db}:"
        # strings: integers of every width, non-canonical integers, binary, long
        p.set(tag + "int8", "-5")
        p.set(tag + "int16", "3000")
        p.set(tag + "int32", "-2000000000")
        p.set(tag + "int64", str(2 ** 62))
        p.set(tag + "notint", "0123")
        p.set(tag + "empty", "")
        p.set(tag + "binary", bytes(range(256)) * 3)
        p.set(tag + "compressible", "abc" * 4000)
        p.set(tag + "short", "hello world")
        p.set(b"\x00bin\xffkey" + tag.encode(), b"\x00\x01\x02")
        p.set(tag + "ttl", "expiring", px=3_600_000)
        # lists: one listpack node, many nodes, binary and integer elements
        p.rpush(tag + "list:small", "a", "b", 1, -2, 3000000000, b"\x00\xff")
        p.rpush(tag + "list:big", *[f"element-{i}-" + "x" * (i % 50) for i in range(3000)])
        p.rpush(tag + "list:ttl", "x", "y")
        p.pexpire(tag + "list:ttl", 7_200_000)
        # sets: intset, strings (listpack in 7.2/ferrite, hashtable in 7.0), large ones
        p.sadd(tag + "set:intset", *range(-10, 100, 3))
        p.sadd(tag + "set:bigint", *range(0, 2000))
        p.sadd(tag + "set:small", "a", "b", "c", b"\x00\xfe")
        p.sadd(tag + "set:big", *[f"member:{i}" for i in range(1000)])
        p.sadd(tag + "set:ttl", 1, 2, 3)
        p.expire(tag + "set:ttl", 10_000)
        # hashes: listpack, hashtable by count, hashtable by value size
        p.hset(tag + "hash:small", mapping={"f1": "v1", "f2": 2, "n": -7, b"\x00": b"\xff"})
        p.hset(tag + "hash:many", mapping={f"field:{i}": f"value:{i}" for i in range(1000)})
        p.hset(tag + "hash:long", mapping={"short": "x", "long": "y" * 100})
        p.hset(tag + "hash:ttl", "a", "b")
        p.expire(tag + "hash:ttl", 5000)
        # sorted sets: listpack, skiplist by count and by member size, odd scores
        p.zadd(tag + "zset:small", {"a": 1, "b": 2.5, "c": -3, "d": 1e100, "e": 0})
        p.zadd(tag + "zset:inf", {"lo": float("-inf"), "hi": float("inf"), "mid": 0.1})
        p.zadd(tag + "zset:big", {f"m{i}": i * 0.5 for i in range(1000)})
        p.zadd(tag + "zset:long", {"z" * 100: 1, "short": 2})
        p.zadd(tag + "zset:ttl", {"a": 1})
        p.expire(tag + "zset:ttl", 9000)
        p.execute()


def dump(server, dbs=range(16)):
    """Everything in the server, type-aware: {(db, key): (type, value, ttl-or-None)}."""
    out = {}
    for db in dbs:
        c = server.client(db=db)
        for key in c.scan_iter(count=1000):
            t = c.type(key)
            if t == b"string":
                v = c.get(key)
            elif t == b"list":
                v = c.lrange(key, 0, -1)
            elif t == b"set":
                v = sorted(c.smembers(key))
            elif t == b"zset":
                v = c.zrange(key, 0, -1, withscores=True)
            elif t == b"hash":
                v = c.hgetall(key)
            else:
                raise AssertionError(f"unexpected type {t!r} for {key!r}")
            pttl = c.pttl(key)
            out[(db, key)] = (t, v, None if pttl < 0 else pttl)
        c.close()
    return out


def assert_same(expected, got):
    assert set(got) == set(expected), (
        f"missing: {sorted(set(expected) - set(got))[:10]}, "
        f"extra: {sorted(set(got) - set(expected))[:10]}")
    for k, (t, v, ttl) in expected.items():
        gt, gv, gttl = got[k]
        assert (gt, gv) == (t, v), f"key {k!r} differs"
        assert (ttl is None) == (gttl is None), f"TTL of {k!r}: {ttl} vs {gttl}"
        if ttl is not None:
            assert abs(ttl - gttl) < 30_000, f"TTL of {k!r}: {ttl} vs {gttl}"


def start_with_file(workdir, rdb, binary=SERVER_BIN, *args):
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copy(rdb, workdir / "dump.rdb")
    return Server(*args, workdir=workdir, binary=binary)


def save_and_stop(server):
    c = server.client()
    assert c.save() is True
    server.stop()
    return server.dir / "dump.rdb"


# -- interop -------------------------------------------------------------------------------

@needs_redis
def test_redis_dump_loads_identically(tmp_path):
    src = Server(workdir=tmp_path / "redis", binary=REDIS_BIN)
    fill(src)
    expected = dump(src)
    rdb = save_and_stop(src)
    assert rdb.read_bytes().startswith(b"REDIS0010")
    dst = start_with_file(tmp_path / "under-test", rdb)
    try:
        assert_same(expected, dump(dst))
        # what was loaded is a working value of its type, in the encoding Redis would pick
        c = dst.client()
        assert c.object("encoding", "db0:hash:small") == b"listpack"
        assert c.object("encoding", "db0:hash:many") == b"hashtable"
        assert c.object("encoding", "db0:zset:small") == b"listpack"
        assert c.object("encoding", "db0:zset:big") == b"skiplist"
        assert c.object("encoding", "db0:set:intset") == b"intset"
        assert c.object("encoding", "db0:list:big") == b"quicklist"
        assert c.rpush("db0:list:small", "more") == 7
        assert c.zincrby("db0:zset:small", 1, "a") == 2.0
    finally:
        dst.stop()


@needs_redis
@pytest.mark.parametrize("compress_depth", [0, 1])
def test_dump_loads_into_redis_identically(tmp_path, compress_depth):
    src = Server("--list-compress-depth", compress_depth, workdir=tmp_path / "under-test")
    fill(src)
    expected = dump(src)
    rdb = save_and_stop(src)
    assert rdb.read_bytes().startswith(b"REDIS0010")
    dst = start_with_file(tmp_path / "redis", rdb, REDIS_BIN)
    try:
        assert_same(expected, dump(dst))
        assert "Done loading RDB" in dst.log()
    finally:
        dst.stop()


@needs_redis
def test_round_trip_through_both(tmp_path):
    """redis -> under test -> redis: nothing changes on the way."""
    a = Server(workdir=tmp_path / "a", binary=REDIS_BIN)
    fill(a)
    expected = dump(a)
    rdb = save_and_stop(a)
    b = start_with_file(tmp_path / "b", rdb)
    rdb2 = save_and_stop(b)
    c = start_with_file(tmp_path / "c", rdb2, REDIS_BIN)
    try:
        assert_same(expected, dump(c))
    finally:
        c.stop()


def test_expired_keys_are_not_loaded(make_server):
    s = make_server()
    c = s.client()
    c.set("gone", "x", px=50)
    c.set("stays", "y")
    c.save()
    time.sleep(0.1)
    c.execute_command("DEBUG", "RELOAD", "NOSAVE")
    assert c.keys("*") == [b"stays"]


# -- corrupt files -------------------------------------------------------------------------

def run_until_exit(workdir, timeout=10):
    """Starts the server on a free port in workdir and waits for it to exit (it must)."""
    from conftest import free_port
    log = workdir / "server.log"
    with open(log, "wb") as f:
        proc = subprocess.run(
            [SERVER_BIN, "--port", str(free_port()), "--bind", "127.0.0.1", "--save", "",
             "--dir", str(workdir)], stdout=f, stderr=subprocess.STDOUT, timeout=timeout)
    return proc.returncode, log.read_text(errors="replace")


@pytest.fixture(scope="module")
def good_rdb(tmp_path_factory):
    s = Server(workdir=tmp_path_factory.mktemp("good"))
    fill(s)
    rdb = save_and_stop(s)
    return rdb.read_bytes()


@pytest.mark.ferrite_only
@pytest.mark.parametrize("cut", [0, 5, 9, 20, 100, 1000, 5000, -9, -8, -1])
def test_truncated_file_refused(tmp_path, good_rdb, cut):
    data = good_rdb[:cut] if cut else b""
    (tmp_path / "dump.rdb").write_bytes(data)
    code, log = run_until_exit(tmp_path)
    assert code != 0
    assert "offset" in log, log


@pytest.mark.ferrite_only
def test_corrupt_bytes_refused(tmp_path, good_rdb):
    # flipping any byte is caught: by the structure checks or by the CRC64 at the end
    for at in (9, 30, len(good_rdb) // 3, len(good_rdb) // 2, len(good_rdb) - 12,
               len(good_rdb) - 3):
        data = bytearray(good_rdb)
        data[at] ^= 0x5A
        (tmp_path / "dump.rdb").write_bytes(bytes(data))
        code, log = run_until_exit(tmp_path)
        assert code != 0, f"flipped byte {at} was accepted"
        assert "Bad RDB file at offset" in log, log


@pytest.mark.ferrite_only
def test_checksum_mismatch_named(tmp_path, good_rdb):
    data = bytearray(good_rdb)
    data[-1] ^= 1
    (tmp_path / "dump.rdb").write_bytes(bytes(data))
    code, log = run_until_exit(tmp_path)
    assert code != 0
    assert "wrong RDB checksum" in log
    assert f"offset {len(good_rdb) - 8}" in log


# -- SAVE, BGSAVE, LASTSAVE, INFO ----------------------------------------------------------

def test_save_and_lastsave(make_server):
    s = make_server()
    c = s.client()
    c.set("k", "v")
    info = s.info("persistence")
    assert int(info["rdb_changes_since_last_save"]) >= 1
    time.sleep(1.1)
    before = c.lastsave()
    assert c.save() is True
    assert c.lastsave() > before
    info = s.info("persistence")
    assert info["rdb_changes_since_last_save"] == "0"
    assert info["rdb_last_bgsave_status"] == "ok"
    assert (s.dir / "dump.rdb").exists()
    assert not list(s.dir.glob("temp-*.rdb"))


def test_bgsave_while_serving(make_server):
    s = make_server()
    c = s.client()
    c.execute_command("DEBUG", "POPULATE", 300000)
    c.set("marker", "m")
    with s.raw() as r:
        assert r.call_raw("BGSAVE") == b"+Background saving started\r\n"
        # the parent keeps answering while the child writes
        assert r.call("PING") == b"PONG"
        r.call("SET", "during", "bgsave")
        info = s.info("persistence")
        if info["rdb_bgsave_in_progress"] == "1":
            assert r.call_raw("BGSAVE") == b"-ERR Background save already in progress\r\n"
            assert r.call_raw("SAVE") == b"-ERR Background save already in progress\r\n"
    wait_until(lambda: s.info("persistence")["rdb_bgsave_in_progress"] == "0", 30,
               message="BGSAVE to finish")
    info = s.info("persistence")
    assert info["rdb_last_bgsave_status"] == "ok"
    assert int(info["rdb_last_bgsave_time_sec"]) >= 0
    # the write made during the BGSAVE is still unsaved
    assert int(info["rdb_changes_since_last_save"]) >= 1
    assert c.dbsize() == 300002
    c.execute_command("DEBUG", "RELOAD", "NOSAVE")
    assert c.dbsize() == 300001  # the snapshot has everything but the write made during it
    assert c.get("marker") == b"m"
    assert c.get("key:299999") == b"value:299999"


def test_bgsave_schedule_and_syntax(make_server):
    s = make_server()
    c = s.client()
    c.set("a", 1)
    with s.raw() as r:
        reply = r.call_raw("BGSAVE", "SCHEDULE")
        assert reply in (b"+Background saving started\r\n",
                         b"+Background saving scheduled\r\n")
        wait_until(lambda: s.info("persistence")["rdb_bgsave_in_progress"] == "0", 10)
        assert r.call_raw("BGSAVE", "NOW") == b"-ERR syntax error\r\n"


# -- lifecycle -----------------------------------------------------------------------------

def test_shutdown_saves_when_save_points_exist(make_server):
    s = make_server("--save", "3600 1")
    c = s.client()
    fill(s)
    expected = dump(s)
    with s.raw() as r:
        r.cmd("SHUTDOWN")
        assert r.is_closed(5)
    assert s.wait_exit() == 0
    s2 = Server(workdir=s.dir)
    try:
        assert_same(expected, dump(s2))
    finally:
        s2.stop()
    c.close()


def test_sigterm_saves(make_server):
    s = make_server("--save", "3600 1")
    s.client().set("k", "after-sigterm")
    s.proc.send_signal(signal.SIGTERM)
    assert s.wait_exit() == 0
    s2 = Server(workdir=s.dir)
    try:
        assert s2.client().get("k") == b"after-sigterm"
    finally:
        s2.stop()


def test_shutdown_nosave_and_save(make_server):
    s = make_server("--save", "3600 1")
    s.client().set("k", "v")
    with s.raw() as r:
        r.cmd("SHUTDOWN", "NOSAVE")
        assert r.is_closed(5)
    s.wait_exit()
    assert not (s.dir / "dump.rdb").exists()
    # no save points, but SHUTDOWN SAVE forces one
    s2 = Server(workdir=s.dir)
    s2.client().set("k2", "v2")
    with s2.raw() as r:
        r.cmd("SHUTDOWN", "SAVE")
        assert r.is_closed(5)
    s2.wait_exit()
    assert (s.dir / "dump.rdb").exists()
    s3 = Server(workdir=s.dir)
    try:
        assert s3.client().get("k2") == b"v2"
    finally:
        s3.stop()


def test_debug_reload_keeps_data(make_server):
    s = make_server()
    fill(s)
    expected = dump(s)
    assert s.client().execute_command("DEBUG", "RELOAD") in (True, b"OK")
    assert_same(expected, dump(s))


def test_save_point_triggers_bgsave(make_server):
    s = make_server("--save", "1 3")
    c = s.client()
    for i in range(5):
        c.set(f"k{i}", i)
    wait_until(lambda: (s.dir / "dump.rdb").exists() and
               s.info("persistence")["rdb_changes_since_last_save"] == "0", 10,
               message="the save point to write dump.rdb")
    assert "changes in 1 seconds. Saving..." in s.log() or IS_REDIS


def test_flushall_with_save_points_writes_empty_snapshot(make_server):
    s = make_server("--save", "3600 1000")
    c = s.client()
    c.set("k", "v")
    c.save()
    size_before = (s.dir / "dump.rdb").stat().st_size
    c.flushall()
    assert (s.dir / "dump.rdb").stat().st_size < size_before
    # the snapshot covers the flush (Redis 7.0 resets the counter here too)
    assert s.info("persistence")["rdb_changes_since_last_save"] == "0"
    c.execute_command("DEBUG", "RELOAD", "NOSAVE")
    assert c.dbsize() == 0


def test_keys_loaded_publish_no_events(make_server):
    s = make_server("--notify-keyspace-events", "KEA")
    c = s.client()
    c.set("a", 1)
    c.save()
    p = c.pubsub()
    p.psubscribe("__key*__:*")
    assert p.get_message(timeout=1)["type"] == "psubscribe"
    c.execute_command("DEBUG", "RELOAD", "NOSAVE")
    msg = p.get_message(timeout=0.3)
    assert msg is None, msg
    p.close()


# -- encodings older versions wrote (hand-built from the format description) ---------------

def crc64(data):
    """Redis's CRC64: Jones polynomial, reflected."""
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x95AC9329AC4BC9B5 if crc & 1 else crc >> 1
    return crc


def rdb_len(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    return b"\x80" + struct.pack(">I", n)


def rdb_str(s):
    s = s.encode() if isinstance(s, str) else s
    return rdb_len(len(s)) + s


def ziplist(items):
    """A ziplist (Redis < 7.0): small ints as immediates or int8/int16, short strings."""
    body, prev, last = b"", 0, 0
    for it in items:
        if isinstance(it, int) and 0 <= it <= 12:
            enc, data = bytes([0xF1 + it]), b""
        elif isinstance(it, int) and -128 <= it < 128:
            enc, data = b"\xfe", struct.pack("<b", it)
        elif isinstance(it, int):
            enc, data = b"\xc0", struct.pack("<h", it)
        else:
            data = it.encode()
            enc = bytes([len(data)])
        entry = (bytes([prev]) if prev < 254 else b"\xfe" + struct.pack("<I", prev)) + enc + data
        last = 10 + len(body)
        body += entry
        prev = len(entry)
    return struct.pack("<IIH", 10 + len(body) + 1, last, len(items)) + body + b"\xff"


def intset(values):
    return struct.pack("<II", 2, len(values)) + b"".join(struct.pack("<h", v) for v in values)


def old_rdb():
    """An RDB version 9 image with the encodings of Redis 4..6."""
    out = b"REDIS0009" + b"\xfa" + rdb_str("redis-ver") + rdb_str("6.0.16")
    out += b"\xfe\x00"
    out += b"\x0d" + rdb_str("zl:hash") + rdb_str(ziplist(["f1", "v1", "f2", 7, "n", -300]))
    out += b"\x0c" + rdb_str("zl:zset") + rdb_str(ziplist(["a", 1, "b", "2.5", "c", 300]))
    out += b"\x0a" + rdb_str("zl:list") + rdb_str(ziplist(["x", 5, -100, "yy"]))
    out += b"\x0e" + rdb_str("ql:list") + rdb_len(2) + rdb_str(ziplist(["a", "b"])) + \
        rdb_str(ziplist([1, 2, 3]))
    out += b"\x0b" + rdb_str("is:set") + rdb_str(intset([-5, 0, 9]))
    out += b"\x01" + rdb_str("plain:list") + rdb_len(2) + rdb_str("p") + rdb_str("q")
    out += b"\x02" + rdb_str("plain:set") + rdb_len(2) + rdb_str("s1") + rdb_str("s2")
    out += b"\x04" + rdb_str("plain:hash") + rdb_len(1) + rdb_str("hf") + rdb_str("hv")
    # old sorted set: scores as text, 254/255 for +inf/-inf
    out += b"\x03" + rdb_str("plain:zset") + rdb_len(3) + rdb_str("m1") + b"\x031.5" + \
        rdb_str("m2") + b"\xfe" + rdb_str("m3") + b"\xff"
    # seconds-resolution expiry far in the future, then one long past
    out += b"\xfd" + struct.pack("<I", 2000000000) + b"\x00" + rdb_str("sec:ttl") + rdb_str("v")
    out += b"\xfc" + struct.pack("<Q", 1000) + b"\x00" + rdb_str("gone") + rdb_str("v")
    out += b"\xff"
    return out + struct.pack("<Q", crc64(out))


def test_old_encodings_load(tmp_path):
    path = tmp_path / "old"
    path.mkdir()
    (path / "dump.rdb").write_bytes(old_rdb())
    s = Server(workdir=path)
    try:
        c = s.client()
        assert c.hgetall("zl:hash") == {b"f1": b"v1", b"f2": b"7", b"n": b"-300"}
        assert c.zrange("zl:zset", 0, -1, withscores=True) == [(b"a", 1.0), (b"b", 2.5),
                                                                (b"c", 300.0)]
        assert c.lrange("zl:list", 0, -1) == [b"x", b"5", b"-100", b"yy"]
        assert c.lrange("ql:list", 0, -1) == [b"a", b"b", b"1", b"2", b"3"]
        assert c.smembers("is:set") == {b"-5", b"0", b"9"}
        assert c.lrange("plain:list", 0, -1) == [b"p", b"q"]
        assert c.smembers("plain:set") == {b"s1", b"s2"}
        assert c.hgetall("plain:hash") == {b"hf": b"hv"}
        assert c.zrange("plain:zset", 0, -1, withscores=True) == [
            (b"m3", float("-inf")), (b"m1", 1.5), (b"m2", float("inf"))]
        assert c.ttl("sec:ttl") > 10 ** 8
        assert c.exists("gone") == 0
        assert c.dbsize() == 10
    finally:
        s.stop()


@pytest.mark.ferrite_only
@pytest.mark.parametrize("what,blob", [
    ("duplicate hash field", b"\x0d" + rdb_str("h") + rdb_str(ziplist(["f", "a", "f", "b"]))),
    ("odd number of elements", b"\x0d" + rdb_str("h") + rdb_str(ziplist(["f", "a", "g"]))),
    ("corrupt intset", b"\x0b" + rdb_str("s") + rdb_str(intset([3, 1]))),
    ("duplicate set member", b"\x02" + rdb_str("s") + rdb_len(2) + rdb_str("a") + rdb_str("a")),
    ("NaN score", b"\x03" + rdb_str("z") + rdb_len(1) + rdb_str("m") + b"\xfd"),
    ("exceeds the file", b"\x01" + rdb_str("l") + b"\x80\x7f\xff\xff\xff"),
    ("invalid LZF lengths", b"\x00" + rdb_str("k") + b"\xc3\x01\x80\x7f\xff\xff\xff" + b"x"),
])
def test_invalid_values_refused(tmp_path, what, blob):
    body = b"REDIS0010\xfe\x00" + blob + b"\xff"
    (tmp_path / "dump.rdb").write_bytes(body + struct.pack("<Q", crc64(body)))
    code, log = run_until_exit(tmp_path)
    assert code != 0
    assert "Bad RDB file at offset" in log, log
    reason = {"NaN score": "NaN", "odd number of elements": "odd number"}.get(what, what)
    assert reason in log, log


def test_bgsave_inside_multi_is_scheduled(make_server):
    s = make_server()
    c = s.client()
    with s.raw() as r:
        r.call("MULTI")
        r.call("SET", "k", "v")
        r.call("BGSAVE")
        assert r.call("EXEC") == [b"OK", b"Background saving scheduled"]
    wait_until(lambda: (s.dir / "dump.rdb").exists() and
               s.info("persistence")["rdb_bgsave_in_progress"] == "0", 10,
               message="scheduled BGSAVE to run")
    assert c.lastsave()
