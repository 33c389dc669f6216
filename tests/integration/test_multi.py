"""Transactions (SPEC §6, issue 4 items 4 and 5): MULTI, EXEC, DISCARD, WATCH, UNWATCH.

Exact reply bytes over raw sockets, then redis-py pipelines with transaction=True and a
watch() optimistic-locking retry loop with racing threads.  Every test also passes against
Debian's redis-server 7.0 (FERRITE_SERVER=/usr/bin/redis-server).
"""

import threading
import time

import pytest
import redis

from conftest import encode_command

EXECABORT = b"-EXECABORT Transaction discarded because of previous errors.\r\n"
NOT_INT = b"-ERR value is not an integer or out of range\r\n"


def queue(conn, *commands):
    """Send MULTI + commands; assert +OK and one +QUEUED per command."""
    assert conn.call_raw("MULTI") == b"+OK\r\n"
    for cmd in commands:
        assert conn.call_raw(*cmd) == b"+QUEUED\r\n", cmd


@pytest.fixture
def other(server):
    """A second raw connection (the "other client" that touches watched keys)."""
    c = server.raw()
    yield c
    c.close()


# -- MULTI / EXEC / DISCARD ---------------------------------------------------

def test_multi_exec_reply_bytes(raw):
    assert raw.call_raw("MULTI") == b"+OK\r\n"
    assert raw.call_raw("SET", "k", "1") == b"+QUEUED\r\n"
    assert raw.call_raw("INCR", "k") == b"+QUEUED\r\n"
    assert raw.call_raw("GET", "k") == b"+QUEUED\r\n"
    assert raw.call_raw("GET", "missing") == b"+QUEUED\r\n"
    assert raw.call_raw("PING") == b"+QUEUED\r\n"
    assert raw.call_raw("EXEC") == b"*5\r\n+OK\r\n:2\r\n$1\r\n2\r\n$-1\r\n+PONG\r\n"
    # Out of the transaction again.
    assert raw.call_raw("GET", "k") == b"$1\r\n2\r\n"


def test_exec_empty_transaction(raw):
    assert raw.call_raw("MULTI") == b"+OK\r\n"
    assert raw.call_raw("EXEC") == b"*0\r\n"


def test_queued_commands_run_only_at_exec(raw, other):
    queue(raw, ("SET", "k", "v"), ("INCR", "n"))
    assert other.call_raw("GET", "k") == b"$-1\r\n"
    assert other.call_raw("EXISTS", "n") == b":0\r\n"
    assert raw.call_raw("EXEC") == b"*2\r\n+OK\r\n:1\r\n"
    assert other.call_raw("GET", "k") == b"$1\r\nv\r\n"


def test_exec_is_atomic_against_other_clients(server, raw):
    """Commands of other clients never interleave with an executing transaction."""
    queue(raw, *[("INCR", "ctr")] * 500, ("GET", "ctr"))
    with server.raw() as o:
        o.send(b"".join(encode_command("INCR", "ctr") for _ in range(200)))
        raw.cmd("EXEC")
        seen = [o.read() for _ in range(200)]
        result = raw.read()
    mine = result[:500]
    # The transaction's 500 increments are consecutive values.
    assert mine == list(range(mine[0], mine[0] + 500))
    assert result[500] == str(mine[-1]).encode()
    assert sorted(seen + mine) == list(range(1, 701))


@pytest.mark.parametrize("bad,error", [
    (("NOSUCHCMD", "k"), b"-ERR unknown command 'NOSUCHCMD', with args beginning with: 'k' \r\n"),
    (("GET",), b"-ERR wrong number of arguments for 'get' command\r\n"),
    (("SET", "k"), b"-ERR wrong number of arguments for 'set' command\r\n"),
    (("CONFIG", "NOSUCHSUB"), None),  # unknown subcommand: also rejected while queuing
], ids=["unknown-command", "arity-get", "arity-set", "unknown-subcommand"])
def test_queuing_error_aborts_exec(raw, bad, error):
    queue(raw, ("SET", "before", "1"))
    reply = raw.call_raw(*bad)
    if error is None:
        assert reply.startswith(b"-ERR unknown subcommand 'NOSUCHSUB'"), reply
    else:
        assert reply == error
    assert raw.call_raw("SET", "after", "1") == b"+QUEUED\r\n"
    assert raw.call_raw("EXEC") == EXECABORT
    # Nothing ran, and the transaction is over.
    assert raw.call_raw("EXISTS", "before", "after") == b":0\r\n"
    assert raw.call_raw("EXEC") == b"-ERR EXEC without MULTI\r\n"


def test_execabort_in_resp3(raw):
    raw.call("HELLO", "3")
    queue(raw, ("SET", "k", "v"))
    raw.call_raw("NOSUCHCMD")
    assert raw.call_raw("EXEC") == EXECABORT


def test_runtime_errors_are_returned_per_command(raw):
    raw.call("SET", "s", "not-a-number")
    queue(raw, ("INCR", "s"), ("SET", "t", "1"), ("INCR", "t"), ("INCRBY", "s", "2"),
          ("APPEND", "s", "!"))
    assert raw.call_raw("EXEC") == (b"*5\r\n" + NOT_INT + b"+OK\r\n:2\r\n" + NOT_INT +
                                    b":13\r\n")
    assert raw.call("GET", "s") == b"not-a-number!"
    assert raw.call("GET", "t") == b"2"


def test_option_syntax_error_is_a_runtime_error(raw):
    """SET's option syntax is only checked when the command runs, as in Redis."""
    queue(raw, ("SET", "k", "v", "XX", "NX"), ("SET", "j", "w"))
    assert raw.call_raw("EXEC") == b"*2\r\n-ERR syntax error\r\n+OK\r\n"
    assert raw.call("GET", "j") == b"w"


def test_discard(raw, other):
    queue(raw, ("SET", "k", "v"), ("INCR", "n"))
    assert raw.call_raw("DISCARD") == b"+OK\r\n"
    assert other.call_raw("EXISTS", "k", "n") == b":0\r\n"
    assert raw.call_raw("EXEC") == b"-ERR EXEC without MULTI\r\n"
    assert raw.call_raw("GET", "k") == b"$-1\r\n"


def test_discard_after_queuing_error(raw):
    queue(raw, ("SET", "k", "v"))
    raw.call("NOSUCHCMD")
    assert raw.call_raw("DISCARD") == b"+OK\r\n"
    assert raw.call_raw("MULTI") == b"+OK\r\n"
    assert raw.call_raw("SET", "k", "w") == b"+QUEUED\r\n"
    assert raw.call_raw("EXEC") == b"*1\r\n+OK\r\n"


def test_nested_multi_is_an_error_that_keeps_the_transaction(raw):
    queue(raw, ("SET", "k", "v"))
    assert raw.call_raw("MULTI") == b"-ERR MULTI calls can not be nested\r\n"
    assert raw.call_raw("INCR", "n") == b"+QUEUED\r\n"
    assert raw.call_raw("EXEC") == b"*2\r\n+OK\r\n:1\r\n"


def test_exec_and_discard_without_multi(raw):
    assert raw.call_raw("EXEC") == b"-ERR EXEC without MULTI\r\n"
    assert raw.call_raw("DISCARD") == b"-ERR DISCARD without MULTI\r\n"


def test_select_inside_multi_sticks(raw, other):
    queue(raw, ("SELECT", "3"), ("SET", "in3", "v"))
    assert raw.call_raw("EXEC") == b"*2\r\n+OK\r\n+OK\r\n"
    assert raw.call_raw("GET", "in3") == b"$1\r\nv\r\n"  # still on db 3
    other.call("SELECT", "3")
    assert other.call("GET", "in3") == b"v"


def test_exec_result_in_resp3(raw):
    raw.call("HELLO", "3")
    queue(raw, ("SET", "k", "v"), ("GET", "nope"), ("INCR", "n"))
    assert raw.call_raw("EXEC") == b"*3\r\n+OK\r\n_\r\n:1\r\n"


# -- WATCH / UNWATCH ----------------------------------------------------------

def watched_exec(conn, *keys):
    """WATCH keys already done by the caller; run a small transaction and return EXEC's bytes."""
    queue(conn, ("SET", "tx-ran", "1"), ("GET", keys[0] if keys else "k"))
    return conn.call_raw("EXEC")


def test_watch_untouched_key_executes(raw, other):
    raw.call("SET", "k", "v")
    assert raw.call_raw("WATCH", "k") == b"+OK\r\n"
    other.call("GET", "k")           # reads do not touch
    other.call("SET", "unrelated", "x")
    queue(raw, ("GET", "k"))
    assert raw.call_raw("EXEC") == b"*1\r\n$1\r\nv\r\n"


@pytest.mark.parametrize("touch", [
    ("SET", "k", "new"),
    ("SET", "k", "v"),               # same value: still a write
    ("DEL", "k"),
    ("APPEND", "k", "x"),
    ("EXPIRE", "k", "100"),
    ("RENAME", "k", "k2"),
    ("GETDEL", "k"),
    ("SETRANGE", "k", "0", "x"),
    ("MSET", "a", "1", "k", "2"),
])
def test_watch_other_client_write_aborts(raw, other, touch):
    raw.call("SET", "k", "v")
    assert raw.call_raw("WATCH", "k") == b"+OK\r\n"
    other.call(*touch)
    assert watched_exec(raw, "k") == b"*-1\r\n"
    assert raw.call_raw("EXISTS", "tx-ran") == b":0\r\n"


def test_watch_missing_key_created_by_other_aborts(raw, other):
    raw.call("WATCH", "k")
    other.call("SET", "k", "1")
    assert watched_exec(raw, "k") == b"*-1\r\n"


def test_watch_missing_key_del_by_other_does_not_abort(raw, other):
    raw.call("WATCH", "k")
    assert other.call("DEL", "k") == 0
    assert watched_exec(raw, "k") == b"*2\r\n+OK\r\n$-1\r\n"


def test_watch_own_write_aborts(raw):
    raw.call("SET", "k", "v")
    raw.call("WATCH", "k")
    raw.call("SET", "k", "w")
    assert watched_exec(raw, "k") == b"*-1\r\n"


def test_watch_one_of_several_keys(raw, other):
    raw.call("WATCH", "a", "b", "c")
    other.call("SET", "b", "1")
    assert watched_exec(raw, "a") == b"*-1\r\n"


def test_watch_is_per_database(raw, other):
    raw.call("WATCH", "k")
    other.call("SELECT", "1")
    other.call("SET", "k", "in-db-1")
    assert watched_exec(raw, "k") == b"*2\r\n+OK\r\n$-1\r\n"


def test_watch_null_reply_in_resp3(raw, other):
    raw.call("HELLO", "3")
    raw.call("WATCH", "k")
    other.call("SET", "k", "1")
    queue(raw, ("GET", "k"))
    assert raw.call_raw("EXEC") == b"_\r\n"


def test_watch_key_expiring_aborts(raw):
    assert raw.call("SET", "k", "v", "PX", "50") == b"OK"
    raw.call("WATCH", "k")
    time.sleep(0.15)
    assert watched_exec(raw, "k") == b"*-1\r\n"


def test_watch_key_already_expired_does_not_abort(raw):
    """Redis 7.0: a key that was already logically expired when WATCHed is not 'touched' by
    its deletion."""
    raw.call("SET", "k", "v", "PX", "10")
    time.sleep(0.05)
    raw.call("WATCH", "k")
    assert watched_exec(raw, "k") == b"*2\r\n+OK\r\n$-1\r\n"


@pytest.mark.parametrize("flush", [("FLUSHDB",), ("FLUSHALL",), ("FLUSHDB", "ASYNC")])
def test_watch_flush_aborts(raw, other, flush):
    raw.call("SET", "k", "v")
    raw.call("WATCH", "k")
    assert other.call(*flush) == b"OK"
    assert watched_exec(raw, "k") == b"*-1\r\n"


@pytest.mark.parametrize("flush", ["FLUSHDB", "FLUSHALL"])
def test_watch_flush_of_missing_key_does_not_abort(raw, other, flush):
    other.call("SET", "elsewhere", "1")
    raw.call("WATCH", "k")
    other.call(flush)
    assert watched_exec(raw, "k") == b"*2\r\n+OK\r\n$-1\r\n"


def test_watch_flushdb_of_other_db_does_not_abort(raw, other):
    raw.call("SET", "k", "v")
    raw.call("WATCH", "k")
    other.call("SELECT", "1")
    other.call("SET", "k", "x")
    other.call("FLUSHDB")
    assert watched_exec(raw, "k") == b"*2\r\n+OK\r\n$1\r\nv\r\n"


def test_watch_swapdb_key_in_watched_db_aborts(raw, other):
    raw.call("SET", "k", "v")
    raw.call("WATCH", "k")
    assert other.call("SWAPDB", "0", "1") == b"OK"
    assert watched_exec(raw, "k") == b"*-1\r\n"


def test_watch_swapdb_key_arriving_from_other_db_aborts(raw, other):
    other.call("SELECT", "1")
    other.call("SET", "k", "from-db-1")
    raw.call("WATCH", "k")
    assert other.call("SWAPDB", "1", "0") == b"OK"
    assert watched_exec(raw, "k") == b"*-1\r\n"


def test_watch_swapdb_key_in_neither_db_does_not_abort(raw, other):
    other.call("SELECT", "1")
    other.call("SET", "other", "x")
    raw.call("WATCH", "k")
    other.call("SWAPDB", "0", "1")
    assert watched_exec(raw, "k") == b"*2\r\n+OK\r\n$-1\r\n"


def test_watch_swapdb_of_unrelated_dbs_does_not_abort(raw, other):
    raw.call("SET", "k", "v")
    raw.call("WATCH", "k")
    other.call("SELECT", "2")
    other.call("SET", "k", "x")
    other.call("SWAPDB", "2", "3")
    assert watched_exec(raw, "k") == b"*2\r\n+OK\r\n$1\r\nv\r\n"


def test_unwatch(raw, other):
    raw.call("WATCH", "k")
    assert raw.call_raw("UNWATCH") == b"+OK\r\n"
    other.call("SET", "k", "z")
    assert watched_exec(raw, "k") == b"*2\r\n+OK\r\n$1\r\nz\r\n"
    assert raw.call_raw("UNWATCH") == b"+OK\r\n"  # without WATCH: still OK


def test_exec_and_discard_forget_watched_keys(raw, other):
    raw.call("WATCH", "k")
    other.call("SET", "k", "1")
    assert watched_exec(raw, "k") == b"*-1\r\n"
    other.call("SET", "k", "2")   # no longer watched: the next transaction runs
    assert watched_exec(raw, "k") == b"*2\r\n+OK\r\n$1\r\n2\r\n"

    raw.call("WATCH", "k")
    queue(raw, ("GET", "k"))
    assert raw.call_raw("DISCARD") == b"+OK\r\n"
    other.call("SET", "k", "3")
    assert watched_exec(raw, "k") == b"*2\r\n+OK\r\n$1\r\n3\r\n"


def test_watch_inside_multi_is_an_error(raw, other):
    queue(raw, ("SET", "k", "v"))
    assert raw.call_raw("WATCH", "x") == b"-ERR WATCH inside MULTI is not allowed\r\n"
    # Not a queuing error: the transaction still runs, and x is not watched.
    other.call("SET", "x", "1")
    assert raw.call_raw("EXEC") == b"*1\r\n+OK\r\n"


def test_watch_arity(raw):
    assert raw.call_raw("WATCH") == b"-ERR wrong number of arguments for 'watch' command\r\n"


def test_blocking_command_inside_multi_does_not_block(raw):
    queue(raw, ("BLPOP", "emptylist", "0"), ("SET", "k", "v"))
    assert raw.call_raw("EXEC", timeout=2) == b"*2\r\n*-1\r\n+OK\r\n"


# -- redis-py -----------------------------------------------------------------

def test_redis_py_transaction_pipeline(r):
    with r.pipeline(transaction=True) as pipe:
        pipe.set("t10", "abc").set("t11", "hello").incr("n").get("t10")
        assert pipe.execute() == [True, True, 1, b"abc"]
    assert r.get("t10") == b"abc"
    assert r.get("t11") == b"hello"


def test_redis_py_transaction_runtime_error(r):
    r.set("s", "abc")
    with r.pipeline(transaction=True) as pipe:
        pipe.incr("s").set("after", "1")
        with pytest.raises(redis.ResponseError, match="not an integer"):
            pipe.execute()
    assert r.get("after") == b"1"  # the rest of the transaction ran
    with r.pipeline(transaction=True) as pipe:
        pipe.incr("s").set("after", "2")
        res = pipe.execute(raise_on_error=False)
    assert isinstance(res[0], redis.ResponseError) and res[1] is True


def test_redis_py_transaction_queuing_error(r):
    with r.pipeline(transaction=True) as pipe:
        pipe.set("k", "v")
        pipe.execute_command("NOSUCHCMD", "x")
        with pytest.raises(redis.ResponseError) as exc:
            pipe.execute()
    assert "EXECABORT" in str(exc.value) or "unknown command" in str(exc.value)
    assert r.exists("k") == 0


def test_redis_py_watch_error(server, r):
    other = server.client()
    r.set("k", "1")
    with r.pipeline() as pipe:
        pipe.watch("k")
        assert pipe.get("k") == b"1"     # immediate mode after watch()
        other.set("k", "changed")
        pipe.multi()
        pipe.set("k", "2")
        with pytest.raises(redis.WatchError):
            pipe.execute()
    assert r.get("k") == b"changed"


def test_redis_py_watch_retry_loop_with_racing_threads(server, r):
    """Classic optimistic locking: GET, compute, MULTI/SET/EXEC, retry on WatchError."""
    threads, per_thread = 6, 40
    r.set("counter", 0)
    retries = []
    errors = []

    def worker():
        c = server.client()
        mine = 0
        try:
            for _ in range(per_thread):
                while True:
                    with c.pipeline() as pipe:
                        try:
                            pipe.watch("counter")
                            value = int(pipe.get("counter"))
                            time.sleep(0)  # widen the race window
                            pipe.multi()
                            pipe.set("counter", value + 1)
                            pipe.execute()
                            break
                        except redis.WatchError:
                            mine += 1
        except Exception as e:
            errors.append(e)
        finally:
            retries.append(mine)
            c.close()

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(30)
    assert not any(t.is_alive() for t in ts)
    assert errors == []
    assert int(r.get("counter")) == threads * per_thread
    # The race really happened (otherwise this test proves nothing about WATCH).
    assert sum(retries) > 0


def test_redis_py_transaction_helper(server, r):
    r.set("balance", 100)

    def withdraw(pipe):
        balance = int(pipe.get("balance"))
        pipe.multi()
        pipe.set("balance", balance - 30)
        pipe.incr("withdrawals")

    results = [r.transaction(withdraw, "balance") for _ in range(3)]
    assert results == [[True, 1], [True, 2], [True, 3]]
    assert r.get("balance") == b"10"


def test_wrongtype_inside_exec_is_per_command(raw):
    raw.call("RPUSH", "list", "a")
    queue(raw, ("INCR", "list"), ("SET", "x", "1"), ("GET", "list"), ("RPUSH", "list", "b"))
    wrongtype = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
    assert raw.call_raw("EXEC") == b"*4\r\n" + wrongtype + b"+OK\r\n" + wrongtype + b":2\r\n"
