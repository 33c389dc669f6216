"""SPEC §12 seed transcript, through redis-cli and through redis-py."""


import pytest
import redis

from conftest import RawClient, run_cli


def cli(server, *args):
    """redis-cli's output (stdout a pipe, so raw formatting) with the final newline removed."""
    res = run_cli(server.port, *args)
    assert res.returncode == 0, res.stderr
    return res.stdout.rstrip("\n")


@pytest.fixture
def flushed(server, r):
    return server


def test_strings_and_keys_transcript_via_redis_cli(flushed):
    s = flushed
    assert cli(s, "set", "mykey", "somevalue") == "OK"
    assert cli(s, "get", "mykey") == "somevalue"
    assert cli(s, "set", "test", "233") == "OK"
    assert cli(s, "incrby", "test", "23333") == "23566"
    assert cli(s, "getset", "test", "555") == "23566"
    assert cli(s, "set", "test", "fff") == "OK"
    assert cli(s, "incr", "test") == "ERR value is not an integer or out of range"
    assert cli(s, "mset", "a", "10", "b", "20", "c", "30") == "OK"
    assert cli(s, "mget", "a", "b", "c") == "10\n20\n30"
    assert cli(s, "set", "mykey", "hello") == "OK"
    assert cli(s, "exists", "mykey") == "1"
    assert cli(s, "del", "mykey") == "1"
    assert cli(s, "exists", "mykey") == "0"
    assert cli(s, "set", "mykey", "x") == "OK"
    assert cli(s, "type", "mykey") == "string"
    assert cli(s, "del", "mykey") == "1"
    assert cli(s, "type", "mykey") == "none"
    assert cli(s, "set", "key", "100", "ex", "10") == "OK"
    assert cli(s, "ttl", "key") in ("10", "9")


def test_transcript_human_formatting_via_redis_cli(flushed):
    """--no-raw forces the tty formatting users see interactively."""
    s = flushed
    assert cli(s, "--no-raw", "set", "mykey", "somevalue") == "OK"
    assert cli(s, "--no-raw", "get", "mykey") == '"somevalue"'
    cli(s, "set", "test", "233")
    assert cli(s, "--no-raw", "incrby", "test", "23333") == "(integer) 23566"
    assert cli(s, "--no-raw", "getset", "test", "555") == '"23566"'
    cli(s, "set", "test", "fff")
    assert cli(s, "--no-raw", "incr", "test") == \
        "(error) ERR value is not an integer or out of range"
    cli(s, "mset", "a", "10", "b", "20", "c", "30")
    assert cli(s, "--no-raw", "mget", "a", "b", "c") == '1) "10"\n2) "20"\n3) "30"'
    assert cli(s, "--no-raw", "get", "nosuchkey") == "(nil)"


def test_transcript_via_redis_py(r):
    assert r.set("mykey", "somevalue") is True
    assert r.get("mykey") == b"somevalue"
    r.set("test", 233)
    assert r.incrby("test", 23333) == 23566
    assert r.getset("test", 555) == b"23566"
    r.set("test", "fff")
    with pytest.raises(redis.ResponseError, match="^value is not an integer or out of range$"):
        r.incr("test")
    assert r.mset({"a": 10, "b": 20, "c": 30}) is True
    assert r.mget("a", "b", "c") == [b"10", b"20", b"30"]
    r.set("mykey", "hello")
    assert r.exists("mykey") == 1
    assert r.delete("mykey") == 1
    assert r.exists("mykey") == 0
    r.set("mykey", "x")
    assert r.type("mykey") == b"string"
    r.delete("mykey")
    assert r.type("mykey") == b"none"
    r.set("key", 100, ex=10)
    assert r.ttl("key") in (9, 10)


def test_python_pipeline(server, r):
    client = redis.StrictRedis(host="localhost", port=server.port)
    try:
        pipe = client.pipeline()
        pipe.set("t10", "abc")
        pipe.set("t11", "hello")
        assert pipe.execute() == [True, True]
        assert client.get("t10") == b"abc"
        assert client.get("t11") == b"hello"
    finally:
        client.close()


def test_python_pipeline_without_transaction(server, r):
    client = server.client()
    pipe = client.pipeline(transaction=False)
    pipe.set("t10", "abc").get("t10").incr("n").incr("n").get("missing")
    assert pipe.execute() == [True, b"abc", 1, 2, None]


def test_list_transcript_via_redis_cli(flushed):
    s = flushed
    assert cli(s, "rpush", "mylist", "A") == "1"
    assert cli(s, "rpush", "mylist", "B") == "2"
    assert cli(s, "lpush", "mylist", "first") == "3"
    assert cli(s, "lrange", "mylist", "0", "-1") == "first\nA\nB"
    assert cli(s, "rpush", "mylist", "1", "2", "3", "4", "5", "foo bar") == "9"
    assert cli(s, "lrange", "llist") == "ERR wrong number of arguments for 'lrange' command"
    cli(s, "rpush", "l2", "1", "2", "3", "4", "5")
    assert cli(s, "ltrim", "l2", "0", "2") == "OK"
    assert cli(s, "lrange", "l2", "0", "-1") == "1\n2\n3"


def test_pubsub_transcript(server, r):
    with RawClient(server.port) as sub:
        assert sub.call("subscribe", "py123") == [b"subscribe", b"py123", 1]
        assert r.publish("py123", "hahah") == 1
        assert sub.read() == [b"message", b"py123", b"hahah"]
