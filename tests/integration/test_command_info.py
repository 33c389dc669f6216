"""COMMAND INFO, compared with Debian's redis-server 7.0 for every command ferrite implements.

The reference server runs beside the server under test. Replies are compared byte for byte,
in RESP2 and RESP3, except for containers: Redis lists a container's subcommands in hash
order and knows subcommands ferrite lacks, so there each subcommand ferrite has is compared
on its own (it is in COMMAND LIST too) and the rest of the entry field by field.
"""

import os

import pytest

from conftest import IS_REDIS, Server, parse_reply

REDIS_BIN = "/usr/bin/redis-server"

needs_reference = [
    pytest.mark.skipif(IS_REDIS, reason="the server under test is redis-server itself"),
    pytest.mark.skipif(not os.access(REDIS_BIN, os.X_OK),
                       reason=f"{REDIS_BIN} (Debian's Redis 7.0) is not installed"),
]


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    srv = Server(workdir=tmp_path_factory.mktemp("redis"), binary=REDIS_BIN)
    yield srv
    srv.stop()


@pytest.fixture(scope="module", params=[
    pytest.param(2, id="resp2", marks=needs_reference),
    pytest.param(3, id="resp3", marks=needs_reference)])
def pair(request, server, redis_server):
    """(ferrite, redis) raw connections speaking the same protocol version."""
    ours, theirs = server.raw(), redis_server.raw()
    if request.param == 3:
        ours.call("HELLO", "3")
        theirs.call("HELLO", "3")
    yield ours, theirs
    ours.close()
    theirs.close()


def command_names(raw):
    return sorted(name.decode() for name in raw.call("COMMAND", "LIST"))


def test_every_command_matches_redis(pair):
    ours, theirs = pair
    names = command_names(ours)
    assert len(names) > 200
    differing = []
    for name in names:
        mine = ours.call_raw("COMMAND", "INFO", name)
        ref = theirs.call_raw("COMMAND", "INFO", name)
        if mine == ref:
            continue
        [entry], _ = parse_reply(mine)
        [ref_entry], _ = parse_reply(ref)
        if entry is None or ref_entry is None or not entry[9]:
            differing.append(name)
            continue
        # A container: the entry minus its subcommands, then the subcommands by name.
        if entry[:9] != ref_entry[:9]:
            differing.append(name)
        subs = {sub[0] for sub in entry[9]}
        ref_subs = {sub[0] for sub in ref_entry[9]}
        assert subs <= ref_subs, f"{name}: subcommands Redis 7.0 does not have"
        assert all(sub[0].decode() in names for sub in entry[9])
    assert differing == []


def test_containers_hold_what_command_list_lists(raw):
    names = set(command_names(raw))
    for entry in raw.call("COMMAND"):
        for sub in entry[9]:
            assert sub[0].decode() in names
            assert sub[0].decode().split("|")[0] == entry[0].decode()


def test_command_info_without_names_is_command(raw):
    table = raw.call("COMMAND")
    assert raw.call("COMMAND", "INFO") == table
    assert raw.call("COMMAND", "COUNT") == len(table)
    top_level = [n for n in command_names(raw) if "|" not in n]
    assert sorted(entry[0].decode() for entry in table) == top_level


def test_command_getkeys_arity(raw):
    # Redis 7.0.15 declares COMMAND GETKEYS with arity -4: the command and one argument.
    assert raw.call_raw("COMMAND", "GETKEYS", "get") == \
        b"-ERR wrong number of arguments for 'command|getkeys' command\r\n"
    assert raw.call("COMMAND", "GETKEYS", "get", "k") == [b"k"]


def test_command_list_filterby_aclcat(raw):
    def listed(cat):
        return set(raw.call("COMMAND", "LIST", "FILTERBY", "ACLCAT", cat))
    assert b"role" in listed("dangerous") and b"role" in listed("admin")
    assert b"wait" in listed("connection") and b"wait" not in listed("keyspace")
    assert b"dbsize" in listed("KEYSPACE")
    assert listed("nosuchcategory") == set()
