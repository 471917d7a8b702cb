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


def latency(path):
    """The fixed-rate pass: p50 / p99 round trip per server and case (from ./fastws bench --rate)."""
    data, servers, cases = {}, [], []
    for r in rows(path):
        s, case = r["server"], (int(r["conns"]), int(r["size"]), int(r["rate"]))
        if s not in servers:
            servers.append(s)
        if case not in cases:
            cases.append(case)
        data[(s, case)] = r
    print("\n".join("- " + c for c in comments(path)))
    print()
    print("Round-trip latency at a fixed rate (half the slowest server's median throughput for the case), "
          "p50 / p99 in ms, from when each message was due:")
    print()
    print("| case | rate | " + " | ".join(servers) + " |")
    print("|---|---:|" + "---:|" * len(servers))
    for case in cases:
        cells = []
        for s in servers:
            r = data.get((s, case))
            cells.append("—" if r is None or r["errors"] != "0" else f"{float(r['p50_ms']):.2f} / {float(r['p99_ms']):.2f}")
        print(f"| {case[0]} x {case[1]} B | {case[2]:,} msg/s | " + " | ".join(cells) + " |")


def throughput(path):
    rates, lg, srv, eff = (defaultdict(list) for _ in range(4))
    failed = defaultdict(int)
    servers, cases = [], []
    for r in rows(path):
        s, case = r["server"], (int(r["conns"]), int(r["size"]), r.get("kind") or "binary")
        if s not in servers:
            servers.append(s)
        if case not in cases:
            cases.append(case)
        if r["errors"] != "0":
            failed[(s, case)] += 1
            continue
        rates[(s, case)].append(float(r["msgs_per_sec"]))
        lg[(s, case)].append(float(r["loadgen_cpu_pct"]))
        srv[(s, case)].append(float(r.get("server_cpu_pct") or 0))
        eff[(s, case)].append(float(r.get("msgs_per_server_cpu_sec") or 0))
    med = statistics.median
    ours = [s for s in servers if s.startswith("ours")]
    # c-floor*: bench/floor.c, the least a server can do per message here; the ceiling, not a peer
    ceilings = [s for s in servers if s.startswith("c-floor")]
    peers = [s for s in servers if not s.startswith("ours") and s not in ceilings]
    print("\n".join("- " + c for c in comments(path)))
    print()
    print("Messages per second, median of the repetitions (in brackets: CPU % of the load generator / of the server):")
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
            cell = f"{fmt_rate(med(v))} ({med(lg[(s, case)]):.0f}% / {med(srv[(s, case)]):.0f}%)"
            if failed.get((s, case)):
                cell += f" ({failed[(s, case)]} runs failed)"
            cells.append(cell)
        print(f"| {label(case)} | " + " | ".join(cells) + " |")
    for title, data in (("Throughput ratio ours / peer (> 1: ours is faster), medians of the same run:", rates),
                        ("Efficiency ratio ours / peer: messages per CPU-second of the server process "
                         "(> 1: ours does the same work with less CPU), medians of the same run:", eff)):
        print()
        print(title)
        print()
        ratio_table(data, cases, [(o, p) for o in ours for p in peers + ceilings])
    if ceilings and peers:
        print()
        print("The ceiling: throughput of the minimal C server (bench/floor.c) / each JVM server, medians of the "
              "same run (no server making the same system calls can exceed these ratios here):")
        print()
        ratio_table(rates, cases, [(c, p) for c in ceilings for p in ours + peers])


def ratio_table(data, cases, cols):
    med = statistics.median
    print("| case | " + " | ".join(f"{o} / {p}" for o, p in cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for case in cases:
        cells = []
        for o, p in cols:
            a, b = data.get((o, case)), data.get((p, case))
            cells.append(f"{med(a) / med(b):.2f}x" if a and b and med(b) > 0 else "n/a")
        print(f"| {label(case)} | " + " | ".join(cells) + " |")


def label(case):
    conns, size, kind = case
    return f"{conns} x {size} B" + (" text" if kind == "text" else "")


def memory(path):
    print("\n".join("- " + c for c in comments(path)))
    print()
    print("Messages: 0 = connections that never sent a message; 1 = each exchanged one small message each way first "
          "(the footprint a connection keeps after use); large = one large message each way (buffers grown, then "
          "given back). Per connection: RSS growth, and live heap growth after a full GC.")
    print()
    print("| server | connections | messages | RSS before (MiB) | RSS with them (MiB) "
          "| RSS per connection (KiB) | live heap per connection (KiB) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows(path):
        n = int(r["idle_conns"])
        try:
            per = f"{(float(r['rss_after_mib']) - float(r['rss_before_mib'])) * 1024 / n:.1f}"
        except ValueError:
            per = "failed"
        try:
            heap = float(r["heap_after_gc_mib"]) - float(r.get("heap_before_mib") or 0)
            heap = f"{heap * 1024 / n:.2f}" if heap > 0 else "—"
        except ValueError:
            heap = "failed"
        print(f"| {r['server']} | {n} | {r.get('messages', '0')} | {r['rss_before_mib']} "
              f"| {r['rss_after_mib']} | {per} | {heap} |")


if __name__ == "__main__":
    {"throughput": throughput, "memory": memory, "latency": latency}[sys.argv[1]](sys.argv[2])
