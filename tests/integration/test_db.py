"""Databases: SELECT MOVE SWAPDB FLUSHDB FLUSHALL DBSIZE and INFO keyspace."""

import re

import pytest

from conftest import RespError

OUT_OF_RANGE = "ERR DB index is out of range"
NOT_INT = "ERR value is not an integer or out of range"


def err(raw, *args):
    reply = raw.call(*args)
    assert isinstance(reply, RespError), f"{args!r} replied {reply!r}, expected an error"
    return reply.decode()


def keyspace(server):
    """INFO keyspace as {'db0': {'keys': n, 'expires': n, 'avg_ttl': n}}."""
    out = {}
    for db, fields in server.info("keyspace").items():
        out[db] = {k: int(v) for k, v in (kv.split("=") for kv in fields.split(","))}
    return out


def test_select_isolates_databases(raw):
    raw.call("SET", "k", "db0")
    assert raw.call("SELECT", "15") == b"OK"
    assert raw.call("GET", "k") is None
    raw.call("SET", "k", "db15")
    assert raw.call("SELECT", "0") == b"OK"
    assert raw.call("GET", "k") == b"db0"


@pytest.mark.parametrize("index,message", [
    ("16", OUT_OF_RANGE), ("-1", OUT_OF_RANGE), ("abc", NOT_INT), ("1.5", NOT_INT),
])
def test_select_errors(raw, index, message):
    assert err(raw, "SELECT", index) == message


def test_databases_directive(make_server):
    srv = make_server("--databases", "4")
    with srv.raw() as c:
        assert c.call("SELECT", "3") == b"OK"
        assert err(c, "SELECT", "4") == OUT_OF_RANGE
        assert c.call("CONFIG", "GET", "databases") == [b"databases", b"4"]


def test_dbsize(server, r):
    assert r.dbsize() == 0
    r.mset({"a": 1, "b": 2})
    assert r.dbsize() == 2
    assert server.client(db=1).dbsize() == 0


def test_move(server, r):
    db1 = server.client(db=1)
    r.set("k", "v", ex=100)
    assert r.move("k", 1) is True
    assert r.exists("k") == 0
    assert db1.get("k") == b"v"
    assert db1.ttl("k") in (99, 100)
    assert r.move("k", 1) is False  # no longer in db 0


def test_move_destination_exists(server, r):
    db1 = server.client(db=1)
    r.set("k", "src")
    db1.set("k", "dst")
    assert r.move("k", 1) is False
    assert r.get("k") == b"src"
    assert db1.get("k") == b"dst"


def test_move_errors(raw):
    raw.call("SET", "k", "v")
    assert err(raw, "MOVE", "k", "0") == "ERR source and destination objects are the same"
    assert err(raw, "MOVE", "k", "16") == OUT_OF_RANGE
    assert err(raw, "MOVE", "k", "abc") == NOT_INT


def test_swapdb(server, r):
    db1 = server.client(db=1)
    r.set("k", "zero")
    db1.set("k", "one")
    db1.set("only1", "x")
    assert r.swapdb(0, 1) is True
    # Connections keep their db number; the data under it changed.
    assert r.get("k") == b"one"
    assert r.get("only1") == b"x"
    assert db1.get("k") == b"zero"
    assert r.swapdb(1, 1) is True
    assert db1.get("k") == b"zero"


def test_swapdb_errors(raw):
    assert err(raw, "SWAPDB", "0", "16") == OUT_OF_RANGE
    assert err(raw, "SWAPDB", "-1", "0") == OUT_OF_RANGE
    assert err(raw, "SWAPDB", "a", "0") == "ERR invalid first DB index"
    assert err(raw, "SWAPDB", "0", "a") == "ERR invalid second DB index"


@pytest.mark.parametrize("mode", [None, "ASYNC", "SYNC"])
def test_flushdb_only_current(server, raw, mode):
    raw.call("SET", "k", "v")
    raw.call("SELECT", "2")
    raw.call("SET", "k", "v")
    assert raw.call(*(["FLUSHDB"] + ([mode] if mode else []))) == b"OK"
    assert raw.call("DBSIZE") == 0
    raw.call("SELECT", "0")
    assert raw.call("DBSIZE") == 1


@pytest.mark.parametrize("mode", [None, "ASYNC", "SYNC"])
def test_flushall_every_db(raw, mode):
    for db in ("0", "5", "15"):
        raw.call("SELECT", db)
        raw.call("SET", "k", "v")
    assert raw.call(*(["FLUSHALL"] + ([mode] if mode else []))) == b"OK"
    for db in ("0", "5", "15"):
        raw.call("SELECT", db)
        assert raw.call("DBSIZE") == 0


def test_flush_syntax_errors(raw):
    assert err(raw, "FLUSHDB", "FOO") == "ERR syntax error"
    assert err(raw, "FLUSHALL", "FOO") == "ERR syntax error"


def test_info_keyspace(server, r):
    assert keyspace(server) == {}
    r.mset({"a": 1, "b": 2, "c": 3})
    r.expire("a", 1000)
    db3 = server.client(db=3)
    db3.set("x", 1)
    text = server.info_text("keyspace")
    assert text.startswith("# Keyspace\r\n")
    assert re.search(r"^db0:keys=3,expires=1,avg_ttl=\d+\r$", text, re.M)
    assert re.search(r"^db3:keys=1,expires=0,avg_ttl=0\r$", text, re.M)
    assert set(keyspace(server)) == {"db0", "db3"}


def test_info_keyspace_after_flush(server, r):
    r.set("a", 1)
    assert keyspace(server)["db0"]["keys"] == 1
    r.flushdb()
    assert "db0" not in keyspace(server)
