#!/usr/bin/python3
"""bench/rdb.py — RDB snapshots, ferrite-server vs Debian's redis-server, same run.

For each server in turn (pinned to CPU 0, the client on CPU 1, --save "" --appendonly no):
  1. DEBUG POPULATE N (N small string keys, key:<i> -> value:<i>);
  2. SAVE, timed by the client; the size of dump.rdb;
  3. PING latency: max and p99 over a few seconds idle, then while a BGSAVE of the same
     data runs (the fork and the child's copy-on-write are what the parent pays);
  4. restart on the file; load time as the server logs it ("DB loaded from disk") and
     from spawn to the first PONG.
Prints one table with the ratio ferrite/redis.

    /usr/bin/python3 bench/rdb.py [--keys 1000000]
"""
import argparse
import os
import re
import shutil
import tempfile
import time

from benchlib import ratio, start_server

REPO_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVERS = {
    "ferrite": os.environ.get("FERRITE_SERVER", os.path.join(REPO_DIR, "build", "ferrite-server")),
    "redis": os.environ.get("REDIS_SERVER", "/usr/bin/redis-server"),
}


def start(binary, workdir):
    """Server on CPU 0 with its dump.rdb and server.log in workdir; .startup_secs is spawn to PONG."""
    return start_server(binary, 0, workdir, "--enable-debug-command", "yes", log="server.log",
                        timeout=120)


def ping_latencies(c, until):
    """PING round trips (µs) until until() is true."""
    lat = []
    conn = c.connection_pool.get_connection("PING")
    try:
        while not until():
            t = time.perf_counter()
            conn.send_command("PING")
            conn.read_response()
            lat.append((time.perf_counter() - t) * 1e6)
    finally:
        c.connection_pool.release(conn)
    return lat


def summary(lat):
    lat = sorted(lat)
    return lat[-1], lat[int(len(lat) * 0.99)], len(lat)


def measure(name, binary, keys):
    workdir = tempfile.mkdtemp(prefix=f"rdb-bench-{name}-")
    srv = None
    try:
        srv = start(binary, workdir)
        c = srv.client(socket_timeout=120)
        c.execute_command("DEBUG", "POPULATE", keys)
        t = time.perf_counter()
        c.save()
        save_s = time.perf_counter() - t
        size = os.path.getsize(os.path.join(workdir, "dump.rdb"))

        deadline = time.monotonic() + 3
        idle = summary(ping_latencies(c, lambda: time.monotonic() > deadline))
        info_c = srv.client(socket_timeout=None)
        t = time.perf_counter()
        c.bgsave()
        state = {"n": 0}

        def done():
            state["n"] += 1
            if state["n"] % 50:
                return False
            return info_c.info("persistence")["rdb_bgsave_in_progress"] == 0
        during = summary(ping_latencies(c, done))
        bgsave_s = time.perf_counter() - t
        info_c.close()
        c.close()
        srv.stop(timeout=30)

        srv = start(binary, workdir)
        startup_s = srv.startup_secs
        c = srv.client(socket_timeout=120)
        assert c.dbsize() == keys, c.dbsize()
        c.close()
        srv.stop(timeout=30)
        with open(os.path.join(workdir, "server.log"), errors="replace") as f:
            m = re.findall(r"DB loaded from disk: ([0-9.]+) seconds", f.read())
        load_s = float(m[-1]) if m else float("nan")
        return {"save_s": save_s, "size_mb": size / 1e6, "load_s": load_s,
                "startup_s": startup_s, "bgsave_s": bgsave_s,
                "idle_max_us": idle[0], "idle_p99_us": idle[1],
                "bgsave_max_us": during[0], "bgsave_p99_us": during[1], "bgsave_pings": during[2]}
    finally:
        if srv is not None:
            srv.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=1_000_000)
    args = ap.parse_args()
    os.sched_setaffinity(0, {1})
    res = {name: measure(name, binary, args.keys) for name, binary in SERVERS.items()}
    print(f"{args.keys} keys (DEBUG POPULATE: key:<i> -> value:<i>)")
    print(f"{'metric':<26}{'ferrite':>12}{'redis':>12}{'ratio':>8}")
    for k in res["ferrite"]:
        f, r = res["ferrite"][k], res["redis"][k]
        print(f"{k:<26}{f:>12.3f}{r:>12.3f}{ratio(f, r):>8.2f}")


if __name__ == "__main__":
    main()
