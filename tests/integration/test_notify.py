"""Keyspace notifications (SPEC §6, issue 4 item 3): which events each command publishes,
on which channels, in which order and under which notify-keyspace-events class, as Redis
7.0 does.

A subscriber listens on ``__key*__:*`` through redis-py's PubSub. After the commands under
test, the helper publishes on a fence channel: messages from one server arrive in order, so
everything before the fence is exactly what those commands published, with no sleeps.
"""

import time

import pytest
import redis

from conftest import wait_until

FENCE = b"notify-test-fence"
ALL_PATTERN = "__key*__:*"
# Every class, plus 'new' and 'keymiss', which "A" leaves out.
EVERYTHING = "KEAnm"
# Keyevent channels only: one message per event keeps the expected sequences short.
EVENTS_ONLY = "EAnm"


def E(event, key, db=0):
    """The message on the keyevent channel: channel names the event, payload the key."""
    return (f"__keyevent@{db}__:{event}".encode(), key.encode())


def K(event, key, db=0):
    """The message on the keyspace channel: channel names the key, payload the event."""
    return (f"__keyspace@{db}__:{key}".encode(), event.encode())


def KE(event, key, db=0):
    """Both messages of one event with K and E enabled; Redis sends keyspace first."""
    return [K(event, key, db), E(event, key, db)]


class Subscriber:
    """A PubSub connection subscribed to keyspace channels and to the fence."""

    def __init__(self, server, r, flags, patterns, channels):
        self.r = r
        r.config_set("notify-keyspace-events", flags)
        self.ps = server.client().pubsub()
        if patterns:
            self.ps.psubscribe(*patterns)
        self.ps.subscribe(FENCE, *channels)
        # Wait for every confirmation, so no event can be published before we listen.
        pending = len(patterns) + 1 + len(channels)
        deadline = time.monotonic() + 5
        while pending:
            m = self.ps.get_message(timeout=0.5)
            if m and m["type"] in ("subscribe", "psubscribe"):
                pending -= 1
            assert time.monotonic() < deadline, "subscriptions not confirmed"

    def next_message(self, timeout=5.0):
        """The next published message as (channel, data), skipping confirmations."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = self.ps.get_message(timeout=max(0.0, deadline - time.monotonic()))
            if m and m["type"] in ("message", "pmessage"):
                return m["channel"], m["data"]
        pytest.fail(f"no message within {timeout}s")

    def drain(self):
        """Every message published since the last drain, in order."""
        self.r.publish(FENCE, "end")
        out = []
        while True:
            msg = self.next_message()
            if msg[0] == FENCE:
                return out
            out.append(msg)

    def close(self):
        self.ps.close()


@pytest.fixture
def subscribe(server, r):
    """subscribe(flags, patterns=(ALL_PATTERN,), channels=()) -> Subscriber, after setting
    notify-keyspace-events to flags. Notifications are switched off again afterwards."""
    subs = []

    def factory(flags, patterns=(ALL_PATTERN,), channels=()):
        s = Subscriber(server, r, flags, list(patterns), list(channels))
        subs.append(s)
        return s

    yield factory
    for s in subs:
        s.close()
    r.config_set("notify-keyspace-events", "")


@pytest.fixture
def no_active_expire(r):
    assert r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"OK"
    yield
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def expire_soon(r, *keys):
    """Gives each key a 1 ms TTL and lets it pass (callers disable active expiry)."""
    for k in keys:
        r.set(k, "old", px=1)
    time.sleep(0.02)


# -- channels, payloads and the flags -----------------------------------------

def test_keyspace_and_keyevent_messages(subscribe, r):
    s = subscribe("KEA")
    r.set("k", "v")
    # 'new' is not part of A, so only "set" appears: keyspace message first.
    assert s.drain() == KE("set", "k")


def test_pmessage_and_message_shapes(server, subscribe, r):
    s = subscribe("KE$", channels=["__keyspace@0__:k"])
    r.set("k", "v")
    got = []
    while len(got) < 3:
        got.append(s.ps.get_message(timeout=5))
    # PUBLISH serves channel subscribers before pattern subscribers.
    assert [(m["type"], m["pattern"], m["channel"], m["data"]) for m in got] == [
        ("message", None, b"__keyspace@0__:k", b"set"),
        ("pmessage", ALL_PATTERN.encode(), b"__keyspace@0__:k", b"set"),
        ("pmessage", ALL_PATTERN.encode(), b"__keyevent@0__:set", b"k"),
    ]


def test_no_events_when_disabled(subscribe, r):
    s = subscribe("")
    r.set("k", "v", ex=10)
    r.get("missing")
    r.delete("k")
    assert s.drain() == []


@pytest.mark.parametrize("flags", ["K", "E", "KE", "A", "$", "gxn"])
def test_flags_without_a_class_or_a_channel_publish_nothing(subscribe, r, flags):
    # K/E without a class, or a class without K/E, enables no message.
    s = subscribe(flags)
    r.set("k", "v", ex=10)
    r.delete("k")
    assert s.drain() == []


def test_flag_string_keyevents_only(subscribe, r):
    s = subscribe("E$")
    r.set("k", "v", ex=100)  # "set" is a string event, "expire" a generic one
    r.append("k", "x")
    r.incr("n")
    r.delete("k", "n")
    assert s.drain() == [E("set", "k"), E("append", "k"), E("incrby", "n")]


def test_flag_generic_keyspace_only(subscribe, r):
    s = subscribe("Kg")
    r.set("k", "v", ex=100)
    r.persist("k")
    r.rename("k", "k2")
    r.delete("k2")
    assert s.drain() == [K("expire", "k"), K("persist", "k"), K("rename_from", "k"),
                         K("rename_to", "k2"), K("del", "k2")]


def test_flag_expired_keyspace_only(subscribe, r, no_active_expire):
    s = subscribe("Kx")
    expire_soon(r, "a")
    r.set("b", "v")
    r.delete("b")
    assert r.get("a") is None
    assert s.drain() == [K("expired", "a")]


def test_flag_keymiss(subscribe, r):
    s = subscribe("Em")
    r.set("here", "v")
    r.get("here")
    r.get("missing")
    r.mget("here", "m1", "m2")
    assert s.drain() == [E("keymiss", "missing"), E("keymiss", "m1"), E("keymiss", "m2")]


def test_flag_new(subscribe, r):
    s = subscribe("En")
    r.set("a", "1")
    r.set("a", "2")  # overwrite: not new
    r.append("b", "x")
    r.incr("c")
    r.incrbyfloat("d", 1.5)
    r.setrange("e", 2, "x")
    r.mset({"a": 1, "f": 2})
    assert s.drain() == [E("new", "a"), E("new", "b"), E("new", "c"), E("new", "d"),
                         E("new", "e"), E("new", "f")]


def test_keymiss_only_for_reads(subscribe, r):
    s = subscribe("Em")
    # Writers look up for writing: their misses are not reported.
    r.set("w1", "v", nx=True)
    r.set("w2", "v", xx=True)
    r.append("w3", "x")
    r.incr("w4")
    r.expire("w5", 10)
    r.persist("w6")
    r.delete("w7")
    r.execute_command("MOVE", "w8", 1)
    assert r.execute_command("MSETNX", "w9", 1) == 1
    assert s.drain() == []
    # Every read of a missing key is.
    assert r.exists("x1", "x2") == 0
    assert r.type("x3") == b"none"
    assert r.ttl("x4") == -2
    assert r.pttl("x5") == -2
    assert r.execute_command("EXPIRETIME", "x6") == -2
    assert r.execute_command("PEXPIRETIME", "x7") == -2
    assert r.touch("x8") == 0
    assert r.strlen("x9") == 0
    assert r.getrange("x10", 0, 1) == b""
    assert r.execute_command("GETEX", "x11") is None
    assert r.getdel("x12") is None
    assert r.copy("x13", "dst") is False
    assert s.drain() == [E("keymiss", k) for k in
                         ["x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
                          "x12", "x13"]]


def test_no_keymiss_from_introspection_without_lookup(subscribe, r):
    s = subscribe("Em")
    assert r.memory_usage("missing") is None
    r.keys("*")
    r.scan(0)
    r.randomkey()
    r.dbsize()
    assert s.drain() == []


def test_object_publishes_no_keymiss(server, subscribe, r):
    s = subscribe("Em")
    assert server.raw().call("OBJECT", "ENCODING", "missing") is None
    assert s.drain() == []


# -- string commands ------------------------------------------------------------

def test_set_variants(subscribe, r):
    r.set("old", "v")
    s = subscribe(EVENTS_ONLY)
    r.set("k", "v")
    r.set("k", "v2")
    r.set("k", "v3", ex=100)
    r.set("k", "v4", keepttl=True)
    assert r.set("old", "v", nx=True) is None
    assert r.set("absent", "v", xx=True) is None
    r.set("px", "v", px=100000)
    r.set("at", "v", exat=int(time.time()) + 100)
    assert s.drain() == [
        E("new", "k"), E("set", "k"),
        E("set", "k"),
        E("set", "k"), E("expire", "k"),
        E("set", "k"),
        E("new", "px"), E("set", "px"), E("expire", "px"),
        E("new", "at"), E("set", "at"), E("expire", "at"),
    ]


def test_set_get_and_getset(subscribe, r):
    r.set("k", "v")
    s = subscribe(EVENTS_ONLY)
    assert r.set("k", "w", get=True) == b"v"
    assert r.set("g", "w", get=True) is None
    assert r.getset("gs", "1") is None
    assert r.getset("gs", "2") == b"1"
    assert s.drain() == [
        E("set", "k"),
        E("keymiss", "g"), E("new", "g"), E("set", "g"),
        E("keymiss", "gs"), E("new", "gs"), E("set", "gs"),
        E("set", "gs"),
    ]


def test_setnx_setex_psetex(subscribe, r):
    r.set("e", "v")
    s = subscribe(EVENTS_ONLY)
    assert r.setnx("a", 1) is True
    assert r.setnx("e", 1) is False
    r.setex("b", 100, "v")
    r.psetex("c", 100000, "v")
    assert s.drain() == [
        E("new", "a"), E("set", "a"),
        E("new", "b"), E("set", "b"), E("expire", "b"),
        E("new", "c"), E("set", "c"), E("expire", "c"),
    ]


def test_set_with_a_time_already_past(subscribe, r, no_active_expire):
    s = subscribe(EVENTS_ONLY)
    # Redis stores the key, reports the TTL, and the key expires on its next access.
    r.set("k", "v", pxat=1)
    assert r.get("k") is None
    assert s.drain() == [E("new", "k"), E("set", "k"), E("expire", "k"),
                         E("expired", "k"), E("keymiss", "k")]


def test_getdel(subscribe, r):
    r.set("a", "1")
    s = subscribe(EVENTS_ONLY)
    assert r.getdel("a") == b"1"
    assert r.getdel("a") is None
    assert s.drain() == [E("del", "a"), E("keymiss", "a")]


def test_getex(subscribe, r):
    r.set("p", "1", ex=100)
    r.set("e", "2")
    r.set("d", "3")
    s = subscribe(EVENTS_ONLY)
    assert r.getex("p", persist=True) == b"1"
    assert r.getex("p", persist=True) == b"1"  # no TTL left: nothing to report
    assert r.getex("e", ex=100) == b"2"
    assert r.getex("e", pxat=int(time.time() * 1000) + 100000) == b"2"
    assert r.getex("e") == b"2"
    assert r.getex("d", pxat=1) == b"3"  # in the past: the key goes
    assert r.getex("missing", ex=10) is None
    assert s.drain() == [E("persist", "p"), E("expire", "e"), E("expire", "e"),
                         E("del", "d"), E("keymiss", "missing")]


def test_mset_msetnx(subscribe, r):
    r.set("b", "x")
    s = subscribe(EVENTS_ONLY)
    r.execute_command("MSET", "a", "1", "b", "2", "a", "3")
    assert r.execute_command("MSETNX", "c", "1", "d", "2") == 1
    assert r.execute_command("MSETNX", "c", "1", "e", "2") == 0
    assert s.drain() == [
        E("new", "a"), E("set", "a"), E("set", "b"), E("set", "a"),
        E("new", "c"), E("set", "c"), E("new", "d"), E("set", "d"),
    ]


def test_append_and_setrange(subscribe, r):
    r.set("s", "abc")
    s = subscribe(EVENTS_ONLY)
    assert r.append("s", "d") == 4
    assert r.append("s", "") == 4  # still an APPEND that ran
    assert r.append("n", "") == 0  # creates an empty string
    assert r.setrange("s", 1, "X") == 4
    assert r.setrange("s", 1, "") == 4  # writes nothing: no event
    assert r.setrange("q", 0, "") == 0  # creates nothing: no event
    assert r.setrange("r", 2, "y") == 3
    assert s.drain() == [
        E("append", "s"), E("append", "s"),
        E("new", "n"), E("append", "n"),
        E("setrange", "s"),
        E("new", "r"), E("setrange", "r"),
    ]


def test_counters(subscribe, r):
    r.set("i", "10")
    r.set("f", "1.5")
    r.set("text", "abc")
    s = subscribe(EVENTS_ONLY)
    assert r.incr("i") == 11
    assert r.decr("i") == 10
    assert r.incrby("i", 5) == 15
    assert r.decrby("i", 5) == 10
    assert r.incr("j") == 1
    assert r.incrbyfloat("f", 1) == 2.5
    assert r.incrbyfloat("g", 1) == 1.0
    assert s.drain() == [
        E("incrby", "i"), E("incrby", "i"), E("incrby", "i"), E("incrby", "i"),
        E("new", "j"), E("incrby", "j"),
        E("incrbyfloat", "f"),
        E("new", "g"), E("incrbyfloat", "g"),
    ]


def test_failed_writes_publish_nothing(subscribe, r):
    r.set("text", "abc")
    r.set("max", str(2**63 - 1))
    s = subscribe(EVENTS_ONLY)
    for args in [("INCR", "text"), ("INCRBYFLOAT", "text", "1"), ("INCR", "max"),
                 ("INCRBYFLOAT", "max", "inf"), ("SET", "k", "v", "EX", "0"),
                 ("SETRANGE", "k", "-1", "x"), ("GETEX", "text", "EX", "-1")]:
        with pytest.raises(redis.ResponseError):
            r.execute_command(*args)
    assert s.drain() == []


# -- key commands ---------------------------------------------------------------

@pytest.mark.parametrize("cmd", ["DEL", "UNLINK"])
def test_del_unlink(subscribe, r, cmd):
    r.mset({"a": 1, "b": 2})
    s = subscribe("KEA")
    assert r.execute_command(cmd, "a", "missing", "b", "a") == 2
    assert s.drain() == KE("del", "a") + KE("del", "b")


def test_rename_renamenx(subscribe, r):
    r.mset({"a": 1, "b": 2, "c": 3})
    s = subscribe(EVENTS_ONLY)
    r.rename("a", "x")
    r.rename("x", "b")  # overwrites b: no "del" for the old b
    r.rename("b", "b")  # same name: nothing happens
    assert r.renamenx("b", "c") is False
    assert r.renamenx("b", "d") is True
    with pytest.raises(redis.ResponseError, match="no such key"):
        r.rename("nope", "q")
    assert s.drain() == [
        E("new", "x"), E("rename_from", "a"), E("rename_to", "x"),
        E("new", "b"), E("rename_from", "x"), E("rename_to", "b"),
        E("new", "d"), E("rename_from", "b"), E("rename_to", "d"),
    ]


def test_rename_keyspace_channels(subscribe, r):
    r.set("a", 1)
    s = subscribe("Kg")
    r.rename("a", "b")
    assert s.drain() == [K("rename_from", "a"), K("rename_to", "b")]


def test_move(server, subscribe, r):
    r.set("a", 1)
    r.set("b", 1)
    server.client(db=1).set("b", 2)
    s = subscribe(EVENTS_ONLY)
    assert r.move("a", 1) is True
    assert r.move("b", 1) is False
    assert r.move("missing", 1) is False
    # "new" and "move_to" are published in the target database, "move_from" in the source.
    assert s.drain() == [E("new", "a", db=1), E("move_from", "a", db=0),
                         E("move_to", "a", db=1)]


def test_copy(subscribe, r):
    r.set("a", 1)
    r.set("b", 2)
    s = subscribe(EVENTS_ONLY)
    assert r.copy("a", "c") is True
    assert r.copy("a", "b") is False
    assert r.copy("a", "b", replace=True) is True  # no "del" for the replaced b
    assert r.copy("a", "d", destination_db=2) is True
    assert s.drain() == [
        E("new", "c"), E("copy_to", "c"),
        E("new", "b"), E("copy_to", "b"),
        E("new", "d", db=2), E("copy_to", "d", db=2),
    ]


def test_expire_family_and_persist(subscribe, r):
    r.set("a", 1)
    r.set("b", 1)
    s = subscribe("KEA")
    assert r.expire("a", 100) is True
    assert r.pexpire("a", 100000) is True
    assert r.expireat("a", int(time.time()) + 100) is True
    assert r.pexpireat("a", int(time.time() * 1000) + 100000) is True
    assert r.expire("a", 100, nx=True) is False
    assert r.expire("missing", 100) is False
    assert r.persist("a") is True
    assert r.persist("a") is False
    # A time in the past deletes the key, and Redis reports a deletion, not an expiry.
    assert r.expire("b", -1) is True
    assert r.expire("b", 10) is False
    assert s.drain() == (KE("expire", "a") * 4 + KE("persist", "a") + KE("del", "b"))


def test_flush_and_swapdb_publish_nothing(server, subscribe, r):
    r.set("a", 1)
    server.client(db=1).set("b", 1)
    s = subscribe(EVERYTHING)
    r.swapdb(0, 1)
    r.flushdb()
    r.flushall()
    assert s.drain() == []


def test_events_name_the_client_database(server, subscribe, r):
    r3 = server.client(db=3)
    s = subscribe("KEAm")
    r3.set("a", 1)
    r3.get("missing")
    r3.delete("a")
    assert s.drain() == (KE("set", "a", db=3) + KE("keymiss", "missing", db=3) +
                         KE("del", "a", db=3))


def test_debug_populate_reports_new_keys(subscribe, r):
    s = subscribe("En")
    r.execute_command("DEBUG", "POPULATE", 2)
    assert s.drain() == [E("new", "key:0"), E("new", "key:1")]


def test_transaction_publishes_in_command_order(subscribe, r):
    s = subscribe(EVENTS_ONLY)
    with r.pipeline(transaction=True) as p:
        p.set("a", 1)
        p.incr("a")
        p.expire("a", 100)
        p.delete("a")
        assert p.execute() == [True, 2, True, 1]
    assert s.drain() == [E("new", "a"), E("set", "a"), E("incrby", "a"), E("expire", "a"),
                         E("del", "a")]


# -- expiry ---------------------------------------------------------------------

def test_lazy_expiry_on_reads(subscribe, r, no_active_expire):
    expire_soon(r, "a", "b", "c", "d", "e", "f")
    s = subscribe(EVERYTHING)
    assert r.get("a") is None
    assert r.exists("b") == 0
    assert r.ttl("c") == -2
    assert r.mget("d", "e") == [None, None]
    assert r.getdel("f") is None
    expected = []
    for k in "abcdef":
        expected += KE("expired", k) + KE("keymiss", k)
    assert s.drain() == expected


def test_lazy_expiry_on_writes(subscribe, r, no_active_expire):
    r.set("src", "v")
    expire_soon(r, "a", "b", "c", "d", "e", "f", "g", "h")
    s = subscribe(EVENTS_ONLY)
    assert r.delete("a") == 0  # it was expired, not deleted by DEL
    r.set("b", "2")
    assert r.incr("c") == 1
    assert r.append("d", "x") == 1
    assert r.expire("e", 100) is False
    assert r.persist("f") is False
    r.rename("src", "g")
    with pytest.raises(redis.ResponseError, match="no such key"):
        r.rename("h", "z")
    assert s.drain() == [
        E("expired", "a"),
        E("expired", "b"), E("new", "b"), E("set", "b"),
        E("expired", "c"), E("new", "c"), E("incrby", "c"),
        E("expired", "d"), E("new", "d"), E("append", "d"),
        E("expired", "e"),
        E("expired", "f"),
        E("expired", "g"), E("new", "g"), E("rename_from", "src"), E("rename_to", "g"),
        E("expired", "h"),
    ]


def test_lazy_expiry_by_scan(subscribe, r, no_active_expire):
    expire_soon(r, "a")
    s = subscribe(EVERYTHING)
    assert r.keys("*") == []  # KEYS skips expired keys but leaves them be
    assert r.scan(0, count=100) == (0, [])
    assert s.drain() == KE("expired", "a")


def test_lazy_expiry_by_randomkey(subscribe, r, no_active_expire):
    expire_soon(r, "a")
    s = subscribe(EVERYTHING)
    assert r.randomkey() is None
    assert s.drain() == KE("expired", "a")


def test_active_expiry(subscribe, r):
    s = subscribe("KEA")
    r.set("short", "v", px=50)
    r.set("long", "v", ex=100)
    # The two sets, their expiries, then nobody touches "short": the expiry cycle removes it.
    assert s.drain() == (KE("set", "short") + KE("expire", "short") +
                         KE("set", "long") + KE("expire", "long"))
    assert [s.next_message(timeout=5), s.next_message(timeout=1)] == KE("expired", "short")
    wait_until(lambda: r.dbsize() == 1, 2.0, message="the expired key to be gone")
    assert s.drain() == []
