"""Sorted sets (SPEC §5, issue 3): every Z* command, option and error path, RESP2 and RESP3
reply shapes, the listpack -> skiplist conversion at the configured thresholds, keyspace
events, and the blocking pops (wake-ups, FIFO order, timeouts, MULTI).

Everything here must pass against Debian's redis-server 7.0 as well; encoding details that
only ferrite promises are marked ferrite_only.
"""

import threading
import time

import pytest
import redis

from conftest import RespError, wait_until

WRONGTYPE = b"WRONGTYPE Operation against a key holding the wrong kind of value"


def err(raw, *args):
    """The error text of a command that must fail."""
    reply = raw.call(*args)
    assert isinstance(reply, RespError), (args, reply)
    return bytes(reply)


def zrange_all(r, key):
    return r.zrange(key, 0, -1, withscores=True)


# ---------------------------------------------------------------------------
# A leaderboard, end to end
# ---------------------------------------------------------------------------

def test_leaderboard_scenario(r):
    players = {f"player:{i}": (i * 37) % 101 for i in range(300)}
    assert r.zadd("board", players) == 300
    assert r.object("encoding", "board") == b"skiplist"
    assert r.zcard("board") == 300
    expected = sorted(players.items(), key=lambda kv: (kv[1], kv[0]))
    # Top 10, highest first, ties by member descending.
    top = r.zrevrange("board", 0, 9, withscores=True)
    assert top == [(m.encode(), float(s)) for m, s in reversed(expected)][:10]
    # A game finishes: scores go up, ranks move.
    assert r.zincrby("board", 1000, "player:0") == 1000.0
    assert r.zrevrank("board", "player:0") == 0
    assert r.zrank("board", "player:0") == 299
    assert r.zscore("board", "player:0") == 1000.0
    # Paging through a score band.
    band = r.zrangebyscore("board", 10, 20, start=5, num=5)
    full_band = [m.encode() for m, s in expected if 10 <= s <= 20]
    assert band == full_band[5:10]
    assert r.zcount("board", 10, 20) == len(full_band)
    # Cut the bottom half.
    assert r.zremrangebyrank("board", 0, 149) == 150
    assert r.zcard("board") == 150
    # player:0 (score 0) moved to the top, so the old rank 151 is the new bottom.
    assert r.zrange("board", 0, 0) == [expected[151][0].encode()]
    # Drain the winners.
    assert r.zpopmax("board", 2)[0] == (b"player:0", 1000.0)
    assert r.zcard("board") == 148


# ---------------------------------------------------------------------------
# ZADD and ZINCRBY
# ---------------------------------------------------------------------------

def test_zadd_basic_and_update(r):
    assert r.zadd("z", {"a": 1, "b": 2}) == 2
    assert r.zadd("z", {"a": 3, "c": 0}) == 1
    assert zrange_all(r, "z") == [(b"c", 0.0), (b"b", 2.0), (b"a", 3.0)]
    assert r.execute_command("ZADD", "z", "CH", "3", "a", "5", "b", "9", "d") == 2


def test_zadd_nx_xx_gt_lt_ch(r):
    r.zadd("z", {"a": 5})
    assert r.execute_command("ZADD", "z", "NX", "1", "a", "1", "b") == 1
    assert r.zscore("z", "a") == 5.0
    assert r.execute_command("ZADD", "z", "XX", "1", "a", "1", "c") == 0
    assert r.zscore("z", "a") == 1.0 and r.zscore("z", "c") is None
    assert r.execute_command("ZADD", "z", "GT", "CH", "0", "a", "7", "b") == 1
    assert r.zscore("z", "a") == 1.0 and r.zscore("z", "b") == 7.0
    assert r.execute_command("ZADD", "z", "LT", "CH", "9", "b", "-1", "a", "4", "new") == 2
    assert r.zscore("z", "b") == 7.0 and r.zscore("z", "a") == -1.0
    assert r.execute_command("ZADD", "z", "XX", "GT", "CH", "10", "a", "10", "zz") == 1
    assert r.zscore("z", "zz") is None
    # Same score is not a change, even -0 against 0.
    r.zadd("z", {"zero": 0})
    assert r.execute_command("ZADD", "z", "CH", "-0", "zero") == 0


def test_zadd_incr(r, raw):
    assert raw.call("ZADD", "z", "INCR", "2.5", "a") == b"2.5"
    assert raw.call("ZADD", "z", "INCR", "2.5", "a") == b"5"
    assert raw.call("ZADD", "z", "NX", "INCR", "1", "a") is None
    assert raw.call("ZADD", "z", "XX", "INCR", "1", "nope") is None
    assert raw.call("ZADD", "z", "GT", "INCR", "-1", "a") is None
    assert raw.call("ZADD", "z", "LT", "INCR", "-1", "a") == b"4"
    assert raw.call("ZADD", "z", "INCR", "0", "a") == b"4"
    assert raw.call_raw("ZADD", "nokey", "XX", "INCR", "1", "a") == b"$-1\r\n"
    assert r.exists("nokey") == 0
    assert raw.call("ZADD", "nokey", "XX", "1", "a") == 0
    r.zadd("inf", {"m": float("inf")})
    assert err(raw, "ZADD", "inf", "INCR", "-inf", "m") == \
        b"ERR resulting score is not a number (NaN)"
    assert err(raw, "ZINCRBY", "inf", "-inf", "m") == b"ERR resulting score is not a number (NaN)"
    assert r.zscore("inf", "m") == float("inf")


@pytest.mark.parametrize("args,error", [
    (("ZADD", "z", "NX", "XX", "1", "a"), b"ERR XX and NX options at the same time are not compatible"),
    (("ZADD", "z", "GT", "LT", "1", "a"), b"ERR GT, LT, and/or NX options at the same time are not compatible"),
    (("ZADD", "z", "NX", "GT", "1", "a"), b"ERR GT, LT, and/or NX options at the same time are not compatible"),
    (("ZADD", "z", "NX", "LT", "1", "a"), b"ERR GT, LT, and/or NX options at the same time are not compatible"),
    (("ZADD", "z", "INCR", "1", "a", "2", "b"), b"ERR INCR option supports a single increment-element pair"),
    (("ZADD", "z", "1", "a", "2"), b"ERR syntax error"),
    (("ZADD", "z", "CH", "1"), b"ERR syntax error"),
    (("ZADD", "z", "1"), b"ERR wrong number of arguments for 'zadd' command"),
    (("ZADD", "z", "nan", "a"), b"ERR value is not a valid float"),
    (("ZADD", "z", "x", "a"), b"ERR value is not a valid float"),
    (("ZADD", "z", "", "a"), b"ERR value is not a valid float"),
    (("ZADD", "z", " 1", "a"), b"ERR value is not a valid float"),
    (("ZADD", "z", "1e400", "a"), b"ERR value is not a valid float"),
    (("ZADD", "z", "1e-400", "a"), b"ERR value is not a valid float"),
    (("ZADD", "z", "1", "a", "bad", "b"), b"ERR value is not a valid float"),
    (("ZINCRBY", "z", "x", "a"), b"ERR value is not a valid float"),
    (("ZINCRBY", "z", "nan", "a"), b"ERR value is not a valid float"),
    (("ZINCRBY", "z", "NX", "a"), b"ERR syntax error"),
    (("ZINCRBY", "z", "1"), b"ERR wrong number of arguments for 'zincrby' command"),
])
def test_zadd_errors(raw, args, error):
    assert err(raw, *args) == error
    # All or nothing: a failed ZADD leaves no key behind.
    assert raw.call("EXISTS", "z") == 0


def test_score_parsing_and_formatting(r, raw):
    r.execute_command("ZADD", "z", "inf", "a", "+inf", "b", "-inf", "c", "0.1", "d",
                      "1e20", "e", "-0", "f", "1.5e-10", "g", "17", "h")
    assert raw.call("ZSCORE", "z", "a") == b"inf"
    assert raw.call("ZSCORE", "z", "b") == b"inf"
    assert raw.call("ZSCORE", "z", "c") == b"-inf"
    assert raw.call("ZSCORE", "z", "d") == b"0.10000000000000001"
    assert raw.call("ZSCORE", "z", "e") == b"1e+20"
    assert raw.call("ZSCORE", "z", "f") == b"0"
    assert raw.call("ZSCORE", "z", "g") == b"1.5e-10"
    assert raw.call("ZSCORE", "z", "h") == b"17"
    assert raw.call("ZINCRBY", "z", "0.1", "f") == b"0.10000000000000001"
    assert raw.call("ZINCRBY", "z", "0.2", "d") == b"0.30000000000000004"


# ---------------------------------------------------------------------------
# ZREM, ZSCORE, ZMSCORE, ZCARD, ZRANK
# ---------------------------------------------------------------------------

def test_zrem_and_lookups(r):
    r.zadd("z", {"a": 1, "b": 2, "c": 3})
    assert r.zrem("z", "a", "x", "a") == 1
    assert r.zmscore("z", ["a", "b", "c"]) == [None, 2.0, 3.0]
    assert r.zmscore("nokey", ["a"]) == [None]
    assert r.zcard("z") == 2 and r.zcard("nokey") == 0
    assert r.zrank("z", "c") == 1 and r.zrevrank("z", "c") == 0
    assert r.zrank("z", "a") is None and r.zrank("nokey", "a") is None
    assert r.zscore("nokey", "a") is None
    assert r.zrem("z", "b", "c") == 2
    assert r.exists("z") == 0
    assert r.zrem("nokey", "a") == 0


def test_ties_order_by_member_bytes(r):
    r.zadd("z", {"b": 1, "a": 1, "ab": 1, "B": 1, "": 1, "\x00": 1, "\xff": 1})
    assert r.zrange("z", 0, -1) == [b"", b"\x00", b"B", b"a", b"ab", b"b", b"\xc3\xbf"]
    for i in range(200):
        r.zadd("big", {f"m{i:03d}": i % 3})
    members = r.zrange("big", 0, -1, withscores=True)
    assert members == sorted(members, key=lambda p: (p[1], p[0]))


# ---------------------------------------------------------------------------
# Ranges
# ---------------------------------------------------------------------------

@pytest.fixture(params=["listpack", "skiplist"])
def enc(request, r):
    """Fills 'z' with a..e scored 1..5 in the requested encoding."""
    r.zadd("z", {c: i + 1 for i, c in enumerate("abcde")})
    if request.param == "skiplist":
        r.zadd("z", {"x" * 100: 100})
        r.zrem("z", "x" * 100)
    assert r.object("encoding", "z") == request.param.encode()
    return request.param


def test_zrange_by_rank(r, enc):
    assert r.zrange("z", 0, -1) == [b"a", b"b", b"c", b"d", b"e"]
    assert r.zrange("z", 1, 2, withscores=True) == [(b"b", 2.0), (b"c", 3.0)]
    assert r.zrange("z", -2, 100) == [b"d", b"e"]
    assert r.zrange("z", 3, 1) == [] and r.zrange("z", 10, 20) == []
    assert r.zrange("z", -100, 0) == [b"a"]
    assert r.zrevrange("z", 0, 1) == [b"e", b"d"]
    assert r.execute_command("ZRANGE", "z", "0", "1", "REV") == [b"e", b"d"]
    assert r.zrange("nokey", 0, -1) == []


def test_zrange_by_score(r, enc):
    assert r.zrangebyscore("z", 2, 4) == [b"b", b"c", b"d"]
    assert r.zrangebyscore("z", "(2", "(4") == [b"c"]
    assert r.zrangebyscore("z", "-inf", "+inf", withscores=True)[0] == (b"a", 1.0)
    assert r.zrangebyscore("z", 1, 5, start=1, num=2) == [b"b", b"c"]
    assert r.zrangebyscore("z", 1, 5, start=1, num=-1) == [b"b", b"c", b"d", b"e"]
    assert r.zrangebyscore("z", 1, 5, start=-1, num=2) == []
    assert r.zrangebyscore("z", 1, 5, start=9, num=2) == []
    assert r.zrevrangebyscore("z", 4, 2) == [b"d", b"c", b"b"]
    assert r.zrevrangebyscore("z", "+inf", "-inf", start=1, num=2) == [b"d", b"c"]
    assert r.zrangebyscore("z", 4, 2) == [] and r.zrangebyscore("z", "(3", 3) == []
    assert r.execute_command("ZRANGE", "z", "(1", "3", "BYSCORE", "LIMIT", "0", "1",
                             "WITHSCORES") == [b"b", b"2"]
    assert r.execute_command("ZRANGE", "z", "3", "(1", "BYSCORE", "REV") == [b"c", b"b"]
    assert r.execute_command("ZRANGEBYSCORE", "z", "", "(3") == [b"a", b"b"]
    assert r.zcount("z", "(1", "(4") == 2 and r.zcount("z", "-inf", "inf") == 5
    assert r.zcount("z", 9, 10) == 0 and r.zcount("nokey", 0, 1) == 0


def test_zrange_by_lex(r):
    r.zadd("z", {c: 0 for c in "abcdefg"})
    assert r.zrangebylex("z", "-", "+") == [c.encode() for c in "abcdefg"]
    assert r.zrangebylex("z", "[b", "(e") == [b"b", b"c", b"d"]
    assert r.zrangebylex("z", "(b", "[e", start=1, num=2) == [b"d", b"e"]
    assert r.zrevrangebylex("z", "+", "-", start=1, num=2) == [b"f", b"e"]
    assert r.zrevrangebylex("z", "[e", "(b") == [b"e", b"d", b"c"]
    assert r.zrangebylex("z", "+", "-") == [] and r.zrangebylex("z", "[c", "(c") == []
    assert r.execute_command("ZRANGE", "z", "[f", "[b", "BYLEX", "REV", "LIMIT", "0", "2") == \
        [b"f", b"e"]
    assert r.zlexcount("z", "(a", "[c") == 2 and r.zlexcount("z", "-", "+") == 7
    assert r.zlexcount("nokey", "-", "+") == 0
    for i in range(200):
        r.zadd("big", {f"k{i:03d}": 0})
    assert r.zrangebylex("big", "[k100", "(k103") == [b"k100", b"k101", b"k102"]
    assert r.zlexcount("big", "(k010", "+") == 189


def test_zrange_large_offsets(r):
    r.zadd("z", {f"m{i:05d}": i for i in range(5000)})
    assert r.zrangebyscore("z", 100, "+inf", start=3000, num=3) == \
        [b"m03100", b"m03101", b"m03102"]
    assert r.zrevrangebyscore("z", 4000, "-inf", start=3000, num=2) == [b"m01000", b"m00999"]
    assert r.zrangebyscore("z", 100, 200, start=3000, num=3) == []
    assert r.zrange("z", 2500, 2502) == [b"m02500", b"m02501", b"m02502"]
    assert r.zrevrange("z", 2500, 2501) == [b"m02499", b"m02498"]
    assert r.zcount("z", 1000, "(2000") == 1000


@pytest.mark.parametrize("args,error", [
    (("ZRANGE", "z", "0", "-1", "LIMIT", "0", "1"),
     b"ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"),
    (("ZREVRANGE", "z", "0", "1", "LIMIT", "0", "1"),
     b"ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"),
    (("ZRANGE", "z", "[a", "[b", "BYLEX", "WITHSCORES"),
     b"ERR syntax error, WITHSCORES not supported in combination with BYLEX"),
    (("ZRANGEBYLEX", "z", "[a", "[b", "WITHSCORES"),
     b"ERR syntax error, WITHSCORES not supported in combination with BYLEX"),
    (("ZRANGE", "z", "0", "-1", "REV", "REV"), b"ERR syntax error"),
    (("ZRANGE", "z", "0", "-1", "BYSCORE", "BYLEX"), b"ERR syntax error"),
    (("ZRANGEBYSCORE", "z", "0", "10", "REV"), b"ERR syntax error"),
    (("ZREVRANGE", "z", "0", "-1", "REV"), b"ERR syntax error"),
    (("ZRANGE", "z", "0", "1", "LIMIT", "0"), b"ERR syntax error"),
    (("ZRANGEBYSCORE", "z", "0", "1", "LIMIT", "1"), b"ERR syntax error"),
    (("ZRANGE", "z", "0", "1", "LIMIT", "x", "1"), b"ERR value is not an integer or out of range"),
    (("ZRANGE", "z", "x", "1"), b"ERR value is not an integer or out of range"),
    (("ZRANGE", "z", "0", "-1", "BYLEX"), b"ERR min or max not valid string range item"),
    (("ZRANGE", "z", "[a", "[z", "BYSCORE"), b"ERR min or max is not a float"),
    (("ZRANGEBYSCORE", "z", "x", "1"), b"ERR min or max is not a float"),
    (("ZRANGEBYSCORE", "z", "nan", "1"), b"ERR min or max is not a float"),
    (("ZRANGEBYLEX", "z", "a", "b"), b"ERR min or max not valid string range item"),
    (("ZRANGEBYLEX", "z", "", "+"), b"ERR min or max not valid string range item"),
    (("ZRANGEBYLEX", "z", "-a", "+"), b"ERR min or max not valid string range item"),
    (("ZCOUNT", "z", "x", "1"), b"ERR min or max is not a float"),
    (("ZCOUNT", "nokey", "(x", "1"), b"ERR min or max is not a float"),
    (("ZLEXCOUNT", "z", "a", "[b"), b"ERR min or max not valid string range item"),
    (("ZRANGESTORE", "d", "z", "0", "-1", "WITHSCORES"), b"ERR syntax error"),
    (("ZREMRANGEBYRANK", "nokey", "x", "1"), b"ERR value is not an integer or out of range"),
    (("ZREMRANGEBYSCORE", "z", "x", "1"), b"ERR min or max is not a float"),
    (("ZREMRANGEBYLEX", "z", "x", "[b"), b"ERR min or max not valid string range item"),
])
def test_range_errors(raw, args, error):
    raw.call("ZADD", "z", "1", "a", "2", "b")
    assert err(raw, *args) == error


def test_zrangestore(r):
    r.zadd("src", {c: i for i, c in enumerate("abcdef")})
    assert r.execute_command("ZRANGESTORE", "dst", "src", "1", "3") == 3
    assert zrange_all(r, "dst") == [(b"b", 1.0), (b"c", 2.0), (b"d", 3.0)]
    assert r.execute_command("ZRANGESTORE", "dst", "src", "(1", "3", "BYSCORE", "LIMIT", "0",
                             "1") == 1
    assert zrange_all(r, "dst") == [(b"c", 2.0)]
    assert r.execute_command("ZRANGESTORE", "dst", "src", "[e", "-", "BYLEX", "REV") == 5
    # A string destination is replaced, its TTL dropped.
    r.set("str", "x", ex=100)
    assert r.execute_command("ZRANGESTORE", "str", "src", "0", "0") == 1
    assert r.type("str") == b"zset" and r.ttl("str") == -1
    # An empty result deletes the destination.
    assert r.execute_command("ZRANGESTORE", "dst", "src", "10", "20") == 0
    assert r.exists("dst") == 0
    assert r.execute_command("ZRANGESTORE", "str", "nokey", "0", "-1") == 0
    assert r.exists("str") == 0
    # Same key as source and destination.
    assert r.execute_command("ZRANGESTORE", "src", "src", "0", "1") == 2
    assert r.zrange("src", 0, -1) == [b"a", b"b"]
    r.set("s", "x")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.execute_command("ZRANGESTORE", "dst", "s", "0", "1")


# ---------------------------------------------------------------------------
# ZREMRANGEBY*
# ---------------------------------------------------------------------------

def test_zremrange(r, enc):
    assert r.zremrangebyrank("z", 1, 2) == 2
    assert r.zrange("z", 0, -1) == [b"a", b"d", b"e"]
    assert r.zremrangebyrank("z", 5, 10) == 0 and r.zremrangebyrank("z", 2, 1) == 0
    assert r.zremrangebyscore("z", "(1", 4) == 1
    assert r.zrange("z", 0, -1) == [b"a", b"e"]
    assert r.zremrangebyscore("z", 10, 20) == 0
    assert r.zremrangebylex("z", "-", "(b") == 1
    assert r.zrange("z", 0, -1) == [b"e"]
    assert r.zremrangebyrank("z", -1, -1) == 1
    assert r.exists("z") == 0
    assert r.zremrangebyrank("nokey", 0, -1) == 0


def test_zremrange_large(r):
    r.zadd("z", {f"m{i:04d}": i for i in range(1000)})
    assert r.zremrangebyscore("z", 100, "(200") == 100
    assert r.zremrangebyrank("z", -100, -1) == 100
    assert r.zremrangebylex("z", "[m0000", "[m0009") == 10
    assert r.zcard("z") == 790
    assert r.zrange("z", 0, 0) == [b"m0010"] and r.zrange("z", 89, 90) == [b"m0099", b"m0200"]
    assert r.zrank("z", "m0899") == 789


# ---------------------------------------------------------------------------
# Pops
# ---------------------------------------------------------------------------

def test_zpop(r, raw):
    r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4})
    assert r.zpopmin("z") == [(b"a", 1.0)]
    assert r.zpopmax("z", 2) == [(b"d", 4.0), (b"c", 3.0)]
    assert r.zpopmin("z", 10) == [(b"b", 2.0)]
    assert r.exists("z") == 0
    assert r.zpopmin("z") == [] and r.zpopmax("nokey", 3) == []
    raw.call("ZADD", "z", "1", "a")
    assert raw.call("ZPOPMIN", "z", "0") == []
    assert raw.call("ZPOPMIN", "nokey", "0") == []
    assert err(raw, "ZPOPMIN", "z", "-1") == b"ERR value is out of range, must be positive"
    assert err(raw, "ZPOPMIN", "z", "x") == b"ERR value is out of range, must be positive"
    assert err(raw, "ZPOPMIN", "z", "1", "2") == b"ERR syntax error"


def test_zpop_resp3_shapes(raw):
    raw.call("HELLO", "3")
    raw.call("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
    assert raw.call_raw("ZPOPMIN", "z") == b"*2\r\n$1\r\na\r\n,1\r\n"
    assert raw.call_raw("ZPOPMIN", "z", "1") == b"*1\r\n*2\r\n$1\r\nb\r\n,2\r\n"
    assert raw.call_raw("ZMPOP", "1", "z", "MAX") == b"*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nd\r\n,4\r\n"
    assert raw.call_raw("BZPOPMAX", "z", "0") == b"*3\r\n$1\r\nz\r\n$1\r\nc\r\n,3\r\n"
    assert raw.call_raw("ZMPOP", "1", "z", "MIN") == b"_\r\n"
    assert raw.call_raw("BZPOPMIN", "z", "0.01") == b"_\r\n"


def test_zmpop(r, raw):
    r.zadd("z2", {"a": 1, "b": 2, "c": 3})
    assert raw.call("ZMPOP", "2", "nokey", "z2", "MIN") == [b"z2", [[b"a", b"1"]]]
    assert raw.call("ZMPOP", "2", "nokey", "z2", "MAX", "COUNT", "5") == \
        [b"z2", [[b"c", b"3"], [b"b", b"2"]]]
    assert r.exists("z2") == 0
    assert raw.call_raw("ZMPOP", "1", "z2", "MIN") == b"*-1\r\n"
    r.set("s", "x")
    assert err(raw, "ZMPOP", "2", "nokey", "s", "MIN") == WRONGTYPE


@pytest.mark.parametrize("args,error", [
    (("ZMPOP", "0", "z", "MIN"), b"ERR numkeys should be greater than 0"),
    (("ZMPOP", "-1", "z", "MIN"), b"ERR numkeys should be greater than 0"),
    (("ZMPOP", "x", "z", "MIN"), b"ERR numkeys should be greater than 0"),
    (("ZMPOP", "2", "z", "MIN"), b"ERR syntax error"),
    (("ZMPOP", "5", "z", "MIN"), b"ERR syntax error"),
    (("ZMPOP", "1", "z", "FOO"), b"ERR syntax error"),
    (("ZMPOP", "1", "z", "MIN", "FOO"), b"ERR syntax error"),
    (("ZMPOP", "1", "z", "MIN", "COUNT"), b"ERR syntax error"),
    (("ZMPOP", "1", "z", "MIN", "COUNT", "0"), b"ERR count should be greater than 0"),
    (("ZMPOP", "1", "z", "MIN", "COUNT", "-1"), b"ERR count should be greater than 0"),
    (("ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "2"), b"ERR syntax error"),
    (("BZMPOP", "x", "1", "z", "MIN"), b"ERR timeout is not a float or out of range"),
    (("BZMPOP", "-1", "1", "z", "MIN"), b"ERR timeout is negative"),
    (("BZMPOP", "1", "0", "z", "MIN"), b"ERR numkeys should be greater than 0"),
    (("BZPOPMIN", "z", "x"), b"ERR timeout is not a float or out of range"),
    (("BZPOPMAX", "z", "-1"), b"ERR timeout is negative"),
])
def test_pop_errors(raw, args, error):
    assert err(raw, *args) == error


# ---------------------------------------------------------------------------
# Blocking pops
# ---------------------------------------------------------------------------

def test_bzpopmin_immediate_and_timeout(r):
    r.zadd("z", {"a": 1, "b": 2})
    assert r.bzpopmin(["nokey", "z"], timeout=1) == (b"z", b"a", 1.0)
    assert r.bzpopmax("z", timeout=1) == (b"z", b"b", 2.0)
    t0 = time.monotonic()
    assert r.bzpopmin("z", timeout=0.2) is None
    assert 0.15 < time.monotonic() - t0 < 2


def _blocked_clients(r, n):
    wait_until(lambda: r.info("clients")["blocked_clients"] == n, 5, message=f"{n} blocked")


def test_bzpopmin_wakes_up_fifo(server, r):
    results = {}

    def waiter(name):
        c = server.client()
        results[name] = c.bzpopmin(["z1", "z2"], timeout=5)

    threads = []
    for name in ("first", "second"):
        t = threading.Thread(target=waiter, args=(name,))
        t.start()
        threads.append(t)
        _blocked_clients(r, len(threads))
    r.zadd("z2", {"x": 1})
    wait_until(lambda: "first" in results, 5, message="first waiter served")
    assert results["first"] == (b"z2", b"x", 1.0)
    assert "second" not in results
    r.zadd("z1", {"y": 2, "w": 3})
    for t in threads:
        t.join(5)
    assert results["second"] == (b"z1", b"y", 2.0)
    assert r.zrange("z1", 0, -1) == [b"w"]


def test_bzpopmax_timeout_while_others_served(server, r, raw):
    raw.cmd("BZPOPMAX", "z", "0.3")
    other = server.raw()
    other.cmd("BZPOPMAX", "z", "0")
    _blocked_clients(r, 2)
    assert raw.read(timeout=3) is None
    r.zadd("z", {"a": 1})
    assert other.read(timeout=3) == [b"z", b"a", b"1"]


def test_bzmpop_wakes_up(server, r, raw):
    raw.cmd("BZMPOP", "0", "2", "z1", "z2", "MAX", "COUNT", "2")
    _blocked_clients(r, 1)
    r.zadd("z2", {"a": 1, "b": 2, "c": 3})
    assert raw.read(timeout=3) == [b"z2", [[b"c", b"3"], [b"b", b"2"]]]
    assert r.zrange("z2", 0, -1) == [b"a"]


def test_blocked_pop_ignores_other_types_and_pipelined_adds(server, r, raw):
    raw.cmd("BZPOPMIN", "k", "0")
    _blocked_clients(r, 1)
    r.set("k", "string")  # a wrong type does not serve the waiter (Redis 7.0)
    r.delete("k")
    pipe = r.pipeline(transaction=True)
    pipe.zadd("k", {"a": 1, "b": 2})
    pipe.zrem("k", "a")
    pipe.execute()
    assert raw.read(timeout=3) == [b"k", b"b", b"2"]
    assert r.exists("k") == 0


def test_blocking_pops_inside_multi_answer_at_once(r, raw):
    raw.call("MULTI")
    raw.call("BZPOPMIN", "nokey", "0")
    raw.call("BZMPOP", "0", "1", "nokey", "MIN")
    assert raw.call("EXEC") == [None, None]
    raw.call("ZADD", "z", "1", "a")
    raw.call("MULTI")
    raw.call("BZPOPMIN", "z", "0")
    assert raw.call("EXEC") == [[b"z", b"a", b"1"]]


def test_blocking_pop_disconnect_leaves_no_waiter(server, r):
    c = server.raw()
    c.cmd("BZPOPMIN", "z", "0")
    _blocked_clients(r, 1)
    c.close()
    _blocked_clients(r, 0)
    r.zadd("z", {"a": 1})
    assert r.zcard("z") == 1


# ---------------------------------------------------------------------------
# ZRANDMEMBER
# ---------------------------------------------------------------------------

def test_zrandmember(r, raw, enc):
    members = {b"a": 1.0, b"b": 2.0, b"c": 3.0, b"d": 4.0, b"e": 5.0}
    assert r.zrandmember("z") in members
    assert r.zrandmember("nokey") is None
    assert r.zrandmember("nokey", 3) == []
    assert r.zrandmember("z", 0) == []
    got = r.zrandmember("z", 3)
    assert len(got) == 3 == len(set(got)) and set(got) <= set(members)
    assert sorted(r.zrandmember("z", 10)) == sorted(members)
    rep = r.zrandmember("z", -20)
    assert len(rep) == 20 and set(rep) <= set(members)
    pairs = raw.call("ZRANDMEMBER", "z", "-7", "WITHSCORES")
    assert len(pairs) == 14
    for m, s in zip(pairs[::2], pairs[1::2]):
        assert members[m] == float(s)
    raw.call("HELLO", "3")
    pairs = raw.call("ZRANDMEMBER", "z", "2", "WITHSCORES")
    assert len(pairs) == 2 and all(members[m] == s for m, s in pairs)


def test_zrandmember_distinct_from_large_set(r):
    r.zadd("z", {f"m{i}": i for i in range(1000)})
    for count in (5, 400, 999):
        got = r.zrandmember("z", count)
        assert len(got) == count == len(set(got))


@pytest.mark.parametrize("args,error", [
    (("ZRANDMEMBER", "z", "x"), b"ERR value is not an integer or out of range"),
    (("ZRANDMEMBER", "z", "-9223372036854775808"),
     b"ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"),
    (("ZRANDMEMBER", "z", "-9223372036854775807", "WITHSCORES"), b"ERR value is out of range"),
    (("ZRANDMEMBER", "z", "1", "foo"), b"ERR syntax error"),
    (("ZRANDMEMBER", "z", "1", "WITHSCORES", "x"), b"ERR syntax error"),
])
def test_zrandmember_errors(raw, args, error):
    raw.call("ZADD", "z", "1", "a")
    assert err(raw, *args) == error


# ---------------------------------------------------------------------------
# ZUNION, ZINTER, ZDIFF, STORE forms, ZINTERCARD
# ---------------------------------------------------------------------------

@pytest.fixture
def algebra(r):
    r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4})
    r.zadd("w", {"a": 1, "d": 5, "e": 6})
    r.sadd("s", "a", "x")
    r.sadd("si", "1", "2")


def test_zunion_zinter_zdiff(r, algebra):
    assert r.zunion(["z", "w"], withscores=True) == \
        [(b"a", 2.0), (b"b", 2.0), (b"c", 3.0), (b"e", 6.0), (b"d", 9.0)]
    assert r.zinter(["z", "w"], withscores=True) == [(b"a", 2.0), (b"d", 9.0)]
    assert r.zinter(["z", "w"], aggregate="MAX", withscores=True) == [(b"a", 1.0), (b"d", 5.0)]
    assert r.zunion({"z": 2, "w": -1}, aggregate="MIN", withscores=True)[0] == (b"e", -6.0)
    # redis-py 4.3 leaves ZDIFF's WITHSCORES reply flat.
    assert r.zdiff(["z", "w"], withscores=True) == [b"b", b"2", b"c", b"3"]
    assert r.zdiff(["z", "nokey"]) == [b"a", b"b", b"c", b"d"]
    assert r.zinter(["z", "nokey"]) == [] and r.zunion(["nokey", "nokey2"]) == []
    assert r.execute_command("ZINTER", "2", "z", "w", "AGGREGATE", "MIN", "WITHSCORES",
                             "WITHSCORES") == [b"a", b"1", b"d", b"4"]


def test_set_inputs_score_one(r, algebra):
    assert r.zunion(["z", "s"], withscores=True) == \
        [(b"x", 1.0), (b"a", 2.0), (b"b", 2.0), (b"c", 3.0), (b"d", 4.0)]
    assert r.zinter(["z", "s"], withscores=True) == [(b"a", 2.0)]
    assert r.zdiff(["s", "z"], withscores=True) == [b"x", b"1"]
    assert r.zunion(["si", "s"], withscores=True) == [(b"1", 1.0), (b"2", 1.0), (b"a", 1.0),
                                                     (b"x", 1.0)]
    r.sadd("big", *[f"m{i}" for i in range(300)])
    assert r.execute_command("ZINTERCARD", "2", "big", "big") == 300
    assert r.zunionstore("dst", {"big": 2}) == 300 and r.zscore("dst", "m7") == 2.0


def test_weights_inf_and_nan(r, algebra):
    assert r.zunion({"z": 2, "w": float("inf")}, withscores=True) == \
        [(b"b", 4.0), (b"c", 6.0), (b"a", float("inf")), (b"d", float("inf")),
         (b"e", float("inf"))]
    # 0 * inf is NaN, which counts as 0.
    assert r.zunion({"z": 0, "w": float("inf")}, withscores=True)[0:2] == \
        [(b"b", 0.0), (b"c", 0.0)]
    r.zadd("p", {"m": float("inf")})
    r.zadd("n", {"m": float("-inf")})
    assert r.zunion(["p", "n"], withscores=True) == [(b"m", 0.0)]


def test_store_forms(r, algebra):
    r.set("dst", "string", ex=100)
    assert r.zunionstore("dst", ["z", "w"]) == 5
    assert r.type("dst") == b"zset" and r.ttl("dst") == -1
    assert r.object("encoding", "dst") == b"listpack"
    assert r.zinterstore("dst", {"z": 1, "w": 10}, aggregate="SUM") == 2
    assert zrange_all(r, "dst") == [(b"a", 11.0), (b"d", 54.0)]
    assert r.zdiffstore("dst", ["z", "w"]) == 2
    assert r.zinterstore("dst", ["z", "nokey"]) == 0
    assert r.exists("dst") == 0
    assert r.zunionstore("z", ["z", "w"]) == 5  # destination among the inputs


def test_zintercard(r, raw, algebra):
    assert raw.call("ZINTERCARD", "2", "z", "w") == 2
    assert raw.call("ZINTERCARD", "2", "z", "w", "LIMIT", "1") == 1
    assert raw.call("ZINTERCARD", "2", "z", "w", "LIMIT", "0") == 2
    assert raw.call("ZINTERCARD", "1", "nokey") == 0


@pytest.mark.parametrize("args,error", [
    (("ZINTERCARD", "0", "z"), b"ERR at least 1 input key is needed for 'zintercard' command"),
    (("ZINTERCARD", "x", "z"), b"ERR value is not an integer or out of range"),
    (("ZINTERCARD", "3", "z"), b"ERR syntax error"),
    (("ZINTERCARD", "1", "z", "LIMIT", "-1"), b"ERR LIMIT can't be negative"),
    (("ZINTERCARD", "1", "z", "LIMIT", "x"), b"ERR LIMIT can't be negative"),
    (("ZINTERCARD", "1", "z", "WITHSCORES"), b"ERR syntax error"),
    (("ZUNION", "0", "z"), b"ERR at least 1 input key is needed for 'zunion' command"),
    (("ZUNIONSTORE", "d", "-1", "z"), b"ERR at least 1 input key is needed for 'zunionstore' command"),
    (("ZUNION", "2", "z"), b"ERR syntax error"),
    (("ZUNION", "1", "z", "WEIGHTS", "x"), b"ERR weight value is not a float"),
    (("ZUNION", "1", "z", "WEIGHTS", "nan"), b"ERR weight value is not a float"),
    (("ZUNION", "1", "z", "WEIGHTS"), b"ERR syntax error"),
    (("ZUNION", "2", "z", "w", "WEIGHTS", "1"), b"ERR syntax error"),
    (("ZUNION", "1", "z", "AGGREGATE", "foo"), b"ERR syntax error"),
    (("ZUNION", "1", "z", "AGGREGATE"), b"ERR syntax error"),
    (("ZDIFF", "2", "z", "w", "WEIGHTS", "1", "2"), b"ERR syntax error"),
    (("ZDIFF", "2", "z", "w", "AGGREGATE", "SUM"), b"ERR syntax error"),
    (("ZUNIONSTORE", "d", "1", "z", "WITHSCORES"), b"ERR syntax error"),
    (("ZUNION", "2", "z", "str"), WRONGTYPE),
])
def test_algebra_errors(raw, args, error):
    raw.call("ZADD", "z", "1", "a")
    raw.call("ZADD", "w", "1", "a")
    raw.call("SET", "str", "x")
    assert err(raw, *args) == error


# ---------------------------------------------------------------------------
# ZSCAN
# ---------------------------------------------------------------------------

def test_zscan_listpack(raw):
    raw.call("ZADD", "z", "1", "a", "2.5", "b", "1e20", "c", "-0", "d", "3", "ab")
    assert raw.call("ZSCAN", "z", "0") == \
        [b"0", [b"d", b"0", b"a", b"1", b"b", b"2.5", b"ab", b"3", b"c", b"1e+20"]]
    assert raw.call("ZSCAN", "z", "0", "MATCH", "a*") == [b"0", [b"a", b"1", b"ab", b"3"]]
    assert raw.call("ZSCAN", "nokey", "0") == [b"0", []]
    assert err(raw, "ZSCAN", "z", "x") == b"ERR invalid cursor"
    assert err(raw, "ZSCAN", "z", "0", "COUNT", "0") == b"ERR syntax error"
    assert err(raw, "ZSCAN", "z", "0", "TYPE", "zset") == b"ERR syntax error"


def test_zscan_skiplist_full_iteration(r):
    members = {f"member:{i}": i / 4 for i in range(1000)}
    r.zadd("z", members)
    seen = {}
    cursor = 0
    while True:
        cursor, items = r.zscan("z", cursor, count=37)
        seen.update(dict(items))
        if cursor == 0:
            break
    assert seen == {m.encode(): s for m, s in members.items()}
    matched = dict(r.zscan_iter("z", match="member:99*"))
    assert set(matched) == {b"member:99"} | {f"member:99{i}".encode() for i in range(10)}


def test_zscan_survives_writes_between_calls(r):
    r.zadd("z", {f"m{i}": i for i in range(500)})
    seen = set()
    cursor = 0
    n = 0
    while True:
        cursor, items = r.zscan("z", cursor, count=20)
        seen.update(m for m, _ in items)
        r.zadd("z", {f"new{n}": 0})
        n += 1
        if cursor == 0:
            break
    assert {f"m{i}".encode() for i in range(500)} <= seen


# ---------------------------------------------------------------------------
# Encodings
# ---------------------------------------------------------------------------

def test_encoding_thresholds(r):
    r.zadd("z", {f"m{i}": i for i in range(128)})
    assert r.object("encoding", "z") == b"listpack"
    r.zadd("z", {"one-more": 1})
    assert r.object("encoding", "z") == b"skiplist"
    r.zremrangebyrank("z", 0, -3)
    assert r.object("encoding", "z") == b"skiplist"  # never converts back
    r.zadd("v", {"x" * 64: 1})
    assert r.object("encoding", "v") == b"listpack"
    r.zadd("v", {"y" * 65: 1})
    assert r.object("encoding", "v") == b"skiplist"
    assert zrange_all(r, "v") == [(b"x" * 64, 1.0), (b"y" * 65, 1.0)]
    r.zincrby("i", 1, "z" * 65)
    assert r.object("encoding", "i") == b"skiplist"


def test_encoding_thresholds_config_set(r):
    try:
        r.config_set("zset-max-listpack-entries", 4)
        r.config_set("zset-max-listpack-value", 8)
        r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4})
        assert r.object("encoding", "z") == b"listpack"
        r.zadd("z", {"e": 5})
        assert r.object("encoding", "z") == b"skiplist"
        r.zadd("v", {"12345678": 1})
        assert r.object("encoding", "v") == b"listpack"
        r.zadd("v", {"123456789": 1})
        assert r.object("encoding", "v") == b"skiplist"
        # A creation with more pairs than fit goes straight to a skiplist.
        r.zadd("many", {"a": 1, "b": 1, "c": 1, "d": 1, "e": 1})
        assert r.object("encoding", "many") == b"skiplist"
        # Computed results are compacted when they fit.
        r.zunionstore("u", ["z"])
        assert r.object("encoding", "u") == b"skiplist"
        r.zinterstore("u", ["z", "v"])
        r.zrangestore("u", "z", 0, 1)
        assert r.object("encoding", "u") == b"listpack"
        r.config_set("zset-max-listpack-entries", 0)
        r.zadd("zero", {"a": 1})
        assert r.object("encoding", "zero") == b"skiplist"
    finally:
        r.config_set("zset-max-listpack-entries", 128)
        r.config_set("zset-max-listpack-value", 64)


def test_conversion_keeps_everything(r):
    data = {f"k{i}": (i * 7919) % 1000 / 7 for i in range(127)}
    data["neg"] = float("-inf")
    r.zadd("z", data)
    before = zrange_all(r, "z")
    r.zadd("z", {"conv1": 1.5, "conv2": 1e300})
    assert r.object("encoding", "z") == b"skiplist"
    after = zrange_all(r, "z")
    assert [p for p in after if p[0] not in (b"conv1", b"conv2")] == before
    assert r.zscore("z", "conv2") == 1e300


# ---------------------------------------------------------------------------
# WRONGTYPE, keyspace events, MEMORY USAGE, COPY
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("ZADD", "s", "1", "a"), ("ZINCRBY", "s", "1", "a"), ("ZREM", "s", "a"),
    ("ZSCORE", "s", "a"), ("ZMSCORE", "s", "a"), ("ZCARD", "s"), ("ZCOUNT", "s", "0", "1"),
    ("ZLEXCOUNT", "s", "-", "+"), ("ZRANGE", "s", "0", "1"), ("ZRANGESTORE", "d", "s", "0", "1"),
    ("ZRANGEBYSCORE", "s", "0", "1"), ("ZREVRANGEBYSCORE", "s", "1", "0"),
    ("ZRANGEBYLEX", "s", "-", "+"), ("ZREVRANGEBYLEX", "s", "+", "-"), ("ZREVRANGE", "s", "0", "1"),
    ("ZRANK", "s", "a"), ("ZREVRANK", "s", "a"), ("ZPOPMIN", "s"), ("ZPOPMAX", "s", "0"),
    ("BZPOPMIN", "s", "0"), ("BZPOPMAX", "s", "0"), ("BZMPOP", "0", "1", "s", "MIN"),
    ("ZMPOP", "1", "s", "MAX"), ("ZRANDMEMBER", "s"), ("ZRANDMEMBER", "s", "2"),
    ("ZREMRANGEBYRANK", "s", "0", "1"), ("ZREMRANGEBYSCORE", "s", "0", "1"),
    ("ZREMRANGEBYLEX", "s", "-", "+"), ("ZUNION", "1", "s"), ("ZINTER", "1", "s"),
    ("ZDIFF", "1", "s"), ("ZUNIONSTORE", "d", "1", "s"), ("ZINTERSTORE", "d", "1", "s"),
    ("ZDIFFSTORE", "d", "1", "s"), ("ZINTERCARD", "1", "s"), ("ZSCAN", "s", "0"),
])
def test_wrongtype(raw, args):
    raw.call("SET", "s", "string")
    assert err(raw, *args) == WRONGTYPE


@pytest.fixture
def events(server, r):
    """Returns a function that runs callables and gives the keyevent messages they caused."""
    r.config_set("notify-keyspace-events", "Egz")
    sub = server.raw()
    sub.call("PSUBSCRIBE", "__keyevent@0__:*")
    sub.call("SUBSCRIBE", "fence")

    def collect(*actions):
        for action in actions:
            action()
        r.publish("fence", "x")
        got = []
        while True:
            msg = sub.read()
            if msg[0] == b"message":
                return got
            got.append((msg[2].split(b":", 1)[1].decode(), msg[3].decode()))

    yield collect
    r.config_set("notify-keyspace-events", "")


def test_keyspace_events(r, events):
    assert events(lambda: r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}),
                  lambda: r.zadd("z", {"a": 1}),
                  lambda: r.zincrby("z", 1, "a")) == [("zadd", "z"), ("zincr", "z")]
    assert events(lambda: r.zrem("z", "a", "nope"),
                  lambda: r.zrem("z", "nope")) == [("zrem", "z")]
    assert events(lambda: r.zremrangebyrank("z", 0, 0),
                  lambda: r.zremrangebyscore("z", 3, 3),
                  lambda: r.zremrangebylex("z", "-", "+")) == \
        [("zremrangebyrank", "z"), ("zremrangebyscore", "z"), ("zremrangebylex", "z"),
         ("del", "z")]
    assert events(lambda: r.zadd("p", {"a": 1, "b": 2})) == [("zadd", "p")]
    assert events(lambda: r.zpopmin("p"), lambda: r.zpopmax("p"), lambda: r.zpopmax("p")) == \
        [("zpopmin", "p"), ("zpopmax", "p"), ("del", "p")]
    assert events(lambda: r.zadd("p", {"a": 1}),
                  lambda: r.execute_command("ZMPOP", "1", "p", "MIN")) == \
        [("zadd", "p"), ("zpopmin", "p"), ("del", "p")]
    assert events(lambda: r.zadd("z", {"a": 1})) == [("zadd", "z")]
    assert events(lambda: r.zunionstore("d", ["z"]), lambda: r.zinterstore("d", ["z"]),
                  lambda: r.zdiffstore("d", ["z"]), lambda: r.zrangestore("d", "z", 0, -1),
                  lambda: r.zinterstore("d", ["z", "nokey"])) == \
        [("zunionstore", "d"), ("zinterstore", "d"), ("zdiffstore", "d"),
         ("zrangestore", "d"), ("del", "d")]


def test_watch_sees_zmpop_pop(server, r):
    r.zadd("z", {"a": 1})
    c = server.client()
    p = c.pipeline(transaction=True)
    p.watch("z")
    r.execute_command("ZMPOP", "1", "z", "MIN")
    p.multi()
    p.ping()
    with pytest.raises(redis.WatchError):
        p.execute()


def test_copy_and_memory_usage(r):
    r.zadd("small", {"a": 1, "b": 2})
    r.zadd("large", {f"m{i}": i for i in range(300)})
    for key in ("small", "large"):
        assert r.copy(key, key + "2")
        assert zrange_all(r, key + "2") == zrange_all(r, key)
        r.zadd(key + "2", {"extra": 1})
        assert r.zscore(key, "extra") is None
        assert r.memory_usage(key) > 0
    assert r.memory_usage("large") > r.memory_usage("small")


def test_resp3_shapes(raw):
    raw.call("HELLO", "3")
    raw.call("ZADD", "z", "1", "a", "2", "b")
    raw.call("ZADD", "w", "1", "a")
    assert raw.call_raw("ZRANGE", "z", "0", "-1", "WITHSCORES") == \
        b"*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n"
    assert raw.call_raw("ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES", "LIMIT", "1", "1") == \
        b"*1\r\n*2\r\n$1\r\nb\r\n,2\r\n"
    assert raw.call_raw("ZSCORE", "z", "a") == b",1\r\n"
    assert raw.call_raw("ZSCORE", "z", "x") == b"_\r\n"
    assert raw.call_raw("ZMSCORE", "z", "a", "x") == b"*2\r\n,1\r\n_\r\n"
    assert raw.call_raw("ZINCRBY", "z", "1", "a") == b",2\r\n"
    assert raw.call_raw("ZADD", "z", "NX", "INCR", "1", "a") == b"_\r\n"
    assert raw.call_raw("ZRANK", "z", "x") == b"_\r\n"
    assert raw.call_raw("ZRANDMEMBER", "nokey") == b"_\r\n"
    assert raw.call_raw("ZUNION", "2", "z", "w", "WITHSCORES") == \
        b"*2\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\na\r\n,3\r\n"
    assert raw.call_raw("ZSCAN", "w", "0") == b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    assert raw.call_raw("ZPOPMIN", "nokey") == b"*0\r\n"


def test_command_info_rows(raw):
    info = raw.call("COMMAND", "INFO", "zadd", "bzpopmin", "zrangestore", "zunionstore")
    assert info[0][:2] == [b"zadd", -4] and info[0][3:6] == [1, 1, 1]
    assert info[1][:2] == [b"bzpopmin", -3] and info[1][3:6] == [1, -2, 1]
    assert info[2][3:6] == [1, 2, 1]
    assert info[3][:2] == [b"zunionstore", -4]
