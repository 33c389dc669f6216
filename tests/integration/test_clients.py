"""Connection-level commands: CLIENT, HELLO and RESP3, RESET, QUIT, AUTH/requirepass."""

import pytest
import redis

from conftest import RespSet, Server, parse_reply

NOAUTH = b"-NOAUTH Authentication required.\r\n"
WRONGPASS = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"


def client_fields(line):
    """One CLIENT LIST / CLIENT INFO line as {field: value}."""
    if isinstance(line, bytes):
        line = line.decode()
    return dict(kv.split("=", 1) for kv in line.strip().split(" "))


def client_list(conn):
    reply = conn.call("CLIENT", "LIST")
    assert reply.endswith(b"\n")
    return [client_fields(line) for line in reply.decode().splitlines()]


def client_list_ids(conn, *args):
    return [client_fields(line)["id"] for line in conn.call(*args).decode().splitlines()]


# -- CLIENT -------------------------------------------------------------------

def test_client_id_unique_and_increasing(server):
    with server.raw() as a, server.raw() as b:
        ida, idb = a.call("CLIENT", "ID"), b.call("CLIENT", "ID")
        assert isinstance(ida, int) and isinstance(idb, int)
        assert idb > ida


def test_client_setname_getname(raw):
    assert raw.call_raw("CLIENT", "GETNAME") == b"$-1\r\n"
    assert raw.call("CLIENT", "SETNAME", "worker-1") == b"OK"
    assert raw.call("CLIENT", "GETNAME") == b"worker-1"
    assert raw.call("CLIENT", "SETNAME", "") == b"OK"
    assert raw.call_raw("CLIENT", "GETNAME") == b"$-1\r\n"


@pytest.mark.parametrize("name", ["a b", "a\nb", "caf\xe9"])
def test_client_setname_invalid(raw, name):
    assert raw.call_raw("CLIENT", "SETNAME", name) == \
        b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n"


def test_client_list_fields(server, raw):
    raw.call("CLIENT", "SETNAME", "lister")
    raw.call("SELECT", "2")
    my_id = raw.call("CLIENT", "ID")
    with server.raw() as other:
        other.call("SET", "k", "v")
        clients = {c["id"]: c for c in client_list(raw)}
        other_id = str(other.call("CLIENT", "ID"))
        local = "127.0.0.1:%d" % raw.sock.getsockname()[1]
        me = clients[str(my_id)]
        assert me["addr"] == local
        assert me["laddr"] == "127.0.0.1:%d" % server.port
        assert me["name"] == "lister"
        assert me["db"] == "2"
        assert me["flags"] == "N"
        assert me["cmd"] == "client|list"
        assert int(me["fd"]) > 0
        assert int(me["age"]) >= 0 and int(me["idle"]) >= 0
        assert clients[other_id]["cmd"] == "set"
        assert clients[other_id]["name"] == ""
        assert clients[other_id]["db"] == "0"


def test_client_list_by_id(server, raw):
    with server.raw() as other:
        other_id = other.call("CLIENT", "ID")
        listed = client_list_ids(raw, "CLIENT", "LIST", "ID", other_id)
        assert listed == [str(other_id)]


def test_client_info(raw):
    raw.call("CLIENT", "SETNAME", "me")
    reply = raw.call("CLIENT", "INFO")
    assert reply.endswith(b"\n") and reply.count(b"\n") == 1
    fields = client_fields(reply)
    assert fields["id"] == str(raw.call("CLIENT", "ID"))
    assert fields["name"] == "me"
    assert fields["cmd"] == "client|info"


@pytest.mark.parametrize("form", ["id", "addr", "old"])
def test_client_kill(server, raw, form):
    victim = server.raw()
    victim_id = victim.call("CLIENT", "ID")
    victim_addr = "127.0.0.1:%d" % victim.sock.getsockname()[1]
    if form == "id":
        assert raw.call("CLIENT", "KILL", "ID", victim_id) == 1
    elif form == "addr":
        assert raw.call("CLIENT", "KILL", "ADDR", victim_addr) == 1
    else:
        assert raw.call("CLIENT", "KILL", victim_addr) == b"OK"
    assert victim.is_closed(timeout=2.0)
    assert str(victim_id) not in client_list_ids(raw, "CLIENT", "LIST")


def test_client_kill_no_match(raw):
    assert raw.call("CLIENT", "KILL", "ID", "999999999") == 0
    assert raw.call("CLIENT", "KILL", "ADDR", "1.2.3.4:5") == 0
    assert raw.call_raw("CLIENT", "KILL", "1.2.3.4:5") == b"-ERR No such client\r\n"


def test_client_kill_skipme(raw):
    me = "127.0.0.1:%d" % raw.sock.getsockname()[1]
    assert raw.call("CLIENT", "KILL", "ADDR", me) == 0  # SKIPME yes is the default
    assert raw.call("PING") == b"PONG"


def test_client_errors(raw):
    assert raw.call_raw("CLIENT", "FOO") == \
        b"-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n"
    assert raw.call_raw("CLIENT", "KILL") == \
        b"-ERR wrong number of arguments for 'client|kill' command\r\n"


# -- HELLO and RESP3 ----------------------------------------------------------

HELLO_KEYS = [b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"]


def check_hello(reply, proto, client_id):
    assert list(reply) == HELLO_KEYS
    assert reply[b"proto"] == proto
    assert reply[b"id"] == client_id
    assert reply[b"mode"] == b"standalone"
    assert reply[b"role"] == b"master"
    assert reply[b"modules"] == []
    assert reply[b"server"] and reply[b"version"]


def test_hello_3_returns_a_map(raw):
    my_id = raw.call("CLIENT", "ID")
    raw.cmd("HELLO", "3")
    reply = raw.read_raw()
    assert reply.startswith(b"%7\r\n$6\r\nserver\r\n")
    check_hello(raw_parse(reply), 3, my_id)


def raw_parse(data):
    value, end = parse_reply(data)
    assert end == len(data)
    return value


def test_hello_without_version_stays_resp2(raw):
    reply = raw.call_raw("HELLO")
    assert reply.startswith(b"*14\r\n$6\r\nserver\r\n")
    flat = raw_parse(reply)
    check_hello(dict(zip(flat[::2], flat[1::2])), 2, raw.call("CLIENT", "ID"))


@pytest.fixture
def resp3(raw):
    raw.call("HELLO", "3")
    return raw


def test_resp3_null(resp3):
    assert resp3.call_raw("GET", "missing") == b"_\r\n"
    resp3.call("SET", "k", "v")
    assert resp3.call_raw("MGET", "k", "missing") == b"*2\r\n$1\r\nv\r\n_\r\n"
    assert resp3.call_raw("GETDEL", "missing") == b"_\r\n"
    assert resp3.call_raw("OBJECT", "ENCODING", "missing") == b"_\r\n"


def test_resp3_map_for_config_get(server, resp3):
    port = str(server.port).encode()
    assert resp3.call_raw("CONFIG", "GET", "port") == \
        b"%1\r\n$4\r\nport\r\n$" + str(len(port)).encode() + b"\r\n" + port + b"\r\n"


def test_resp3_incrbyfloat_is_still_a_bulk_string(resp3):
    # Redis replies to INCRBYFLOAT with a bulk string even in RESP3, not a double.
    resp3.call("SET", "f", "1.5")
    assert resp3.call_raw("INCRBYFLOAT", "f", "1") == b"$3\r\n2.5\r\n"


def test_resp3_verbatim_for_info_and_client_info(resp3):
    info = resp3.call_raw("INFO", "server")
    assert info.startswith(b"=")
    assert info.split(b"\r\n", 1)[1].startswith(b"txt:# Server\r\n")
    body = raw_parse(info)
    assert body.startswith(b"txt:")
    assert int(info[1:info.index(b"\r\n")]) == len(body)
    client = resp3.call("CLIENT", "INFO")
    assert client.startswith(b"txt:id=")
    assert client_fields(client[4:])["resp"] == "3"


def test_resp3_sets_in_command_info(resp3):
    reply = resp3.call("COMMAND", "INFO", "get")
    assert isinstance(reply[0][2], RespSet)
    assert sorted(reply[0][2]) == [b"fast", b"readonly"]


def test_resp3_scalars_unchanged(resp3):
    assert resp3.call_raw("SET", "n", "1") == b"+OK\r\n"
    assert resp3.call_raw("INCR", "n") == b":2\r\n"
    assert resp3.call_raw("GET", "n") == b"$1\r\n2\r\n"
    assert resp3.call_raw("SCAN", "0") == b"*2\r\n$1\r\n0\r\n*1\r\n$1\r\nn\r\n"
    assert resp3.call_raw("FOO") == \
        b"-ERR unknown command 'FOO', with args beginning with: \r\n"


def test_resp3_double_and_push(server, resp3):
    resp3.call("ZADD", "z", "1.5", "m")
    assert resp3.call_raw("ZSCORE", "z", "m") == b",1.5\r\n"
    assert resp3.call_raw("SUBSCRIBE", "ch") == b">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
    server.client().publish("ch", "hi")
    assert resp3.read_raw() == b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"


def test_hello_2_switches_back(resp3):
    reply = resp3.call_raw("HELLO", "2")
    assert reply.startswith(b"*14\r\n")
    assert resp3.call_raw("GET", "missing") == b"$-1\r\n"


def test_hello_setname_and_auth_options(raw):
    reply = raw.call("HELLO", "3", "AUTH", "default", "anything", "SETNAME", "h3")
    assert reply[b"proto"] == 3
    assert raw.call("CLIENT", "GETNAME") == b"h3"


def test_hello_errors(raw):
    assert raw.call_raw("HELLO", "4") == b"-NOPROTO unsupported protocol version\r\n"
    assert raw.call_raw("HELLO", "1") == b"-NOPROTO unsupported protocol version\r\n"
    assert raw.call_raw("HELLO", "abc") == \
        b"-ERR Protocol version is not an integer or out of range\r\n"
    assert raw.call_raw("HELLO", "3", "FOO") == b"-ERR Syntax error in HELLO option 'FOO'\r\n"
    # Failed HELLOs leave the protocol alone.
    assert raw.call_raw("GET", "missing") == b"$-1\r\n"


def test_client_list_reports_protocol(server, r):
    with server.raw() as c:
        c.call("HELLO", "3")
        c.call("CLIENT", "SETNAME", "three")
        by_name = {x["name"]: x for x in (client_fields(l) for l in
                                            r.execute_command("CLIENT", "LIST")
                                            .decode().splitlines())}
        assert by_name["three"]["resp"] == "3"


# -- RESET and QUIT -----------------------------------------------------------

def test_reset(resp3):
    resp3.call("CLIENT", "SETNAME", "x")
    resp3.call("SELECT", "3")
    resp3.call("SET", "in3", "v")
    assert resp3.call_raw("RESET") == b"+RESET\r\n"
    assert resp3.call_raw("CLIENT", "GETNAME") == b"$-1\r\n"  # RESP2 again, name gone
    assert resp3.call_raw("GET", "in3") == b"$-1\r\n"  # back in db 0
    assert client_fields(resp3.call("CLIENT", "INFO"))["db"] == "0"


def test_quit(raw):
    raw.send(b"PING\r\nQUIT\r\nPING\r\n")
    assert raw.read_until_closed(timeout=2.0) == b"+PONG\r\n+OK\r\n"


# -- AUTH / requirepass -------------------------------------------------------

@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    srv = Server("--requirepass", "s3cret", workdir=tmp_path_factory.mktemp("auth"))
    yield srv
    srv.stop()


def test_noauth(secured):
    with secured.raw() as c:
        assert c.call_raw("GET", "x") == NOAUTH
        assert c.call_raw("PING") == NOAUTH
        assert c.call_raw("SET", "x", "1") == NOAUTH
        assert c.call_raw("AUTH", "s3cret") == b"+OK\r\n"
        assert c.call_raw("GET", "x") == b"$-1\r\n"


def test_wrong_password(secured):
    with secured.raw() as c:
        assert c.call_raw("AUTH", "nope") == WRONGPASS
        assert c.call_raw("AUTH", "default", "nope") == WRONGPASS
        assert c.call_raw("AUTH", "nosuchuser", "s3cret") == WRONGPASS
        assert c.call_raw("AUTH", "a", "b", "c") == b"-ERR syntax error\r\n"
        assert c.call_raw("GET", "x") == NOAUTH


def test_auth_with_default_user(secured):
    with secured.raw() as c:
        assert c.call_raw("AUTH", "default", "s3cret") == b"+OK\r\n"
        assert c.call_raw("PING") == b"+PONG\r\n"


def test_hello_auth(secured):
    with secured.raw() as c:
        assert c.call_raw("HELLO", "3").startswith(
            b"-NOAUTH HELLO must be called with the client already authenticated")
        assert c.call_raw("HELLO", "3", "AUTH", "default", "nope") == WRONGPASS
        reply = c.call("HELLO", "3", "AUTH", "default", "s3cret")
        assert reply[b"proto"] == 3
        assert c.call_raw("GET", "x") == b"_\r\n"


def test_reset_deauthenticates(secured):
    with secured.raw() as c:
        c.call("AUTH", "s3cret")
        assert c.call_raw("RESET") == b"+RESET\r\n"
        assert c.call_raw("GET", "x") == NOAUTH


def test_quit_allowed_without_auth(secured):
    with secured.raw() as c:
        c.send(b"QUIT\r\n")
        assert c.read_until_closed(timeout=2.0) == b"+OK\r\n"


@pytest.mark.parametrize("request_bytes,error", [
    (b"*20\r\n", b"unauthenticated multibulk length"),
    (b"*1\r\n$20000\r\n", b"unauthenticated bulk length"),
])
def test_unauthenticated_size_limits(secured, request_bytes, error):
    with secured.raw() as c:
        c.send(request_bytes)
        assert c.read_until_closed(timeout=2.0) == b"-ERR Protocol error: " + error + b"\r\n"


def test_redis_py_with_password(secured):
    with pytest.raises(redis.AuthenticationError):
        secured.client().get("x")
    c = secured.client(password="s3cret")
    c.set("x", "1")
    assert c.get("x") == b"1"


def test_auth_without_password_configured(raw):
    assert raw.call_raw("AUTH", "x") == (
        b"-ERR AUTH <password> called without any password configured for the default "
        b"user. Are you sure your configuration is correct?\r\n")
