"""What write commands propagate, read back from the append-only file.

The AOF gets exactly what a replica would: every effect in a deterministic form, so that
replaying the file gives the same dataset whatever the clock or chance says then.  Redis 7.0
writes the same multi-part layout (appendonlydir/appendonly.aof.N.incr.aof holds RESP
commands), so these tests read the newest incremental file against either server.
"""

import random
import re
import threading
import time

import pytest
import redis

from conftest import IS_REDIS, wait_until


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def parse_commands(data):
    """The RESP arrays of an AOF file, as lists of str (latin-1, so any byte round-trips)."""
    out, i = [], 0
    while i < len(data):
        assert data[i:i + 1] == b"*", data[i:i + 40]
        j = data.index(b"\r\n", i)
        n, i = int(data[i + 1:j]), j + 2
        args = []
        for _ in range(n):
            assert data[i:i + 1] == b"$", data[i:i + 40]
            j = data.index(b"\r\n", i)
            ln, i = int(data[i + 1:j]), j + 2
            args.append(data[i:i + ln].decode("latin-1"))
            i += ln + 2
        out.append(args)
    return out


def newest_incr(srv):
    files = list((srv.dir / "appendonlydir").glob("appendonly.aof.*.incr.aof"))
    assert files, "no incremental AOF file"
    return max(files, key=lambda p: int(re.search(r"\.(\d+)\.incr\.aof$", p.name).group(1)))


def aof_commands(srv):
    """Every command in the newest incremental file, SELECTs left out."""
    return [c for c in parse_commands(newest_incr(srv).read_bytes())
            if c[0].upper() != "SELECT"]


KEYWORDS = {"LEFT", "RIGHT", "NX", "XX", "GT", "LT", "KEEPTTL", "GET", "PXAT", "ASYNC"}


def norm(cmd):
    """Command names and option words compare case-insensitively: Redis keeps the client's
    spelling when it does not rewrite, and spells its own rewrites as it likes."""
    return [cmd[0].upper()] + [a.upper() if a.upper() in KEYWORDS else a for a in cmd[1:]]


class Aof:
    """Reads the commands appended since the last call."""

    def __init__(self, srv):
        self.srv = srv
        self.seen = len(aof_commands(srv))

    def new(self):
        cmds = aof_commands(self.srv)
        out, self.seen = cmds[self.seen:], len(cmds)
        return [norm(c) for c in out]


def now_ms():
    return int(time.time() * 1000)


@pytest.fixture
def aof_srv(make_server):
    return make_server("--appendonly", "yes", "--appendfsync", "always")


@pytest.fixture
def r(aof_srv):
    return aof_srv.client()


@pytest.fixture
def aof(aof_srv, r):
    r.ping()
    return Aof(aof_srv)


def assert_pxat(cmd, prefix, lo, hi):
    """cmd is prefix + [ms] with lo <= ms <= hi."""
    assert cmd[:len(prefix)] == prefix and len(cmd) == len(prefix) + 1, cmd
    assert lo <= int(cmd[-1]) <= hi, (cmd, lo, hi)


# ---------------------------------------------------------------------------
# Strings
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("args, delta", [
    (("SET", "k", "v", "EX", "100"), 100000),
    (("SET", "k", "v", "PX", "5000", "NX"), 5000),
    (("SET", "k", "v", "EX", "100", "GET"), 100000),
    (("SETEX", "k", "100", "v"), 100000),
    (("PSETEX", "k", "7000", "v"), 7000),
])
def test_set_relative_expiry_becomes_pxat(r, aof, args, delta):
    before = now_ms()
    r.execute_command(*args)
    after = now_ms()
    (cmd,) = aof.new()
    assert_pxat(cmd, ["SET", "k", "v", "PXAT"], before + delta, after + delta)


def test_set_absolute_expiry_becomes_pxat(r, aof):
    r.execute_command("SET", "k", "v", "EXAT", "99999999999")
    r.execute_command("SET", "k2", "v", "PXAT", "99999999999999", "XX")  # no k2: not written
    r.execute_command("SET", "k3", "v", "PXAT", "99999999999998")
    assert aof.new() == [["SET", "k", "v", "PXAT", "99999999999000"],
                         ["SET", "k3", "v", "PXAT", "99999999999998"]]


def test_set_without_expiry_propagates_as_sent(r, aof):
    r.execute_command("SET", "k", "v")
    r.execute_command("SETNX", "k", "x")  # exists: nothing
    r.execute_command("SETNX", "k2", "x")
    r.execute_command("SET", "k", "w", "XX")
    assert aof.new() == [["SET", "k", "v"], ["SETNX", "k2", "x"], ["SET", "k", "w", "XX"]]


def test_get_option_is_dropped(r, aof):
    """GET only shapes the reply; GETSET is propagated as the SET it is."""
    r.execute_command("SET", "k", "v", "GET")
    r.execute_command("SET", "k", "w", "KEEPTTL", "GET")
    r.execute_command("SET", "k", "x", "GET", "XX")
    r.execute_command("SET", "k", "y", "NX", "GET")  # exists: nothing
    r.execute_command("GETSET", "k", "z")
    assert aof.new() == [["SET", "k", "v"], ["SET", "k", "w", "KEEPTTL"],
                         ["SET", "k", "x", "XX"], ["SET", "k", "z"]]


def test_set_past_expiry_then_access_deletes(r, aof):
    r.execute_command("SET", "k", "v", "PXAT", "1000")
    assert r.get("k") is None
    assert aof.new() == [["SET", "k", "v", "PXAT", "1000"], ["DEL", "k"]]


def test_getex_and_getdel(r, aof):
    r.set("k", "v")
    aof.new()
    before = now_ms()
    r.execute_command("GETEX", "k", "EX", "100")
    after = now_ms()
    (cmd,) = aof.new()
    assert_pxat(cmd, ["PEXPIREAT", "k"], before + 100000, after + 100000)
    r.execute_command("GETEX", "k", "PXAT", "99999999999999")
    r.execute_command("GETEX", "k", "PERSIST")
    r.execute_command("GETEX", "k", "PERSIST")  # no TTL left: nothing
    r.execute_command("GETEX", "k")
    r.execute_command("GETEX", "k", "EXAT", "1")
    r.execute_command("GETEX", "missing", "EX", "10")
    assert aof.new() == [["PEXPIREAT", "k", "99999999999999"], ["PERSIST", "k"], ["DEL", "k"]]
    r.set("g", "v")
    assert r.execute_command("GETDEL", "g") == b"v"
    r.execute_command("GETDEL", "g")
    assert aof.new() == [["SET", "g", "v"], ["DEL", "g"]]


def test_incrbyfloat_propagates_the_result(r, aof):
    r.set("f", "10")
    r.expire("f", 1000)
    aof.new()
    r.execute_command("INCRBYFLOAT", "f", "1e3")
    # The stream carries the stored text, whatever the float formatting made of it.
    r.execute_command("INCRBYFLOAT", "f", "0.1")
    tenth = r.get("f").decode()
    r.execute_command("HINCRBYFLOAT", "h", "x", "2.5")
    r.execute_command("HINCRBYFLOAT", "h", "x", "5.0e1")
    assert aof.new() == [["SET", "f", "1010", "KEEPTTL"], ["SET", "f", tenth, "KEEPTTL"],
                         ["HSET", "h", "x", "2.5"], ["HSET", "h", "x", "52.5"]]
    assert r.ttl("f") > 900


# ---------------------------------------------------------------------------
# EXPIRE family
# ---------------------------------------------------------------------------

def test_expire_family_becomes_pexpireat(r, aof):
    r.set("k", "v")
    aof.new()
    for args, delta in [(("EXPIRE", "k", "100"), 100000), (("PEXPIRE", "k", "200000"), 200000),
                        (("EXPIRE", "k", "300", "GT"), 300000)]:
        before = now_ms()
        assert r.execute_command(*args) == 1
        after = now_ms()
        (cmd,) = aof.new()
        # Redis keeps the NX|XX|GT|LT option: replayed, it decides the same way.
        assert_pxat(cmd[:3], ["PEXPIREAT", "k"], before + delta, after + delta)
        assert [a.upper() for a in cmd[3:]] == [a.upper() for a in args[3:]]
    r.execute_command("EXPIREAT", "k", "99999999999")
    r.execute_command("PEXPIREAT", "k", "99999999999999")
    assert aof.new() == [["PEXPIREAT", "k", "99999999999000"],
                         ["PEXPIREAT", "k", "99999999999999"]]


def test_expire_that_changes_nothing_is_not_propagated(r, aof):
    r.set("k", "v")
    r.expire("k", 1000)
    aof.new()
    assert r.execute_command("EXPIRE", "k", "10", "GT") == 0
    assert r.execute_command("EXPIRE", "k", "10", "NX") == 0
    assert r.execute_command("EXPIRE", "missing", "10") == 0
    assert aof.new() == []


@pytest.mark.parametrize("args", [("EXPIRE", "k", "-1"), ("PEXPIRE", "k", "0"),
                                  ("EXPIREAT", "k", "1"), ("PEXPIREAT", "k", "1000")])
def test_expire_in_the_past_deletes(r, aof, args):
    r.set("k", "v")
    aof.new()
    assert r.execute_command(*args) == 1
    assert r.exists("k") == 0
    assert aof.new() == [["DEL", "k"]]


def test_persist_propagates_as_sent(r, aof):
    r.set("k", "v", ex=100)
    aof.new()
    r.persist("k")
    r.persist("k")
    assert aof.new() == [["PERSIST", "k"]]


# ---------------------------------------------------------------------------
# SPOP
# ---------------------------------------------------------------------------

def srem_members(cmds, key):
    """The members removed by a run of SREMs of key, wrapped in MULTI/EXEC when several."""
    if len(cmds) > 1:
        assert cmds[0] == ["MULTI"] and cmds[-1] == ["EXEC"], cmds
        cmds = cmds[1:-1]
    members = []
    for c in cmds:
        assert c[:2] == ["SREM", key], c
        members += c[2:]
    return members


def test_spop_single_becomes_srem(r, aof):
    r.sadd("s", "a", "b", "c", 1, 2)
    aof.new()
    for _ in range(5):
        m = r.spop("s").decode()
        assert aof.new() == [["SREM", "s", m]]
    assert r.spop("s") is None
    assert aof.new() == []


@pytest.mark.parametrize("size, count", [(20, 1), (20, 3), (20, 18), (2000, 1500),
                                         (3000, 100)])
def test_spop_count_becomes_srems(r, aof, size, count):
    r.sadd("s", *[f"m{i}" for i in range(size // 2)], *range(size // 2))
    aof.new()
    popped = sorted(m.decode() for m in r.spop("s", count))
    assert len(popped) == count
    assert sorted(srem_members(aof.new(), "s")) == popped


def test_spop_count_whole_set_becomes_del(r, aof):
    r.sadd("s", "a", "b", "c")
    aof.new()
    assert len(r.spop("s", 3)) == 3
    r.sadd("s", "a")
    aof.new()
    r.spop("s", 10)
    assert aof.new() == [["DEL", "s"]]


# ---------------------------------------------------------------------------
# Blocking and multi-key pops
# ---------------------------------------------------------------------------

def test_pops_served_at_once(r, aof):
    r.rpush("l", *"abcdefgh")
    r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6})
    aof.new()
    r.execute_command("BLPOP", "nothing", "l", "0")
    r.execute_command("BRPOP", "l", "0")
    r.execute_command("LMPOP", "2", "nothing", "l", "LEFT", "COUNT", "2")
    r.execute_command("BLMPOP", "0", "1", "l", "RIGHT")
    r.execute_command("BLMOVE", "l", "l2", "LEFT", "RIGHT", "0")
    r.execute_command("BRPOPLPUSH", "l", "l2", "0")
    r.execute_command("BLMPOP", "0", "1", "l2", "LEFT", "COUNT", "10")
    r.execute_command("BZPOPMIN", "z", "0")
    r.execute_command("BZPOPMAX", "nothing", "z", "0")
    r.execute_command("ZMPOP", "1", "z", "MIN", "COUNT", "2")
    r.execute_command("BZMPOP", "0", "1", "z", "MAX", "COUNT", "10")
    r.execute_command("LMPOP", "1", "nothing", "LEFT")  # nothing to pop: nothing
    assert [c[:1] + c[1:] for c in aof.new()] == [
        ["LPOP", "l"], ["RPOP", "l"], ["LPOP", "l", "2"], ["RPOP", "l", "1"],
        ["LMOVE", "l", "l2", "LEFT", "RIGHT"], ["RPOPLPUSH", "l", "l2"], ["LPOP", "l2", "2"],
        ["ZPOPMIN", "z"], ["ZPOPMAX", "z"], ["ZPOPMIN", "z", "2"], ["ZPOPMAX", "z", "2"]]


def wait_blocked(r, n=1):
    wait_until(lambda: int(r.info("clients")["blocked_clients"]) == n, 5,
               message=f"{n} blocked clients")


@pytest.mark.parametrize("block, push, expect", [
    (("BLPOP", "a", "l", "0"), ("RPUSH", "l", "x", "y"), ["LPOP", "l"]),
    (("BRPOP", "l", "0"), ("RPUSH", "l", "x", "y"), ["RPOP", "l"]),
    (("BLMOVE", "l", "d", "RIGHT", "LEFT", "0"), ("RPUSH", "l", "x", "y"),
     ["LMOVE", "l", "d", "RIGHT", "LEFT"]),
    (("BRPOPLPUSH", "l", "l", "0"), ("LPUSH", "l", "x"), ["RPOPLPUSH", "l", "l"]),
    (("BLMPOP", "0", "2", "a", "l", "LEFT", "COUNT", "5"), ("RPUSH", "l", "x", "y"),
     ["LPOP", "l", "2"]),
    (("BZPOPMAX", "z", "0"), ("ZADD", "z", "1", "a", "2", "b"), ["ZPOPMAX", "z"]),
    (("BZMPOP", "0", "1", "z", "MIN", "COUNT", "5"), ("ZADD", "z", "1", "a", "2", "b"),
     ["ZPOPMIN", "z", "2"]),
])
def test_pops_served_after_waiting(aof_srv, r, aof, block, push, expect):
    waiter = aof_srv.raw()
    waiter.cmd(*block)
    wait_blocked(r)
    r.execute_command(*push)
    assert waiter.read() is not None
    assert aof.new() == [norm(list(push)), expect]


# ---------------------------------------------------------------------------
# Expiry, eviction, transactions, forced and suppressed propagation
# ---------------------------------------------------------------------------

def test_lazy_expiry_is_a_del_before_the_command(r, aof):
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")  # only the accesses may expire
    r.set("k", "v", px=1)
    r.set("k2", "v", px=1)
    aof.new()
    time.sleep(0.05)
    assert r.get("k") is None          # a read: the DEL alone
    r.execute_command("INCR", "k2")    # a write: DEL first, then the write, atomically
    assert aof.new() == [["DEL", "k"], ["MULTI"], ["DEL", "k2"], ["INCR", "k2"], ["EXEC"]]


def test_active_expiry_is_a_del(aof_srv, r, aof):
    r.set("k", "v", px=30)
    aof.new()
    wait_until(lambda: ["DEL", "k"] in [norm(c) for c in aof_commands(aof_srv)], 5,
               message="the expiry cycle's DEL")


def test_eviction_is_a_del(r, aof):
    r.config_set("maxmemory-policy", "allkeys-random")
    for i in range(200):
        r.set(f"key:{i}", "x" * 2000)
    aof.new()
    used = int(r.info("memory")["used_memory"])
    r.config_set("maxmemory", used - 100000)
    try:
        r.set("trigger", "1")
    except redis.ResponseError:
        pass
    r.config_set("maxmemory", 0)
    dels = [c for c in aof.new() if c[0] == "DEL"]
    assert dels and all(len(c) == 2 and c[1].startswith("key:") for c in dels)
    assert r.dbsize() == 200 - len(dels) + r.exists("trigger")


def test_transaction_wraps_several_writes(r, aof):
    p = r.pipeline(transaction=True)
    p.set("a", "1").get("a").incr("a")
    p.execute()
    p = r.pipeline(transaction=True)
    p.set("b", "1").get("b")
    p.execute()
    p = r.pipeline(transaction=True)
    p.get("a").exists("b")
    p.execute()
    assert aof.new() == [["MULTI"], ["SET", "a", "1"], ["INCRBY", "a", "1"], ["EXEC"],
                         ["SET", "b", "1"]]


def test_transaction_with_rewritten_commands(r, aof):
    r.sadd("s", "only")
    aof.new()
    p = r.pipeline(transaction=True)
    p.spop("s").set("k", "v", ex=100).getdel("k")
    p.execute()
    cmds = aof.new()
    assert cmds[:3] == [["MULTI"], ["SREM", "s", "only"], cmds[2]]
    assert cmds[2][:4] == ["SET", "k", "v", "PXAT"]
    assert cmds[3:] == [["DEL", "k"], ["EXEC"]]


def test_flush_propagates_even_when_empty(r, aof):
    r.flushall()
    r.flushdb()
    r.execute_command("FLUSHALL", "ASYNC")
    assert aof.new() == [["FLUSHALL"], ["FLUSHDB"], ["FLUSHALL", "ASYNC"]]


def test_publish_and_debug_populate_stay_out_of_the_aof(r, aof):
    r.publish("ch", "msg")
    r.execute_command("DEBUG", "POPULATE", "10")
    assert r.dbsize() == 10
    r.set("after", "1")
    assert aof.new() == [["SET", "after", "1"]]


def test_failed_and_read_only_commands_stay_out(r, aof):
    r.set("s", "v")
    aof.new()
    for args in [("SPOP", "s"), ("INCRBYFLOAT", "s", "1"), ("LPUSH", "s", "x"),
                 ("SRANDMEMBER", "nothing"), ("HRANDFIELD", "nothing"), ("ZRANDMEMBER", "z"),
                 ("SET", "s", "v", "EX", "0")]:
        try:
            r.execute_command(*args)
        except redis.ResponseError:
            pass
    assert aof.new() == []


# ---------------------------------------------------------------------------
# Determinism: replaying the AOF rebuilds the same dataset
# ---------------------------------------------------------------------------

def dump(r):
    """Every live key of databases 0 and 1: type, contents, absolute expiry."""
    out = {}
    for db in (0, 1):
        r.execute_command("SELECT", db)
        for key in r.keys("*"):
            t = r.type(key).decode()
            if t == "string":
                v = r.get(key)
            elif t == "list":
                v = r.lrange(key, 0, -1)
            elif t == "hash":
                v = sorted(r.hgetall(key).items())
            elif t == "set":
                v = sorted(r.smembers(key))
            elif t == "zset":
                v = r.zrange(key, 0, -1, withscores=True)
            else:
                continue  # expired between KEYS and TYPE
            out[(db, key)] = (t, v, r.execute_command("PEXPIRETIME", key))
    r.execute_command("SELECT", 0)
    return out


def random_workload(srv, r, seed, rounds=1500):
    rnd = random.Random(seed)
    n = 12

    def k(kind):
        return f"{kind}:{rnd.randrange(n)}"

    def val():
        return rnd.choice(["a", "bb", "17", "-3", "2.5", "x" * rnd.randrange(1, 80)])

    def short_ttl():
        return ("PX", rnd.randrange(1, 20))

    def long_ttl():
        return rnd.choice([("EX", rnd.randrange(1000, 5000)), ("PX", rnd.randrange(10**6, 10**7)),
                           ("EXAT", int(time.time()) + 5000)])

    ops = [
        lambda: ("SET", k("s"), val(), *rnd.choice([(), short_ttl(), long_ttl()])),
        lambda: ("SET", k("s"), val(), rnd.choice(["NX", "XX", "GET"]), *long_ttl()),
        lambda: ("SETEX", k("s"), rnd.randrange(1000, 9000), val()),
        lambda: ("PSETEX", k("s"), rnd.randrange(1, 20), val()),
        lambda: ("INCRBYFLOAT", k("f"), rnd.choice(["0.1", "1.5e1", "-3.25", "7"])),
        lambda: ("INCR", k("n")),
        lambda: ("APPEND", k("s"), val()),
        lambda: ("GETEX", k("s"), *rnd.choice([long_ttl(), ("PERSIST",), ("PXAT", 1)])),
        lambda: ("GETDEL", k("s")),
        lambda: ("GETSET", k("s"), val()),
        lambda: ("EXPIRE", k(rnd.choice("slhzf")), rnd.randrange(1000, 9000),
                 *rnd.choice([(), ("NX",), ("XX",), ("GT",), ("LT",)])),
        lambda: ("PEXPIRE", k(rnd.choice("slhz")), rnd.choice([rnd.randrange(1, 20), -5])),
        lambda: ("PERSIST", k(rnd.choice("slhzf"))),
        lambda: ("RPUSH", k("l"), val(), val()),
        lambda: ("LPOP", k("l")),
        lambda: ("LMPOP", 2, k("l"), k("l"), rnd.choice(["LEFT", "RIGHT"]), "COUNT", 2),
        lambda: ("BLPOP", k("l"), k("l"), "0.01"),
        lambda: ("BLMOVE", k("l"), k("l"), "LEFT", "RIGHT", "0.01"),
        lambda: ("HSET", k("h"), rnd.choice("abc"), val()),
        lambda: ("HINCRBYFLOAT", k("h"), "num", rnd.choice(["0.5", "1e2", "-0.125"])),
        lambda: ("HDEL", k("h"), rnd.choice("abc")),
        lambda: ("SADD", k("t"), *[rnd.randrange(30) for _ in range(4)], val()),
        lambda: ("SPOP", k("t")),
        lambda: ("SPOP", k("t"), rnd.randrange(1, 8)),
        lambda: ("ZADD", k("z"), rnd.random() * 100, val()),
        lambda: ("ZINCRBY", k("z"), 1.5, "m"),
        lambda: ("ZPOPMIN", k("z")),
        lambda: ("ZMPOP", 1, k("z"), rnd.choice(["MIN", "MAX"]), "COUNT", 2),
        lambda: ("BZPOPMAX", k("z"), "0.01"),
        lambda: ("SELECT", rnd.choice([0, 0, 1])),
        lambda: ("GET", k("s")),
    ]
    raw = srv.raw()

    class conn:  # RESP encoding wants text: scores and TTLs are numbers here
        buf = b""

        @staticmethod
        def call(*args):
            return raw.call(*map(str, args))

        @staticmethod
        def cmd(*args):
            raw.cmd(*map(str, args))

        @staticmethod
        def read():
            return raw.read()

    pusher = srv.client()
    for i in range(rounds):
        if rnd.random() < 0.05:
            cmds = [rnd.choice(ops)() for _ in range(rnd.randrange(2, 6))]
            conn.call("MULTI")
            for c in cmds:
                conn.call(*c)
            conn.call("EXEC")
        elif rnd.random() < 0.02:
            # A pop that waits and is served by another client's push.
            key = f"wait:{i}"
            conn.call("SELECT", 0)
            block, push = rnd.choice([
                (("BLPOP", key, 0), ("RPUSH", key, "a", "b")),
                (("BLMPOP", 0, 1, key, "RIGHT", "COUNT", 3), ("RPUSH", key, "a", "b")),
                (("BZPOPMIN", key, 0), ("ZADD", key, 1, "a", 2, "b"))])
            conn.cmd(*block)
            wait_blocked(pusher)
            pusher.execute_command(*push)
            conn.read()
        else:
            conn.call(*rnd.choice(ops)())
        if i % 200 == 0:
            time.sleep(0.03)  # let some short TTLs pass and the expiry cycle run
    conn.call("SELECT", 0)
    time.sleep(0.1)  # every short TTL has passed: no key changes while we compare


def test_replaying_the_aof_gives_the_same_dataset(aof_srv, r):
    random_workload(aof_srv, r, seed=1234)
    before = dump(r)
    assert len(before) > 20
    assert r.execute_command("DEBUG", "LOADAOF") == b"OK"
    assert dump(r) == before
    aof_srv.stop()
    aof_srv.start()
    assert dump(aof_srv.client()) == before


@pytest.mark.parametrize("seed", [7, 99])
def test_replaying_after_restart_gives_the_same_dataset(aof_srv, r, seed):
    random_workload(aof_srv, r, seed=seed, rounds=800)
    before = dump(r)
    aof_srv.stop()
    aof_srv.start()
    assert dump(aof_srv.client()) == before


def test_replay_ignores_deadlines_that_passed_since(aof_srv, r):
    """A key persisted before its deadline survives a replay that happens after it, even
    when the key was written into the base by a rewrite: nothing expires while loading."""
    r.set("early", "v", px=400)
    r.set("based", "v", px=400)
    r.execute_command("BGREWRITEAOF")
    wait_until(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0 and
               r.info("persistence")["aof_rewrite_scheduled"] == 0, 10, message="rewrite")
    r.persist("based")
    r.set("late", "v", px=400)
    r.persist("early")
    r.pexpire("late", 10**6)
    time.sleep(0.6)
    expected = dump(r)
    assert {k for _, k in expected} == {b"early", b"based", b"late"}
    assert r.execute_command("DEBUG", "LOADAOF") == b"OK"
    assert dump(r) == expected
    aof_srv.stop()
    aof_srv.start()
    assert dump(aof_srv.client()) == expected
