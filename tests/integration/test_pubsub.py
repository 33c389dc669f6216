"""Publish/subscribe (SPEC §6, issue 4 items 1, 2, 5): SUBSCRIBE/UNSUBSCRIBE, PSUBSCRIBE/
PUNSUBSCRIBE, PUBLISH, PUBSUB CHANNELS|NUMSUB|NUMPAT, exact RESP2 and RESP3 shapes, the RESP2
subscribed context, redis-py's PubSub, redis-cli's subscribe mode, 1,000 subscribers on one
channel, and the pubsub client-output-buffer-limit that disconnects a subscriber that stops
reading.

Every test also passes against Debian's redis-server 7.0 (FERRITE_SERVER=/usr/bin/redis-server).
Where Redis leaves an order unspecified (UNSUBSCRIBE with no arguments walks a hash table; the
order of pmessages for several matching patterns) the tests compare sets, not sequences.
"""

import os
import pty
import resource
import select
import socket
import subprocess
import threading
import time

import pytest

from conftest import (REDIS_CLI, RespError, RespPush, encode_command, parse_info, parse_reply,
                      wait_until)

CONTEXT_ERR = ("-ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
               "RESET are allowed in this context\r\n")


# -- helpers ------------------------------------------------------------------

def _item(x, null):
    if x is None:
        return null
    if isinstance(x, int):
        return b":%d\r\n" % x
    if isinstance(x, str):
        x = x.encode()
    return b"$%d\r\n%s\r\n" % (len(x), x)


def arr(*items):
    """Exact RESP2 bytes of an array of bulk strings (bytes/str), integers and nils (None)."""
    return b"*%d\r\n" % len(items) + b"".join(_item(x, b"$-1\r\n") for x in items)


def push(*items):
    """Exact RESP3 bytes of a push message; None is RESP3's null."""
    return b">%d\r\n" % len(items) + b"".join(_item(x, b"_\r\n") for x in items)


@pytest.fixture
def conns(server):
    """Factory of raw connections to the module's server, all closed after the test."""
    opened = []

    def make(timeout=5.0):
        c = server.raw(timeout=timeout)
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.close()


def subscribe(conn, *channels, cmd="SUBSCRIBE"):
    """Send one (P)SUBSCRIBE and return the raw confirmations, one per channel."""
    conn.cmd(cmd, *channels)
    return [conn.read_raw() for _ in channels]


def sync(conn):
    """Round trip on a subscribed RESP2 connection: everything the server had queued for this
    client before the PING arrives in front of the pong, so after sync() the buffer holds
    exactly the messages delivered so far.  Returns those messages (parsed)."""
    conn.cmd("PING", "sync-marker")
    got = []
    while True:
        msg = conn.read()
        if msg == [b"pong", b"sync-marker"]:
            return got
        got.append(msg)


# -- SUBSCRIBE / UNSUBSCRIBE --------------------------------------------------

def test_subscribe_reply_bytes_and_counts(conns):
    c = conns()
    assert subscribe(c, "sub.a", "sub.b") == [arr("subscribe", "sub.a", 1),
                                              arr("subscribe", "sub.b", 2)]
    # Subscribing again to a channel already subscribed does not change the count.
    assert subscribe(c, "sub.a", "sub.c") == [arr("subscribe", "sub.a", 2),
                                              arr("subscribe", "sub.c", 3)]
    # Patterns count in the same total.
    assert subscribe(c, "sub.*", cmd="PSUBSCRIBE") == [arr("psubscribe", "sub.*", 4)]


def test_unsubscribe_specific_channels(conns):
    c = conns()
    subscribe(c, "u.a", "u.b", "u.c")
    c.cmd("UNSUBSCRIBE", "u.b", "u.nope", "u.a")
    assert [c.read_raw() for _ in range(3)] == [arr("unsubscribe", "u.b", 2),
                                                arr("unsubscribe", "u.nope", 2),
                                                arr("unsubscribe", "u.a", 1)]
    assert sync(c) == []
    c.cmd("UNSUBSCRIBE", "u.c")
    assert c.read_raw() == arr("unsubscribe", "u.c", 0)
    # Count 0: the connection is back in the normal context.
    assert c.call_raw("GET", "u.c") == b"$-1\r\n"


def test_unsubscribe_without_arguments_drops_every_channel(conns):
    c = conns()
    subscribe(c, "all.a", "all.b", "all.c")
    subscribe(c, "all.*", cmd="PSUBSCRIBE")
    c.cmd("UNSUBSCRIBE")
    replies = [c.read() for _ in range(3)]
    assert all(r[0] == b"unsubscribe" for r in replies)
    assert {r[1] for r in replies} == {b"all.a", b"all.b", b"all.c"}
    assert [r[2] for r in replies] == [3, 2, 1]  # the pattern still counts
    assert c.nothing_received(0.1)
    # Still subscribed to the pattern: still in the subscribed context.
    assert c.call_raw("GET", "x") == (CONTEXT_ERR % "get").encode()
    c.cmd("PUNSUBSCRIBE")
    assert c.read_raw() == arr("punsubscribe", "all.*", 0)
    assert c.call_raw("GET", "x") == b"$-1\r\n"


def test_unsubscribe_when_not_subscribed(conns):
    c = conns()
    assert c.call_raw("UNSUBSCRIBE") == arr("unsubscribe", None, 0)
    assert c.call_raw("PUNSUBSCRIBE") == arr("punsubscribe", None, 0)
    assert c.call_raw("UNSUBSCRIBE", "never") == arr("unsubscribe", "never", 0)
    assert c.call_raw("PUNSUBSCRIBE", "nev*") == arr("punsubscribe", "nev*", 0)
    # None of that entered the subscribed context.
    assert c.call_raw("PING") == b"+PONG\r\n"
    assert c.call_raw("SET", "k", "v") == b"+OK\r\n"


def test_unsubscribe_all_after_channels_gone(conns):
    """UNSUBSCRIBE with no arguments and only patterns left: one [unsubscribe, nil, n] reply."""
    c = conns()
    subscribe(c, "gone.*", cmd="PSUBSCRIBE")
    c.cmd("UNSUBSCRIBE")
    assert c.read_raw() == arr("unsubscribe", None, 1)
    c.cmd("PUNSUBSCRIBE")
    assert c.read_raw() == arr("punsubscribe", "gone.*", 0)


@pytest.mark.parametrize("cmd", ["SUBSCRIBE", "PSUBSCRIBE"])
def test_subscribe_arity(conns, cmd):
    c = conns()
    assert c.call_raw(cmd) == \
        b"-ERR wrong number of arguments for '%s' command\r\n" % cmd.lower().encode()


def test_publish_arity(conns):
    c = conns()
    assert c.call_raw("PUBLISH", "ch") == \
        b"-ERR wrong number of arguments for 'publish' command\r\n"


# -- PUBLISH and message shapes -----------------------------------------------

def test_message_bytes_and_receiver_count(conns):
    sub, pub = conns(), conns()
    subscribe(sub, "shape.ch")
    assert pub.call_raw("PUBLISH", "shape.ch", "hello") == b":1\r\n"
    assert sub.read_raw() == arr("message", "shape.ch", "hello")
    assert pub.call_raw("PUBLISH", "shape.other", "x") == b":0\r\n"
    assert pub.call_raw("PUBLISH", "shape.ch", "") == b":1\r\n"
    assert sub.read_raw() == arr("message", "shape.ch", "")
    assert sub.nothing_received(0.1)


def test_binary_channel_and_payload(conns):
    sub, pub = conns(), conns()
    chan = b"bin\x00\r\nch\xff"
    payload = bytes(range(256)) * 4 + b"\r\n*3\r\n"
    subscribe(sub, chan)
    subscribe(sub, b"bin\x00*", cmd="PSUBSCRIBE")
    assert pub.call("PUBLISH", chan, payload) == 2
    assert sub.read_raw() == arr("message", chan, payload)
    assert sub.read_raw() == arr("pmessage", b"bin\x00*", chan, payload)


def test_publish_counts_channel_and_pattern_receivers(conns):
    a, b, c, pub = conns(), conns(), conns(), conns()
    subscribe(a, "ov.news")
    subscribe(b, "ov.*", cmd="PSUBSCRIBE")
    # c overlaps: the channel itself plus two patterns that both match it.
    subscribe(c, "ov.news")
    subscribe(c, "ov.*", "*.news", cmd="PSUBSCRIBE")
    assert pub.call("PUBLISH", "ov.news", "m1") == 5
    assert a.read_raw() == arr("message", "ov.news", "m1")
    assert b.read_raw() == arr("pmessage", "ov.*", "ov.news", "m1")
    # Redis delivers to channel subscribers first, then to patterns (in unspecified order).
    assert c.read_raw() == arr("message", "ov.news", "m1")
    assert {c.read_raw(), c.read_raw()} == {arr("pmessage", "ov.*", "ov.news", "m1"),
                                            arr("pmessage", "*.news", "ov.news", "m1")}
    # A channel only the patterns match.
    assert pub.call("PUBLISH", "ov.sport", "m2") == 2
    assert b.read_raw() == arr("pmessage", "ov.*", "ov.sport", "m2")
    assert c.read_raw() == arr("pmessage", "ov.*", "ov.sport", "m2")
    for conn in (a, b, c):
        assert sync(conn) == []


def test_pattern_subscribed_twice_counts_once(conns):
    sub, pub = conns(), conns()
    assert subscribe(sub, "twice.*", "twice.*", cmd="PSUBSCRIBE") == [
        arr("psubscribe", "twice.*", 1), arr("psubscribe", "twice.*", 1)]
    assert pub.call("PUBLISH", "twice.x", "m") == 1
    assert sync(sub) == [[b"pmessage", b"twice.*", b"twice.x", b"m"]]


def test_messages_arrive_in_publish_order(conns):
    sub, pub = conns(), conns()
    subscribe(sub, "order.ch")
    pub.send(b"".join(encode_command("PUBLISH", "order.ch", str(i)) for i in range(200)))
    assert [pub.read() for _ in range(200)] == [1] * 200
    assert [sub.read()[2] for _ in range(200)] == [str(i).encode() for i in range(200)]


GLOB_CASES = [
    # pattern, channels it matches, channels it does not match
    ("gl.news.*", ["gl.news.art", "gl.news.", "gl.news.a.b"], ["gl.news", "gl.newsX"]),
    ("gl.h?llo", ["gl.hello", "gl.hallo", "gl.hxllo"], ["gl.hllo", "gl.heello"]),
    ("gl.h*llo", ["gl.hllo", "gl.heeeello"], ["gl.hell", "gl.hello!"]),
    ("gl.h[ae]llo", ["gl.hello", "gl.hallo"], ["gl.hillo", "gl.hllo"]),
    ("gl.h[^e]llo", ["gl.hallo", "gl.hbllo"], ["gl.hello"]),
    ("gl.h[a-c]llo", ["gl.hallo", "gl.hbllo", "gl.hcllo"], ["gl.hdllo"]),
    ("gl.h\\*llo", ["gl.h*llo"], ["gl.hello"]),
    ("gl.exact", ["gl.exact"], ["gl.exac", "gl.exactly", "GL.EXACT"]),
]


@pytest.mark.parametrize("pattern,matching,other", GLOB_CASES,
                         ids=[c[0] for c in GLOB_CASES])
def test_psubscribe_glob_patterns(conns, pattern, matching, other):
    sub, pub = conns(), conns()
    assert subscribe(sub, pattern, cmd="PSUBSCRIBE") == [arr("psubscribe", pattern, 1)]
    for ch in other + matching:
        assert pub.call("PUBLISH", ch, "payload:" + ch) == (1 if ch in matching else 0), ch
    assert sync(sub) == [[b"pmessage", pattern.encode(), ch.encode(), b"payload:" + ch.encode()]
                         for ch in matching]


def test_punsubscribe_specific_patterns(conns):
    sub, pub = conns(), conns()
    subscribe(sub, "pu.a*", "pu.b*", cmd="PSUBSCRIBE")
    subscribe(sub, "pu.chan")
    sub.cmd("PUNSUBSCRIBE", "pu.a*", "pu.none*")
    assert [sub.read_raw(), sub.read_raw()] == [arr("punsubscribe", "pu.a*", 2),
                                                arr("punsubscribe", "pu.none*", 2)]
    assert pub.call("PUBLISH", "pu.abc", "m") == 0
    assert pub.call("PUBLISH", "pu.bcd", "m") == 1
    assert sync(sub) == [[b"pmessage", b"pu.b*", b"pu.bcd", b"m"]]
    # PUNSUBSCRIBE with no arguments leaves the channel subscriptions alone.
    sub.cmd("PUNSUBSCRIBE")
    assert sub.read_raw() == arr("punsubscribe", "pu.b*", 1)
    assert pub.call("PUBLISH", "pu.chan", "still") == 1
    assert sync(sub) == [[b"message", b"pu.chan", b"still"]]


def test_disconnect_drops_subscriptions(conns):
    sub, pub = conns(), conns()
    subscribe(sub, "dc.ch")
    subscribe(sub, "dc.*", cmd="PSUBSCRIBE")
    assert pub.call("PUBLISH", "dc.ch", "x") == 2
    sub.close()
    wait_until(lambda: pub.call("PUBLISH", "dc.ch", "y") == 0, 3.0,
               message="the closed subscriber to be dropped")
    assert pub.call("PUBSUB", "NUMSUB", "dc.ch") == [b"dc.ch", 0]


# -- PUBSUB introspection -----------------------------------------------------

def test_pubsub_channels_numsub_numpat(make_server):
    srv = make_server()  # a private server: these counts are global
    with srv.raw() as q, srv.raw() as a, srv.raw() as b:
        assert q.call_raw("PUBSUB", "CHANNELS") == b"*0\r\n"
        assert q.call_raw("PUBSUB", "NUMPAT") == b":0\r\n"
        assert q.call_raw("PUBSUB", "NUMSUB") == b"*0\r\n"
        subscribe(a, "news.tech", "news.art", "weather")
        subscribe(b, "news.tech")
        subscribe(a, "news.*", "w*", cmd="PSUBSCRIBE")
        subscribe(b, "news.*", cmd="PSUBSCRIBE")
        assert sorted(q.call("PUBSUB", "CHANNELS")) == [b"news.art", b"news.tech", b"weather"]
        assert sorted(q.call("PUBSUB", "CHANNELS", "news.*")) == [b"news.art", b"news.tech"]
        assert q.call("PUBSUB", "CHANNELS", "w?ather") == [b"weather"]
        assert q.call_raw("PUBSUB", "CHANNELS", "nothing*") == b"*0\r\n"
        assert q.call_raw("PUBSUB", "NUMSUB", "news.tech", "weather", "nobody") == \
            arr("news.tech", 2, "weather", 1, "nobody", 0)
        # Redis 7.0 counts distinct patterns, not pattern subscriptions.
        assert q.call_raw("PUBSUB", "NUMPAT") == b":2\r\n"
        info = parse_info(q.call("INFO", "stats"))
        assert (info["pubsub_channels"], info["pubsub_patterns"]) == ("3", "2")

        b.cmd("UNSUBSCRIBE", "news.tech")
        b.read()
        assert q.call("PUBSUB", "NUMSUB", "news.tech") == [b"news.tech", 1]
        a.cmd("UNSUBSCRIBE", "news.art")
        a.read()
        assert sorted(q.call("PUBSUB", "CHANNELS")) == [b"news.tech", b"weather"]
        a.cmd("PUNSUBSCRIBE", "news.*")
        a.read()
        assert q.call("PUBSUB", "NUMPAT") == 2  # b still has news.*
        b.cmd("PUNSUBSCRIBE")
        b.read()
        assert q.call("PUBSUB", "NUMPAT") == 1
    with srv.raw() as q:
        wait_until(lambda: q.call("PUBSUB", "NUMPAT") == 0 and q.call("PUBSUB", "CHANNELS") == [],
                   3.0, message="closed subscribers to leave PUBSUB")


def test_pubsub_bad_subcommand(conns):
    c = conns()
    reply = c.call("PUBSUB", "NOSUCH")
    assert isinstance(reply, RespError)
    assert reply.startswith(b"ERR unknown subcommand 'NOSUCH'")
    assert c.call_raw("PUBSUB", "NUMPAT", "x") == \
        b"-ERR wrong number of arguments for 'pubsub|numpat' command\r\n"


# -- the RESP2 subscribed context ---------------------------------------------

@pytest.mark.parametrize("args,name", [
    (("GET", "k"), "get"),
    (("SET", "k", "v"), "set"),
    (("PUBLISH", "c", "m"), "publish"),
    (("MULTI",), "multi"),
    (("SELECT", "1"), "select"),
    (("CLIENT", "ID"), "client|id"),
])
def test_resp2_subscribed_context_rejects_commands(conns, args, name):
    c = conns()
    subscribe(c, "ctx.ch")
    assert c.call_raw(*args) == (CONTEXT_ERR % name).encode()
    # The connection stays subscribed and usable.
    with conns() as pub:
        assert pub.call("PUBLISH", "ctx.ch", "after") == 1
    assert c.read_raw() == arr("message", "ctx.ch", "after")


def test_resp2_subscribed_context_pattern_only(conns):
    c = conns()
    subscribe(c, "ctxp.*", cmd="PSUBSCRIBE")
    assert c.call_raw("GET", "k") == (CONTEXT_ERR % "get").encode()


def test_resp2_subscribed_ping(conns):
    c = conns()
    subscribe(c, "ping.ch")
    assert c.call_raw("PING") == b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"
    assert c.call_raw("PING", "hello") == arr("pong", "hello")


def test_resp2_subscribed_quit(conns):
    c = conns()
    subscribe(c, "quit.ch")
    assert c.call_raw("QUIT") == b"+OK\r\n"
    assert c.is_closed(2.0)


def test_reset_leaves_subscribed_context(conns):
    c, pub = conns(), conns()
    subscribe(c, "reset.ch")
    subscribe(c, "reset.*", cmd="PSUBSCRIBE")
    assert c.call_raw("RESET") == b"+RESET\r\n"
    assert c.call_raw("GET", "reset.ch") == b"$-1\r\n"
    assert c.call_raw("PING") == b"+PONG\r\n"
    assert pub.call("PUBLISH", "reset.ch", "m") == 0
    assert pub.call("PUBSUB", "NUMSUB", "reset.ch") == [b"reset.ch", 0]
    assert c.nothing_received(0.1)


# -- RESP3 push messages ------------------------------------------------------

def test_resp3_push_shapes(conns):
    c, pub = conns(), conns()
    assert isinstance(c.call("HELLO", "3"), dict)
    assert c.call_raw("UNSUBSCRIBE") == push("unsubscribe", None, 0)
    assert c.call_raw("PUNSUBSCRIBE") == push("punsubscribe", None, 0)
    assert c.call_raw("SUBSCRIBE", "r3.ch") == push("subscribe", "r3.ch", 1)
    assert c.call_raw("PSUBSCRIBE", "r3.*") == push("psubscribe", "r3.*", 2)
    assert pub.call("PUBLISH", "r3.ch", "hi") == 2
    msg = c.read_raw()
    assert msg == push("message", "r3.ch", "hi")
    assert isinstance(parse_reply(msg)[0], RespPush)
    assert c.read_raw() == push("pmessage", "r3.*", "r3.ch", "hi")
    # RESP3 has no subscribed context: ordinary commands work while subscribed.
    assert c.call_raw("SET", "r3.key", "v") == b"+OK\r\n"
    assert c.call_raw("GET", "r3.key") == b"$1\r\nv\r\n"
    assert c.call_raw("GET", "r3.missing") == b"_\r\n"
    assert c.call_raw("PING") == b"+PONG\r\n"
    assert c.call_raw("UNSUBSCRIBE", "r3.ch") == push("unsubscribe", "r3.ch", 1)
    assert c.call_raw("PUNSUBSCRIBE", "r3.*") == push("punsubscribe", "r3.*", 0)


def test_resp3_push_interleaves_with_replies(conns):
    c, pub = conns(), conns()
    c.call("HELLO", "3")
    c.call("SUBSCRIBE", "r3i.ch")
    assert pub.call("PUBLISH", "r3i.ch", "between") == 1
    # The push was queued before the GET's reply, so it comes first.
    c.cmd("GET", "r3i.nokey")
    assert c.read_raw() == push("message", "r3i.ch", "between")
    assert c.read_raw() == b"_\r\n"


# -- redis-py PubSub ----------------------------------------------------------

def test_redis_py_get_message(server, r):
    p = r.pubsub()
    try:
        p.subscribe("py123")
        assert p.get_message(timeout=2) == {"type": "subscribe", "pattern": None,
                                            "channel": b"py123", "data": 1}
        assert r.publish("py123", "hahah") == 1
        assert p.get_message(timeout=2) == {"type": "message", "pattern": None,
                                            "channel": b"py123", "data": b"hahah"}
        assert p.get_message(timeout=0.1) is None
        p.unsubscribe("py123")
        assert p.get_message(timeout=2) == {"type": "unsubscribe", "pattern": None,
                                            "channel": b"py123", "data": 0}
    finally:
        p.close()


def test_redis_py_pattern_subscription(server, r):
    p = r.pubsub()
    try:
        p.psubscribe("pyp.news.*")
        assert p.get_message(timeout=2) == {"type": "psubscribe", "pattern": None,
                                            "channel": b"pyp.news.*", "data": 1}
        assert r.publish("pyp.news.tech", "chips") == 1
        assert r.publish("pyp.weather", "rain") == 0
        assert p.get_message(timeout=2) == {"type": "pmessage", "pattern": b"pyp.news.*",
                                            "channel": b"pyp.news.tech", "data": b"chips"}
        assert r.pubsub_numpat() >= 1
        p.punsubscribe()
        assert p.get_message(timeout=2)["type"] == "punsubscribe"
    finally:
        p.close()


def test_redis_py_listen_with_publisher_thread(server, r):
    publisher = server.client()
    p = r.pubsub(ignore_subscribe_messages=True)
    p.subscribe("pyl.a")
    p.psubscribe("pyl.b*")
    wait_until(lambda: publisher.pubsub_numsub("pyl.a") == [(b"pyl.a", 1)], 3.0,
               message="the subscription")

    def publish():
        for i in range(5):
            publisher.publish("pyl.a", "a%d" % i)
            publisher.publish("pyl.bee", "b%d" % i)
        publisher.publish("pyl.a", "stop")

    t = threading.Thread(target=publish)
    t.start()
    got = []
    try:
        for msg in p.listen():
            if msg["type"] in ("subscribe", "psubscribe"):
                continue
            if msg["data"] == b"stop":
                break
            got.append((msg["type"], msg["channel"], msg["data"]))
    finally:
        t.join(5)
        p.close()
    assert got == [x for i in range(5) for x in (("message", b"pyl.a", b"a%d" % i),
                                                 ("pmessage", b"pyl.bee", b"b%d" % i))]


def test_redis_py_handlers_and_run_in_thread(server, r):
    received = []
    done = threading.Event()

    def handler(msg):
        received.append((msg["channel"], msg["data"]))
        if len(received) == 3:
            done.set()

    p = r.pubsub()
    p.subscribe(**{"pyh.ch": handler})
    p.psubscribe(**{"pyh.p*": handler})
    worker = p.run_in_thread(sleep_time=0.01, daemon=True)
    try:
        wait_until(lambda: r.pubsub_numsub("pyh.ch") == [(b"pyh.ch", 1)], 3.0,
                   message="the subscription")
        assert r.publish("pyh.ch", "one") == 1
        assert r.publish("pyh.pat", "two") == 1
        assert r.publish("pyh.ch", "three") == 1
        assert done.wait(3.0)
    finally:
        worker.stop()
        worker.join(3.0)
        p.close()
    assert received == [(b"pyh.ch", b"one"), (b"pyh.pat", b"two"), (b"pyh.ch", b"three")]


def test_redis_py_introspection(server, r):
    p = r.pubsub()
    try:
        p.subscribe("pyi.x", "pyi.y")
        for _ in range(2):
            p.get_message(timeout=2)
        assert set(r.pubsub_channels("pyi.*")) == {b"pyi.x", b"pyi.y"}
        assert r.pubsub_numsub("pyi.x", "pyi.z") == [(b"pyi.x", 1), (b"pyi.z", 0)]
    finally:
        p.close()


# -- redis-cli ----------------------------------------------------------------

def _read_until(fd, needle, deadline):
    out = b""
    while needle not in out:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            break
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO on the pty once the child is gone
            break
        if not data:
            break
        out += data
    return out


def _stop(proc):
    if proc.poll() is None:
        proc.kill()
    proc.wait(5)


def test_seed_subscribe_via_redis_cli_tty(server, r):
    """SPEC §12: `subscribe py123`, another client publishes, as a user sees it in a terminal."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([REDIS_CLI, "-p", str(server.port), "subscribe", "py123"],
                            stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
                            start_new_session=True)
    os.close(slave)
    try:
        deadline = time.monotonic() + 5
        head = _read_until(master, b"(integer) 1\r\n", deadline)
        assert head == (b"Reading messages... (press Ctrl-C to quit)\r\n"
                        b'1) "subscribe"\r\n2) "py123"\r\n3) (integer) 1\r\n')
        assert r.publish("py123", "hahah") == 1
        tail = _read_until(master, b'3) "hahah"\r\n', time.monotonic() + 5)
        assert tail == b'1) "message"\r\n2) "py123"\r\n3) "hahah"\r\n'
    finally:
        _stop(proc)
        os.close(master)


def test_subscribe_via_redis_cli_pipe(server, r):
    """stdout a pipe: redis-cli prints raw lines and flushes each message."""
    proc = subprocess.Popen([REDIS_CLI, "-p", str(server.port), "subscribe", "clipipe"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        fd = proc.stdout.fileno()
        head = _read_until(fd, b"clipipe\n1\n", time.monotonic() + 5)
        assert head == b"subscribe\nclipipe\n1\n"
        assert r.publish("clipipe", "hahah") == 1
        assert _read_until(fd, b"hahah\n", time.monotonic() + 5) == b"message\nclipipe\nhahah\n"
    finally:
        _stop(proc)
        proc.stdout.close()


def test_psubscribe_via_redis_cli_pipe(server, r):
    proc = subprocess.Popen([REDIS_CLI, "-p", str(server.port), "psubscribe", "clip.*"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        fd = proc.stdout.fileno()
        assert _read_until(fd, b"clip.*\n1\n", time.monotonic() + 5) == \
            b"psubscribe\nclip.*\n1\n"
        assert r.publish("clip.x", "hey") == 1
        assert _read_until(fd, b"hey\n", time.monotonic() + 5) == \
            b"pmessage\nclip.*\nclip.x\nhey\n"
    finally:
        _stop(proc)
        proc.stdout.close()


# -- many subscribers ---------------------------------------------------------

class Pinger(threading.Thread):
    """PINGs the server from its own connection every 20 ms; records the worst round trip."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.stop_event = threading.Event()
        self.worst = 0.0
        self.count = 0
        self.error = None

    def run(self):
        try:
            while not self.stop_event.is_set():
                t0 = time.monotonic()
                self.sock.sendall(b"PING\r\n")
                got = b""
                while not got.endswith(b"\r\n"):
                    data = self.sock.recv(64)
                    if not data:
                        raise ConnectionError("server closed the PING connection")
                    got += data
                assert got == b"+PONG\r\n", got
                self.worst = max(self.worst, time.monotonic() - t0)
                self.count += 1
                self.stop_event.wait(0.02)
        except Exception as e:  # reported by finish()
            self.error = e

    def finish(self):
        self.stop_event.set()
        self.join(10)
        self.sock.close()
        assert self.error is None, self.error
        assert self.count > 0
        return self.worst


def _recv_exact(sock, n, deadline):
    buf = b""
    while len(buf) < n:
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        data = sock.recv(n - len(buf))
        if not data:
            raise ConnectionError("closed after %r" % buf)
        buf += data
    return buf


def test_thousand_subscribers_one_channel(make_server):
    n = 1000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 4096 if hard == resource.RLIM_INFINITY else min(hard, 4096)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if want < n + 100:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} too low for {n} subscribers")
    srv = make_server("--maxclients", "2000")
    pinger = Pinger(srv.port)
    pinger.start()
    subs = []
    try:
        confirm = arr("subscribe", "fanout", 1)
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            subs.append(s)
            s.sendall(encode_command("SUBSCRIBE", "fanout"))
        deadline = time.monotonic() + 20
        for s in subs:
            assert _recv_exact(s, len(confirm), deadline) == confirm
        with srv.raw() as pub:
            assert pub.call("PUBSUB", "NUMSUB", "fanout") == [b"fanout", n]
            assert pub.call_raw("PUBLISH", "fanout", "to-everyone") == b":1000\r\n"
            expected = arr("message", "fanout", "to-everyone")
            deadline = time.monotonic() + 20
            for s in subs:
                assert _recv_exact(s, len(expected), deadline) == expected
            # A second round, pipelined, with a larger payload.
            payload = b"p" * 4000
            pub.send(encode_command("PUBLISH", "fanout", payload) * 3)
            assert [pub.read() for _ in range(3)] == [n] * 3
            expected = arr("message", "fanout", payload) * 3
            for s in subs:
                assert _recv_exact(s, len(expected), deadline) == expected
        worst = pinger.finish()
        assert worst < 1.0, f"a PING took {worst:.3f} s while serving {n} subscribers"
        assert srv.alive()
    finally:
        pinger.stop_event.set()
        for s in subs:
            s.close()


# -- slow subscribers and client-output-buffer-limit --------------------------

def _slow_subscriber(port, channel):
    """A subscriber with a tiny receive buffer that reads its confirmation and then nothing."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    s.sendall(encode_command("CLIENT", "ID"))
    line = _recv_exact(s, 1, time.monotonic() + 5)
    while not line.endswith(b"\r\n"):
        line += _recv_exact(s, 1, time.monotonic() + 5)
    client_id = int(line[1:-2])
    confirm = arr("subscribe", channel, 1)
    s.sendall(encode_command("SUBSCRIBE", channel))
    assert _recv_exact(s, len(confirm), time.monotonic() + 5) == confirm
    return s, client_id


def _good_subscriber(srv, channel):
    """A well-behaved subscriber.  The tests read each message from it right after the PUBLISH
    that sent it, so its server-side output buffer never holds more than one message: only
    the slow subscriber can reach the limits, however loaded the machine is."""
    conn = srv.raw(timeout=10)
    conn.cmd("SUBSCRIBE", channel)
    assert conn.read() == [b"subscribe", channel.encode(), 1]
    return conn


def _client_ids(conn):
    lines = conn.call("CLIENT", "LIST").decode().splitlines()
    return {int(line.split(" ", 1)[0][len("id="):]) for line in lines}


def _omem(conn, client_id):
    line = conn.call("CLIENT", "LIST", "ID", client_id).decode().strip()
    if not line:
        return None
    return int(dict(kv.split("=", 1) for kv in line.split(" "))["omem"])


def _obl_disconnections(conn):
    return parse_info(conn.call("INFO", "stats")).get("client_output_buffer_limit_disconnections")


def test_slow_subscriber_hits_hard_limit(make_server):
    srv = make_server()
    with srv.raw() as pub:
        assert pub.call("CONFIG", "SET", "client-output-buffer-limit",
                        "pubsub 1mb 256kb 1") == b"OK"
        # Each PUBLISH is followed, in the same write, by a 3 ms DEBUG SLEEP (standing in for
        # other clients' work in the same event-loop turn) and hz is 500: the server's cron is
        # then due in the very turn where the slow client is marked for closing, before it is
        # freed.  The disconnection must still be counted (and logged) exactly once.
        assert pub.call("CONFIG", "SET", "hz", "500") == b"OK"
        before = _obl_disconnections(pub)
        slow, slow_id = _slow_subscriber(srv.port, "flood")
        good = _good_subscriber(srv, "flood")
        pinger = Pinger(srv.port)
        pinger.start()
        try:
            payload = b"x" * (128 * 1024)
            counts = []
            for i in range(96):  # 12 MB: far beyond the kernel's socket buffers + 1 MB
                data = b"%04d" % i + payload
                pub.send(encode_command("PUBLISH", "flood", data) +
                         encode_command("DEBUG", "SLEEP", "0.003"))
                counts.append(pub.read())
                assert pub.read() == b"OK"
                # The other subscriber gets every message, intact and in order.
                assert good.read_raw(timeout=10) == arr("message", "flood", data), i
            # Two receivers at first, one once the slow subscriber was cut off.
            assert counts[0] == 2 and counts[-1] == 1, counts
            assert counts == sorted(counts, reverse=True), counts
            assert slow_id not in _client_ids(pub)
            # Whatever the kernel had buffered, the connection ends in EOF.
            slow.settimeout(5)
            while True:
                data = slow.recv(1 << 20)
                if not data:
                    break
            if before is not None:
                assert int(_obl_disconnections(pub)) == int(before) + 1
            assert srv.log().count("overcoming of output buffer limits") == 1
            worst = pinger.finish()
            assert worst < 1.0, f"a PING took {worst:.3f} s during the flood"
        finally:
            pinger.stop_event.set()
            slow.close()
            good.close()


def test_slow_subscriber_soft_limit_needs_the_soft_period(make_server):
    srv = make_server()
    with srv.raw() as pub:
        # No hard limit: only the soft limit (256 KB for more than 1 s) can disconnect.
        assert pub.call("CONFIG", "SET", "client-output-buffer-limit",
                        "pubsub 0 256kb 1") == b"OK"
        before = _obl_disconnections(pub)
        slow, slow_id = _slow_subscriber(srv.port, "soft")
        good = _good_subscriber(srv, "soft")

        def publish(data):
            receivers = pub.call("PUBLISH", "soft", data)
            assert good.read_raw(timeout=10) == arr("message", "soft", data)
            return receivers

        try:
            payload = b"s" * (32 * 1024)
            t_over = None
            for i in range(400):  # up to 12.8 MB until the server-side buffer passes 256 KB
                assert publish(b"%04d" % i + payload) == 2
                omem = _omem(pub, slow_id)
                assert omem is not None, "disconnected before the soft period elapsed"
                if omem > 300 * 1024:
                    t_over = time.monotonic()
                    break
            assert t_over is not None, "the slow subscriber's output buffer never grew"
            # Over the soft limit but within the period: still connected.
            assert slow_id in _client_ids(pub)
            # Keep adding small messages (each addition re-checks the limit) until it is cut off.
            t_gone = None
            deadline = t_over + 6
            n = 0
            while time.monotonic() < deadline:
                n += 1
                if publish(b"tick%d" % n) == 1:
                    t_gone = time.monotonic()
                    break
                time.sleep(0.05)
            assert t_gone is not None, "the soft limit never disconnected the slow subscriber"
            assert t_gone - t_over >= 0.8, "disconnected before the 1 s soft period"
            assert publish(b"END") == 1
            wait_until(lambda: slow_id not in _client_ids(pub), 3.0, message="slow client gone")
            if before is not None:
                assert int(_obl_disconnections(pub)) == int(before) + 1
        finally:
            slow.close()
            good.close()
