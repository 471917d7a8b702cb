#!/usr/bin/env python3
"""Turns bench/fanout.sh's TSV into Markdown: median deliveries/s per server and case, ratios to every peer (and
whether ours reaches the 1.5x of issue 14 against the best Netty of the run: with several netty-broadcast* variants,
the one with the highest median on that case and measure), deliveries per server CPU-second, and the slow-consumer row against the same
case without the stalled client (within 10%?), with the server's RSS."""
import sys

from benchtable import Runs, print_comments, table_head

GOAL = 1.5  # issue 14: ours >= 1.5x Netty's deliveries per second on every row


def label(case):
    clients, size, stalled = case
    return f"{clients} x {size} B" + (f" + {stalled} stalled" if stalled else "")


def main(path):
    runs = Runs(path, lambda r: (int(r["clients"]), int(r["size"]), int(r["stalled"])))
    servers, cases, med = runs.servers, runs.cases, runs.med

    ours = [s for s in servers if s.startswith("ours")]
    netty = [s for s in servers if s.startswith("netty")]
    ceilings = [s for s in servers if s.startswith("c-floor")]
    print_comments(path)
    print("Deliveries per second (one message received by one client), median of the repetitions; in brackets CPU % "
          "of the load generator / of the server:")
    print()
    table_head(["case"], servers)
    for case in cases:
        print(f"| {label(case)} | " + " | ".join(runs.rate_cells(case, "deliveries_per_sec")) + " |")

    peers = [s for s in servers if s not in ours]
    for title, field in (("Throughput ratio ours / peer (deliveries per second, medians of the same run)",
                          "deliveries_per_sec"),
                         ("Efficiency ratio ours / peer (deliveries per CPU-second of the server process)",
                          "deliveries_per_server_cpu_sec")):
        if not ours or not peers:
            break
        print()
        goal = bool(netty)
        print(title + (f"; goal >= {GOAL}x the best Netty:" if goal else ":"))
        print()
        cols = [(o, p) for o in ours for p in peers]
        print("| case | " + " | ".join(f"{o} / {p}" for o, p in cols)
              + (f" | best Netty | meets {GOAL}x it |" if goal else " |"))
        print("|---|" + "---:|" * len(cols) + ("---|---|" if goal else ""))
        for case in cases:
            line = f"| {label(case)} | " + " | ".join(runs.ratio(o, p, case, field) for o, p in cols) + " |"
            if goal:
                a = med(ours[0], case, field)
                best = max(netty, key=lambda n: med(n, case, field) or 0)
                b = med(best, case, field)
                line += f" {best} |" + (" yes |" if a and b and a / b >= GOAL else " no |")
            print(line)

    stalled_cases = [c for c in cases if c[2]]
    if stalled_cases:
        print()
        print("Slow consumer: deliveries per second to the other clients with the stalled client, as a share of the "
              "same case without it (goal: within 10%), the server's largest RSS seen over the measurement, and "
              "whether the server had closed the stalled client by the end (closed in how many runs):")
        print()
        print("| case | server | with / without | RSS max with (MiB) | RSS max without (MiB) | stalled client closed |")
        print("|---|---|---:|---:|---:|---|")
        for case in stalled_cases:
            base = (case[0], case[1], 0)
            for s in servers:
                a, b = med(s, case, "deliveries_per_sec"), med(s, base, "deliveries_per_sec")
                ra, rb = med(s, case, "server_rss_max_kib"), med(s, base, "server_rss_max_kib")
                closed = runs.values(s, case, "stalled_closed")
                share = f"{a / b:.2f}" if a is not None and b else "n/a"
                print(f"| {label(case)} | {s} | {share} | {ra / 1024:.0f} | " if ra is not None else
                      f"| {label(case)} | {s} | {share} | n/a | ", end="")
                print(f"{rb / 1024:.0f} | " if rb is not None else "n/a | ", end="")
                print(f"{sum(1 for x in closed if x > 0)} of {len(closed)} |")

    if ceilings:
        print()
        print("The ceiling: deliveries per second of the minimal C broadcast server (bench/floor.c --broadcast) / "
              "each JVM server, medians of the same run:")
        print()
        cols = [(c, p) for c in ceilings for p in servers if p not in ceilings]
        table_head(["case"], [f"{c} / {p}" for c, p in cols])
        for case in cases:
            print(f"| {label(case)} | " + " | ".join(runs.ratio(c, p, case, "deliveries_per_sec") for c, p in cols) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
