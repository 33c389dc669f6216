"""Start-up configuration: config files, command-line overrides, daemonize, signals."""

import os
import re
import signal
import subprocess

import pytest

from conftest import REPO, SERVER_BIN, free_port, pid_alive, wait_until, RawClient

# The directives of Debian's stock redis.conf for Redis 7.0 (environment-specific ones
# such as port, dir, daemonize, pidfile and logfile left out): an existing redis.conf must
# still start, with a warning at most for what is not implemented yet.
STOCK_REDIS_CONF = """\
# Debian's redis.conf, abridged
bind 127.0.0.1 -::1
protected-mode yes
tcp-backlog 511
timeout 0
tcp-keepalive 300
loglevel notice
databases 16
always-show-logo no
set-proc-title yes
proc-title-template "{title} {listen-addr} {server-mode}"
stop-writes-on-bgsave-error yes
rdbcompression yes
rdbchecksum yes
dbfilename dump.rdb
rdb-del-sync-files no
replica-serve-stale-data yes
replica-read-only yes
repl-diskless-sync yes
repl-diskless-sync-delay 5
repl-diskless-sync-max-replicas 0
repl-diskless-load disabled
repl-disable-tcp-nodelay no
replica-priority 100
acllog-max-len 128
lazyfree-lazy-eviction no
lazyfree-lazy-expire no
lazyfree-lazy-server-del no
replica-lazy-flush no
lazyfree-lazy-user-del no
lazyfree-lazy-user-flush no
oom-score-adj no
oom-score-adj-values 0 200 800
disable-thp yes
appendonly no
appendfilename "appendonly.aof"
appenddirname "appendonlydir"
appendfsync everysec
no-appendfsync-on-rewrite no
auto-aof-rewrite-percentage 100
auto-aof-rewrite-min-size 64mb
aof-load-truncated yes
aof-use-rdb-preamble yes
aof-timestamp-enabled no
slowlog-log-slower-than 10000
slowlog-max-len 128
latency-monitor-threshold 0
notify-keyspace-events ""
hash-max-listpack-entries 512
hash-max-listpack-value 64
list-max-listpack-size -2
list-compress-depth 0
set-max-intset-entries 512
zset-max-listpack-entries 128
zset-max-listpack-value 64
hll-sparse-max-bytes 3000
stream-node-max-bytes 4096
stream-node-max-entries 100
activerehashing yes
client-output-buffer-limit normal 0 0 0
client-output-buffer-limit replica 256mb 64mb 60
client-output-buffer-limit pubsub 32mb 8mb 60
hz 10
dynamic-hz yes
aof-rewrite-incremental-fsync yes
rdb-save-incremental-fsync yes
jemalloc-bg-thread yes
"""


def config_get(srv, name):
    with srv.raw() as c:
        flat = c.call("CONFIG", "GET", name)
    return dict(zip(flat[::2], flat[1::2])).get(name.encode())


def run_failing_start(tmp_path, *args):
    """Start the server expecting it to refuse; return (exit code, stdout+stderr)."""
    res = subprocess.run([SERVER_BIN, *map(str, args)], cwd=tmp_path, capture_output=True,
                         text=True, errors="replace", timeout=10)
    return res.returncode, res.stdout + res.stderr


def names_line(output, line):
    """Redis says 'at line 3'; 'file.conf:3:' is as good."""
    return re.search(rf"(line\s*{line}\b|:{line}\b)", output, re.I)


# -- config files -------------------------------------------------------------

def test_config_file_values_apply(make_server):
    srv = make_server(config_text=(
        "# a comment\n"
        "\n"
        "   maxclients 50\n"
        "HZ 20\n"
        "databases 4\n"
        'requirepass "pass word"\n'
        "maxmemory 2mb\n"
        "slowlog-max-len 5 \n"))
    with srv.raw() as c:
        assert c.call("AUTH", "pass word") == b"OK"
        flat = c.call("CONFIG", "GET", "maxclients", "hz", "databases", "maxmemory",
                      "slowlog-max-len")
        assert dict(zip(flat[::2], flat[1::2])) == {
            b"maxclients": b"50", b"hz": b"20", b"databases": b"4",
            b"maxmemory": b"2097152", b"slowlog-max-len": b"5"}


def test_stock_redis_conf_starts(make_server):
    srv = make_server(config_text=STOCK_REDIS_CONF)
    assert srv.client().ping() is True


def test_command_line_overrides_file(make_server):
    srv = make_server("--maxclients", "77", config_text="port 1\nmaxclients 50\nhz 20\n")
    assert config_get(srv, "port") == str(srv.port).encode()
    assert config_get(srv, "maxclients") == b"77"
    assert config_get(srv, "hz") == b"20"


@pytest.mark.ferrite_only
def test_repository_ferrite_conf_starts(make_server):
    path = REPO / "ferrite.conf"
    assert path.exists(), "ferrite.conf must ship in the repository root"
    srv = make_server("--daemonize", "no", "--logfile", "", config_text=path.read_text())
    assert srv.client().ping() is True


@pytest.mark.parametrize("text,line,directive", [
    ("port 7777\n# comment\nfoobar-directive yes\n", 3, "foobar-directive"),
    ("maxclients abc\n", 1, "maxclients"),
    ("\n\nhz 10\nloglevel shouting\n", 4, "loglevel"),
    ("databases\n", 1, "databases"),
])
def test_bad_config_file_stops_startup(tmp_path, text, line, directive):
    conf = tmp_path / "bad.conf"
    conf.write_text(text)
    code, output = run_failing_start(tmp_path, conf, "--port", free_port())
    assert code != 0
    assert directive in output
    assert names_line(output, line), output


def test_unknown_directive_on_command_line(tmp_path):
    code, output = run_failing_start(tmp_path, "--port", free_port(), "--no-such-thing", "1")
    assert code != 0
    assert "no-such-thing" in output


def test_missing_config_file(tmp_path):
    code, output = run_failing_start(tmp_path, tmp_path / "missing.conf", "--port", free_port())
    assert code != 0
    assert "missing.conf" in output


# -- logging, daemonize, signals ----------------------------------------------

def test_logfile_and_loglevel(make_server, tmp_path):
    log = tmp_path / "custom.log"
    srv = make_server("--logfile", log, "--loglevel", "verbose")
    wait_until(lambda: log.exists() and log.stat().st_size > 0, 3.0, message="log output")
    assert config_get(srv, "logfile") == str(log).encode()
    assert config_get(srv, "loglevel") == b"verbose"


def test_daemonize_writes_pidfile(tmp_path):
    port = free_port()
    pidfile = tmp_path / "server.pid"
    conf = tmp_path / "daemon.conf"
    conf.write_text(f"daemonize yes\npidfile {pidfile}\nport {port}\nbind 127.0.0.1\n"
                    f"logfile {tmp_path / 'daemon.log'}\ndir {tmp_path}\nsave \"\"\n")
    pid = None
    try:
        launcher = subprocess.run([SERVER_BIN, str(conf)], cwd=tmp_path, timeout=10,
                                  capture_output=True)
        assert launcher.returncode == 0  # the foreground process detached and left
        wait_until(lambda: pidfile.exists() and pidfile.read_text().strip(), 5.0,
                   message="the pid file")
        pid = int(pidfile.read_text().strip())
        assert pid_alive(pid)
        with RawClient(port) as c:
            assert c.call("PING") == b"PONG"
            assert c.call("INFO", "server").decode().count(f"process_id:{pid}\r\n") == 1
        os.kill(pid, signal.SIGTERM)
        wait_until(lambda: not pid_alive(pid), 10.0, message="the daemon to exit")
        wait_until(lambda: not pidfile.exists(), 2.0, message="the pid file to be removed")
    finally:
        if pid is not None and pid_alive(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_shuts_down_cleanly(make_server, sig):
    srv = make_server()
    with srv.raw() as c:
        c.call("SET", "k", "v")
        srv.proc.send_signal(sig)
        assert c.is_closed(timeout=5.0)
    assert srv.wait_exit(timeout=5.0) == 0
    assert not pid_alive(srv.pid)


# -- protected configs and file names ------------------------------------------------------

def test_dir_and_dbfilename_are_protected_by_default(make_server):
    s = make_server()
    with s.raw() as r:
        for name, value in (("dir", "/tmp"), ("dbfilename", "x.rdb")):
            assert r.call("CONFIG", "SET", name, value) == (
                f"ERR CONFIG SET failed (possibly related to argument '{name}') - "
                "can't set protected config").encode()
        assert r.call("CONFIG", "GET", "dbfilename") == [b"dbfilename", b"dump.rdb"]


def test_protected_configs_allowed_locally(make_server):
    s = make_server("--enable-protected-configs", "local")
    with s.raw() as r:
        assert r.call("CONFIG", "SET", "dbfilename", "x.rdb") == b"OK"
        assert r.call("CONFIG", "SET", "dbfilename", "../x.rdb") == (
            b"ERR CONFIG SET failed (possibly related to argument 'dbfilename') - "
            b"dbfilename can't be a path, just a filename")
        assert r.call("CONFIG", "GET", "dbfilename") == [b"dbfilename", b"x.rdb"]


@pytest.mark.parametrize("args, message", [
    (["--dbfilename", "a/b"], "dbfilename can't be a path, just a filename"),
    (["--appendfilename", "a/b"], "appendfilename can't be a path, just a filename"),
    (["--appendfilename", ""], "appendfilename can't be empty"),
    (["--appenddirname", "x/y"], "appenddirname can't be a path, just a dirname"),
    (["--appenddirname", ""], "appenddirname can't be empty"),
])
def test_file_names_that_are_paths_are_refused(tmp_path, args, message):
    proc = subprocess.run([SERVER_BIN, "--port", str(free_port()), "--save", "", *args],
                          cwd=tmp_path, capture_output=True, text=True, timeout=10)
    assert proc.returncode != 0
    assert message in proc.stdout + proc.stderr


def test_empty_dbfilename_starts_without_loading(make_server):
    s = make_server("--dbfilename", "")
    with s.raw() as r:
        assert r.call("CONFIG", "GET", "dbfilename") == [b"dbfilename", b""]
        assert r.call("PING") == b"PONG"
