"""Expiry: lazy deletion on access, the active cycle, millisecond precision."""

import time

import pytest

from conftest import wait_until


@pytest.fixture
def no_active_expire(server, r):
    assert r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"OK"
    yield r
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def expired_keys(server):
    return int(server.info("stats")["expired_keys"])


def test_lazy_expiry_on_access(server, no_active_expire):
    r = no_active_expire
    before = expired_keys(server)
    with r.pipeline(transaction=False) as p:
        for i in range(50):
            p.set(f"k{i}", "v", px=30)
        p.execute()
    time.sleep(0.1)
    # Nothing touched them and the active cycle is off: still counted.
    assert r.dbsize() == 50
    assert expired_keys(server) == before
    assert r.get("k0") is None
    assert r.exists("k1") == 0
    assert r.ttl("k2") == -2
    assert r.mget("k3", "k4") == [None, None]
    assert r.dbsize() == 45
    assert expired_keys(server) == before + 5


def test_expired_keys_invisible_to_iteration(server, no_active_expire):
    r = no_active_expire
    r.set("live", 1)
    for i in range(20):
        r.set(f"dead{i}", 1, px=10)
    time.sleep(0.05)
    assert r.keys("*") == [b"live"]
    assert r.scan(0, count=1000)[1] == [b"live"]


def test_active_expiry_removes_untouched_keys(server, r):
    before = expired_keys(server)
    with r.pipeline(transaction=False) as p:
        for i in range(2000):
            p.set(f"key:{i}", "value", px=100)
        p.execute()
    r.set("persistent", 1)
    assert r.dbsize() == 2001
    start = time.monotonic()
    wait_until(lambda: r.dbsize() == 1, timeout=3.0, message="DBSIZE to drop to 1")
    assert time.monotonic() - start < 2.5
    assert server.info("keyspace")["db0"] == "keys=1,expires=0,avg_ttl=0"
    assert expired_keys(server) - before == 2000


def test_active_expiry_in_every_database(server, r):
    db7 = server.client(db=7)
    with db7.pipeline(transaction=False) as p:
        for i in range(200):
            p.set(f"key:{i}", "value", px=50)
        p.execute()
    wait_until(lambda: db7.dbsize() == 0, timeout=3.0, message="db7 to empty")
    assert "db7" not in server.info("keyspace")


def test_set_active_expire_toggle(server, no_active_expire):
    r = no_active_expire
    for i in range(100):
        r.set(f"k{i}", 1, px=20)
    time.sleep(0.3)  # three timer periods at hz 10: nothing may happen
    assert r.dbsize() == 100
    assert r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1") == b"OK"
    wait_until(lambda: r.dbsize() == 0, timeout=3.0, message="active expiry after re-enabling")


def test_key_expires_on_time(r):
    start = time.monotonic()
    r.set("k", "v", px=500)
    assert r.get("k") == b"v"
    wait_until(lambda: r.get("k") is None, timeout=2.0, message="key to expire")
    assert time.monotonic() - start >= 0.45


def test_pttl_counts_down_in_milliseconds(r):
    r.set("k", "v", px=10000)
    first = r.pttl("k")
    time.sleep(0.2)
    second = r.pttl("k")
    assert 9800 <= first <= 10000
    assert 150 <= first - second <= 1000


def test_ttl_rounds_to_nearest_second(r):
    r.set("up", "v", px=1700)
    r.set("down", "v", px=1300)
    assert r.ttl("up") == 2
    assert r.ttl("down") == 1


def test_expire_updates_keyspace_expires_count(server, r):
    r.mset({"a": 1, "b": 2, "c": 3})
    r.expire("a", 100)
    r.pexpire("b", 100000)
    assert server.info("keyspace")["db0"].startswith("keys=3,expires=2,")
    r.persist("a")
    assert server.info("keyspace")["db0"].startswith("keys=3,expires=1,")
    r.set("b", "overwritten")
    assert server.info("keyspace")["db0"].startswith("keys=3,expires=0,")
