"""redis-cli (Debian's redis-tools) against the server, as users and scripts run it.

With stdout a pipe redis-cli prints raw replies: bulk strings as is, integers as digits,
nil as an empty line and errors as the error text followed by an empty line."""

import os
import pty
import select
import time

import pytest

from conftest import REDIS_CLI, run_cli


@pytest.fixture
def port(server, r):
    return server.port


def out(port, *args, input=None):
    res = run_cli(port, *args, input=input)
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_set_get(port):
    assert out(port, "set", "a", "b") == "OK\n"
    assert out(port, "get", "a") == "b\n"
    assert out(port, "get", "missing") == "\n"


def test_integer_and_array_replies(port):
    assert out(port, "incr", "n") == "1\n"
    assert out(port, "mset", "x", "1", "y", "2") == "OK\n"
    assert out(port, "mget", "x", "missing", "y") == "1\n\n2\n"


def test_errors_printed_raw(port):
    assert out(port, "foo", "a", "b") == \
        "ERR unknown command 'foo', with args beginning with: 'a' 'b' \n\n"
    assert out(port, "get") == "ERR wrong number of arguments for 'get' command\n\n"
    out(port, "set", "s", "abc")
    assert out(port, "incr", "s") == "ERR value is not an integer or out of range\n\n"


def test_no_raw_formatting(port):
    out(port, "set", "a", "hello world")
    assert out(port, "--no-raw", "get", "a") == '"hello world"\n'
    assert out(port, "--no-raw", "get", "missing") == "(nil)\n"
    assert out(port, "--no-raw", "incr", "n") == "(integer) 1\n"
    assert out(port, "--no-raw", "mget", "a", "missing") == '1) "hello world"\n2) (nil)\n'
    assert out(port, "--no-raw", "get") == \
        "(error) ERR wrong number of arguments for 'get' command\n"


def test_raw_binary_value(port):
    out(port, "set", "bin", "line1\nline2")
    assert out(port, "--raw", "get", "bin") == "line1\nline2\n"
    assert out(port, "--no-raw", "get", "bin") == '"line1\\nline2"\n'


def test_commands_from_stdin(port):
    assert out(port, input="set x 1\nget x\nincr x\nfoo\n") == \
        "OK\n1\n2\nERR unknown command 'foo', with args beginning with: \n\n"


def test_value_from_stdin_with_x(port):
    assert out(port, "-x", "set", "k", input="hello") == "OK\n"
    assert out(port, "get", "k") == "hello\n"


def test_select_database(port):
    assert out(port, "-n", "3", "set", "x", "in3") == "OK\n"
    assert out(port, "-n", "3", "get", "x") == "in3\n"
    assert out(port, "get", "x") == "\n"


def test_resp3_mode(port):
    assert out(port, "-3", "--no-raw", "get", "missing") == "(nil)\n"
    assert out(port, "-3", "--no-raw", "config", "get", "databases") == \
        '1# "databases" => "16"\n'


def test_scan_mode(port):
    out(port, "mset", "user:1", "a", "user:2", "b", "item:1", "c")
    lines = out(port, "--scan", "--pattern", "user:*").splitlines()
    assert sorted(lines) == ["user:1", "user:2"]


def test_pipe_mode_mass_insertion(port):
    proto = "".join(f"*3\r\n$3\r\nSET\r\n${len(f'k{i}')}\r\nk{i}\r\n$1\r\n{i % 10}\r\n"
                    for i in range(1000))
    text = out(port, "--pipe", input=proto)
    assert text.endswith("errors: 0, replies: 1000\n")
    assert out(port, "dbsize") == "1000\n"


def test_info_through_cli(port):
    text = out(port, "info", "server")
    assert text.startswith("# Server\n")
    assert "redis_version:" in text


def test_password_option(make_server):
    srv = make_server("--requirepass", "pw")
    assert run_cli(srv.port, "get", "x").stdout == "NOAUTH Authentication required.\n\n"
    res = run_cli(srv.port, "--no-auth-warning", "-a", "pw", "set", "x", "1")
    assert res.stdout == "OK\n"


def test_interactive_session(server, port):
    """A real terminal session: redis-cli fetches COMMAND DOCS for hints, then runs commands."""
    out(port, "config", "resetstat")
    pid, fd = pty.fork()
    if pid == 0:
        # TERM=dumb: linenoise reads plain lines instead of probing the cursor position.
        os.execve(REDIS_CLI, [REDIS_CLI, "-p", str(port)], dict(os.environ, TERM="dumb"))
    try:
        transcript = b""

        def expect(token, timeout=5.0):
            nonlocal transcript
            deadline = time.monotonic() + timeout
            while token not in transcript:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"{token!r} not seen in {transcript!r}"
                if select.select([fd], [], [], remaining)[0]:
                    try:
                        transcript += os.read(fd, 4096)
                    except OSError:
                        break
            assert token in transcript

        expect(b"127.0.0.1:%d> " % port)
        os.write(fd, b"set greeting hello\r")
        expect(b"OK")
        os.write(fd, b"get greeting\r")
        expect(b'"hello"')
        os.write(fd, b"incr greeting\r")
        expect(b"(error) ERR value is not an integer or out of range")
        os.write(fd, b"quit\r")
    finally:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.02)
        else:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)
    assert "cmdstat_command|docs" in server.info("commandstats")
