#!/usr/bin/python3
"""Summarise the raw.csv written by bench/run.sh.

Usage: /usr/bin/python3 bench/summarize.py bench/results/<timestamp>/raw.csv

Prints one row per redis-benchmark test x pipeline depth: median rps of each server, the ratio
of the medians (ferrite/redis), the spread of the per-round paired ratios (min..max; rounds in
which both servers ran back to back), the median p99 latency of each server, and the median
server CPU time per request (what a core costs per request, even when the client is the
bottleneck).  Also writes
summary.csv next to raw.csv.
"""
import csv
import os
import statistics
import sys
from collections import OrderedDict, defaultdict


def main(path):
    # (test, depth) -> server -> round -> row
    runs = OrderedDict()
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            key = (row["test"], int(row["depth"]))
            runs.setdefault(key, defaultdict(dict))[row["server"]][int(row["round"])] = row

    header = ["test", "depth", "rps_ferrite", "rps_redis", "ratio", "ratio_min", "ratio_max",
              "p99_ferrite_ms", "p99_redis_ms", "cpu_us_ferrite", "cpu_us_redis", "cpu_ratio",
              "rounds"]
    table = []
    for (test, depth), by_server in runs.items():
        f, r = by_server.get("ferrite", {}), by_server.get("redis", {})
        if not f or not r:
            continue
        med = lambda rows, col: statistics.median(float(x[col]) for x in rows.values())
        rps_f, rps_r = med(f, "rps"), med(r, "rps")
        paired = [float(f[k]["rps"]) / float(r[k]["rps"]) for k in sorted(f.keys() & r.keys())]
        cpu_f, cpu_r = med(f, "cpu_us_per_req"), med(r, "cpu_us_per_req")
        table.append([test, depth, rps_f, rps_r, rps_f / rps_r, min(paired), max(paired),
                      med(f, "p99_latency_ms"), med(r, "p99_latency_ms"), cpu_f, cpu_r,
                      cpu_f / cpu_r if cpu_r else float("nan"), len(paired)])

    out_csv = os.path.join(os.path.dirname(os.path.abspath(path)), "summary.csv")
    with open(out_csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for t in table:
            w.writerow([t[0], t[1], "%.2f" % t[2], "%.2f" % t[3], "%.3f" % t[4], "%.3f" % t[5],
                        "%.3f" % t[6], "%.3f" % t[7], "%.3f" % t[8], "%.3f" % t[9],
                        "%.3f" % t[10], "%.3f" % t[11], t[12]])

    cols = ["test", "-P", "ferrite rps", "redis rps", "ratio f/r", "paired min..max",
            "p99 ferrite ms", "p99 redis ms", "cpu us/req f", "cpu us/req r", "cpu f/r"]
    lines = [[t[0], str(t[1]), "%.0f" % t[2], "%.0f" % t[3], "%.3f" % t[4],
              "%.3f..%.3f" % (t[5], t[6]), "%.3f" % t[7], "%.3f" % t[8], "%.2f" % t[9],
              "%.2f" % t[10], "%.3f" % t[11]] for t in table]
    widths = [max(len(c), *(len(l[i]) for l in lines)) if lines else len(c)
              for i, c in enumerate(cols)]
    fmt = lambda cells: "  ".join(
        c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    rounds = sorted({t[12] for t in table})
    print("medians over %s round(s); ratio = median ferrite rps / median redis rps; cpu = "
          "server CPU time per request (lower is better)" % "/".join(map(str, rounds)))
    print(fmt(cols))
    print(fmt(["-" * w for w in widths]))
    for l in lines:
        print(fmt(l))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
