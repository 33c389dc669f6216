#!/usr/bin/python3
"""bench/memory.py — memory per key, ferrite-server vs Debian's redis-server.

For each server in turn: start it on a free loopback port pinned to one CPU (same scheme as
bench/run.sh: --save "" --appendonly no --bind 127.0.0.1), FLUSHALL, read INFO memory
(used_memory, used_memory_rss), load a workload through pipelines so that both servers
receive byte-identical commands, read INFO memory again, stop the server.  Prints
(after - before) / N for both fields and both servers, and the ratio ferrite/redis.

Run with Debian's interpreter (it sees python3-redis):
    /usr/bin/python3 bench/memory.py [--keys N] [--workload strings] ...

Adding a workload: write a function `def wl_<name>(n, batch, value_size)` that yields lists of
commands (tuples of arguments) - one list per pipeline - and register it in WORKLOADS with the
number of keys it creates.  Keep it deterministic: both servers must receive the same data.
"""
import argparse
import datetime
import json
import os
import signal
import sys
import time

from benchlib import add_binary_args, require, start_server

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)


# ------------------------------------------------------------------------------ workloads
def value_bytes(i, size):
    """Deterministic non-numeric value of exactly `size` bytes (never int-encoded)."""
    v = b"v%0*d" % (max(size - 1, 0), i)
    return v[-size:] if size > 0 else b""


def wl_strings(n, batch, value_size):
    """N string keys key:%07d, each a `value_size`-byte value (default 10): SET key value."""
    for start in range(0, n, batch):
        yield [("SET", b"key:%07d" % i, value_bytes(i, value_size))
               for i in range(start, min(start + batch, n))]


# Collections: N counts ELEMENTS. "big" puts all N in one key; "small" spreads them over N/10
# keys of 10 elements each (the compact encodings' home ground).
SMALL_SIZE = 10
ADD_COMMANDS = {
    "hash": lambda key, i, vs: ("HSET", key, b"field:%07d" % i, value_bytes(i, vs)),
    "set": lambda key, i, vs: ("SADD", key, b"member:%07d" % i),
    "zset": lambda key, i, vs: ("ZADD", key, i, b"member:%07d" % i),
    "list": lambda key, i, vs: ("RPUSH", key, value_bytes(i, vs)),
}


def collection_workload(kind, small):
    add = ADD_COMMANDS[kind]

    def gen(n, batch, value_size):
        for start in range(0, n, batch):
            yield [add(b"%s:%07d" % (kind.encode(), i // SMALL_SIZE) if small else b"big",
                       i, value_size)
                   for i in range(start, min(start + batch, n))]
    return gen


# name -> (generator, description, keys created for N).
WORKLOADS = {
    "strings": (wl_strings, "N keys key:%07d -> VALUE_SIZE-byte string (SET)", lambda n: n),
}
for _kind in ADD_COMMANDS:
    WORKLOADS[_kind + "-big"] = (collection_workload(_kind, False),
                                 "one %s of N elements" % _kind, lambda n: 1)
    WORKLOADS[_kind + "-small"] = (collection_workload(_kind, True),
                                   "N/%d %ss of %d elements" % (SMALL_SIZE, _kind, SMALL_SIZE),
                                   lambda n: (n + SMALL_SIZE - 1) // SMALL_SIZE)


# ------------------------------------------------------------------------------ measuring
def memory_info(c):
    info = c.info("memory")
    return {"used_memory": int(info["used_memory"]), "used_memory_rss": int(info["used_memory_rss"])}


def measure(server, workload, n, batch, value_size, settle):
    c = server.client()
    c.flushall()
    time.sleep(settle)
    before = memory_info(c)
    gen = WORKLOADS[workload][0]
    t0 = time.time()
    for cmds in gen(n, batch, value_size):
        p = c.pipeline(transaction=False)
        for cmd in cmds:
            p.execute_command(*cmd)
        p.execute()
    load_secs = time.time() - t0
    time.sleep(settle)
    after = memory_info(c)
    return {
        "server": server.name,
        "binary": server.binary,
        "dbsize": c.dbsize(),
        "load_secs": round(load_secs, 2),
        "before": before,
        "after": after,
        "per_key": {k: (after[k] - before[k]) / n for k in before},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="workloads:\n" + "\n".join(
                                     "  %-12s %s" % (k, w[1]) for k, w in WORKLOADS.items()))
    ap.add_argument("-n", "--keys", type=int, default=int(os.environ.get("NKEYS", 1_000_000)),
                    help="number of keys (env NKEYS, default 1000000)")
    ap.add_argument("-w", "--workload", default=os.environ.get("WORKLOAD", "strings"),
                    choices=sorted(WORKLOADS), help="workload (env WORKLOAD, default strings)")
    ap.add_argument("--value-size", type=int, default=int(os.environ.get("VALUE_SIZE", 10)),
                    help="value size in bytes (env VALUE_SIZE, default 10)")
    ap.add_argument("--batch", type=int, default=10_000, help="commands per pipeline (10000)")
    add_binary_args(ap)
    ap.add_argument("--cpu", default=os.environ.get("SERVER_CPU", "0"),
                    help="CPU list for the servers (env SERVER_CPU, default 0)")
    ap.add_argument("--settle", type=float, default=1.0,
                    help="seconds to wait before each INFO memory reading (default 1)")
    ap.add_argument("--results", default=os.environ.get("RESULTS_DIR"),
                    help="output directory (default bench/results/<timestamp>-memory)")
    args = ap.parse_args()
    # SIGTERM unwinds like Ctrl-C, so the finally blocks stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.keys <= 0:
        ap.error("--keys must be positive")

    require("memory.py", args.ferrite, args.redis)

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    outdir = args.results or os.path.join(BENCH_DIR, "results", stamp + "-memory")
    os.makedirs(outdir, exist_ok=True)

    results = []
    # One server at a time: each gets the machine to itself.
    for name, binary in (("ferrite", args.ferrite), ("redis", args.redis)):
        srv = None
        try:
            srv = start_server(binary, args.cpu, outdir, name=name)
            print("%s: pid %d, port %d, loading %d keys (%s)..."
                  % (name, srv.pid, srv.port, args.keys, args.workload), file=sys.stderr)
            r = measure(srv, args.workload, args.keys, args.batch, args.value_size, args.settle)
        finally:
            if srv is not None:
                srv.stop()
        want_keys = WORKLOADS[args.workload][2](args.keys)
        if r["dbsize"] != want_keys:
            print("WARNING: %s DBSIZE %d != %d" % (name, r["dbsize"], want_keys), file=sys.stderr)
        results.append(r)

    f, rd = results
    lines = [
        "workload %s: N=%d, %d-byte values; bytes per N (key or element) = (after - before) / N"
        % (args.workload, args.keys, args.value_size),
        "%-16s %12s %12s %10s" % ("", "ferrite", "redis", "ratio f/r"),
    ]
    for k in ("used_memory", "used_memory_rss"):
        a, b = f["per_key"][k], rd["per_key"][k]
        lines.append("%-16s %12.1f %12.1f %10s" % (k, a, b, "%.3f" % (a / b) if b else "n/a"))
    lines.append("%-16s %12.2f %12.2f" % ("load seconds", f["load_secs"], rd["load_secs"]))
    text = "\n".join(lines)
    print(text)

    with open(os.path.join(outdir, "memory-%s.json" % args.workload), "w") as fh:
        json.dump({"date": datetime.datetime.now().isoformat(timespec="seconds"),
                   "workload": args.workload, "keys": args.keys,
                   "value_size": args.value_size, "batch": args.batch,
                   "results": results}, fh, indent=2)
    with open(os.path.join(outdir, "memory-%s.txt" % args.workload), "w") as fh:
        fh.write(text + "\n")
    print("results: %s" % outdir, file=sys.stderr)


if __name__ == "__main__":
    main()
