"""Server commands: PING ECHO TIME INFO CONFIG COMMAND SLOWLOG MEMORY DEBUG SHUTDOWN,
and the generic error replies."""

import re
import subprocess
import time

import pytest

from conftest import SERVER_BIN, free_port, parse_info, wait_until


def test_ping_echo(raw):
    assert raw.call_raw("PING") == b"+PONG\r\n"
    assert raw.call_raw("PING", "hello world") == b"$11\r\nhello world\r\n"
    assert raw.call_raw("ECHO", "") == b"$0\r\n\r\n"
    assert raw.call_raw("ECHO", b"bin\x00\r\n") == b"$6\r\nbin\x00\r\n\r\n"
    assert raw.call_raw("ping") == b"+PONG\r\n"
    assert raw.call_raw("PING", "a", "b") == \
        b"-ERR wrong number of arguments for 'ping' command\r\n"
    assert raw.call_raw("ECHO") == b"-ERR wrong number of arguments for 'echo' command\r\n"


def test_time(raw):
    before = time.time()
    secs, usecs = raw.call("TIME")
    after = time.time()
    assert secs.isdigit() and usecs.isdigit()
    assert 0 <= int(usecs) < 1_000_000
    assert before - 1 <= int(secs) + int(usecs) / 1e6 <= after + 1


# -- generic errors -----------------------------------------------------------

@pytest.mark.parametrize("args,reply", [
    (["foo", "a", "b"], b"-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n"),
    (["FOO"], b"-ERR unknown command 'FOO', with args beginning with: \r\n"),
    (["foo", "x" * 200, "y"],
     b"-ERR unknown command 'foo', with args beginning with: '" + b"x" * 128 + b"' \r\n"),
    (["x" * 200], b"-ERR unknown command '" + b"x" * 128 + b"', with args beginning with: \r\n"),
    (["get"], b"-ERR wrong number of arguments for 'get' command\r\n"),
    (["GET", "a", "b"], b"-ERR wrong number of arguments for 'get' command\r\n"),
    (["CONFIG", "GET"], b"-ERR wrong number of arguments for 'config|get' command\r\n"),
    (["CONFIG"], b"-ERR wrong number of arguments for 'config' command\r\n"),
])
def test_error_replies(raw, args, reply):
    assert raw.call_raw(*args) == reply
    assert raw.call_raw("PING") == b"+PONG\r\n"  # the connection stays usable


def test_unknown_command_counts_in_errorstats(server, raw):
    raw.call("CONFIG", "RESETSTAT")
    raw.call("foo")
    raw.call("GET")
    assert server.info("errorstats")["errorstat_ERR"] == "count=2"


# -- INFO ---------------------------------------------------------------------

REQUIRED_FIELDS = {
    "server": ["redis_version", "redis_mode", "os", "arch_bits", "multiplexing_api",
               "process_id", "run_id", "tcp_port", "uptime_in_seconds", "uptime_in_days",
               "hz", "configured_hz", "executable", "config_file"],
    "clients": ["connected_clients", "maxclients", "blocked_clients"],
    "memory": ["used_memory", "used_memory_human", "used_memory_rss", "used_memory_peak",
               "maxmemory", "maxmemory_human", "maxmemory_policy", "mem_fragmentation_ratio"],
    "persistence": ["loading", "rdb_changes_since_last_save", "rdb_bgsave_in_progress",
                    "rdb_last_save_time", "rdb_last_bgsave_status", "aof_enabled",
                    "aof_rewrite_in_progress"],
    "stats": ["total_connections_received", "total_commands_processed",
              "instantaneous_ops_per_sec", "total_net_input_bytes", "total_net_output_bytes",
              "rejected_connections", "expired_keys", "evicted_keys", "keyspace_hits",
              "keyspace_misses", "total_error_replies"],
    "replication": ["role", "connected_slaves", "master_replid", "master_repl_offset"],
    "cpu": ["used_cpu_sys", "used_cpu_user"],
}


@pytest.mark.parametrize("section", sorted(REQUIRED_FIELDS))
def test_info_section_fields(server, section):
    text = server.info_text(section)
    assert text.startswith("# " + ("CPU" if section == "cpu" else section.capitalize()) + "\r\n")
    assert text.endswith("\r\n")
    fields = parse_info(text)
    missing = [f for f in REQUIRED_FIELDS[section] if f not in fields]
    assert not missing


def test_info_default_sections(server):
    headers = re.findall(r"^# (\w+)\r$", server.info_text(), re.M)
    for h in ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU",
              "Keyspace"]:
        assert h in headers
    assert "Commandstats" not in headers
    assert len(headers) == len(set(headers))


@pytest.mark.parametrize("arg", ["all", "everything"])
def test_info_all_includes_commandstats(server, arg):
    headers = re.findall(r"^# (\w+)\r$", server.info_text(arg), re.M)
    assert {"Server", "Commandstats", "Errorstats", "Keyspace"} <= set(headers)


def test_info_multiple_sections_case_insensitive(server):
    headers = re.findall(r"^# (\w+)\r$", server.info_text("SERVER", "clients"), re.M)
    assert headers == ["Server", "Clients"]
    assert server.info_text("nosuchsection") == ""


def test_info_server_values(server):
    info = server.info("server")
    assert info["process_id"] == str(server.pid)
    assert info["tcp_port"] == str(server.port)
    assert info["redis_mode"] == "standalone"
    assert info["arch_bits"] == "64"
    assert info["hz"] == "10"
    assert int(info["uptime_in_seconds"]) >= 0
    assert re.fullmatch(r"[0-9a-f]{40}", info["run_id"])


def test_info_replication_values(server):
    info = server.info("replication")
    assert info["role"] == "master"
    assert info["connected_slaves"] == "0"
    assert re.fullmatch(r"[0-9a-f]{40}", info["master_replid"])


def test_info_persistence_values(server):
    info = server.info("persistence")
    assert info["loading"] == "0"
    assert info["rdb_bgsave_in_progress"] == "0"
    assert info["aof_enabled"] == "0"


def test_info_memory_values(server):
    info = server.info("memory")
    assert int(info["used_memory"]) > 0
    assert int(info["used_memory_rss"]) > 0
    assert info["maxmemory"] == "0"
    assert info["maxmemory_policy"] == "noeviction"


def test_info_clients_counts_connections(server, r):
    base = int(server.info("clients")["connected_clients"])
    conns = [server.raw() for _ in range(5)]
    for c in conns:
        c.call("PING")
    assert int(server.info("clients")["connected_clients"]) == base + 5
    for c in conns:
        c.close()
    wait_until(lambda: int(server.info("clients")["connected_clients"]) == base, 2.0,
               message="closed clients to be released")


def test_info_stats_keyspace_hits_misses(server, r):
    r.config_resetstat()
    r.set("k", "v")
    r.get("k")
    r.get("k")
    r.get("missing")
    r.mget("k", "missing", "missing2")
    stats = server.info("stats")
    assert stats["keyspace_hits"] == "3"
    assert stats["keyspace_misses"] == "3"


def test_info_commandstats_format(server, r):
    r.config_resetstat()
    r.set("k", "v")
    r.get("k")
    r.get("k")
    line = server.info("commandstats")["cmdstat_get"]
    assert re.fullmatch(r"calls=2,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,"
                        r"failed_calls=0", line)


def test_info_errorstats_format(server, raw):
    raw.call("CONFIG", "RESETSTAT")
    raw.call("INCR", "a", "b")
    raw.call("SET", "k", "v", "EX", "0")
    raw.call("HELLO", "9")
    info = server.info("errorstats")
    assert info == {"errorstat_ERR": "count=2", "errorstat_NOPROTO": "count=1"}
    assert server.info("stats")["total_error_replies"] == "3"


@pytest.mark.ferrite_only
@pytest.mark.parametrize("model", ["epoll", "poll", "select"])
def test_multiplexing_api_reports_io_model(make_server, model):
    srv = make_server("--io-model", model)
    assert srv.info("server")["multiplexing_api"] == model
    with srv.raw() as c:
        assert c.call("CONFIG", "GET", "io-model") == [b"io-model", model.encode()]


@pytest.mark.ferrite_only
def test_default_io_model_is_epoll(server):
    assert server.info("server")["multiplexing_api"] == "epoll"


@pytest.mark.ferrite_only
def test_unknown_io_model_refuses_to_start(tmp_path):
    res = subprocess.run([SERVER_BIN, "--port", str(free_port()), "--io-model", "kqueue"],
                         capture_output=True, text=True, timeout=10, cwd=tmp_path)
    assert res.returncode != 0
    assert "io-model" in res.stdout + res.stderr


# -- CONFIG -------------------------------------------------------------------

def config_get(raw, *patterns):
    flat = raw.call("CONFIG", "GET", *patterns)
    return dict(zip(flat[::2], flat[1::2]))


def test_config_get(server, raw):
    assert config_get(raw, "port") == {b"port": str(server.port).encode()}
    assert config_get(raw, "bind") == {b"bind": b"127.0.0.1"}
    assert config_get(raw, "databases") == {b"databases": b"16"}
    assert config_get(raw, "nosuchdirective") == {}


DEFAULTS = {
    "unixsocket": "", "unixsocketperm": "0", "tcp-backlog": "511", "tcp-keepalive": "300",
    "timeout": "0", "maxclients": "10000", "databases": "16", "daemonize": "no",
    "pidfile": "", "logfile": "", "loglevel": "notice", "dbfilename": "dump.rdb",
    "appendfilename": "appendonly.aof", "appendfsync": "everysec", "requirepass": "",
    "protected-mode": "yes", "maxmemory": "0", "maxmemory-policy": "noeviction", "hz": "10",
    "io-threads": "1", "replicaof": "", "replica-read-only": "yes",
    "client-output-buffer-limit":
        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
    "client-query-buffer-limit": "1073741824", "proto-max-bulk-len": "536870912",
    "slowlog-log-slower-than": "10000", "slowlog-max-len": "128",
    "notify-keyspace-events": "",
}


def test_config_defaults(make_server):
    """Built-in defaults of the SPEC §2 directives, as Redis 7.0 reports them."""
    with make_server().raw() as c:
        got = {name: config_get(c, name).get(name.encode(), b"<missing>").decode()
               for name in DEFAULTS}
    assert got == DEFAULTS


def test_config_get_glob(raw):
    got = config_get(raw, "maxmemory*")
    assert {b"maxmemory", b"maxmemory-policy"} <= set(got)
    assert all(k.startswith(b"maxmemory") for k in got)
    got = config_get(raw, "slowlog-*")
    assert set(got) == {b"slowlog-log-slower-than", b"slowlog-max-len"}
    assert config_get(raw, "*")[b"hz"] == b"10"


def test_config_get_several_patterns(raw):
    assert config_get(raw, "hz", "databases", "hz") == {b"hz": b"10", b"databases": b"16"}


def test_config_set(raw):
    assert raw.call("CONFIG", "SET", "slowlog-max-len", "77") == b"OK"
    try:
        assert config_get(raw, "slowlog-max-len") == {b"slowlog-max-len": b"77"}
    finally:
        raw.call("CONFIG", "SET", "slowlog-max-len", "128")


def test_config_set_memory_units(raw):
    assert raw.call("CONFIG", "SET", "maxmemory", "100mb") == b"OK"
    try:
        assert config_get(raw, "maxmemory") == {b"maxmemory": b"104857600"}
    finally:
        raw.call("CONFIG", "SET", "maxmemory", "0")


def test_config_set_errors(raw):
    assert raw.call_raw("CONFIG", "SET", "nosuch", "1") == (
        b"-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n")
    assert raw.call_raw("CONFIG", "SET", "hz", "abc") == (
        b"-ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be "
        b"parsed into an integer\r\n")
    assert raw.call_raw("CONFIG", "SET", "maxmemory-policy", "bogus") == (
        b"-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - "
        b"argument(s) must be one of the following: volatile-lru, volatile-lfu, "
        b"volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, "
        b"noeviction\r\n")
    assert config_get(raw, "hz") == {b"hz": b"10"}


def test_config_resetstat(server, raw):
    raw.call("SET", "k", "v")
    raw.call("GET", "k")
    raw.call("GET", "missing")
    raw.call("foo")
    assert raw.call("CONFIG", "RESETSTAT") == b"OK"
    stats = server.info("stats")
    assert stats["keyspace_hits"] == "0"
    assert stats["keyspace_misses"] == "0"
    assert stats["total_error_replies"] == "0"
    assert server.info("errorstats") == {}
    assert "cmdstat_get" not in server.info("commandstats")


def test_config_rewrite_without_file(raw):
    assert raw.call_raw("CONFIG", "REWRITE") == \
        b"-ERR The server is running without a config file\r\n"


def test_config_rewrite(make_server):
    srv = make_server(config_text="# my settings\nslowlog-max-len 200\nhz 10\n")
    with srv.raw() as c:
        assert c.call("CONFIG", "SET", "slowlog-max-len", "300") == b"OK"
        assert c.call("CONFIG", "REWRITE") == b"OK"
    text = srv.config_path.read_text()
    assert "# my settings" in text
    assert re.search(r"^slowlog-max-len 300$", text, re.M)
    assert "slowlog-max-len 200" not in text
    srv.stop()
    again = make_server(config_text=text)
    with again.raw() as c:
        assert config_get(c, "slowlog-max-len") == {b"slowlog-max-len": b"300"}


# -- COMMAND ------------------------------------------------------------------

def test_command_count_matches_command(raw):
    table = raw.call("COMMAND")
    assert raw.call("COMMAND", "COUNT") == len(table)
    names = {entry[0] for entry in table}
    assert {b"get", b"set", b"config", b"client", b"command", b"incrbyfloat"} <= names
    assert len(names) == len(table)


def test_command_info_get(raw):
    [entry] = raw.call("COMMAND", "INFO", "get")
    assert entry[:7] == [b"get", 2, [b"readonly", b"fast"], 1, 1, 1,
                         [b"@read", b"@string", b"@fast"]]
    assert len(entry) == 10


def test_command_info_arity_and_keys(raw):
    mset, mget, ping, nosuch = raw.call("COMMAND", "INFO", "mset", "MGET", "ping", "nosuch")
    assert mset[:6] == [b"mset", -3, [b"write", b"denyoom"], 1, -1, 2]
    assert mget[:6] == [b"mget", -2, [b"readonly", b"fast"], 1, -1, 1]
    assert ping[:6] == [b"ping", -1, [b"fast"], 0, 0, 0]
    assert nosuch is None


def test_command_docs_get(raw):
    flat = raw.call("COMMAND", "DOCS", "get")
    assert flat[0] == b"get"
    docs = dict(zip(flat[1][::2], flat[1][1::2]))
    assert docs[b"summary"] == b"Get the value of a key"
    assert docs[b"since"] == b"1.0.0"
    assert docs[b"group"] == b"string"
    assert docs[b"complexity"] == b"O(1)"
    [arg] = docs[b"arguments"]
    assert dict(zip(arg[::2], arg[1::2]))[b"name"] == b"key"


def test_command_list(raw):
    listed = set(raw.call("COMMAND", "LIST"))
    assert {entry[0] for entry in raw.call("COMMAND")} <= listed
    assert {b"get", b"set", b"config|get", b"client|list"} <= listed


# -- SLOWLOG ------------------------------------------------------------------

@pytest.fixture
def slowlog_all(raw):
    raw.call("CONFIG", "SET", "slowlog-log-slower-than", "0")
    assert raw.call("SLOWLOG", "RESET") == b"OK"
    yield raw
    raw.call("CONFIG", "SET", "slowlog-log-slower-than", "10000")
    raw.call("CONFIG", "SET", "slowlog-max-len", "128")
    raw.call("SLOWLOG", "RESET")


def test_slowlog_get(slowlog_all):
    c = slowlog_all
    c.call("CLIENT", "SETNAME", "slow")
    c.call("SET", "foo", "bar")
    entries = c.call("SLOWLOG", "GET")
    # Arguments are logged exactly as sent, case included.
    assert [e[3] for e in entries[:2]] == [[b"SET", b"foo", b"bar"],
                                          [b"CLIENT", b"SETNAME", b"slow"]]
    newest = entries[0]
    assert newest[0] == entries[1][0] + 1
    assert abs(newest[1] - time.time()) < 5
    assert newest[2] >= 0
    assert newest[4] == b"127.0.0.1:%d" % c.sock.getsockname()[1]
    assert newest[5] == b"slow"
    assert len(c.call("SLOWLOG", "GET", "1")) == 1


def test_slowlog_len_and_reset(slowlog_all):
    c = slowlog_all
    for i in range(5):
        c.call("SET", f"k{i}", "v")
    assert c.call("SLOWLOG", "LEN") >= 5
    c.call("SLOWLOG", "RESET")
    assert c.call("SLOWLOG", "LEN") <= 1  # at most the RESET itself


def test_slowlog_max_len(slowlog_all):
    c = slowlog_all
    c.call("CONFIG", "SET", "slowlog-max-len", "3")
    for i in range(10):
        c.call("SET", f"k{i}", "v")
    assert c.call("SLOWLOG", "LEN") == 3


def test_slowlog_truncates_long_arguments(slowlog_all):
    c = slowlog_all
    c.call("set", "k", "x" * 200)
    newest = c.call("SLOWLOG", "GET", "1")[0]
    assert newest[3] == [b"set", b"k", b"x" * 128 + b"... (72 more bytes)"]
    c.call("MSET", *[str(i) for i in range(40)])
    newest = c.call("SLOWLOG", "GET", "1")[0]
    assert len(newest[3]) == 32
    assert newest[3][-1] == b"... (10 more arguments)"


def test_slowlog_disabled(raw):
    raw.call("SLOWLOG", "RESET")
    raw.call("CONFIG", "SET", "slowlog-log-slower-than", "-1")
    try:
        raw.call("SET", "k", "v")
        raw.call("DEBUG", "SLEEP", "0.01")
        assert raw.call("SLOWLOG", "LEN") == 0
    finally:
        raw.call("CONFIG", "SET", "slowlog-log-slower-than", "10000")


# -- MEMORY USAGE and DEBUG ---------------------------------------------------

def test_memory_usage(r):
    r.set("small", "v")
    r.set("big", "x" * 10000)
    small, big = r.memory_usage("small"), r.memory_usage("big")
    assert 16 <= small < 200
    assert 10000 < big < 11000
    assert r.memory_usage("missing") is None


def test_memory_errors(raw):
    assert raw.call_raw("MEMORY", "USAGE") == \
        b"-ERR wrong number of arguments for 'memory|usage' command\r\n"
    assert raw.call_raw("MEMORY", "FOO") == b"-ERR unknown subcommand 'FOO'. Try MEMORY HELP.\r\n"


def test_debug_sleep(raw):
    assert raw.call_raw("DEBUG", "SLEEP", "0") == b"+OK\r\n"
    start = time.monotonic()
    assert raw.call_raw("DEBUG", "SLEEP", "0.2") == b"+OK\r\n"
    assert 0.18 <= time.monotonic() - start < 2


def test_debug_sleep_blocks_the_server(server, raw):
    """Commands run one at a time: another client waits out the sleep."""
    with server.raw() as other:
        raw.cmd("DEBUG", "SLEEP", "0.3")
        time.sleep(0.05)
        start = time.monotonic()
        assert other.call("PING") == b"PONG"
        assert time.monotonic() - start >= 0.15
        assert raw.read() == b"OK"


def test_debug_unknown_subcommand(raw):
    assert raw.call_raw("DEBUG", "FOO") == (
        b"-ERR unknown subcommand or wrong number of arguments for 'FOO'. Try DEBUG HELP.\r\n")


def test_debug_refused_when_disabled(make_server):
    srv = make_server("--enable-debug-command", "no")  # the last occurrence wins
    with srv.raw() as c:
        assert c.call_raw("DEBUG", "SLEEP", "0") == (
            b'-ERR DEBUG command not allowed. If the enable-debug-command option is set to '
            b'"local", you can run it from a local connection, otherwise you need to set this '
            b'option in the configuration file, and then restart the server.\r\n')
        assert c.call("CONFIG", "GET", "enable-debug-command") == \
            [b"enable-debug-command", b"no"]


# -- SHUTDOWN -----------------------------------------------------------------

@pytest.mark.parametrize("args", [["SHUTDOWN", "NOSAVE"], ["SHUTDOWN"], ["shutdown", "nosave"]])
def test_shutdown(make_server, args):
    srv = make_server()
    with srv.raw() as c:
        c.cmd(*args)
        assert c.read_until_closed(timeout=5) == b""
    assert srv.wait_exit(timeout=5) == 0


def test_shutdown_syntax_error(raw):
    assert raw.call_raw("SHUTDOWN", "FOO") == b"-ERR syntax error\r\n"
