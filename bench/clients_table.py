#!/usr/bin/env python3
"""Prints bench/clients.sh's results as Markdown: median msgs/s per client and case, ratio to Netty's client,
CPU per message, and the latency row's percentiles."""
import statistics
import sys
from collections import defaultdict


def num(v):
    try:
        return float(v)
    except ValueError:
        return None


def main(path):
    rows = [l.rstrip("\n").split("\t") for l in open(path) if not l.startswith("#")]
    head, rows = rows[0], rows[1:]
    col = {h: i for i, h in enumerate(head)}
    by = defaultdict(list)
    clients, cases = [], []
    for r in rows:
        c, case = r[col["client"]], (int(r[col["conns"]]), int(r[col["size"]]))
        by[(c, case)].append(r)
        if c not in clients:
            clients.append(c)
        if case not in cases:
            cases.append(case)

    def med(c, case, field):
        vals = [num(r[col[field]]) for r in by[(c, case)]]
        vals = [v for v in vals if v is not None]
        return statistics.median(vals) if vals else None

    for line in open(path):
        if line.startswith("#"):
            print(line.rstrip())
    tput = [k for k in cases if k[0] > 1]
    print()
    print("| client | " + " | ".join(f"{n} x {s} B: msgs/s (x Netty), CPU us/msg" for n, s in tput) + " |")
    print("|---|" + "---|" * len(tput))
    for c in clients:
        cells = []
        for k in tput:
            r, netty, cpu = med(c, k, "msgs_per_sec"), med("netty", k, "msgs_per_sec"), med(c, k, "cpu_us_per_msg")
            if r is None:
                cells.append("—")
                continue
            ratio = f" ({r / netty:.2f}x)" if netty else ""
            cells.append(f"{r:,.0f}{ratio}" + (f", {cpu:.1f}" if cpu else ""))
        print(f"| {c} | " + " | ".join(cells) + " |")
    if "fastws-bench" in clients and "loadgen" in clients:
        print()
        print("`fastws bench` against `loadgen` (the C generator) in the same run, by rate and by CPU per message "
              "(loadgen's CPU / the CLI's: > 1 means the CLI costs less):")
        print()
        print("| case | msgs/s ratio | CPU us/msg: fastws-bench, loadgen, ratio |")
        print("|---|---|---|")
        for k in tput:
            r, g = med("fastws-bench", k, "msgs_per_sec"), med("loadgen", k, "msgs_per_sec")
            c, gc = med("fastws-bench", k, "cpu_us_per_msg"), med("loadgen", k, "cpu_us_per_msg")
            if r and g and c and gc:
                print(f"| {k[0]} x {k[1]} B | {r / g:.2f}x | {c:.1f}, {gc:.1f}, {gc / c:.2f}x |")
    lat = [k for k in cases if k[0] == 1]
    for k in lat:
        print()
        print(f"Ping-pong, {k[0]} connection x {k[1]} B (round trip, microseconds, medians of the runs):")
        print()
        print("| client | msgs/s | p50 | p99 | p99.9 |")
        print("|---|---|---|---|---|")
        for c in clients:
            r = med(c, k, "msgs_per_sec")
            if r is None:
                continue
            p = [med(c, k, f) for f in ("p50_us", "p99_us", "p999_us")]
            print(f"| {c} | {r:,.0f} | " + " | ".join("—" if v is None else f"{v:.1f}" for v in p) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
