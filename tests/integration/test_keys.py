"""Generic key commands (SPEC §4) with Redis 7.0 replies and error strings."""

import time

import pytest

from conftest import RespError

NOT_INT = "ERR value is not an integer or out of range"
SAME_OBJECT = "ERR source and destination objects are the same"


def err(raw, *args):
    reply = raw.call(*args)
    assert isinstance(reply, RespError), f"{args!r} replied {reply!r}, expected an error"
    return reply.decode()


# -- DEL / UNLINK / EXISTS / TYPE / TOUCH -------------------------------------

@pytest.mark.parametrize("cmd", ["DEL", "UNLINK"])
def test_del_unlink(r, cmd):
    r.mset({"a": 1, "b": 2, "c": 3})
    assert r.execute_command(cmd, "a", "missing", "b", "a") == 2
    assert r.exists("a", "b", "c") == 1
    assert r.execute_command(cmd, "missing") == 0


def test_exists_counts_repeats(r):
    r.set("a", 1)
    assert r.exists("a", "a", "missing", "a") == 3
    assert r.exists("missing") == 0


def test_type(r):
    r.set("s", "v")
    assert r.type("s") == b"string"
    assert r.type("missing") == b"none"


def test_type_of_other_types(r):
    r.rpush("l", 1)
    r.sadd("st", 1)
    r.hset("h", "f", 1)
    r.zadd("z", {"m": 1})
    assert [r.type(k) for k in ("l", "st", "h", "z")] == [b"list", b"set", b"hash", b"zset"]


def test_touch(r):
    r.mset({"a": 1, "b": 2})
    assert r.touch("a", "b", "missing") == 2


# -- KEYS with glob patterns --------------------------------------------------

GLOB_KEYS = ["hello", "hallo", "hxllo", "hllo", "heeeello", "hbllo", "h*llo", "h?llo",
             "h[a]llo", "other", "h\\llo"]


@pytest.mark.parametrize("pattern,expected", [
    ("*", GLOB_KEYS),
    ("h?llo", ["hello", "hallo", "hxllo", "hbllo", "h*llo", "h?llo", "h\\llo"]),
    ("h*llo", ["hello", "hallo", "hxllo", "hllo", "heeeello", "hbllo", "h*llo", "h?llo",
               "h[a]llo", "h\\llo"]),
    ("h[ae]llo", ["hello", "hallo"]),
    ("h[^e]llo", ["hallo", "hxllo", "hbllo", "h*llo", "h?llo", "h\\llo"]),
    ("h[a-b]llo", ["hallo", "hbllo"]),
    ("h[b-a]llo", ["hallo", "hbllo"]),
    ("h\\*llo", ["h*llo"]),
    ("h\\?llo", ["h?llo"]),
    ("h\\[a]llo", ["h[a]llo"]),
    ("h\\\\llo", ["h\\llo"]),
    ("hello", ["hello"]),
    ("*o*r", ["other"]),
    ("nomatch*", []),
    ("h[x", []),
])
def test_keys_glob(r, pattern, expected):
    r.mset({k: 1 for k in GLOB_KEYS})
    assert sorted(r.keys(pattern)) == sorted(k.encode() for k in expected)


def test_keys_hides_expired(r):
    r.set("live", 1)
    r.set("dying", 1, px=1)
    time.sleep(0.01)
    assert r.keys("*") == [b"live"]


# -- SCAN ---------------------------------------------------------------------

def scan_all(r, **kwargs):
    cursor, seen = 0, []
    while True:
        cursor, keys = r.scan(cursor, **kwargs)
        seen.extend(keys)
        if cursor == 0:
            return seen


def test_scan_returns_every_key(r):
    r.mset({f"key:{i}": i for i in range(1000)})
    seen = scan_all(r, count=17)
    assert set(seen) == {f"key:{i}".encode() for i in range(1000)}


def test_scan_match_and_count(r):
    r.mset({f"user:{i}": i for i in range(200)})
    r.mset({f"item:{i}": i for i in range(200)})
    seen = scan_all(r, match="user:1*", count=50)
    assert set(seen) == {f"user:{i}".encode() for i in range(200) if str(i).startswith("1")}


def test_scan_type_filter(r):
    r.mset({f"s{i}": i for i in range(50)})
    assert set(scan_all(r, _type="string")) == {f"s{i}".encode() for i in range(50)}
    assert scan_all(r, _type="list") == []
    assert scan_all(r, _type="nosuchtype") == []


def test_scan_type_filter_mixed(r):
    r.set("s", 1)
    r.rpush("l", 1)
    r.hset("h", "f", "v")
    assert scan_all(r, _type="list") == [b"l"]
    assert scan_all(r, _type="hash") == [b"h"]


def test_scan_guarantee_while_table_grows(r):
    """Keys present for the whole iteration come back although the table rehashes."""
    original = {f"orig:{i}".encode() for i in range(500)}
    r.mset({k: 1 for k in original})
    cursor, seen, added = 0, set(), 0
    while True:
        cursor, keys = r.scan(cursor, count=10)
        seen.update(keys)
        r.mset({f"new:{added + j}": 1 for j in range(40)})  # grows the table 8x over the scan
        added += 40
        if cursor == 0:
            break
    assert original <= seen
    assert added >= 2000


def test_scan_guarantee_while_table_shrinks(r):
    original = {f"orig:{i}".encode() for i in range(300)}
    doomed = [f"tmp:{i}" for i in range(6000)]
    r.mset({k: 1 for k in original})
    r.mset({k: 1 for k in doomed})
    cursor, seen = 0, set()
    while True:
        cursor, keys = r.scan(cursor, count=20)
        seen.update(keys)
        if doomed:
            r.delete(*doomed[:400])
            doomed = doomed[400:]
            if not doomed:
                time.sleep(0.3)  # let a periodic resize shrink the table mid-iteration
        if cursor == 0:
            break
    assert original <= seen


def test_scan_errors(raw):
    assert err(raw, "SCAN", "abc") == "ERR invalid cursor"
    assert err(raw, "SCAN", "0", "COUNT", "0") == "ERR syntax error"
    assert err(raw, "SCAN", "0", "COUNT", "abc") == NOT_INT
    assert err(raw, "SCAN", "0", "FOO") == "ERR syntax error"
    assert err(raw, "SCAN", "0", "MATCH") == "ERR syntax error"


def test_scan_reply_shape(raw):
    raw.call("SET", "k", "v")
    assert raw.call_raw("SCAN", "0") == b"*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n"


# -- RANDOMKEY ----------------------------------------------------------------

def test_randomkey(r):
    assert r.randomkey() is None
    r.mset({"a": 1, "b": 2, "c": 3})
    seen = {r.randomkey() for _ in range(100)}
    assert seen == {b"a", b"b", b"c"}


def test_randomkey_skips_expired(r):
    r.set("live", 1)
    for i in range(20):
        r.set(f"dying{i}", 1, px=1)
    time.sleep(0.01)
    assert {r.randomkey() for _ in range(20)} == {b"live"}


# -- RENAME / RENAMENX --------------------------------------------------------

def test_rename(r):
    r.set("a", "1", ex=100)
    r.set("b", "2")
    assert r.rename("a", "b") is True
    assert r.get("b") == b"1"
    assert r.exists("a") == 0
    assert r.ttl("b") in (99, 100)


def test_rename_removes_destination_ttl(r):
    r.set("a", "1")
    r.set("b", "2", ex=100)
    r.rename("a", "b")
    assert r.ttl("b") == -1


def test_rename_to_itself(r):
    r.set("a", "1")
    assert r.rename("a", "a") is True
    assert r.get("a") == b"1"


def test_renamenx(r):
    r.mset({"a": 1, "b": 2})
    assert r.renamenx("a", "b") is False
    assert r.renamenx("a", "c") is True
    assert r.mget("a", "b", "c") == [None, b"2", b"1"]


@pytest.mark.parametrize("cmd", ["RENAME", "RENAMENX"])
def test_rename_missing_source(raw, cmd):
    assert err(raw, cmd, "missing", "x") == "ERR no such key"


# -- COPY ---------------------------------------------------------------------

def test_copy(r):
    r.set("src", "v", ex=100)
    assert r.copy("src", "dst") is True
    assert r.get("dst") == b"v"
    assert r.ttl("dst") in (99, 100)
    r.set("src", "w")
    assert r.get("dst") == b"v"  # an independent copy


def test_copy_existing_destination_and_replace(r):
    r.mset({"src": "new", "dst": "old"})
    assert r.copy("src", "dst") is False
    assert r.get("dst") == b"old"
    assert r.copy("src", "dst", replace=True) is True
    assert r.get("dst") == b"new"


def test_copy_missing_source(r):
    assert r.copy("missing", "dst") is False
    assert r.exists("dst") == 0


def test_copy_to_other_db(server, r):
    r.set("src", "v")
    assert r.copy("src", "src", destination_db=3) is True
    db3 = server.client(db=3)
    assert db3.get("src") == b"v"
    assert r.copy("src", "src", destination_db=3) is False
    assert r.copy("src", "src", destination_db=3, replace=True) is True


def test_copy_errors(raw):
    raw.call("SET", "k", "v")
    assert err(raw, "COPY", "k", "k") == SAME_OBJECT
    assert err(raw, "COPY", "k", "k", "DB", "0") == SAME_OBJECT
    assert err(raw, "COPY", "k", "k2", "DB", "16") == "ERR DB index is out of range"
    assert err(raw, "COPY", "k", "k2", "DB", "abc") == NOT_INT
    assert err(raw, "COPY", "k", "k2", "FOO") == "ERR syntax error"


# -- EXPIRE family ------------------------------------------------------------

def test_expire_variants(r):
    r.mset({"a": 1, "b": 1, "c": 1, "d": 1})
    now = int(time.time())
    assert r.expire("a", 100) is True
    assert r.pexpire("b", 100500) is True
    assert r.expireat("c", now + 200) is True
    assert r.pexpireat("d", (now + 300) * 1000 + 5) is True
    assert r.ttl("a") in (99, 100)
    assert 100000 < r.pttl("b") <= 100500
    assert r.expiretime("c") == now + 200
    assert r.execute_command("PEXPIRETIME", "d") == (now + 300) * 1000 + 5
    assert r.expire("missing", 100) is False


def test_expire_in_the_past_deletes(r):
    r.mset({"a": 1, "b": 1, "c": 1})
    assert r.expire("a", -1) is True
    assert r.pexpireat("b", 1) is True
    assert r.expire("c", 0) is True
    assert r.exists("a", "b", "c") == 0


@pytest.mark.parametrize("opt,no_ttl,longer,shorter", [
    # result when the key has no TTL / when the new TTL is longer / shorter than 100s
    ("NX", 1, 0, 0),
    ("XX", 0, 1, 1),
    ("GT", 0, 1, 0),
    ("LT", 1, 0, 1),
])
def test_expire_conditions(raw, opt, no_ttl, longer, shorter):
    raw.call("SET", "k", "v")
    assert raw.call("EXPIRE", "k", "100", opt) == no_ttl
    raw.call("EXPIRE", "k", "100")
    assert raw.call("EXPIRE", "k", "200", opt) == longer
    raw.call("EXPIRE", "k", "100")
    assert raw.call("PEXPIRE", "k", "50000", opt) == shorter
    assert raw.call("TTL", "k") == (50 if shorter else 100)


def test_expire_conditions_missing_key(raw):
    for opt in ("NX", "XX", "GT", "LT"):
        assert raw.call("EXPIRE", "missing", "10", opt) == 0


@pytest.mark.parametrize("cmd", ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
def test_expire_errors(raw, cmd):
    raw.call("SET", "k", "v")
    incompatible = "ERR NX and XX, GT or LT options at the same time are not compatible"
    assert err(raw, cmd, "k", "100", "NX", "XX") == incompatible
    assert err(raw, cmd, "k", "100", "NX", "GT") == incompatible
    assert err(raw, cmd, "k", "100", "LT", "NX") == incompatible
    assert err(raw, cmd, "k", "100", "GT", "LT") == \
        "ERR GT and LT options at the same time are not compatible"
    assert err(raw, cmd, "k", "100", "FOO") == "ERR Unsupported option FOO"
    assert err(raw, cmd, "k", "abc") == NOT_INT
    if cmd != "PEXPIREAT":  # the only one with no unit conversion or addition to overflow
        assert err(raw, cmd, "k", "9223372036854775807") == \
            f"ERR invalid expire time in '{cmd.lower()}' command"
    assert err(raw, cmd, "k") == f"ERR wrong number of arguments for '{cmd.lower()}' command"
    assert raw.call("TTL", "k") == -1


def test_ttl_pttl_missing_and_persistent(r):
    r.set("k", "v")
    assert r.ttl("k") == -1
    assert r.pttl("k") == -1
    assert r.ttl("missing") == -2
    assert r.pttl("missing") == -2
    assert r.expiretime("k") == -1
    assert r.execute_command("PEXPIRETIME", "k") == -1
    assert r.expiretime("missing") == -2
    assert r.execute_command("PEXPIRETIME", "missing") == -2


def test_persist(r):
    r.set("k", "v", ex=100)
    assert r.persist("k") is True
    assert r.ttl("k") == -1
    assert r.persist("k") is False
    assert r.persist("missing") is False


# -- OBJECT -------------------------------------------------------------------

@pytest.mark.parametrize("value,encoding", [
    ("0", b"int"), ("12345", b"int"), ("-9223372036854775808", b"int"),
    ("9223372036854775808", b"embstr"), ("01", b"embstr"), (" 12", b"embstr"),
    ("abc", b"embstr"), ("x" * 44, b"embstr"), ("x" * 45, b"raw"),
])
def test_object_encoding(r, value, encoding):
    r.set("k", value)
    assert r.object("encoding", "k") == encoding


def test_object_encoding_after_append_is_raw(r):
    r.set("k", "abc")
    r.append("k", "d")
    assert r.object("encoding", "k") == b"raw"
    r.set("n", "10")
    r.append("n", "0")
    assert r.object("encoding", "n") == b"raw"
    r.incr("n")
    assert r.object("encoding", "n") == b"int"


def test_object_refcount_idletime(r):
    r.set("k", "some value")
    assert r.object("refcount", "k") == 1
    assert r.object("idletime", "k") in (0, 1)
    assert r.object("encoding", "missing") is None
    assert r.object("refcount", "missing") is None
    assert r.object("idletime", "missing") is None


def test_object_errors(raw):
    raw.call("SET", "k", "v")
    assert err(raw, "OBJECT", "FREQ", "k") == (
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
        "Please note that when switching between policies at runtime LRU and LFU data "
        "will take some time to adjust.")
    assert err(raw, "OBJECT", "FOO", "k") == "ERR unknown subcommand 'FOO'. Try OBJECT HELP."


def test_object_freq_with_lfu(server, raw):
    raw.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    try:
        raw.call("SET", "k", "v")
        assert isinstance(raw.call("OBJECT", "FREQ", "k"), int)
        assert err(raw, "OBJECT", "IDLETIME", "k") == (
            "ERR An LFU maxmemory policy is selected, idle time not tracked. "
            "Please note that when switching between policies at runtime LRU and LFU data "
            "will take some time to adjust.")
    finally:
        raw.call("CONFIG", "SET", "maxmemory-policy", "noeviction")


# -- WRONGTYPE on generic commands (needs lists) ------------------------------

def test_generic_commands_work_on_lists(r):
    r.rpush("l", "a", "b")
    assert r.exists("l") == 1
    assert r.rename("l", "l2") is True
    assert r.copy("l2", "l3") is True
    assert r.lrange("l3", 0, -1) == [b"a", b"b"]
    assert r.expire("l2", 100) is True
    assert r.object("encoding", "l2") in (b"quicklist", b"listpack")
