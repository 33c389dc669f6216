#!/usr/bin/python3
"""bench/repl.py — replication, ferrite master+replica vs Redis master+replica, same run.

Every round (order alternating per round: ferrite→redis, redis→ferrite, ...), for each server
kind: a master pinned to MASTER_CPU and fresh replicas pinned to REPLICA_CPU, each in its own
temporary --dir, all with --save "" --appendonly no --enable-debug-command yes
--repl-diskless-sync-delay 0:

  1. SET throughput without a replica: redis-benchmark (pinned to BENCH_CPU)
     -t set -P 16 -c 50 -n REQUESTS -r 100000 -q against the master, which has never had one;
  2. full sync: DEBUG POPULATE N key VALUE_SIZE on the master; then for repl-diskless-sync
     no and yes (CONFIG SET on the master), a fresh empty replica gets REPLICAOF and the time
     until its INFO replication says master_link_status:up and its DBSIZE == N is measured;
  3. SET throughput with that replica online (FLUSHALL first, on both); right after the run
     the replica's lag in bytes (master_repl_offset - the replica's slave_repl_offset, and
     - the master's view - master_repl_offset - slave0 offset), the time until the replica
     has caught up, and after WAIT 1 5000 the replica's DBSIZE must equal the master's.

Prints medians per metric for both kinds and the ratio ferrite/redis.

    /usr/bin/python3 bench/repl.py [--keys 1000000] [--rounds 3] [--requests 1000000]
"""
import argparse
import csv
import datetime
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import redis

from benchlib import add_binary_args, median, ratio, require, start_server

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)
BENCHMARK = "/usr/bin/redis-benchmark"


def repl_info(c):
    return c.info("replication")


def wait_synced(replica, nkeys, timeout):
    """Poll until the replica's link is up and DBSIZE == nkeys; return False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if repl_info(replica).get("master_link_status") == "up" \
                    and replica.dbsize() == nkeys:
                return True
        except (redis.BusyLoadingError, redis.ResponseError):
            pass
        time.sleep(0.005)
    return False


def full_sync(kind, binary, args, master, diskless, tmpdirs, logdir, tag):
    """Fresh replica, REPLICAOF master; seconds until link up and DBSIZE == N, and the replica."""
    master.client().config_set("repl-diskless-sync", "yes" if diskless else "no")
    d = tempfile.mkdtemp(prefix="repl-bench-%s-replica-" % kind)
    tmpdirs.append(d)
    rep = start_server(binary, args.replica_cpu, d, *common_args(), name="replica")
    try:
        c = rep.client()
        t0 = time.perf_counter()
        c.replicaof("127.0.0.1", master.port)
        ok = wait_synced(c, args.keys, args.sync_timeout)
        secs = time.perf_counter() - t0
        if not ok:
            raise RuntimeError("%s replica did not sync %d keys within %d s (%s), see %s"
                               % (kind, args.keys, args.sync_timeout, tag, rep.logpath))
        return secs, rep
    except BaseException:
        rep.stop()
        keep_log(rep, logdir, tag)
        raise


def common_args():
    return ["--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0"]


def bench_set(port, args):
    cmd = ["taskset", "-c", str(args.bench_cpu), BENCHMARK, "-h", "127.0.0.1", "-p", str(port),
           "-t", "set", "-P", "16", "-c", "50", "-n", str(args.requests), "-r", "100000", "-q"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300).stdout
    m = re.findall(r"SET: ([0-9.]+) requests per second", out)
    if not m:
        raise RuntimeError("cannot parse redis-benchmark output: %r" % out[-300:])
    return float(m[-1])


def keep_log(srv, logdir, tag):
    if os.path.exists(srv.logpath):
        shutil.copy(srv.logpath, os.path.join(logdir, "%s.log" % tag))


def one_round(kind, binary, args, logdir, rnd):
    """All measurements for one server kind in one round; returns a dict of metrics."""
    res = {}
    tmpdirs, servers = [], []
    try:
        d = tempfile.mkdtemp(prefix="repl-bench-%s-master-" % kind)
        tmpdirs.append(d)
        master = start_server(binary, args.master_cpu, d, *common_args(), name="master")
        servers.append((master, "%s-r%d-master" % (kind, rnd)))
        m = master.client()

        res["set_rps_no_replica"] = bench_set(master.port, args)
        m.flushall()

        t = time.perf_counter()
        m.execute_command("DEBUG", "POPULATE", args.keys, "key", args.value_size)
        res["populate_s"] = time.perf_counter() - t
        assert m.dbsize() == args.keys, m.dbsize()

        rep = None
        for diskless in (False, True):
            tag = "%s-r%d-replica-%s" % (kind, rnd, "diskless" if diskless else "disk")
            if rep is not None:        # only one replica at a time
                rep.stop()
            secs, rep = full_sync(kind, binary, args, master, diskless, tmpdirs, logdir, tag)
            servers.append((rep, tag))
            res["sync_%s_s" % ("diskless" if diskless else "disk")] = secs

        r = rep.client()
        m.flushall()
        if not wait_synced(r, 0, 30):
            raise RuntimeError("%s replica did not follow FLUSHALL" % kind)
        res["set_rps_with_replica"] = bench_set(master.port, args)
        mi = repl_info(m)
        ri = repl_info(r)
        moff = mi["master_repl_offset"]
        res["lag_bytes"] = moff - ri.get("slave_repl_offset", 0)
        slave0 = mi.get("slave0") or {}
        res["lag_bytes_master_view"] = moff - int(slave0.get("offset", 0))
        t = time.perf_counter()
        deadline = time.monotonic() + 30
        while repl_info(r).get("slave_repl_offset", 0) < moff and time.monotonic() < deadline:
            time.sleep(0.001)
        res["catch_up_s"] = time.perf_counter() - t
        res["wait_acked"] = m.execute_command("WAIT", 1, 5000)
        mdb, rdb = m.dbsize(), r.dbsize()
        res["dbsize_master"], res["dbsize_replica"] = mdb, rdb
        if mdb != rdb:
            print("WARNING: %s round %d: replica DBSIZE %d != master %d after WAIT"
                  % (kind, rnd, rdb, mdb), file=sys.stderr)
        return res
    finally:
        for srv, tag in reversed(servers):     # replicas first: no reconnect noise
            srv.stop()
            keep_log(srv, logdir, tag)
        for d in tmpdirs:
            shutil.rmtree(d, ignore_errors=True)


# (key in the per-round dict, label, format)
METRICS = [
    ("sync_disk_s", "full sync, disk (s)", "%.3f"),
    ("sync_diskless_s", "full sync, diskless (s)", "%.3f"),
    ("set_rps_no_replica", "SET rps, no replica", "%.0f"),
    ("set_rps_with_replica", "SET rps, 1 replica", "%.0f"),
    ("lag_bytes", "lag after SET run (bytes)", "%.0f"),
    ("lag_bytes_master_view", "lag, master's view (bytes)", "%.0f"),
    ("catch_up_s", "catch-up after SET run (s)", "%.3f"),
    ("populate_s", "DEBUG POPULATE (s)", "%.3f"),
]


def main():
    env = os.environ.get
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--keys", type=int, default=int(env("NKEYS", 1_000_000)),
                    help="keys for the full sync (env NKEYS, 1000000)")
    ap.add_argument("--value-size", type=int, default=100, help="DEBUG POPULATE value size (100)")
    ap.add_argument("--rounds", type=int, default=int(env("ROUNDS", 3)),
                    help="rounds; the table shows medians (env ROUNDS, 3)")
    ap.add_argument("--requests", type=int, default=int(env("REQUESTS", 1_000_000)),
                    help="redis-benchmark -n for the SET runs (env REQUESTS, 1000000)")
    ap.add_argument("--sync-timeout", type=int, default=300, help="seconds per full sync (300)")
    add_binary_args(ap)
    ap.add_argument("--master-cpu", default=env("MASTER_CPU", "0"), help="(env MASTER_CPU, 0)")
    ap.add_argument("--replica-cpu", default=env("REPLICA_CPU", "1"),
                    help="(env REPLICA_CPU, 1)")
    ap.add_argument("--bench-cpu", default=env("BENCH_CPU", "1"),
                    help="redis-benchmark and this script (env BENCH_CPU, 1)")
    ap.add_argument("--results", default=env("RESULTS_DIR"),
                    help="output directory (default bench/results/<timestamp>-repl)")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.keys < 1 or args.rounds < 1 or args.requests < 1:
        ap.error("--keys, --rounds and --requests must be positive")
    require("repl.py", args.ferrite, args.redis, BENCHMARK)
    os.sched_setaffinity(0, {int(c) for c in str(args.bench_cpu).split(",")})

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    outdir = args.results or os.path.join(BENCH_DIR, "results", stamp + "-repl")
    os.makedirs(outdir, exist_ok=True)
    binaries = {"ferrite": args.ferrite, "redis": args.redis}
    load1 = os.getloadavg()[0]
    if load1 > 0.5:
        print("WARNING: load average is %.2f; other work on this machine adds noise" % load1,
              file=sys.stderr)

    rows = []
    for rnd in range(1, args.rounds + 1):
        for kind in (["ferrite", "redis"] if rnd % 2 else ["redis", "ferrite"]):
            res = one_round(kind, binaries[kind], args, outdir, rnd)
            res = {"server": kind, "round": rnd, **res}
            rows.append(res)
            print("round %d/%d %-7s " % (rnd, args.rounds, kind)
                  + " ".join("%s=%s" % (k, round(v, 3) if isinstance(v, float) else v)
                             for k, v in res.items() if k not in ("server", "round")),
                  file=sys.stderr)

    with open(os.path.join(outdir, "raw.csv"), "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)

    lines = ["replication: N=%d keys of %d bytes (DEBUG POPULATE), SET -P 16 -c 50 -n %d "
             "-r 100000; medians over %d rounds; master cpu %s, replica cpu %s, "
             "client cpu %s" % (args.keys, args.value_size, args.requests, args.rounds,
                                args.master_cpu, args.replica_cpu, args.bench_cpu),
             "%-30s %14s %14s %10s" % ("metric", "ferrite", "redis", "ratio f/r")]
    for key, label, fmt in METRICS:
        f = median(r[key] for r in rows if r["server"] == "ferrite")
        rd = median(r[key] for r in rows if r["server"] == "redis")
        q = ratio(f, rd)
        lines.append("%-30s %14s %14s %10s" % (label, fmt % f, fmt % rd,
                                               "n/a" if q != q else "%.3f" % q))
    for kind in binaries:
        mine = [r for r in rows if r["server"] == kind]
        bad = [r["round"] for r in mine if r["dbsize_master"] != r["dbsize_replica"]
               or r["wait_acked"] != 1]
        lines.append("%s: WAIT 1 5000 acked and replica DBSIZE == master DBSIZE in %d/%d rounds%s"
                     % (kind, len(mine) - len(bad), len(mine),
                        " (failed: %s)" % bad if bad else ""))
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(outdir, "summary.txt"), "w") as fh:
        fh.write(text + "\n")
    warn = []
    for log in sorted(glob.glob(os.path.join(outdir, "ferrite-*.log"))):
        with open(log, errors="replace") as fh:
            warn += ["%s: %s" % (os.path.basename(log), l.rstrip()) for l in fh
                     if re.search(r"warn|error|fail", l, re.I)
                     and "no config file specified" not in l]
    if warn:
        print("ferrite log lines with warn/error/fail (%d):" % len(warn), file=sys.stderr)
        for l in warn[:20]:
            print("  " + l, file=sys.stderr)
    print("results: %s" % outdir, file=sys.stderr)


if __name__ == "__main__":
    main()
