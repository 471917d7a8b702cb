#!/usr/bin/env python3
"""Turns bench/cluster.sh's TSV into Markdown: per setup (one node, one node with Redis, a cluster) and load (all
clients send each round, or one sender per round), the median deliveries per second, latency p50 / p99 (all
deliveries, and those that crossed from one node to another), and the cluster against one node in the same run."""
import sys

from benchtable import Runs, fmt_rate, print_comments, table_head

LOADS = {"all": "every client sends each round", "one": "one sender per round"}


def ms(us):
    return "n/a" if us is None or us < 0 else f"{us / 1000:.2f}"


def main(path):
    runs = Runs(path, lambda r: (r["mode"], int(r["clients"]), int(r["size"])), server="setup")
    print_comments(path)
    print("Medians of the repetitions; CPU % of the load generator / of the servers (every node and Redis, summed); "
          "latency in ms from a client's send to another client's receipt, p50 / p99, over all deliveries and over "
          "those whose sender was on another node (remote):")
    print()
    table_head(["setup", "load"], ["nodes", "deliveries/s", "CPU", "deliveries per server CPU-s", "latency p50 / p99",
                                   "remote latency p50 / p99", "RSS max (MiB)"])
    for case in runs.cases:
        mode, clients, size = case
        for s in runs.servers:
            rate = runs.med(s, case, "deliveries_per_sec")
            load = f"{clients} x {size} B, {LOADS.get(mode, mode)}"
            if rate is None:
                print(f"| {s} | {load} | | failed | | | | | |")
                continue
            m = lambda f: runs.med(s, case, f)  # noqa: E731
            failed = f" ({runs.failed[(s, case)]} runs failed)" if runs.failed.get((s, case)) else ""
            print(f"| {s} | {load} | {m('nodes'):.0f} | {fmt_rate(rate)}{failed} "
                  f"| {m('loadgen_cpu_pct'):.0f}% / {m('server_cpu_pct'):.0f}% "
                  f"| {fmt_rate(m('deliveries_per_server_cpu_sec') or 0)} "
                  f"| {ms(m('latency_p50_us'))} / {ms(m('latency_p99_us'))} "
                  f"| {ms(m('remote_latency_p50_us'))} / {ms(m('remote_latency_p99_us'))} "
                  f"| {(m('server_rss_max_kib') or 0) / 1024:.0f} |")
    base = [s for s in runs.servers if s == "single"]
    others = [s for s in runs.servers if s != "single"]
    if base and others:
        print()
        print("Against one node without Redis, same run (deliveries per second; latency p50, > 1: slower):")
        print()
        table_head(["load"], [f"{o} / single: {what}" for o in others for what in ("deliveries/s", "p50 latency")])
        for case in runs.cases:
            mode, clients, size = case
            cells = []
            for o in others:
                cells.append(runs.ratio(o, "single", case, "deliveries_per_sec"))
                cells.append(runs.ratio(o, "single", case, "latency_p50_us"))
            print(f"| {clients} x {size} B, {LOADS.get(mode, mode)} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
