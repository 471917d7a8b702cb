#!/usr/bin/env python3
"""Turns bench/echo.sh's TSV into the README's Markdown tables: medians per server and case, ratios to Netty."""
import statistics
import sys
from collections import defaultdict


def rows(path):
    header = None
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        cells = line.rstrip("\n").split("\t")
        if header is None:
            header = cells
            continue
        yield dict(zip(header, cells))


def comments(path):
    return [line.rstrip("\n")[2:] for line in open(path) if line.startswith("# ")]


def fmt_rate(x):
    return f"{x / 1e6:.2f} M/s" if x >= 1e6 else f"{x / 1e3:.1f} k/s"


def throughput(path):
    rates = defaultdict(list)
    cpus = defaultdict(list)
    failed = defaultdict(int)
    servers, cases = [], []
    for r in rows(path):
        s, case = r["server"], (int(r["conns"]), int(r["size"]))
        if s not in servers:
            servers.append(s)
        if case not in cases:
            cases.append(case)
        if r["errors"] != "0":
            failed[(s, case)] += 1
            continue
        rates[(s, case)].append(float(r["msgs_per_sec"]))
        cpus[(s, case)].append(float(r["loadgen_cpu_pct"]))
    ours = [s for s in servers if s.startswith("ours")]
    peers = [s for s in servers if not s.startswith("ours")]
    print("\n".join("- " + c for c in comments(path)))
    print()
    print("Messages per second, median of the repetitions (load generator CPU % in brackets):")
    print()
    print("| case | " + " | ".join(servers) + " |")
    print("|---|" + "---:|" * len(servers))
    for case in cases:
        cells = []
        for s in servers:
            v = rates.get((s, case))
            if not v:
                cells.append("failed")
                continue
            cell = f"{fmt_rate(statistics.median(v))} ({statistics.median(cpus[(s, case)]):.0f}%)"
            if failed.get((s, case)):
                cell += f" ({failed[(s, case)]} runs failed)"
            cells.append(cell)
        print(f"| {case[0]} x {case[1]} B | " + " | ".join(cells) + " |")
    print()
    print("Ratio ours / peer (> 1: ours is faster), medians of the same run:")
    print()
    cols = [(o, p) for o in ours for p in peers]
    print("| case | " + " | ".join(f"{o} / {p}" for o, p in cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for case in cases:
        cells = []
        for o, p in cols:
            a, b = rates.get((o, case)), rates.get((p, case))
            cells.append(f"{statistics.median(a) / statistics.median(b):.2f}x" if a and b else "n/a")
        print(f"| {case[0]} x {case[1]} B | " + " | ".join(cells) + " |")


def memory(path):
    print("\n".join("- " + c for c in comments(path)))
    print()
    print("| server | idle connections | RSS before (MiB) | RSS with them (MiB) | RSS per connection (KiB) "
          "| heap after GC (MiB) |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows(path):
        try:
            per = (float(r["rss_after_mib"]) - float(r["rss_before_mib"])) * 1024 / int(r["idle_conns"])
            per = f"{per:.1f}"
        except ValueError:
            per = "failed"
        print(f"| {r['server']} | {r['idle_conns']} | {r['rss_before_mib']} | {r['rss_after_mib']} | {per} "
              f"| {r['heap_after_gc_mib']} |")


if __name__ == "__main__":
    {"throughput": throughput, "memory": memory}[sys.argv[1]](sys.argv[2])
