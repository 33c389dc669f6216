#!/usr/bin/python3
"""bench/pubsub.py — PUBLISH fan-out throughput, ferrite-server vs Debian's redis-server.

Both servers run for the whole run, each on its own free loopback port, both pinned to
SERVER_CPU with taskset (same scheme as bench/run.sh: --bind 127.0.0.1 --save "" --appendonly
no); this client process pins itself to CLIENT_CPU.  For every round and every subscriber
count S (default 1, 10, 100) each server gets one trial, the order alternating per round:

  * S raw-socket subscribers connect and SUBSCRIBE to one channel; one warm-up PUBLISH checks
    that the server reports S receivers and that every subscriber gets the exact RESP2 message;
  * one publisher connection pipelines N PUBLISHes (BATCH per write, at most WINDOW
    unacknowledged, and never more than WINDOW messages behind the slowest delivery so no
    output buffer grows large), while a single epoll selector loop drains every subscriber
    socket and the publisher's replies, counting bytes (all messages have the same size);
  * the trial ends when every subscriber has received all N messages and the publisher all N
    replies; delivered messages/s = N * S / elapsed.

N is calibrated once per S against Redis so that a trial lasts about TARGET_SECS, and both
servers always get the same N.  The summary prints per S the median delivered messages/s of
each server over the rounds, the ratio ferrite/redis of the medians, the min..max of the
per-round paired ratios, and the client's CPU share (near 100 % means the Python client, not
the server, was the limit: the ratio then understates the difference).

Run with Debian's interpreter:
    /usr/bin/python3 bench/pubsub.py [--subs "1 10 100"] [--rounds 5] [--size 16] ...
"""
import argparse
import csv
import datetime
import os
import selectors
import signal
import socket
import subprocess
import sys
import time

from benchlib import add_binary_args, median, require, start_server

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)
CHANNEL = b"bench:fanout"


# ------------------------------------------------------------------------------ RESP
def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def message_bytes(channel, payload):
    return b"*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (
        len(channel), channel, len(payload), payload)


def recv_exact(sock, n, timeout=10.0):
    deadline = time.monotonic() + timeout
    buf = b""
    while len(buf) < n:
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        data = sock.recv(n - len(buf))
        if not data:
            raise ConnectionError("server closed the connection after %r" % buf[:80])
        buf += data
    return buf


def recv_line(sock, timeout=10.0):
    buf = b""
    while not buf.endswith(b"\r\n"):
        buf += recv_exact(sock, 1, timeout)
    return buf


def call(sock, *args):
    """One command with a one-line reply (+OK, :n, -ERR)."""
    sock.sendall(encode(*args))
    return recv_line(sock)


# ------------------------------------------------------------------------------ one trial
class Trial:
    """S subscribers + one publisher on one server; run(n) times n PUBLISHes."""

    def __init__(self, port, subs, payload):
        self.payload = payload
        self.msg = message_bytes(CHANNEL, payload)
        self.reply = b":%d\r\n" % subs
        self.subs = []
        self.pub = None
        try:
            confirm = b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:1\r\n" % (len(CHANNEL), CHANNEL)
            for _ in range(subs):
                s = socket.create_connection(("127.0.0.1", port), timeout=10)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.sendall(encode("SUBSCRIBE", CHANNEL))
                self.subs.append(s)
            for s in self.subs:
                got = recv_exact(s, len(confirm))
                if got != confirm:
                    raise RuntimeError("unexpected SUBSCRIBE reply %r" % got)
            self.pub = socket.create_connection(("127.0.0.1", port), timeout=10)
            self.pub.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            # Warm-up: the server reports every receiver and every one gets the exact bytes.
            got = call(self.pub, "PUBLISH", CHANNEL, payload)
            if got != self.reply:
                raise RuntimeError("PUBLISH returned %r, expected %r" % (got, self.reply))
            for s in self.subs:
                got = recv_exact(s, len(self.msg))
                if got != self.msg:
                    raise RuntimeError("subscriber got %r, expected %r" % (got, self.msg))
        except BaseException:
            self.close()
            raise

    def close(self):
        for s in self.subs + ([self.pub] if self.pub else []):
            try:
                s.close()
            except OSError:
                pass
        self.subs, self.pub = [], None

    def run(self, n, batch, window, timeout=300.0):
        """Publish n messages; return (elapsed seconds, client CPU seconds)."""
        nsubs = len(self.subs)
        one = encode("PUBLISH", CHANNEL, self.payload)
        full_batch = one * batch
        msg_len, reply_len = len(self.msg), len(self.reply)
        want_sub_bytes = n * msg_len
        want_reply_bytes = n * reply_len

        sel = selectors.DefaultSelector()
        for i, s in enumerate(self.subs):
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, i)
        self.pub.setblocking(False)
        sel.register(self.pub, selectors.EVENT_READ, -1)
        sub_bytes = [0] * nsubs
        delivered_total = 0          # bytes over all subscribers
        reply_bytes = 0
        sent = 0                     # PUBLISHes written
        out = memoryview(b"")        # unsent part of the current batch
        buf = bytearray(1 << 20)
        done_subs = 0
        deadline = time.monotonic() + timeout

        cpu0 = time.process_time()
        t0 = time.perf_counter()
        while done_subs < nsubs or reply_bytes < want_reply_bytes:
            # Write more while within both windows: unacknowledged publishes, and messages
            # not yet delivered (counted over all subscribers).
            while True:
                if not out:
                    acked = reply_bytes // reply_len
                    behind = sent - delivered_total // (msg_len * nsubs)
                    if sent >= n or sent - acked >= window or behind >= window:
                        break
                    k = min(batch, n - sent)
                    out = memoryview(full_batch if k == batch else one * k)
                    sent += k
                try:
                    w = self.pub.send(out)
                except BlockingIOError:
                    break
                out = out[w:]
            for key, _ in sel.select(timeout=1.0):
                s, i = key.fileobj, key.data
                while True:
                    try:
                        got = s.recv_into(buf)
                    except BlockingIOError:
                        break
                    if got == 0:
                        raise ConnectionError("server closed a %s connection"
                                              % ("publisher" if i < 0 else "subscriber"))
                    if i < 0:
                        reply_bytes += got
                    else:
                        before = sub_bytes[i]
                        sub_bytes[i] = before + got
                        delivered_total += got
                        if before < want_sub_bytes <= sub_bytes[i]:
                            done_subs += 1
                    if got < len(buf):
                        break
            if time.monotonic() > deadline:
                raise TimeoutError("trial did not finish in %.0f s (%d/%d subscribers done)"
                                   % (timeout, done_subs, nsubs))
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        sel.close()
        for s in self.subs + [self.pub]:
            s.setblocking(True)
        if any(b != want_sub_bytes for b in sub_bytes) or reply_bytes != want_reply_bytes:
            raise RuntimeError("byte counts off: subscribers %s..%s of %d, replies %d of %d"
                               % (min(sub_bytes), max(sub_bytes), want_sub_bytes,
                                  reply_bytes, want_reply_bytes))
        return elapsed, cpu


def trial(server, subs, n, args, payload):
    t = Trial(server.port, subs, payload)
    try:
        return t.run(n, args.batch, args.window)
    finally:
        t.close()


# ------------------------------------------------------------------------------ main
def main():
    env = os.environ.get
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--subs", default=env("SUBS", "1 10 100"),
                    help='subscriber counts, space or comma separated (env SUBS, "1 10 100")')
    ap.add_argument("--rounds", type=int, default=int(env("ROUNDS", 5)),
                    help="rounds; the table shows medians (env ROUNDS, 5)")
    ap.add_argument("--size", type=int, default=int(env("SIZE", 16)),
                    help="payload bytes per message (env SIZE, 16)")
    ap.add_argument("--target-secs", type=float, default=float(env("TARGET_SECS", 1.0)),
                    help="calibrated length of one trial against Redis (env TARGET_SECS, 1.0)")
    ap.add_argument("--messages", type=int, default=int(env("MESSAGES", 0)) or None,
                    help="fixed PUBLISH count per trial instead of calibrating (env MESSAGES)")
    ap.add_argument("--batch", type=int, default=int(env("BATCH", 100)),
                    help="PUBLISHes per pipelined write (env BATCH, 100)")
    ap.add_argument("--window", type=int, default=int(env("WINDOW", 2000)),
                    help="max PUBLISHes unacknowledged / undelivered (env WINDOW, 2000)")
    add_binary_args(ap)
    ap.add_argument("--server-cpu", default=env("SERVER_CPU", "0"),
                    help="taskset CPU list for both servers (env SERVER_CPU, 0)")
    ap.add_argument("--client-cpu", default=env("CLIENT_CPU", "1"),
                    help="CPU list for this client process (env CLIENT_CPU, 1)")
    ap.add_argument("--results", default=env("RESULTS_DIR"),
                    help="output directory (default bench/results/<timestamp>-pubsub)")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    subs_list = [int(x) for x in args.subs.replace(",", " ").split()]
    if not subs_list or min(subs_list) < 1 or args.rounds < 1 or args.batch < 1 \
            or args.window < args.batch or args.size < 0:
        ap.error("need subscriber counts >= 1, rounds >= 1, batch >= 1, window >= batch")
    require("pubsub.py", args.ferrite, args.redis)

    def cpus(spec):
        out = set()
        for part in spec.split(","):
            lo, _, hi = part.partition("-")
            out.update(range(int(lo), int(hi or lo) + 1))
        return out

    ncpu = os.cpu_count() or 1
    client_cpu = args.client_cpu
    if ncpu < 2:
        print("WARNING: only %d CPU; server and client share it, figures will be noisy" % ncpu,
              file=sys.stderr)
        client_cpu = args.server_cpu
    os.sched_setaffinity(0, cpus(client_cpu))
    load1 = os.getloadavg()[0]
    if load1 > 0.5:
        print("WARNING: load average is %.2f; other work on this machine adds noise" % load1,
              file=sys.stderr)

    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = max(subs_list) + 64
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(need, 4096), hard), hard))

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    outdir = args.results or os.path.join(BENCH_DIR, "results", stamp + "-pubsub")
    os.makedirs(outdir, exist_ok=True)
    payload = (b"0123456789abcdef" * (args.size // 16 + 1))[:args.size]

    servers = {}
    rows = []
    try:
        for name, binary in (("ferrite", args.ferrite), ("redis", args.redis)):
            servers[name] = start_server(binary, args.server_cpu, outdir, "--maxclients", 10000,
                                         name=name, taken=[s.port for s in servers.values()])
        for s in servers.values():
            print("%s: pid %d, port %d, cpu %s (%s)" % (s.name, s.pid, s.port, s.cpu,
                                                        s.binary), file=sys.stderr)
        with open(os.path.join(outdir, "meta.txt"), "w") as fh:
            fh.write("date: %s\n" % datetime.datetime.now().isoformat(timespec="seconds"))
            fh.write("host: %s\n" % " ".join(os.uname()))
            fh.write("loadavg at start: %.2f\n" % load1)
            fh.write("ferrite: %s (%s)\n" % (args.ferrite, subprocess.run(
                ["git", "-C", REPO_DIR, "rev-parse", "--short", "HEAD"],
                capture_output=True, text=True).stdout.strip() or "no-commit"))
            fh.write("redis: %s\n" % servers["redis"].version())
            fh.write("subs=%s rounds=%d size=%d batch=%d window=%d target_secs=%s messages=%s "
                     "server_cpu=%s client_cpu=%s\n" % (
                         subs_list, args.rounds, args.size, args.batch, args.window,
                         args.target_secs, args.messages or "auto", args.server_cpu, client_cpu))

        # Calibrate N per subscriber count against Redis (ferrite gets a warm-up run too).
        nmsg = {}
        for subs in subs_list:
            if args.messages:
                nmsg[subs] = args.messages
                continue
            cal = max(2000, 200_000 // subs)
            trial(servers["ferrite"], subs, cal, args, payload)
            elapsed, _ = trial(servers["redis"], subs, cal, args, payload)
            n = int(cal * args.target_secs / max(elapsed, 1e-3))
            nmsg[subs] = max(args.batch, n // args.batch * args.batch)
            print("calibrated: %d subscribers -> %d PUBLISHes per trial" % (subs, nmsg[subs]),
                  file=sys.stderr)

        for rnd in range(1, args.rounds + 1):
            order = ["ferrite", "redis"] if rnd % 2 else ["redis", "ferrite"]
            for subs in subs_list:
                for name in order:
                    n = nmsg[subs]
                    elapsed, cpu = trial(servers[name], subs, n, args, payload)
                    row = {"server": name, "round": rnd, "subscribers": subs,
                           "publishes": n, "payload": args.size,
                           "seconds": round(elapsed, 4),
                           "delivered_per_sec": round(n * subs / elapsed),
                           "publishes_per_sec": round(n / elapsed),
                           "client_cpu_share": round(cpu / elapsed, 3)}
                    rows.append(row)
                    print("round %d/%d  %3d subs  %-7s  %10.0f msg/s delivered  (client cpu "
                          "%3.0f%%)" % (rnd, args.rounds, subs, name, row["delivered_per_sec"],
                                        100 * row["client_cpu_share"]), file=sys.stderr)
    finally:
        for s in servers.values():
            s.stop()

    with open(os.path.join(outdir, "raw.csv"), "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)

    lines = ["PUBLISH fan-out, %d-byte payload, medians over %d rounds; messages delivered "
             "per second (= PUBLISHes/s x subscribers)" % (args.size, args.rounds),
             "%5s %10s %14s %14s %10s %16s %14s" % ("subs", "publishes", "ferrite msg/s",
                                                    "redis msg/s", "ratio f/r",
                                                    "paired min..max", "client cpu")]
    for subs in subs_list:
        def pick(name):
            return [r for r in rows if r["server"] == name and r["subscribers"] == subs]
        f, rd = pick("ferrite"), pick("redis")
        fmed = median(r["delivered_per_sec"] for r in f)
        rmed = median(r["delivered_per_sec"] for r in rd)
        paired = [a["delivered_per_sec"] / b["delivered_per_sec"]
                  for a in f for b in rd if a["round"] == b["round"]]
        cpu = median(r["client_cpu_share"] for r in f + rd)
        lines.append("%5d %10d %14.0f %14.0f %10.3f %16s %13.0f%%" % (
            subs, nmsg[subs], fmed, rmed, fmed / rmed,
            "%.2f..%.2f" % (min(paired), max(paired)), 100 * cpu))
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(outdir, "summary.txt"), "w") as fh:
        fh.write(text + "\n")
    print("results: %s" % outdir, file=sys.stderr)


if __name__ == "__main__":
    main()
