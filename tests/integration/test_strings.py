"""String commands (SPEC §5, strings; bitmaps and LCS excluded) with Redis 7.0 replies."""

import time

import pytest

from conftest import RespError

NOT_INT = "ERR value is not an integer or out of range"
NOT_FLOAT = "ERR value is not a valid float"
OVERFLOW = "ERR increment or decrement would overflow"
TOO_BIG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
SYNTAX = "ERR syntax error"
INT64_MAX = 9223372036854775807
INT64_MIN = -9223372036854775808


def err(raw, *args):
    """Send a command over the raw connection; return the error text it must produce."""
    reply = raw.call(*args)
    assert isinstance(reply, RespError), f"{args!r} replied {reply!r}, expected an error"
    return reply.decode()


# -- SET and its options ------------------------------------------------------

def test_set_get_basic(r):
    assert r.set("k", "v") is True
    assert r.get("k") == b"v"
    assert r.get("missing") is None
    assert r.set("k", "v2") is True
    assert r.get("k") == b"v2"


def test_set_get_binary_safe(r):
    value = bytes(range(256)) * 4 + b"\r\n\x00end"
    r.set(b"bin\x00key\r\n", value)
    assert r.get(b"bin\x00key\r\n") == value
    r.set("empty", b"")
    assert r.get("empty") == b""
    assert r.strlen("empty") == 0


def test_set_large_value(r):
    value = b"x" * (3 * 1024 * 1024 + 7)
    r.set("big", value)
    assert r.get("big") == value
    assert r.strlen("big") == len(value)


def test_set_nx_xx(r):
    assert r.set("k", "1", nx=True) is True
    assert r.set("k", "2", nx=True) is None
    assert r.get("k") == b"1"
    assert r.set("k", "3", xx=True) is True
    assert r.get("k") == b"3"
    assert r.set("other", "4", xx=True) is None
    assert r.exists("other") == 0


def test_set_get_option(raw):
    assert raw.call_raw("SET", "k", "new", "GET") == b"$-1\r\n"
    assert raw.call_raw("SET", "k", "newer", "GET") == b"$3\r\nnew\r\n"
    assert raw.call("GET", "k") == b"newer"
    # Redis 7.0 allows NX together with GET: the old value comes back, nothing is set.
    assert raw.call("SET", "k", "ignored", "NX", "GET") == b"newer"
    assert raw.call("GET", "k") == b"newer"
    assert raw.call_raw("SET", "k2", "v", "XX", "GET") == b"$-1\r\n"
    assert raw.call("EXISTS", "k2") == 0


def test_set_ex_px(r):
    r.set("k", "v", ex=100)
    assert r.ttl("k") in (99, 100)
    r.set("k", "v", px=100500)
    assert 100000 < r.pttl("k") <= 100500


def test_set_exat_pxat(r):
    at = int(time.time()) + 200
    r.execute_command("SET", "k", "v", "EXAT", at)
    assert r.expiretime("k") == at
    r.execute_command("SET", "k", "v", "PXAT", at * 1000 + 123)
    assert r.execute_command("PEXPIRETIME", "k") == at * 1000 + 123


def test_set_exat_in_the_past_deletes(raw):
    assert raw.call_raw("SET", "k", "v", "EXAT", "1") == b"+OK\r\n"
    assert raw.call("EXISTS", "k") == 0
    assert raw.call_raw("SET", "k", "v", "PXAT", "1") == b"+OK\r\n"
    assert raw.call("GET", "k") is None


def test_set_keepttl(r):
    r.set("k", "v", ex=100)
    r.set("k", "v2", keepttl=True)
    assert r.get("k") == b"v2"
    assert r.ttl("k") in (99, 100)
    r.set("k", "v3")
    assert r.ttl("k") == -1


def test_set_options_case_insensitive(raw):
    assert raw.call("set", "k", "v", "nx", "px", "10000") == b"OK"
    assert 9000 < raw.call("pttl", "k") <= 10000


@pytest.mark.parametrize("args", [
    ("NX", "XX"),
    ("EX", "10", "PX", "100"),
    ("EX", "10", "EXAT", "9999999999"),
    ("PXAT", "9999999999999", "KEEPTTL"),
    ("KEEPTTL", "EX", "10"),
    ("EX",),
    ("GET", "GET", "FOO"),
    ("FOO",),
])
def test_set_syntax_errors(raw, args):
    assert err(raw, "SET", "k", "v", *args) == SYNTAX


@pytest.mark.parametrize("args", [
    ("EX", "0"), ("EX", "-1"), ("PX", "0"), ("PX", "-5"), ("EXAT", "0"), ("PXAT", "-1"),
    ("PX", str(INT64_MAX)), ("EX", str(INT64_MAX // 1000 + 1)), ("EXAT", str(INT64_MAX)),
])
def test_set_invalid_expire_time(raw, args):
    assert err(raw, "SET", "k", "v", *args) == "ERR invalid expire time in 'set' command"
    assert raw.call("EXISTS", "k") == 0


def test_set_expire_not_an_integer(raw):
    assert err(raw, "SET", "k", "v", "EX", "abc") == NOT_INT
    assert err(raw, "SET", "k", "v", "PX", "1.5") == NOT_INT


def test_set_wrong_arity(raw):
    assert err(raw, "SET", "k") == "ERR wrong number of arguments for 'set' command"


# -- GET family ---------------------------------------------------------------

def test_getset(r):
    assert r.getset("k", "a") is None
    assert r.getset("k", "b") == b"a"
    assert r.get("k") == b"b"


def test_getset_clears_ttl(r):
    r.set("k", "v", ex=100)
    r.getset("k", "w")
    assert r.ttl("k") == -1


def test_getdel(r):
    r.set("k", "v")
    assert r.getdel("k") == b"v"
    assert r.exists("k") == 0
    assert r.getdel("k") is None


def test_getex_options(r):
    r.set("k", "v")
    assert r.getex("k") == b"v"
    assert r.ttl("k") == -1
    assert r.getex("k", ex=100) == b"v"
    assert r.ttl("k") in (99, 100)
    assert r.getex("k", px=50000) == b"v"
    assert 49000 < r.pttl("k") <= 50000
    at = int(time.time()) + 300
    assert r.getex("k", exat=at) == b"v"
    assert r.expiretime("k") == at
    assert r.getex("k", pxat=at * 1000 + 7) == b"v"
    assert r.execute_command("PEXPIRETIME", "k") == at * 1000 + 7
    assert r.getex("k", persist=True) == b"v"
    assert r.ttl("k") == -1
    assert r.getex("missing", ex=10) is None
    assert r.exists("missing") == 0


def test_getex_past_time_deletes(r):
    r.set("k", "v")
    assert r.execute_command("GETEX", "k", "PXAT", 1) == b"v"
    assert r.exists("k") == 0


def test_getex_errors(raw):
    raw.call("SET", "k", "v")
    assert err(raw, "GETEX", "k", "EX", "0") == "ERR invalid expire time in 'getex' command"
    assert err(raw, "GETEX", "k", "PX", "-1") == "ERR invalid expire time in 'getex' command"
    assert err(raw, "GETEX", "k", "PERSIST", "EX", "1") == SYNTAX
    assert err(raw, "GETEX", "k", "EX", "1", "PX", "1") == SYNTAX
    assert err(raw, "GETEX", "k", "FOO") == SYNTAX
    assert err(raw, "GETEX", "k", "EX", "abc") == NOT_INT
    assert raw.call("TTL", "k") == -1


# -- SETNX / SETEX / PSETEX ---------------------------------------------------

def test_setnx(r):
    assert r.setnx("k", "a") is True
    assert r.setnx("k", "b") is False
    assert r.get("k") == b"a"


def test_setex_psetex(r):
    assert r.setex("k", 100, "v") is True
    assert r.get("k") == b"v"
    assert r.ttl("k") in (99, 100)
    assert r.psetex("p", 100500, "w") is True
    assert r.get("p") == b"w"
    assert 100000 < r.pttl("p") <= 100500


@pytest.mark.parametrize("cmd,ttl", [
    ("SETEX", "0"), ("SETEX", "-10"), ("PSETEX", "0"), ("PSETEX", "-1"),
    ("SETEX", str(INT64_MAX)),
])
def test_setex_invalid_expire(raw, cmd, ttl):
    assert err(raw, cmd, "k", ttl, "v") == f"ERR invalid expire time in '{cmd.lower()}' command"
    assert raw.call("EXISTS", "k") == 0


def test_setex_not_integer(raw):
    assert err(raw, "SETEX", "k", "abc", "v") == NOT_INT
    assert err(raw, "PSETEX", "k", "1.5", "v") == NOT_INT


# -- MSET / MSETNX / MGET -----------------------------------------------------

def test_mset_mget(r):
    assert r.mset({"a": "1", "b": "2", "c": "3"}) is True
    assert r.mget("a", "missing", "c", "b") == [b"1", None, b"3", b"2"]


def test_mset_repeated_key_last_wins(raw):
    assert raw.call("MSET", "k", "1", "k", "2") == b"OK"
    assert raw.call("GET", "k") == b"2"


def test_mset_clears_ttl(r):
    r.set("a", "x", ex=100)
    r.mset({"a": "y"})
    assert r.ttl("a") == -1


def test_msetnx_all_or_nothing(r):
    assert r.msetnx({"a": "1", "b": "2"}) is True
    assert r.msetnx({"b": "x", "c": "3"}) is False
    assert r.mget("a", "b", "c") == [b"1", b"2", None]


@pytest.mark.parametrize("cmd", ["MSET", "MSETNX"])
def test_mset_odd_arguments(raw, cmd):
    assert err(raw, cmd, "a", "1", "b") == \
        f"ERR wrong number of arguments for '{cmd.lower()}' command"
    assert err(raw, cmd, "a") == f"ERR wrong number of arguments for '{cmd.lower()}' command"
    assert raw.call("EXISTS", "a") == 0


def test_mget_arity(raw):
    assert err(raw, "MGET") == "ERR wrong number of arguments for 'mget' command"


# -- APPEND / STRLEN / GETRANGE / SETRANGE ------------------------------------

def test_append_strlen(r):
    assert r.append("k", "Hello") == 5
    assert r.append("k", " World") == 11
    assert r.get("k") == b"Hello World"
    assert r.strlen("k") == 11
    assert r.strlen("missing") == 0


def test_append_to_integer_value(r):
    r.set("k", 10)
    assert r.append("k", "5") == 3
    assert r.get("k") == b"105"
    assert r.incr("k") == 106


@pytest.mark.parametrize("start,end,expected", [
    (0, 3, b"This"), (-3, -1, b"ing"), (0, -1, b"This is a string"),
    (10, 100, b"string"), (5, 3, b""), (-1, -100, b""), (100, 200, b""), (0, 0, b"T"),
])
def test_getrange(r, start, end, expected):
    r.set("s", "This is a string")
    assert r.getrange("s", start, end) == expected


def test_getrange_missing_and_errors(raw):
    assert raw.call("GETRANGE", "missing", "0", "-1") == b""
    raw.call("SET", "s", "abc")
    assert err(raw, "GETRANGE", "s", "a", "1") == NOT_INT
    assert err(raw, "GETRANGE", "s", "0") == \
        "ERR wrong number of arguments for 'getrange' command"


def test_getrange_integer_encoded(r):
    r.set("n", 12345)
    assert r.getrange("n", 1, 3) == b"234"


def test_setrange(r):
    r.set("k", "Hello World")
    assert r.setrange("k", 6, "Redis") == 11
    assert r.get("k") == b"Hello Redis"
    assert r.setrange("k", 11, "!!") == 13
    assert r.get("k") == b"Hello Redis!!"


def test_setrange_pads_with_zero_bytes(r):
    assert r.setrange("k", 6, "Redis") == 11
    assert r.get("k") == b"\x00" * 6 + b"Redis"


def test_setrange_empty_value(r):
    assert r.setrange("missing", 5, "") == 0
    assert r.exists("missing") == 0
    r.set("k", "abc")
    assert r.setrange("k", 10, "") == 3
    assert r.get("k") == b"abc"


def test_setrange_errors(raw):
    raw.call("SET", "k", "abc")
    assert err(raw, "SETRANGE", "k", "-1", "x") == "ERR offset is out of range"
    assert err(raw, "SETRANGE", "k", "abc", "x") == NOT_INT
    # 512mb is the default proto-max-bulk-len: offset + length 512mb + 1 is refused
    # before anything is allocated.
    assert err(raw, "SETRANGE", "k", str(512 * 1024 * 1024), "x") == TOO_BIG
    assert err(raw, "SETRANGE", "missing", str(512 * 1024 * 1024 - 1), "xy") == TOO_BIG
    assert raw.call("GET", "k") == b"abc"
    assert raw.call("EXISTS", "missing") == 0


def test_proto_max_bulk_len_limits_append_and_setrange(server, raw):
    old = raw.call("CONFIG", "GET", "proto-max-bulk-len")[1]
    assert raw.call("CONFIG", "SET", "proto-max-bulk-len", "1mb") == b"OK"
    try:
        raw.call("SET", "k", b"x" * (1024 * 1024 - 1))
        assert raw.call("APPEND", "k", "y") == 1024 * 1024
        assert err(raw, "APPEND", "k", "z") == TOO_BIG
        assert err(raw, "SETRANGE", "k", str(1024 * 1024), "z") == TOO_BIG
        assert raw.call("SETRANGE", "k", str(1024 * 1024 - 1), "z") == 1024 * 1024
        assert raw.call("STRLEN", "k") == 1024 * 1024
    finally:
        raw.call("CONFIG", "SET", "proto-max-bulk-len", old)
        raw.call("DEL", "k")


# -- INCR / DECR family -------------------------------------------------------

def test_incr_decr(r):
    assert r.incr("n") == 1
    assert r.incr("n") == 2
    assert r.decr("n") == 1
    assert r.decr("m") == -1
    assert r.incrby("n", 100) == 101
    assert r.decrby("n", 200) == -99
    assert r.incrby("n", -1) == -100
    assert r.get("n") == b"-100"


def test_incr_keeps_ttl(r):
    r.set("n", 5, ex=100)
    r.incr("n")
    assert r.ttl("n") in (99, 100)


def test_incr_limits(r):
    r.set("n", INT64_MAX - 1)
    assert r.incr("n") == INT64_MAX
    r.set("n", INT64_MIN + 1)
    assert r.decr("n") == INT64_MIN


@pytest.mark.parametrize("value", ["abc", " 1", "1 ", "01", "1.5", "", "+1", "0x10",
                                   "9223372036854775808", "-9223372036854775809"])
def test_incr_not_an_integer(raw, value):
    raw.call("SET", "n", value)
    assert err(raw, "INCR", "n") == NOT_INT
    assert raw.call("GET", "n") == value.encode()


def test_incrby_argument_errors(raw):
    assert err(raw, "INCRBY", "n", "abc") == NOT_INT
    assert err(raw, "INCRBY", "n", "1.5") == NOT_INT
    assert err(raw, "DECRBY", "n", "9223372036854775808") == NOT_INT
    assert raw.call("EXISTS", "n") == 0


def test_incr_overflow(raw):
    raw.call("SET", "n", str(INT64_MAX))
    assert err(raw, "INCR", "n") == OVERFLOW
    assert err(raw, "INCRBY", "n", "1") == OVERFLOW
    raw.call("SET", "n", str(INT64_MIN))
    assert err(raw, "DECR", "n") == OVERFLOW
    assert err(raw, "DECRBY", "n", "1") == OVERFLOW
    assert err(raw, "INCRBY", "n", "-1") == OVERFLOW
    assert raw.call("GET", "n") == str(INT64_MIN).encode()


def test_decrby_min_int_overflows(raw):
    # Negating INT64_MIN is itself an overflow, reported with its own message.
    assert err(raw, "DECRBY", "n", str(INT64_MIN)) == "ERR decrement would overflow"


# -- INCRBYFLOAT --------------------------------------------------------------

def test_incrbyfloat_documented_examples(raw):
    raw.call("SET", "k", "10.50")
    assert raw.call_raw("INCRBYFLOAT", "k", "0.1") == b"$4\r\n10.6\r\n"
    assert raw.call("GET", "k") == b"10.6"
    assert raw.call("INCRBYFLOAT", "k", "-5") == b"5.6"
    raw.call("SET", "k", "5.0e3")
    assert raw.call("INCRBYFLOAT", "k", "2.0e2") == b"5200"
    assert raw.call("GET", "k") == b"5200"


@pytest.mark.parametrize("start,incr,expected", [
    (None, ".5", b"0.5"), (None, "1e10", b"10000000000"), ("3.0", "0", b"3"),
    ("1", "1.0e-20", b"1"), ("7", "-7", b"0"), ("-1.25", "0.25", b"-1"),
])
def test_incrbyfloat_formatting(raw, start, incr, expected):
    if start is not None:
        raw.call("SET", "f", start)
    assert raw.call("INCRBYFLOAT", "f", incr) == expected
    assert raw.call("GET", "f") == expected


@pytest.mark.parametrize("value,incr,message", [
    ("abc", "1", NOT_FLOAT),
    ("1", "abc", NOT_FLOAT),
    ("1", "nan", NOT_FLOAT),
    ("1", "1.5x", NOT_FLOAT),
    ("1", "inf", "ERR increment would produce NaN or Infinity"),
    ("1", "-inf", "ERR increment would produce NaN or Infinity"),
])
def test_incrbyfloat_errors(raw, value, incr, message):
    raw.call("SET", "f", value)
    assert err(raw, "INCRBYFLOAT", "f", incr) == message
    assert raw.call("GET", "f") == value.encode()


def test_incrbyfloat_keeps_ttl(r):
    r.set("f", "1.5", ex=100)
    r.incrbyfloat("f", 1)
    assert r.ttl("f") in (99, 100)


# -- arity of every string command -------------------------------------------

@pytest.mark.parametrize("args", [
    ("GET",), ("GET", "a", "b"), ("GETSET", "a"), ("GETDEL",), ("GETEX",), ("SETNX", "a"),
    ("SETEX", "a", "1"), ("PSETEX", "a", "1"), ("APPEND", "a"), ("STRLEN",),
    ("SETRANGE", "a", "1"), ("INCR",), ("DECR", "a", "b"), ("INCRBY", "a"),
    ("DECRBY", "a"), ("INCRBYFLOAT", "a"),
])
def test_wrong_arity(raw, args):
    assert err(raw, *args) == f"ERR wrong number of arguments for '{args[0].lower()}' command"


@pytest.mark.parametrize("args", [
    ("GET", "l"), ("GETSET", "l", "v"), ("APPEND", "l", "v"), ("STRLEN", "l"),
    ("INCR", "l"), ("INCRBYFLOAT", "l", "1"), ("GETRANGE", "l", "0", "1"),
    ("SETRANGE", "l", "0", "x"), ("GETDEL", "l"), ("GETEX", "l"), ("SET", "l", "v", "GET"),
])
def test_wrongtype(raw, args):
    raw.call("RPUSH", "l", "x")
    assert err(raw, *args) == "WRONGTYPE Operation against a key holding the wrong kind of value"
    assert raw.call("TYPE", "l") == b"list"


def test_set_overwrites_other_types(r):
    r.rpush("l", "x")
    assert r.set("l", "v") is True
    assert r.type("l") == b"string"
    assert r.mget("l", "nonstring") == [b"v", None]
