#!/usr/bin/env python3
"""Turns bench/echo.sh's TSV into the README's Markdown tables: medians per server and case, ratios to Netty."""
import sys

from benchtable import Runs, print_comments, rows, table_head


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
    print_comments(path)
    print("Round-trip latency at a fixed rate (half the slowest server's median throughput for the case), "
          "p50 / p99 in ms, from when each message was due:")
    print()
    table_head(["case"], ["rate"] + servers)
    for case in cases:
        cells = []
        for s in servers:
            r = data.get((s, case))
            cells.append("—" if r is None or r["errors"] != "0" else f"{float(r['p50_ms']):.2f} / {float(r['p99_ms']):.2f}")
        print(f"| {case[0]} x {case[1]} B | {case[2]:,} msg/s | " + " | ".join(cells) + " |")


def throughput(path):
    runs = Runs(path, lambda r: (int(r["conns"]), int(r["size"]), r.get("kind") or "binary"))
    servers, cases = runs.servers, runs.cases
    ours = [s for s in servers if s.startswith("ours")]
    # c-floor*: bench/floor.c, the least a server can do per message here; the ceiling, not a peer
    ceilings = [s for s in servers if s.startswith("c-floor")]
    peers = [s for s in servers if not s.startswith("ours") and s not in ceilings]
    print_comments(path)
    print("Messages per second, median of the repetitions (in brackets: CPU % of the load generator / of the server):")
    print()
    table_head(["case"], servers)
    for case in cases:
        print(f"| {label(case)} | " + " | ".join(runs.rate_cells(case, "msgs_per_sec")) + " |")
    for title, field in (("Throughput ratio ours / peer (> 1: ours is faster), medians of the same run:", "msgs_per_sec"),
                         ("Efficiency ratio ours / peer: messages per CPU-second of the server process "
                          "(> 1: ours does the same work with less CPU), medians of the same run:",
                          "msgs_per_server_cpu_sec")):
        print()
        print(title)
        print()
        ratio_table(runs, field, [(o, p) for o in ours for p in peers + ceilings])
    if ceilings and peers:
        print()
        print("The ceiling: throughput of the minimal C server (bench/floor.c) / each JVM server, medians of the "
              "same run (no server making the same system calls can exceed these ratios here):")
        print()
        ratio_table(runs, "msgs_per_sec", [(c, p) for c in ceilings for p in ours + peers])


def ratio_table(runs, field, cols):
    table_head(["case"], [f"{o} / {p}" for o, p in cols])
    for case in runs.cases:
        print(f"| {label(case)} | " + " | ".join(runs.ratio(o, p, case, field) for o, p in cols) + " |")


def label(case):
    conns, size, kind = case
    return f"{conns} x {size} B" + (" text" if kind == "text" else "")


def memory(path):
    print_comments(path)
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
