"""Lists: every list command, option and error path, RESP2/RESP3 reply shapes, keyspace
events, the quicklist encoding under CONFIG SET of its knobs, and blocking pops (timeouts,
FIFO waiters, disconnects, BLMOVE chains, CLIENT UNBLOCK, MULTI and pipelines), plus lists
as a queue between producer and consumer processes.

Everything here must pass against Debian's redis-server 7.0 too."""

import multiprocessing
import random
import time

import pytest
import redis

from conftest import RespError, wait_until

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INT = "value is not an integer or out of range"


def err(r, *args):
    """The error text a command answers with (pytest.fail if it succeeds)."""
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def blocked_clients(server):
    return int(server.info("clients")["blocked_clients"])


def wait_blocked(server, n):
    wait_until(lambda: blocked_clients(server) == n, 5, message=f"{n} blocked clients")


# ---------------------------------------------------------------------------
# push, pop, length, range
# ---------------------------------------------------------------------------

def test_push_and_range(r):
    assert r.rpush("l", "a", "b") == 2
    assert r.lpush("l", "x", "y") == 4  # y x a b
    assert r.lrange("l", 0, -1) == [b"y", b"x", b"a", b"b"]
    assert r.llen("l") == 4
    assert r.llen("missing") == 0
    assert r.type("l") == b"list"
    assert r.object("encoding", "l") == b"quicklist"
    assert r.lpushx("missing", "a") == 0
    assert r.execute_command("RPUSHX", "missing", "a", "b") == 0
    assert not r.exists("missing")
    assert r.lpushx("l", "h1", "h2") == 6
    assert r.execute_command("RPUSHX", "l", "t1", "t2") == 8
    assert r.lrange("l", 0, -1) == [b"h2", b"h1", b"y", b"x", b"a", b"b", b"t1", b"t2"]
    # Integers and binary data round-trip exactly.
    r.rpush("n", "0", "-1", "12345678901234", "007", "1.5", b"\x00\xff\r\n", "", "9" * 30)
    assert r.lrange("n", 0, -1) == [b"0", b"-1", b"12345678901234", b"007", b"1.5",
                                    b"\x00\xff\r\n", b"", b"9" * 30]


@pytest.mark.parametrize("start,end", [
    (0, -1), (0, 0), (-1, -1), (2, 4), (-3, -2), (-100, 100), (5, 1), (7, 100), (10, 20),
    (-100, -50), (3, -100), (0, 9223372036854775807), (-9223372036854775808, 2)])
def test_lrange_bounds(r, start, end):
    items = [str(i).encode() for i in range(8)]
    r.rpush("l", *items)
    n = len(items)
    s = max(start + n if start < 0 else start, 0)
    e = end + n if end < 0 else end
    expect = [] if s > e or s >= n else items[s:min(e, n - 1) + 1]
    assert r.lrange("l", start, end) == expect


def test_lrange_errors(r):
    r.rpush("l", "a")
    assert r.lrange("missing", 0, -1) == []
    assert NOT_INT in err(r, "LRANGE", "l", "x", "1")
    assert NOT_INT in err(r, "LRANGE", "l", "0", "1.5")
    assert NOT_INT in err(r, "LRANGE", "missing", "0", "x")


def test_pop_single_and_count(r):
    r.rpush("l", *"abcdef")
    assert r.lpop("l") == b"a"
    assert r.rpop("l") == b"f"
    assert r.lpop("l", 2) == [b"b", b"c"]
    assert r.rpop("l", 1) == [b"e"]
    assert r.execute_command("LPOP", "l", 0) == []
    assert r.rpop("l", 10) == [b"d"]
    assert not r.exists("l")
    assert r.lpop("l") is None
    assert r.lpop("l", 2) is None
    assert r.execute_command("RPOP", "l", 0) is None  # missing key beats count 0
    r.rpush("l", "1", "2", "3")
    assert r.rpop("l", 3) == [b"3", b"2", b"1"]


@pytest.mark.parametrize("cmd", ["LPOP", "RPOP"])
def test_pop_errors(r, cmd):
    r.rpush("l", "a")
    for bad in ("-1", "x", "1.0", "9223372036854775808"):
        assert "value is out of range, must be positive" in err(r, cmd, "l", bad)
    assert "wrong number of arguments for '%s' command" % cmd.lower() in err(r, cmd, "l", 1, 2)
    assert r.llen("l") == 1


def test_resp3_and_resp2_shapes(server, raw):
    raw.call("RPUSH", "l", "a", "b", "c")
    resp2 = {
        ("LPOP", "nokey"): b"$-1\r\n",
        ("LPOP", "nokey", "2"): b"*-1\r\n",
        ("LPOP", "l", "0"): b"*0\r\n",
        ("LRANGE", "nokey", "0", "-1"): b"*0\r\n",
        ("LINDEX", "nokey", "0"): b"$-1\r\n",
        ("LINDEX", "l", "10"): b"$-1\r\n",
        ("LPOS", "l", "zz"): b"$-1\r\n",
        ("LPOS", "l", "zz", "COUNT", "0"): b"*0\r\n",
        ("LPOS", "nokey", "zz", "COUNT", "0"): b"*0\r\n",
        ("LMPOP", "1", "nokey", "LEFT"): b"*-1\r\n",
        ("LMOVE", "nokey", "x", "LEFT", "LEFT"): b"$-1\r\n",
        ("BLPOP", "nokey", "0.01"): b"*-1\r\n",
        ("BRPOP", "nokey", "0.01"): b"*-1\r\n",
        ("BLMPOP", "0.01", "1", "nokey", "LEFT"): b"*-1\r\n",
        # Redis 7.0 times every list wait out with a null array, BLMOVE included.
        ("BLMOVE", "nokey", "x", "LEFT", "LEFT", "0.01"): b"*-1\r\n",
        ("BRPOPLPUSH", "nokey", "x", "0.01"): b"*-1\r\n",
    }
    for cmd, expect in resp2.items():
        assert raw.call_raw(*cmd) == expect, cmd
    assert raw.call_raw("LMPOP", "1", "l", "RIGHT", "COUNT", "2") == \
        b"*2\r\n$1\r\nl\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n"
    assert raw.call_raw("BLPOP", "l", "0") == b"*2\r\n$1\r\nl\r\n$1\r\na\r\n"
    raw.call("HELLO", "3")
    raw.call("RPUSH", "l", "a", "b", "c")
    for cmd, expect in resp2.items():
        if expect in (b"$-1\r\n", b"*-1\r\n"):
            expect = b"_\r\n"
        assert raw.call_raw(*cmd) == expect, cmd
    raw.call("DEL", "l")
    raw.call("RPUSH", "l", "x", "1")
    assert raw.call_raw("LPOP", "l", "5") == b"*2\r\n$1\r\nx\r\n$1\r\n1\r\n"


# ---------------------------------------------------------------------------
# indexes: LINDEX, LSET, LINSERT, LREM, LTRIM, LPOS
# ---------------------------------------------------------------------------

def test_lindex(r):
    r.rpush("l", "a", "b", "c")
    assert [r.lindex("l", i) for i in (0, 1, 2, 3, -1, -3, -4)] == \
        [b"a", b"b", b"c", None, b"c", b"a", None]
    assert r.lindex("missing", 0) is None
    assert r.lindex("missing", "x") is None  # the key is looked at before the index
    assert NOT_INT in err(r, "LINDEX", "l", "x")


def test_lset(r):
    assert "no such key" in err(r, "LSET", "missing", 0, "x")
    assert "no such key" in err(r, "LSET", "missing", "x", "x")
    r.rpush("l", "a", "b", "c")
    assert r.lset("l", 0, "A")
    assert r.lset("l", -1, "C")
    assert r.lset("l", 1, "12")
    assert r.lrange("l", 0, -1) == [b"A", b"12", b"C"]
    assert "index out of range" in err(r, "LSET", "l", 3, "x")
    assert "index out of range" in err(r, "LSET", "l", -4, "x")
    assert NOT_INT in err(r, "LSET", "l", "x", "x")


def test_linsert(r):
    assert r.linsert("missing", "BEFORE", "a", "x") == 0
    assert "syntax error" in err(r, "LINSERT", "missing", "middle", "a", "x")
    r.rpush("l", "a", "b", "a")
    assert r.linsert("l", "before", "a", "x") == 4
    assert r.linsert("l", "AFTER", "a", "y") == 5
    assert r.linsert("l", "after", "zz", "y") == -1
    assert r.linsert("l", "after", "a", "1") == 6
    assert r.lrange("l", 0, -1) == [b"x", b"a", b"1", b"y", b"b", b"a"]
    assert "syntax error" in err(r, "LINSERT", "l", "middle", "a", "x")


def test_lrem(r):
    r.rpush("l", *"abacadaa")
    assert r.lrem("l", 2, "a") == 2
    assert r.lrange("l", 0, -1) == [b"b", b"c", b"a", b"d", b"a", b"a"]
    assert r.lrem("l", -2, "a") == 2
    assert r.lrange("l", 0, -1) == [b"b", b"c", b"a", b"d"]
    assert r.lrem("l", 0, "zz") == 0
    assert r.lrem("l", 0, "a") == 1
    assert r.lrem("missing", 0, "a") == 0
    assert NOT_INT in err(r, "LREM", "l", "x", "a")
    r.rpush("n", "1", "01", "1")
    assert r.lrem("n", 0, "1") == 2  # integers compare by text: "01" is not 1
    assert r.lrange("n", 0, -1) == [b"01"]
    assert r.lrem("n", 1, "01") == 1
    assert not r.exists("n")


@pytest.mark.parametrize("start,end", [
    (0, -1), (1, -1), (0, 0), (-2, -1), (2, 1), (10, 20), (-100, 1), (1, 100), (-1, -1)])
def test_ltrim(r, start, end):
    items = [str(i).encode() for i in range(6)]
    r.rpush("l", *items)
    assert r.ltrim("l", start, end)
    n = len(items)
    s = max(start + n if start < 0 else start, 0)
    e = end + n if end < 0 else end
    expect = [] if s > e or s >= n else items[s:min(e, n - 1) + 1]
    assert r.lrange("l", 0, -1) == expect
    assert r.exists("l") == (1 if expect else 0)


@pytest.mark.parametrize("cmd,aborts", [
    (("LTRIM", "l", 0, -1), True),  # even a trim that removes nothing touches the key
    (("LSET", "l", 0, "a"), True),
    (("LREM", "l", 0, "zz"), False),
    (("LINSERT", "l", "BEFORE", "zz", "q"), False),
    (("LPOP", "l", 0), False),
    (("RPUSH", "l", "c"), True),
    (("LMPOP", 1, "l", "LEFT"), True),
    (("BLMPOP", 0, 2, "nk", "l", "RIGHT"), True),
    (("LMOVE", "l", "other", "LEFT", "LEFT"), True),
    (("LMOVE", "other", "l", "LEFT", "LEFT"), True),
])
def test_watch(server, r, cmd, aborts):
    r.rpush("l", "a", "b")
    r.rpush("other", "x")
    p = r.pipeline(transaction=True)
    p.watch("l")
    server.client().execute_command(*cmd)
    p.multi()
    p.ping()
    if aborts:
        with pytest.raises(redis.WatchError):
            p.execute()
    else:
        assert p.execute() == [True]


def test_ltrim_errors(r):
    assert r.ltrim("missing", 0, 1)
    assert NOT_INT in err(r, "LTRIM", "l", "x", "1")
    assert NOT_INT in err(r, "LTRIM", "l", "0", "y")


@pytest.mark.parametrize("args,expect", [
    ((), 0),
    (("RANK", 2), 2),
    (("RANK", 3), 6),
    (("RANK", 4), None),
    (("RANK", -1), 6),
    (("RANK", -3), 0),
    (("RANK", -9223372036854775808), 6),
    (("COUNT", 0), [0, 2, 6]),
    (("COUNT", 2), [0, 2]),
    (("COUNT", 2, "RANK", -1), [6, 2]),
    (("COUNT", 0, "RANK", 2), [2, 6]),
    (("COUNT", 0, "MAXLEN", 3), [0, 2]),
    (("MAXLEN", 1), 0),
    (("RANK", 2, "MAXLEN", 2), None),
    (("RANK", -1, "MAXLEN", 1), 6),
    (("RANK", -2, "MAXLEN", 4), None),
    (("RANK", -1, "MAXLEN", 2, "COUNT", 0), [6]),
    (("rank", 1, "count", 1, "maxlen", 0), [0]),
])
def test_lpos(r, args, expect):
    r.rpush("l", "a", "b", "a", "c", "d", "e", "a")
    assert r.execute_command("LPOS", "l", "a", *args) == expect


def test_lpos_errors_and_missing(r):
    r.rpush("l", "a", "1")
    assert r.execute_command("LPOS", "l", "1") == 1
    assert r.execute_command("LPOS", "missing", "a") is None
    assert r.execute_command("LPOS", "missing", "a", "COUNT", 1) == []
    assert "RANK can't be zero: use 1 to start from the first match, 2 from the second ... " \
           "or use negative to start from the end of the list" in err(r, "LPOS", "l", "a", "RANK", 0)
    assert NOT_INT in err(r, "LPOS", "l", "a", "RANK", "x")
    assert "COUNT can't be negative" in err(r, "LPOS", "l", "a", "COUNT", -1)
    assert "COUNT can't be negative" in err(r, "LPOS", "l", "a", "COUNT", "x")
    assert "MAXLEN can't be negative" in err(r, "LPOS", "l", "a", "MAXLEN", -1)
    assert "MAXLEN can't be negative" in err(r, "LPOS", "l", "a", "MAXLEN", "x")
    assert "syntax error" in err(r, "LPOS", "l", "a", "FOO")
    assert "syntax error" in err(r, "LPOS", "l", "a", "RANK")
    # Options are checked before the key.
    assert "syntax error" in err(r, "LPOS", "missing", "a", "FOO")


# ---------------------------------------------------------------------------
# moving and multi-key pops
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("src_side,dst_side", [
    ("LEFT", "LEFT"), ("LEFT", "RIGHT"), ("RIGHT", "LEFT"), ("RIGHT", "RIGHT")])
def test_lmove_directions(r, src_side, dst_side):
    r.rpush("src", "a", "b", "c")
    r.rpush("dst", "x", "y")
    moved = r.lmove("src", "dst", src_side, dst_side)
    assert moved == (b"a" if src_side == "LEFT" else b"c")
    dst = [b"x", b"y"]
    dst = [moved] + dst if dst_side == "LEFT" else dst + [moved]
    assert r.lrange("dst", 0, -1) == dst


def test_lmove_rpoplpush_edge_cases(r):
    assert r.lmove("missing", "dst", "LEFT", "RIGHT") is None
    assert r.rpoplpush("missing", "dst") is None
    assert not r.exists("dst")
    r.rpush("l", "a", "b", "c")
    assert r.rpoplpush("l", "l") == b"c"  # rotation
    assert r.lrange("l", 0, -1) == [b"c", b"a", b"b"]
    assert r.lmove("l", "l", "LEFT", "RIGHT") == b"c"
    assert r.lrange("l", 0, -1) == [b"a", b"b", b"c"]
    r.rpush("one", "x")
    assert r.lmove("one", "one", "LEFT", "RIGHT") == b"x"  # single element onto itself
    assert r.lrange("one", 0, -1) == [b"x"]
    assert r.rpoplpush("one", "new") == b"x"
    assert not r.exists("one")
    assert r.lrange("new", 0, -1) == [b"x"]
    r.set("str", "v")
    assert WRONGTYPE in err(r, "RPOPLPUSH", "l", "str")
    assert r.llen("l") == 3  # nothing popped when the destination is wrong
    assert WRONGTYPE in err(r, "LMOVE", "str", "l", "LEFT", "LEFT")
    assert r.rpoplpush("missing", "str") is None  # missing source answers first
    assert "syntax error" in err(r, "LMOVE", "l", "l", "UP", "LEFT")
    assert "syntax error" in err(r, "LMOVE", "l", "l", "LEFT", "DOWN")


def test_lmpop(r):
    r.rpush("b", "1", "2", "3")
    assert r.execute_command("LMPOP", 2, "a", "b", "LEFT") == [b"b", [b"1"]]
    assert r.execute_command("LMPOP", 2, "a", "b", "right", "COUNT", 10) == [b"b", [b"3", b"2"]]
    assert not r.exists("b")
    assert r.execute_command("LMPOP", 2, "a", "b", "LEFT") is None
    r.rpush("a", "x")
    r.rpush("b", "y")
    assert r.execute_command("LMPOP", 2, "a", "b", "LEFT", "COUNT", 5) == [b"a", [b"x"]]


@pytest.mark.parametrize("args,msg", [
    ((0, "l", "LEFT"), "numkeys should be greater than 0"),
    ((-1, "l", "LEFT"), "numkeys should be greater than 0"),
    (("x", "l", "LEFT"), "numkeys should be greater than 0"),
    ((2, "l", "LEFT"), "syntax error"),
    ((9223372036854775807, "l", "LEFT"), "syntax error"),
    ((1, "l", "MIDDLE"), "syntax error"),
    ((1, "l", "LEFT", "COUNT", 0), "count should be greater than 0"),
    ((1, "l", "LEFT", "COUNT", "x"), "count should be greater than 0"),
    ((1, "l", "LEFT", "COUNT"), "syntax error"),
    ((1, "l", "LEFT", "COUNT", 1, "COUNT", 1), "syntax error"),
    ((1, "l", "LEFT", "FOO"), "syntax error"),
])
def test_lmpop_errors(r, args, msg):
    r.rpush("l", "a")
    assert msg in err(r, "LMPOP", *args)
    assert msg in err(r, "BLMPOP", 0, *args)
    assert r.llen("l") == 1


def test_blocking_argument_errors(r):
    r.rpush("l", "a")
    assert "timeout is negative" in err(r, "BLPOP", "l", -1)
    assert "timeout is not a float or out of range" in err(r, "BLPOP", "l", "x")
    assert "timeout is not a float or out of range" in err(r, "BRPOP", "l", "nan")
    assert "timeout is negative" in err(r, "BLMPOP", -1, 1, "l", "LEFT")
    assert "timeout is not a float or out of range" in err(r, "BLMPOP", "x", 1, "l", "LEFT")
    assert "syntax error" in err(r, "BLMOVE", "l", "m", "LEFT", "MIDDLE", 0)
    assert "timeout is not a float or out of range" in err(r, "BLMOVE", "l", "m", "LEFT", "LEFT", "x")
    assert "timeout is negative" in err(r, "BRPOPLPUSH", "l", "m", -1)
    assert r.llen("l") == 1


def test_wrongtype_everywhere(r):
    r.set("s", "v")
    for cmd in (("LPUSH", "s", "a"), ("RPUSH", "s", "a"), ("LPUSHX", "s", "a"),
                ("RPUSHX", "s", "a"), ("LPOP", "s"), ("RPOP", "s", 2), ("LRANGE", "s", 0, 1),
                ("LLEN", "s"), ("LINDEX", "s", 0), ("LSET", "s", 0, "a"),
                ("LINSERT", "s", "BEFORE", "a", "b"), ("LREM", "s", 0, "a"),
                ("LTRIM", "s", 0, 1), ("LPOS", "s", "a"), ("LMOVE", "s", "d", "LEFT", "LEFT"),
                ("RPOPLPUSH", "s", "d"), ("LMPOP", 1, "s", "LEFT"), ("BLPOP", "s", 0),
                ("BRPOP", "missing", "s", 0), ("BLMOVE", "s", "d", "LEFT", "LEFT", 0),
                ("BRPOPLPUSH", "s", "d", 0), ("BLMPOP", 0, 2, "missing", "s", "LEFT")):
        assert WRONGTYPE in err(r, *cmd), cmd
    # A non-empty list before the wrong key is served without looking further.
    r.rpush("l", "a")
    assert r.blpop(["l", "s"], 0) == (b"l", b"a")
    assert r.get("s") == b"v"


@pytest.mark.parametrize("cmd,arity", [
    ("LPUSH", 2), ("RPUSH", 2), ("LPUSHX", 2), ("RPUSHX", 2), ("LPOP", 1), ("RPOP", 1),
    ("LRANGE", 3), ("LLEN", 1), ("LINDEX", 2), ("LSET", 3), ("LINSERT", 4), ("LREM", 3),
    ("LTRIM", 3), ("LPOS", 2), ("LMOVE", 4), ("RPOPLPUSH", 2), ("LMPOP", 3), ("BLPOP", 2),
    ("BRPOP", 2), ("BLMOVE", 5), ("BRPOPLPUSH", 3), ("BLMPOP", 4)])
def test_arity(r, cmd, arity):
    args = ["k"] * (arity - 1)
    assert "wrong number of arguments for '%s' command" % cmd.lower() in err(r, cmd, *args)


# ---------------------------------------------------------------------------
# keyspace events
# ---------------------------------------------------------------------------

def test_keyspace_events(server, r):
    r.config_set("notify-keyspace-events", "KEA")
    try:
        p = r.pubsub()
        p.psubscribe("__keyevent@0__:*")
        assert p.get_message(timeout=1)["type"] == "psubscribe"

        def events():
            out = []
            while True:
                m = p.get_message(timeout=0.2)
                if m is None:
                    return out
                out.append((m["channel"].decode().split(":", 1)[1], m["data"].decode()))

        r.rpush("l", "a", "b", "c")
        r.lpush("l", "z")
        r.linsert("l", "BEFORE", "a", "y")
        r.linsert("l", "BEFORE", "nothere", "y")
        r.lset("l", 0, "Z")
        r.lrem("l", 1, "y")
        r.ltrim("l", 0, -1)
        r.lmove("l", "m", "LEFT", "RIGHT")
        r.rpoplpush("l", "m")
        r.lpop("l", 5)
        r.execute_command("LMPOP", 1, "m", "RIGHT", "COUNT", 5)
        assert events() == [
            ("rpush", "l"), ("lpush", "l"), ("linsert", "l"), ("lset", "l"), ("lrem", "l"),
            ("ltrim", "l"), ("rpush", "m"), ("lpop", "l"), ("lpush", "m"), ("rpop", "l"),
            ("lpop", "l"), ("del", "l"), ("rpop", "m"), ("del", "m")]
        r.rpush("t", "a", "b")
        r.ltrim("t", 5, 10)
        r.rpush("u", "a")
        r.lrem("u", 0, "a")
        assert events() == [("rpush", "t"), ("ltrim", "t"), ("del", "t"), ("rpush", "u"),
                            ("lrem", "u"), ("del", "u")]
        p.close()
    finally:
        r.config_set("notify-keyspace-events", "")


# ---------------------------------------------------------------------------
# the quicklist encoding, under its configuration knobs
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("fill,depth", [(-2, 0), (4, 0), (1, 1), (-1, 2), (3, 1), (-5, 0)])
def test_big_list_against_model(server, r, fill, depth):
    r.config_set("list-max-listpack-size", fill)
    r.config_set("list-compress-depth", depth)
    try:
        rnd = random.Random(fill * 10 + depth)
        model = []
        pipe = r.pipeline(transaction=False)
        for i in range(3000):
            v = ("v%d-" % i) + "x" * rnd.choice((0, 5, 60)) if i % 3 else str(i)
            if rnd.random() < 0.5:
                model.append(v.encode())
                pipe.rpush("big", v)
            else:
                model.insert(0, v.encode())
                pipe.lpush("big", v)
        pipe.execute()
        assert r.object("encoding", "big") == b"quicklist"
        assert r.lrange("big", 0, -1) == model
        for i in (0, 1, 2, 1499, 2998, 2999, -1, -2, -3000, 3000, -3001):
            assert r.lindex("big", i) == (model[i] if -3000 <= i < 3000 else None)
        for _ in range(40):
            i = rnd.randrange(len(model))
            op = rnd.randrange(4)
            if op == 0:
                v = b"set%d" % i + b"y" * rnd.choice((1, 300))
                r.lset("big", i, v)
                model[i] = v
            elif op == 1:
                pivot = model[i]
                r.linsert("big", "AFTER", pivot, b"ins")
                model.insert(model.index(pivot) + 1, b"ins")
            elif op == 2:
                n = rnd.randrange(1, 50)
                assert r.lrange("big", i, i + n - 1) == model[i:i + n]
            else:
                assert r.lindex("big", i - len(model)) == model[i]
        assert r.lrem("big", 0, b"ins") == model.count(b"ins")
        model = [v for v in model if v != b"ins"]
        r.ltrim("big", 100, -101)
        model = model[100:-100]
        assert r.lrange("big", 0, -1) == model
        assert r.lpop("big", 500) == model[:500]
        assert r.rpop("big", 500) == model[-500:][::-1]
        model = model[500:-500]
        assert r.lrange("big", 0, -1) == model
        assert r.execute_command("LPOS", "big", model[-1], "RANK", -1) == len(model) - 1
    finally:
        r.config_set("list-max-listpack-size", -2)
        r.config_set("list-compress-depth", 0)


def test_compression_saves_memory(server, r):
    value = "x" * 100
    r.rpush("plain", *[value] * 5000)
    r.config_set("list-compress-depth", 1)
    try:
        r.rpush("packed", *[value] * 5000)
    finally:
        r.config_set("list-compress-depth", 0)
    plain = r.memory_usage("plain", samples=0)
    packed = r.memory_usage("packed", samples=0)
    assert packed < plain / 4
    assert r.lrange("packed", 0, -1) == r.lrange("plain", 0, -1)
    assert r.lindex("packed", 2500) == value.encode()
    # Options are taken when a list is created: existing lists keep theirs.
    r.rpush("packed", "more")
    assert r.memory_usage("packed", samples=0) < plain / 4


def test_copy_and_rename_keep_the_list(r):
    r.config_set("list-compress-depth", 1)
    try:
        r.rpush("l", *["item%d" % i + "z" * 50 for i in range(2000)])
    finally:
        r.config_set("list-compress-depth", 0)
    assert r.copy("l", "c")
    r.rpush("c", "extra")
    assert r.llen("l") == 2000 and r.llen("c") == 2001
    assert r.lrange("c", 0, -2) == r.lrange("l", 0, -1)
    r.rename("c", "d")
    assert r.lindex("d", 1000) == b"item1000" + b"z" * 50


# ---------------------------------------------------------------------------
# blocking
# ---------------------------------------------------------------------------

def test_blpop_timeout_and_fractional(server, r):
    t = time.monotonic()
    assert r.blpop("missing", 0.15) is None
    assert 0.1 <= time.monotonic() - t < 2
    assert r.execute_command("BLMPOP", 0.05, 1, "missing", "LEFT") is None
    assert r.blmove("missing", "d", 0.05, "LEFT", "RIGHT") is None
    assert r.brpoplpush("missing", "d", 0.05) is None
    assert not r.exists("d")
    assert blocked_clients(server) == 0


def test_blpop_immediate_and_served(server, r):
    r.rpush("b", "1", "2")
    assert r.blpop(["a", "b"], 0) == (b"b", b"1")
    assert r.brpop(["a", "b"], 0) == (b"b", b"2")
    assert not r.exists("b")
    waiter = server.raw()
    waiter.cmd("BRPOP", "a", "b", "0")
    wait_blocked(server, 1)
    assert waiter.nothing_received(0.2)
    r.rpush("b", "x", "y")
    assert waiter.read() == [b"b", b"y"]
    assert r.lrange("b", 0, -1) == [b"x"]
    assert blocked_clients(server) == 0


def test_waiters_served_fifo(server, r):
    waiters = [server.raw() for _ in range(3)]
    for i, w in enumerate(waiters):
        w.cmd("BLPOP", "q", "0")
        wait_blocked(server, i + 1)
    r.rpush("q", "a", "b")
    assert waiters[0].read() == [b"q", b"a"]
    assert waiters[1].read() == [b"q", b"b"]
    assert waiters[2].nothing_received(0.2)
    r.rpush("q", "c")
    assert waiters[2].read() == [b"q", b"c"]
    assert not r.exists("q")


def test_disconnected_waiter_leaves_no_trace(server, r):
    first, second = server.raw(), server.raw()
    first.cmd("BLPOP", "q", "0")
    wait_blocked(server, 1)
    second.cmd("BLPOP", "q", "0")
    wait_blocked(server, 2)
    first.close()
    wait_blocked(server, 1)
    r.rpush("q", "only")
    assert second.read() == [b"q", b"only"]
    assert not r.exists("q")
    # With every waiter gone a push simply stays in the list.
    third = server.raw()
    third.cmd("BLMOVE", "q", "d", "LEFT", "LEFT", "0")
    wait_blocked(server, 1)
    third.close()
    wait_blocked(server, 0)
    r.rpush("q", "kept")
    assert r.lrange("q", 0, -1) == [b"kept"]
    assert not r.exists("d")


def test_blmove_chain(server, r):
    first, second = server.raw(), server.raw()
    first.cmd("BLMOVE", "a", "b", "RIGHT", "LEFT", "0")
    wait_blocked(server, 1)
    second.cmd("BRPOPLPUSH", "b", "c", "0")
    wait_blocked(server, 2)
    r.rpush("a", "v")
    assert first.read() == b"v"
    assert second.read() == b"v"
    assert r.lrange("c", 0, -1) == [b"v"]
    assert not r.exists("a") and not r.exists("b")
    assert blocked_clients(server) == 0


def test_blmpop_served_with_count(server, r):
    waiter = server.raw()
    waiter.cmd("BLMPOP", "0", "2", "x", "y", "RIGHT", "COUNT", "2")
    wait_blocked(server, 1)
    r.rpush("y", "1", "2", "3")
    assert waiter.read() == [b"y", [b"3", b"2"]]
    assert r.lrange("y", 0, -1) == [b"1"]


def test_client_unblock(server, r):
    waiter = server.raw()
    cid = waiter.call("CLIENT", "ID")
    waiter.cmd("BLPOP", "q", "0")
    wait_blocked(server, 1)
    assert r.client_unblock(cid) == 1
    assert waiter.read() is None
    waiter.cmd("BLMOVE", "q", "d", "LEFT", "LEFT", "0")
    wait_blocked(server, 1)
    assert r.client_unblock(cid, error=True) == 1
    reply = waiter.read()
    assert isinstance(reply, RespError) and reply.startswith(b"UNBLOCKED")
    assert r.client_unblock(cid) == 0
    assert waiter.call("PING") == b"PONG"


def test_blocking_inside_multi_answers_at_once(r):
    p = r.pipeline(transaction=True)
    p.blpop("q", 0)
    p.brpop("q", 0)
    p.blmove("q", "d", 0, "LEFT", "LEFT")
    p.brpoplpush("q", "d", 0)
    p.execute_command("BLMPOP", 0, 1, "q", "LEFT")
    assert p.execute() == [None, None, None, None, None]
    r.rpush("q", "a")
    p = r.pipeline(transaction=True)
    p.blpop("q", 0)
    assert p.execute() == [(b"q", b"a")]


def test_push_in_multi_wakes_after_exec(server, r):
    waiter = server.raw()
    waiter.cmd("BLPOP", "q", "0")
    wait_blocked(server, 1)
    p = r.pipeline(transaction=True)
    p.rpush("q", "a")
    p.rpush("q", "b")
    p.lpop("q")  # the waiter is served only after EXEC: this pops "a" first
    assert p.execute() == [1, 2, b"a"]
    assert waiter.read() == [b"q", b"b"]
    assert not r.exists("q")


def test_push_then_pop_in_one_pipeline(server):
    waiter = server.raw()
    waiter.cmd("BLPOP", "q", "0")
    wait_blocked(server, 1)
    pusher = server.raw()
    pusher.send(b"*3\r\n$5\r\nRPUSH\r\n$1\r\nq\r\n$1\r\na\r\n*2\r\n$4\r\nLPOP\r\n$1\r\nq\r\n")
    assert pusher.read() == 1
    assert pusher.read() is None  # the waiter was served between the two commands
    assert waiter.read() == [b"q", b"a"]


def test_key_of_other_type_keeps_waiter_waiting(server, r):
    waiter = server.raw()
    waiter.cmd("BLPOP", "q", "0")
    wait_blocked(server, 1)
    r.set("q", "string")
    assert waiter.nothing_received(0.2)
    assert blocked_clients(server) == 1
    r.delete("q")
    r.rpush("q", "v")
    assert waiter.read() == [b"q", b"v"]


def test_wait_forever_then_served(server, r):
    waiter = server.raw()
    waiter.cmd("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0")
    wait_blocked(server, 1)
    assert waiter.nothing_received(0.3)
    r.set("dst", "string")
    r.rpush("src", "v")
    reply = waiter.read()  # the destination is checked when served
    assert isinstance(reply, RespError) and reply.startswith(b"WRONGTYPE")
    assert r.lrange("src", 0, -1) == [b"v"]


def test_timeout_while_others_wait(server, r):
    short, long_ = server.raw(), server.raw()
    short.cmd("BLPOP", "q", "0.1")
    long_.cmd("BLPOP", "q", "0")
    wait_blocked(server, 2)
    assert short.read(timeout=3) is None
    wait_blocked(server, 1)
    r.rpush("q", "x")
    assert long_.read() == [b"q", b"x"]


# ---------------------------------------------------------------------------
# a queue between processes (issue 3, item 3)
# ---------------------------------------------------------------------------

PRODUCERS = 4
CONSUMERS = 4
ITEMS = 400


def _producer(port, pid):
    c = redis.Redis(host="127.0.0.1", port=port)
    for start in range(0, ITEMS, 20):
        # A mix of single pushes and batched ones, so waiters meet both.
        if start % 40:
            c.rpush("queue", *["p%d:%d" % (pid, i) for i in range(start, start + 20)])
        else:
            for i in range(start, start + 20):
                c.rpush("queue", "p%d:%d" % (pid, i))
    c.close()


def _consumer(port, results):
    c = redis.Redis(host="127.0.0.1", port=port, socket_timeout=30)
    got = []
    while True:
        item = c.blpop("queue", 10)
        if item is None or item[1] == b"STOP":
            break
        got.append(item[1].decode())
    c.close()
    results.put(got)


def test_producers_and_consumers_across_processes(server):
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    consumers = [ctx.Process(target=_consumer, args=(server.port, results))
                 for _ in range(CONSUMERS)]
    for p in consumers:
        p.start()
    wait_blocked(server, CONSUMERS)
    producers = [ctx.Process(target=_producer, args=(server.port, i)) for i in range(PRODUCERS)]
    for p in producers:
        p.start()
    for p in producers:
        p.join(30)
        assert p.exitcode == 0
    c = server.client()
    c.rpush("queue", *["STOP"] * CONSUMERS)
    lists = [results.get(timeout=30) for _ in range(CONSUMERS)]
    for p in consumers:
        p.join(30)
        assert p.exitcode == 0
    everything = [item for got in lists for item in got]
    expected = {"p%d:%d" % (p, i) for p in range(PRODUCERS) for i in range(ITEMS)}
    assert len(everything) == len(expected)  # nothing consumed twice
    assert set(everything) == expected        # nothing lost
    # Each consumer saw every producer's items in the order they were pushed.
    for got in lists:
        last = {}
        for item in got:
            p, i = item[1:].split(":")
            assert int(i) > last.get(p, -1)
            last[p] = int(i)
    assert not c.exists("queue")
    assert blocked_clients(server) == 0
