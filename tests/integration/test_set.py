"""Set commands (SPEC §5, sets) with Redis 7.0 replies, errors and keyspace events.

Encodings: intset and hashtable behave as in Redis 7.0 and are tested against both servers;
ferrite also has Redis 7.2's listpack encoding for small non-integer sets (Redis 7.0 uses a
hashtable there), so tests that assert "listpack" or use set-max-listpack-* are
ferrite_only, and shared tests only assert "not intset" for small string sets.
"""

import random
import threading
import time

import pytest
import redis

from conftest import IS_REDIS, RespError, RespSet, run_cli

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INT = "ERR value is not an integer or out of range"
SYNTAX = "ERR syntax error"
POSITIVE = "ERR value is out of range, must be positive"


def err(raw, *args):
    """Send a command over the raw connection; return the error text it must produce."""
    reply = raw.call(*args)
    assert isinstance(reply, RespError), f"{args!r} replied {reply!r}, expected an error"
    return reply.decode()


def members(r, key):
    return set(r.smembers(key))


def enc(r, key):
    v = r.object("encoding", key)
    return v.decode() if isinstance(v, bytes) else v


def bset(*items):
    return {str(i).encode() for i in items}


@pytest.fixture
def thresholds(r):
    """Restores the set thresholds a test changes."""
    names = ["set-max-intset-entries"] + ([] if IS_REDIS else
                                           ["set-max-listpack-entries", "set-max-listpack-value"])
    saved = {n: r.config_get(n)[n] for n in names}
    yield
    for n, v in saved.items():
        r.config_set(n, v)


# -- SADD, SREM, SCARD, SISMEMBER, SMISMEMBER ----------------------------------

def test_sadd_srem_basic(r):
    assert r.sadd("s", "a", "b", "c") == 3
    assert r.sadd("s", "a", "d", "d") == 1
    assert r.scard("s") == 4
    assert members(r, "s") == {b"a", b"b", b"c", b"d"}
    assert r.srem("s", "a", "zz", "a") == 1
    assert r.srem("s", "zz") == 0
    assert r.srem("missing", "a") == 0
    assert r.scard("s") == 3
    assert r.scard("missing") == 0
    assert r.type("s") == b"set"


def test_srem_last_member_deletes_key(r):
    r.sadd("s", "1", "x")
    assert r.srem("s", "1", "x", "y") == 2
    assert r.exists("s") == 0
    r.sadd("i", 1, 2)
    assert r.srem("i", 1, 2) == 2
    assert r.exists("i") == 0


def test_sismember_smismember(r):
    r.sadd("s", "a", 1, -5)
    assert r.sismember("s", "a") is True
    assert r.sismember("s", "-5") is True
    assert r.sismember("s", "b") is False
    assert r.sismember("missing", "a") is False
    assert r.smismember("s", "a", "b", "1", "01") == [1, 0, 1, 0]
    assert r.smismember("missing", "a", "b") == [0, 0]


def test_binary_members(r):
    items = [b"", b"\x00", b"a\r\nb", bytes(range(256)), b"x" * 300]
    assert r.sadd("s", *items) == len(items)
    assert members(r, "s") == set(items)
    for it in items:
        assert r.sismember("s", it)
    assert r.srem("s", b"") == 1
    assert not r.sismember("s", b"")


def test_integer_like_members_stay_distinct(r):
    # Only canonical integers are integers: "01", "+1", "-0", " 1" are strings.
    r.sadd("s", "1", "01", "+1", "-0", " 1", "1 ")
    assert r.scard("s") == 6
    assert members(r, "s") == {b"1", b"01", b"+1", b"-0", b" 1", b"1 "}
    assert r.smismember("s", "1", "01", "+1", "0") == [1, 1, 1, 0]


def test_int64_extremes(r):
    vals = ["9223372036854775807", "-9223372036854775808", "0", "32767", "-32768", "65536",
            "-2147483649"]
    r.sadd("s", *vals)
    assert enc(r, "s") == "intset"
    assert members(r, "s") == {v.encode() for v in vals}
    # One past the range is a string.
    r.sadd("s", "9223372036854775808")
    assert enc(r, "s") != "intset"
    assert r.scard("s") == len(vals) + 1
    assert r.sismember("s", "9223372036854775807")


def test_wrongtype_everywhere(r, raw):
    r.set("str", "x")
    r.sadd("s", "a")
    for args in [("SADD", "str", "a"), ("SREM", "str", "a"), ("SMEMBERS", "str"),
                 ("SISMEMBER", "str", "a"), ("SMISMEMBER", "str", "a"), ("SCARD", "str"),
                 ("SPOP", "str"), ("SPOP", "str", "2"), ("SRANDMEMBER", "str"),
                 ("SRANDMEMBER", "str", "2"), ("SMOVE", "str", "s", "a"),
                 ("SMOVE", "s", "str", "a"), ("SINTER", "s", "str"), ("SINTER", "nokey", "str"),
                 ("SINTERCARD", "2", "nokey", "str"), ("SUNION", "nokey", "str"),
                 ("SDIFF", "nokey", "str"), ("SINTERSTORE", "d", "s", "str"),
                 ("SUNIONSTORE", "d", "s", "str"), ("SDIFFSTORE", "d", "s", "str"),
                 ("SSCAN", "str", "0"), ("SSCAN", "str", "0", "COUNT", "0")]:
        assert err(raw, *args) == WRONGTYPE, args
    assert r.get("str") == b"x"
    assert r.exists("d") == 0


def test_arity_errors(raw):
    for args in [("SADD", "s"), ("SREM", "s"), ("SMEMBERS",), ("SMEMBERS", "a", "b"),
                 ("SISMEMBER", "s"), ("SMISMEMBER", "s"), ("SCARD",), ("SPOP",),
                 ("SRANDMEMBER",), ("SMOVE", "a", "b"), ("SINTER",), ("SINTERCARD", "1"),
                 ("SUNION",), ("SDIFF",), ("SINTERSTORE", "d"), ("SUNIONSTORE", "d"),
                 ("SDIFFSTORE", "d"), ("SSCAN", "s")]:
        assert err(raw, *args) == (
            f"ERR wrong number of arguments for '{args[0].lower()}' command"), args


def test_command_info_rows(raw):
    want = {"sadd": (-3, 1, 1, 1), "srem": (-3, 1, 1, 1), "smembers": (2, 1, 1, 1),
            "sismember": (3, 1, 1, 1), "smismember": (-3, 1, 1, 1), "scard": (2, 1, 1, 1),
            "spop": (-2, 1, 1, 1), "srandmember": (-2, 1, 1, 1), "smove": (4, 1, 2, 1),
            "sinter": (-2, 1, -1, 1), "sintercard": (-3, 0, 0, 0), "sunion": (-2, 1, -1, 1),
            "sdiff": (-2, 1, -1, 1), "sinterstore": (-3, 1, -1, 1),
            "sunionstore": (-3, 1, -1, 1), "sdiffstore": (-3, 1, -1, 1),
            "sscan": (-3, 1, 1, 1)}
    info = raw.call("COMMAND", "INFO", *want)
    for row in info:
        name = row[0].decode()
        assert (row[1], row[3], row[4], row[5]) == want[name], name
    flags = {row[0].decode(): {f.decode() for f in row[2]} for row in info}
    assert {"write", "denyoom", "fast"} <= flags["sadd"]
    assert {"readonly", "fast"} <= flags["sismember"]
    assert "write" in flags["sdiffstore"] and "readonly" in flags["sunion"]


# -- encodings -----------------------------------------------------------------

def test_intset_encoding_and_upgrade_to_hashtable(r, thresholds):
    r.sadd("s", *range(10))
    assert enc(r, "s") == "intset"
    r.config_set("set-max-intset-entries", 16)
    r.sadd("s", *range(10, 16))
    assert enc(r, "s") == "intset"
    r.sadd("s", 16)  # 17 > 16 entries
    assert enc(r, "s") == "hashtable"
    assert members(r, "s") == bset(*range(17))
    # Never back, even when it shrinks.
    r.srem("s", *range(1, 17))
    assert enc(r, "s") == "hashtable"
    assert members(r, "s") == {b"0"}


def test_default_intset_limit_512(r):
    r.sadd("s", *range(512))
    assert enc(r, "s") == "intset"
    r.sadd("s", 512)
    assert enc(r, "s") == "hashtable"
    assert r.scard("s") == 513


def test_string_member_leaves_intset(r):
    r.sadd("s", 1, 2, 3)
    r.sadd("s", "x")
    assert enc(r, "s") in ("listpack", "hashtable")
    r.sadd("t", *range(200))
    r.sadd("t", "y")
    assert enc(r, "t") == "hashtable"  # 201 members: past the listpack size either way
    assert r.scard("t") == 201


def test_large_string_set_is_hashtable(r):
    r.sadd("s", *[f"m{i}" for i in range(129)])
    assert enc(r, "s") == "hashtable"
    r.sadd("one", "x" * 65)
    assert enc(r, "one") == "hashtable"


@pytest.mark.ferrite_only
def test_listpack_encoding_thresholds(r, thresholds):
    r.sadd("s", "a", "b")
    assert enc(r, "s") == "listpack"
    r.sadd("s", *[f"m{i}" for i in range(126)])  # 128 members: still listpack
    assert enc(r, "s") == "listpack"
    r.sadd("s", "one-more")
    assert enc(r, "s") == "hashtable"
    r.srem("s", *[f"m{i}" for i in range(126)])
    assert enc(r, "s") == "hashtable"
    # Value length threshold: 64 fits, 65 does not.
    r.sadd("v", "x" * 64)
    assert enc(r, "v") == "listpack"
    r.sadd("v", "y" * 65)
    assert enc(r, "v") == "hashtable"
    # CONFIG SET takes effect for the next write.
    r.config_set("set-max-listpack-entries", 3)
    r.config_set("set-max-listpack-value", 5)
    r.sadd("w", "a", "b", "c")
    assert enc(r, "w") == "listpack"
    r.sadd("w", "d")
    assert enc(r, "w") == "hashtable"
    r.sadd("z", "abcde")
    assert enc(r, "z") == "listpack"
    r.sadd("z", "abcdef")
    assert enc(r, "z") == "hashtable"
    assert members(r, "z") == {b"abcde", b"abcdef"}


@pytest.mark.ferrite_only
def test_intset_to_listpack_conversion(r, thresholds):
    r.sadd("s", -123456789, 5, 10)
    assert enc(r, "s") == "intset"
    r.sadd("s", "str")
    assert enc(r, "s") == "listpack"
    assert members(r, "s") == {b"-123456789", b"5", b"10", b"str"}
    assert r.sismember("s", "5") and r.sismember("s", "str")
    # An intset whose widest member is longer than set-max-listpack-value goes to hashtable.
    r.config_set("set-max-listpack-value", 5)
    r.sadd("t", 1234567, 1)
    r.sadd("t", "a")
    assert enc(r, "t") == "hashtable"
    # Too many integers for a listpack.
    r.config_set("set-max-listpack-value", 64)
    r.config_set("set-max-listpack-entries", 4)
    r.sadd("u", 1, 2, 3, 4)
    r.sadd("u", "b")
    assert enc(r, "u") == "hashtable"
    # SADD of many members at once creates the right encoding directly.
    r.config_set("set-max-listpack-entries", 128)
    r.sadd("many", *[f"k{i}" for i in range(300)])
    assert enc(r, "many") == "hashtable"
    r.sadd("fewints", *range(200))
    assert enc(r, "fewints") == "intset"


# -- SMEMBERS and RESP3 shapes ------------------------------------------------

def test_smembers(r):
    assert r.smembers("missing") == set()
    r.sadd("i", 3, 1, 2)
    assert r.smembers("i") == bset(1, 2, 3)
    r.sadd("h", *range(1000))
    r.sadd("h", "x")
    assert r.smembers("h") == bset(*range(1000)) | {b"x"}


def test_intset_replies_in_order(raw):
    raw.call("SADD", "s", 5, -3, 100, 0)
    assert raw.call("SMEMBERS", "s") == [b"-3", b"0", b"5", b"100"]
    assert raw.call("SSCAN", "s", 0) == [b"0", [b"-3", b"0", b"5", b"100"]]


def test_resp3_shapes(raw):
    assert raw.call("HELLO", "3")[b"proto"] == 3
    raw.call("SADD", "s", "1", "2", "3")
    got = raw.call("SMEMBERS", "s")
    assert isinstance(got, RespSet) and sorted(got) == [b"1", b"2", b"3"]
    assert raw.call_raw("SMEMBERS", "missing") == b"~0\r\n"
    assert raw.call_raw("SPOP", "missing") == b"_\r\n"
    assert raw.call_raw("SPOP", "missing", "3") == b"~0\r\n"
    assert raw.call_raw("SPOP", "s", "0") == b"~0\r\n"
    assert raw.call_raw("SRANDMEMBER", "missing") == b"_\r\n"
    assert raw.call_raw("SRANDMEMBER", "missing", "3") == b"*0\r\n"
    assert raw.call_raw("SRANDMEMBER", "s", "0") == b"*0\r\n"
    for count in ("2", "5", "-2", "1"):
        got = raw.call("SRANDMEMBER", "s", count)
        assert type(got) is list, count
    assert type(raw.call("SINTER", "s", "s")) is RespSet
    assert raw.call_raw("SINTER", "s", "missing") == b"~0\r\n"
    assert type(raw.call("SUNION", "s", "missing")) is RespSet
    assert raw.call_raw("SDIFF", "missing", "s") == b"~0\r\n"
    assert raw.call_raw("SDIFF", "s", "s") == b"~0\r\n"
    assert raw.call_raw("SISMEMBER", "s", "1") == b":1\r\n"
    assert raw.call_raw("SMISMEMBER", "s", "1", "9") == b"*2\r\n:1\r\n:0\r\n"
    assert raw.call_raw("SINTERCARD", "1", "s") == b":3\r\n"
    assert raw.call_raw("SSCAN", "missing", "0") == b"*2\r\n$1\r\n0\r\n*0\r\n"
    got = raw.call("SPOP", "s", "1")
    assert type(got) is RespSet and len(got) == 1
    got = raw.call("SPOP", "s", "10")
    assert type(got) is RespSet and len(got) == 2
    assert raw.call("EXISTS", "s") == 0


def test_resp2_shapes(raw):
    raw.call("SADD", "s", "1", "2")
    assert raw.call_raw("SMEMBERS", "missing") == b"*0\r\n"
    assert raw.call_raw("SPOP", "missing") == b"$-1\r\n"
    assert raw.call_raw("SPOP", "missing", "2") == b"*0\r\n"
    assert raw.call_raw("SRANDMEMBER", "missing") == b"$-1\r\n"
    assert raw.call_raw("SINTER", "missing", "s") == b"*0\r\n"


# -- SPOP ----------------------------------------------------------------------

def test_spop_single(r):
    assert r.spop("missing") is None
    r.sadd("s", "a", "b", 1)
    seen = set()
    for _ in range(3):
        seen.add(r.spop("s"))
    assert seen == {b"a", b"b", b"1"}
    assert r.exists("s") == 0


def test_spop_count_errors(raw):
    raw.call("SADD", "s", "a")
    assert err(raw, "SPOP", "s", "-1") == POSITIVE
    assert err(raw, "SPOP", "s", "x") == POSITIVE
    assert err(raw, "SPOP", "s", "1", "2") == SYNTAX
    assert err(raw, "SPOP", "missing", "-1") == POSITIVE
    assert raw.call("SPOP", "missing", "0") == []


@pytest.mark.parametrize("kind", ["intset", "strings", "big-ints", "big-strings"])
@pytest.mark.parametrize("count", [1, 3, 40, 90, 99, 100, 150])
def test_spop_count_strategies(r, kind, count):
    n = 100 if not kind.startswith("big") else 1000
    count = count if n == 100 else count * 10
    items = {f"e{i}".encode() if "strings" in kind else str(i).encode() for i in range(n)}
    r.sadd("s", *items)
    popped = r.spop("s", count)
    assert isinstance(popped, list)
    assert len(popped) == min(count, n) == len(set(popped))
    rest = members(r, "s")
    assert set(popped) | rest == items
    assert not set(popped) & rest
    assert r.scard("s") == n - min(count, n)
    if count >= n:
        assert r.exists("s") == 0


def test_spop_count_zero_keeps_set(r):
    r.sadd("s", "a")
    assert r.spop("s", 0) == []
    assert r.scard("s") == 1


# -- SRANDMEMBER ----------------------------------------------------------------

def test_srandmember_single(r):
    assert r.srandmember("missing") is None
    r.sadd("s", "a", "b")
    assert r.srandmember("s") in (b"a", b"b")
    assert r.scard("s") == 2


def test_srandmember_errors(raw):
    raw.call("SADD", "s", "a")
    assert err(raw, "SRANDMEMBER", "s", "x") == NOT_INT
    assert err(raw, "SRANDMEMBER", "s", "1", "2") == SYNTAX
    assert err(raw, "SRANDMEMBER", "s", "-9223372036854775808") == (
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807")
    assert raw.call("SRANDMEMBER", "missing", "5") == []
    assert raw.call("SRANDMEMBER", "s", "0") == []


@pytest.mark.parametrize("kind", ["intset", "strings", "hashtable"])
def test_srandmember_counts(r, kind):
    n = {"intset": 50, "strings": 50, "hashtable": 600}[kind]
    items = {f"e{i}".encode() if kind != "intset" else str(i).encode() for i in range(n)}
    r.sadd("s", *items)
    for count in (1, 2, n // 4, n // 2, n - 1, n, n + 5):
        got = r.srandmember("s", count)
        assert len(got) == min(count, n) == len(set(got)), count
        assert set(got) <= items
    got = r.srandmember("s", -(n * 3))
    assert len(got) == n * 3 and set(got) <= items
    assert len(set(got)) > 1
    assert r.srandmember("s", -1)[0] in items
    assert members(r, "s") == items


def test_srandmember_is_random(r):
    r.sadd("s", *range(20))
    seen = set()
    for _ in range(200):
        seen.add(r.srandmember("s"))
    assert len(seen) >= 15


# -- SMOVE ---------------------------------------------------------------------

def test_smove(r):
    r.sadd("a", "x", "y")
    r.sadd("b", "z")
    assert r.smove("a", "b", "x") is True
    assert members(r, "a") == {b"y"} and members(r, "b") == {b"x", b"z"}
    assert r.smove("a", "b", "nope") is False
    assert r.smove("missing", "b", "x") is False
    # Already in the destination: still removed from the source.
    r.sadd("a", "z")
    assert r.smove("a", "b", "z") is True
    assert members(r, "a") == {b"y"}
    # Moving the last member deletes the source and creates the destination.
    assert r.smove("a", "new", "y") is True
    assert r.exists("a") == 0 and members(r, "new") == {b"y"}
    # Same key: 1 if member, 0 if not, nothing changes.
    assert r.smove("b", "b", "x") is True
    assert r.smove("b", "b", "q") is False
    assert members(r, "b") == {b"x", b"z"}


def test_smove_destination_encoding(r):
    r.sadd("src", 5, "s")
    r.smove("src", "dst", 5)
    assert enc(r, "dst") == "intset"
    r.smove("src", "dst2", "s")
    assert enc(r, "dst2") != "intset"
    r.sadd("ints", 1, 2)
    r.sadd("strs", "a")
    r.smove("strs", "ints", "a")
    assert enc(r, "ints") != "intset"
    assert members(r, "ints") == {b"1", b"2", b"a"}


def test_smove_wrongtype_changes_nothing(r, raw):
    r.sadd("s", "a")
    r.set("str", "v")
    assert err(raw, "SMOVE", "s", "str", "a") == WRONGTYPE
    assert members(r, "s") == {b"a"}
    assert raw.call("SMOVE", "missing", "str", "a") == 0


# -- set algebra -----------------------------------------------------------------

def fill(r, key, items, kind):
    """kind: how the set is encoded (ints make intsets; strings listpack/hashtable)."""
    if kind == "str":
        items = [f"s{i}" for i in items]
    elif kind == "big":
        items = [f"s{i}" for i in items] + [f"pad{key}{i}" for i in range(600)]
    r.sadd(key, *items)
    return {str(i).encode() for i in items}


KINDS = ["int", "str", "big"]


@pytest.mark.parametrize("ka", KINDS)
@pytest.mark.parametrize("kb", KINDS)
def test_algebra_across_encodings(r, ka, kb):
    a = fill(r, "a", range(0, 40), ka)
    b = fill(r, "b", range(20, 60), kb)
    c = fill(r, "c", range(30, 35), "int")
    assert members(r, "a") == a
    assert set(r.sinter("a", "b")) == a & b
    assert set(r.sinter("a", "b", "c")) == a & b & c
    assert set(r.sunion("a", "b", "c")) == a | b | c
    assert set(r.sdiff("a", "b")) == a - b
    assert set(r.sdiff("a", "b", "c")) == a - b - c
    assert set(r.sdiff("b", "a")) == b - a
    assert r.sintercard(2, ["a", "b"]) == len(a & b)
    assert r.sinterstore("d1", "a", "b") == len(a & b)
    assert members(r, "d1") == a & b
    assert r.sunionstore("d2", "a", "b") == len(a | b)
    assert members(r, "d2") == a | b
    n = r.sdiffstore("d3", "a", "b")
    assert n == len(a - b) and (members(r, "d3") == a - b)


def test_sdiff_both_algorithms(r):
    # A small first set against big others (probing), and a big first set against small
    # others (copy and subtract).
    r.sadd("small", *range(10))
    r.sadd("big", *range(5, 5000))
    r.sadd("big2", *[f"x{i}" for i in range(3000)])
    assert set(r.sdiff("small", "big", "big2")) == bset(*range(5))
    assert set(r.sdiff("big", "small")) == bset(*range(10, 5000))
    assert set(r.sdiff("big", "small", "big", "missing")) == set()
    assert set(r.sdiff("big", "missing", "small")) == bset(*range(10, 5000))
    r.sadd("sub", *range(5, 5000))
    assert r.sdiff("big", "sub") == set()


def test_algebra_missing_keys(r):
    r.sadd("a", 1, 2)
    assert r.sinter("a", "missing") == set()
    assert r.sinter("missing") == set()
    assert r.sunion("missing", "a") == bset(1, 2)
    assert r.sunion("missing") == set()
    assert r.sdiff("missing", "a") == set()
    assert r.sdiff("a", "missing") == bset(1, 2)
    assert r.sintercard(2, ["a", "missing"]) == 0


def test_same_key_repeated(r):
    r.sadd("a", "x", "y", 3)
    assert r.sinter("a", "a") == {b"x", b"y", b"3"}
    assert r.sunion("a", "a") == {b"x", b"y", b"3"}
    assert r.sdiff("a", "a") == set()
    assert r.sdiff("a", "b", "a") == set()
    assert r.sintercard(3, ["a", "a", "a"]) == 3


def test_intersection_of_large_sets(r):
    r.sadd("a", *range(0, 20000, 2))
    r.sadd("b", *range(0, 20000, 3))
    r.sadd("c", *[f"{i}" for i in range(0, 20000, 5)], "extra")
    want = bset(*range(0, 20000, 30))
    assert r.sinter("a", "b", "c") == want
    assert r.sintercard(3, ["c", "b", "a"]) == len(want)
    assert r.sintercard(3, ["a", "b", "c"], limit=7) == 7


def test_sintercard_options(r, raw):
    r.sadd("a", *range(10))
    r.sadd("b", *range(5, 20))
    assert r.sintercard(2, ["a", "b"]) == 5
    assert raw.call("SINTERCARD", "2", "a", "b", "LIMIT", "3") == 3
    assert raw.call("SINTERCARD", "2", "a", "b", "limit", "0") == 5
    assert raw.call("SINTERCARD", "2", "a", "b", "LIMIT", "100") == 5
    assert raw.call("SINTERCARD", "1", "a", "LIMIT", "0", "LIMIT", "2") == 2
    assert raw.call("SINTERCARD", "1", "a") == 10
    for numkeys in ("0", "-1", "abc", "99999999999999999999"):
        assert err(raw, "SINTERCARD", numkeys, "a") == "ERR numkeys should be greater than 0"
    assert err(raw, "SINTERCARD", "3", "a", "b") == (
        "ERR Number of keys can't be greater than number of args")
    assert err(raw, "SINTERCARD", "1", "a", "LIMIT") == SYNTAX
    assert err(raw, "SINTERCARD", "1", "a", "FOO", "1") == SYNTAX
    assert err(raw, "SINTERCARD", "1", "a", "b") == SYNTAX
    assert err(raw, "SINTERCARD", "1", "a", "LIMIT", "-1") == "ERR LIMIT can't be negative"
    assert err(raw, "SINTERCARD", "1", "a", "LIMIT", "x") == "ERR LIMIT can't be negative"


def test_store_overwrites_and_deletes(r):
    r.sadd("a", 1, 2, 3)
    r.sadd("b", 3, 4)
    r.set("dst", "string")
    r.expire("dst", 100)
    assert r.sunionstore("dst", "a", "b") == 4
    assert r.type("dst") == b"set" and r.ttl("dst") == -1
    assert members(r, "dst") == bset(1, 2, 3, 4)
    # Empty results delete the destination and reply 0.
    assert r.sinterstore("dst", "a", "missing") == 0
    assert r.exists("dst") == 0
    r.sadd("dst", "z")
    assert r.sdiffstore("dst", "a", "a") == 0
    assert r.exists("dst") == 0
    r.sadd("dst", "z")
    assert r.sinterstore("dst", "a", "b", "missing") == 0
    assert r.exists("dst") == 0
    r.set("dst", "v")
    assert r.sunionstore("dst", "missing") == 0
    assert r.exists("dst") == 0
    assert r.sdiffstore("dst", "missing", "a") == 0


def test_store_destination_is_a_source(r):
    r.sadd("a", 1, 2, 3)
    r.sadd("b", 2, 3, 4)
    assert r.sinterstore("a", "a", "b") == 2
    assert members(r, "a") == bset(2, 3)
    assert r.sunionstore("a", "a", "b") == 3
    assert members(r, "a") == bset(2, 3, 4)
    assert r.sdiffstore("b", "b", "a") == 0
    assert r.exists("b") == 0


def test_store_result_encodings(r):
    r.sadd("a", *range(10))
    r.sadd("b", *range(5, 15))
    r.sinterstore("d", "a", "b")
    assert enc(r, "d") == "intset"
    r.sadd("c", "x", 1)
    r.sunionstore("e", "a", "c")
    assert enc(r, "e") != "intset"
    r.sadd("big", *range(1000))
    r.sunionstore("f", "big", "a")
    assert enc(r, "f") == "hashtable" and r.scard("f") == 1000


# -- SSCAN ----------------------------------------------------------------------

def sscan_all(r, key, **kw):
    cursor, out, calls = 0, [], 0
    while True:
        cursor, items = r.sscan(key, cursor, **kw)
        out += items
        calls += 1
        if cursor == 0:
            return out, calls


def test_sscan_errors_in_redis_order(raw):
    raw.call("SADD", "s", "a")
    assert err(raw, "SSCAN", "s", "x") == "ERR invalid cursor"
    assert err(raw, "SSCAN", "missing", "x") == "ERR invalid cursor"
    assert err(raw, "SSCAN", "s", "1x") == "ERR invalid cursor"
    # The key is looked up before the options are parsed.
    assert raw.call("SSCAN", "missing", "0", "COUNT", "0") == [b"0", []]
    assert raw.call("SSCAN", "missing", "0", "BOGUS") == [b"0", []]
    assert err(raw, "SSCAN", "s", "0", "COUNT", "0") == SYNTAX
    assert err(raw, "SSCAN", "s", "0", "COUNT", "x") == NOT_INT
    assert err(raw, "SSCAN", "s", "0", "MATCH") == SYNTAX
    assert err(raw, "SSCAN", "s", "0", "TYPE", "set") == SYNTAX
    assert err(raw, "SSCAN", "s", "0", "NOVALUES") == SYNTAX


def test_sscan_compact_returns_everything(r):
    r.sadd("i", *range(300))
    cursor, items = r.sscan("i", 0, count=5)
    assert cursor == 0 and set(items) == bset(*range(300))
    cursor, items = r.sscan("i", 0, match="1?")
    assert cursor == 0 and set(items) == bset(*range(10, 20))


@pytest.mark.ferrite_only
def test_sscan_listpack_returns_everything(r):
    r.sadd("s", "a", "b", "c", 7)
    assert enc(r, "s") == "listpack"
    cursor, items = r.sscan("s", 0, count=1)
    assert cursor == 0 and set(items) == {b"a", b"b", b"c", b"7"}
    cursor, items = r.sscan("s", 0, match="[a7]")
    assert cursor == 0 and set(items) == {b"a", b"7"}


def test_sscan_hashtable(r):
    items = {f"m{i}".encode() for i in range(2000)}
    r.sadd("h", *items)
    got, calls = sscan_all(r, "h")
    assert set(got) == items and calls > 10
    got, calls = sscan_all(r, "h", count=500)
    assert set(got) == items and calls < 20
    got, _ = sscan_all(r, "h", match="m1*")
    assert set(got) == {m for m in items if m.startswith(b"m1")}
    got, _ = sscan_all(r, "h", match="nothing*", count=1000)
    assert got == []


def test_sscan_under_concurrent_writes(server, r):
    """SCAN's guarantee: members present for the whole scan are returned at least once,
    whatever other clients add or remove between the calls (and across table resizes)."""
    stable = {f"stable{i}".encode() for i in range(3000)}
    r.sadd("h", *stable)
    other = server.client()
    cursor, seen, step = 0, set(), 0
    while True:
        cursor, items = r.sscan("h", cursor, count=50)
        seen.update(items)
        # Between calls: grow (forcing rehash), then shrink with churn members.
        if step < 20:
            other.sadd("h", *[f"churn{step}-{j}".encode() for j in range(400)])
        elif step < 40:
            other.srem("h", *[f"churn{step - 20}-{j}".encode() for j in range(400)])
        step += 1
        if cursor == 0:
            break
    assert stable <= seen
    assert all(m in stable or m.startswith(b"churn") for m in seen)


def test_smembers_under_concurrent_writes(server, r):
    """Each SMEMBERS is a consistent snapshot of the set at that command, while writers on
    other connections change it between calls."""
    r.sadd("s", *range(100))
    stop = threading.Event()
    errors = []

    def writer(idx):
        c = server.client()
        i = 0
        try:
            while not stop.is_set():
                p = c.pipeline(transaction=True)
                p.sadd("s", f"w{idx}-{i}", f"w{idx}-{i}b")
                p.srem("s", f"w{idx}-{i - 1}", f"w{idx}-{i - 1}b")
                p.execute()
                i += 1
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    try:
        for _ in range(150):
            got = r.smembers("s")
            assert bset(*range(100)) <= got
            extra = got - bset(*range(100))
            # Writers add and remove in pairs inside MULTI: every snapshot holds whole pairs.
            assert all((m + b"b") in extra for m in extra if not m.endswith(b"b"))
            assert len(extra) % 2 == 0
            assert r.scard("s") >= 100
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors


# -- keyspace events, WATCH, MULTI ------------------------------------------------

@pytest.fixture
def events(server, r):
    r.config_set("notify-keyspace-events", "KEA")
    ps = server.client().pubsub()
    ps.psubscribe("__keyevent@0__:*")
    assert ps.get_message(timeout=2)["type"] == "psubscribe"

    def collect():
        out = []
        while True:
            m = ps.get_message(timeout=0.2)
            if m is None:
                return out
            out.append((m["channel"].decode().split(":", 1)[1], m["data"].decode()))

    yield collect
    ps.close()
    r.config_set("notify-keyspace-events", "")


def test_keyspace_events(r, events):
    r.sadd("s", "a", "b")
    r.sadd("s", "a")                 # nothing added: no event
    r.srem("s", "a")
    r.srem("s", "zz")                # nothing removed: no event
    r.srem("s", "b")                 # emptied
    assert events() == [("sadd", "s"), ("srem", "s"), ("srem", "s"), ("del", "s")]
    r.sadd("s", "a", "b", "c")
    r.spop("s")
    r.spop("s", 1)
    r.spop("s", 5)
    assert events() == [("sadd", "s"), ("spop", "s"), ("spop", "s"), ("spop", "s"),
                        ("del", "s")]
    r.sadd("a", "x")
    r.smove("a", "b", "x")
    assert events() == [("sadd", "a"), ("srem", "a"), ("del", "a"), ("sadd", "b")]
    r.sadd("c", "x", "y")
    r.sinterstore("d", "b", "c")
    r.sunionstore("d", "b", "c")
    r.sdiffstore("d", "c", "b")
    r.sdiffstore("d", "b", "c")      # empty: deletes d
    r.sinterstore("d", "b", "missing")  # nothing to delete: no event
    assert events() == [("sadd", "c"), ("sinterstore", "d"), ("sunionstore", "d"),
                        ("sdiffstore", "d"), ("del", "d")]


def test_watch_is_invalidated_by_set_writes(server, r):
    r.sadd("w", "a")
    other = server.client()
    for write in (lambda: other.sadd("w", "b"), lambda: other.srem("w", "b"),
                  lambda: other.smove("x", "w", "m"), lambda: other.spop("w"),
                  lambda: other.sunionstore("w", "x", "w")):
        other.sadd("x", "m")
        r.sadd("w", "keep")
        with r.pipeline() as p:
            p.watch("w")
            write()
            p.multi()
            p.scard("w")
            with pytest.raises(redis.WatchError):
                p.execute()


def test_multi_exec_with_sets(r):
    p = r.pipeline(transaction=True)
    p.sadd("s", 1, 2, "x")
    p.scard("s")
    p.smembers("s")
    p.spop("s", 3)
    p.exists("s")
    out = p.execute()
    assert out[0] == 3 and out[1] == 3 and out[2] == {b"1", b"2", b"x"}
    assert set(out[3]) == {b"1", b"2", b"x"} and out[4] == 0


def test_copy_and_memory_usage_each_encoding(r):
    r.sadd("i", *range(10))
    r.sadd("l", "a", "b")
    r.sadd("h", *[f"m{i}" for i in range(300)])
    for k in ("i", "l", "h"):
        assert r.copy(k, k + "2") is True
        assert members(r, k) == members(r, k + "2")
        assert enc(r, k) == enc(r, k + "2")
        r.sadd(k + "2", "new")
        assert b"new" not in members(r, k)
        assert r.memory_usage(k) > 0
    assert r.memory_usage("h") > r.memory_usage("i")


def test_redis_cli(server, r):
    out = run_cli(server.port, "SADD", "cli", "a", "b", "3")
    assert out.stdout.strip() == "3"
    out = run_cli(server.port, "SMEMBERS", "cli")
    assert sorted(out.stdout.split()) == ["3", "a", "b"]
    out = run_cli(server.port, "SINTERCARD", "1", "cli", "LIMIT", "2")
    assert out.stdout.strip() == "2"
    out = run_cli(server.port, "SPOP", "nokey")
    assert out.stdout.strip() == ""


def test_random_operations_against_model(r, thresholds):
    """Random SADD/SREM/SPOP/SMOVE over small thresholds, so sets cross every conversion,
    checked against Python sets after each step."""
    rng = random.Random(7)
    r.config_set("set-max-intset-entries", 20)
    if not IS_REDIS:
        r.config_set("set-max-listpack-entries", 15)
        r.config_set("set-max-listpack-value", 8)
    model = {"a": set(), "b": set()}

    def rand_member():
        k = rng.random()
        if k < 0.5:
            return str(rng.randint(-40, 40)).encode()
        if k < 0.8:
            return b"m%d" % rng.randint(0, 40)
        return b"long-member-%d" % rng.randint(0, 10)

    for step in range(600):
        key = rng.choice("ab")
        op = rng.random()
        if op < 0.5:
            ms = [rand_member() for _ in range(rng.randint(1, 4))]
            assert r.sadd(key, *ms) == len(set(ms) - model[key])
            model[key] |= set(ms)
        elif op < 0.8:
            ms = [rand_member() for _ in range(rng.randint(1, 4))]
            assert r.srem(key, *ms) == len(set(ms) & model[key])
            model[key] -= set(ms)
        elif op < 0.9:
            got = r.spop(key, rng.randint(0, 3))
            assert set(got) <= model[key]
            model[key] -= set(got)
        else:
            m = rand_member()
            other = "b" if key == "a" else "a"
            assert r.smove(key, other, m) == (m in model[key])
            if m in model[key]:
                model[key].discard(m)
                model[other].add(m)
        for k in "ab":
            if step % 10 == 0 or k == key:
                assert members(r, k) == model[k], (step, k)
                assert r.exists(k) == (1 if model[k] else 0)
    assert set(r.sinter("a", "b")) == model["a"] & model["b"]
    assert set(r.sunion("a", "b")) == model["a"] | model["b"]
    assert set(r.sdiff("a", "b")) == model["a"] - model["b"]
