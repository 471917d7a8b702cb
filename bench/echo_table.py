#!/usr/bin/env python3
"""Turns bench/echo.sh's TSV into the README's Markdown tables: medians per server and case, ratios to Netty."""
import statistics
import sys

from benchtable import Runs, fmt_rate, num, print_comments, rows, table_head


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


def case_of(r):
    return int(r["conns"]), int(r["size"]), r.get("kind") or "binary"


def generator_of(r):
    """Which load generator measured a row: `loadgen` (bench/loadgen.c; rows written before the column existed) or
    `fastws-bench` (./fastws bench), see GENERATORS in bench/echo.sh."""
    return r.get("generator") or "loadgen"


def throughput(path):
    # The tables between servers come from one generator, loadgen's rows, as they always have; the rows of
    # ./fastws bench (GENERATORS) go to a table of their own that sets the two generators side by side.
    runs = Runs(path, case_of, keep=lambda r: generator_of(r) == "loadgen")
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
    generators(path)


def generators(path):
    """With GENERATORS="loadgen fastws-bench": per server and case, the rate each generator reported against the same
    server, fastws-bench's over loadgen's, and what each run used (the generator's CPU, the server's CPU)."""
    gens = []
    for r in rows(path):
        if generator_of(r) not in gens:
            gens.append(generator_of(r))
    if "fastws-bench" not in gens or "loadgen" not in gens:
        return
    by = {g: Runs(path, case_of, keep=lambda r, g=g: generator_of(r) == g) for g in ("loadgen", "fastws-bench")}
    lg, fb = by["loadgen"], by["fastws-bench"]
    paired = {(r["server"], case_of(r), r["rep"], generator_of(r)): float(r["msgs_per_sec"])
              for r in rows(path) if r.get("errors", "0") == "0" and num(r.get("msgs_per_sec"))}
    reps = sorted({rep for (_, _, rep, _) in paired})
    print()
    print("The two load generators against the same server, alternated: messages per second each reported (medians; in "
          "brackets the CPU % of the generator / of the server), and ./fastws bench's median over loadgen's, with "
          "the range of the ratios of the runs paired by repetition:")
    print()
    table_head(["server", "case"], ["loadgen", "fastws bench", "fastws bench / loadgen", "range"])
    for s in lg.servers:
        for case in lg.cases:
            cells = [runs.rate_cell(s, case, "msgs_per_sec") for runs in (lg, fb)]
            pairs = [paired[(s, case, rep, "fastws-bench")] / paired[(s, case, rep, "loadgen")] for rep in reps
                     if (s, case, rep, "loadgen") in paired and (s, case, rep, "fastws-bench") in paired]
            spread = f"{min(pairs):.2f}-{max(pairs):.2f}x" if pairs else "n/a"
            print(f"| {s} | {label(case)} | " + " | ".join(cells) + f" | {fb_over(lg, fb, s, case)} | {spread} |")


def generators_together(path):
    """bench/echo.sh generators: loadgen and ./fastws bench at once against one server, half the connections each;
    fastws bench's rate over loadgen's over the same seconds, per server and case."""
    runs = Runs(path, case_of)
    print_comments(path)
    print("The two load generators at once against the same server, half the connections each, over the same seconds: "
          "messages per second each got (medians), and fastws bench's over loadgen's (median and range of the "
          "repetitions; 1.00x: it reports the server's throughput as loadgen does):")
    print()
    table_head(["server", "case"], ["loadgen", "fastws bench", "server CPU", "fastws bench / loadgen", "range", "runs"])
    for s in runs.servers:
        for case in runs.cases:
            a = runs.values(s, case, "loadgen_msgs_per_sec")
            b = runs.values(s, case, "fastws_bench_msgs_per_sec")
            ratios = sorted(y / x for x, y in zip(a, b) if x)
            if not ratios:
                print(f"| {s} | {label(case)} | failed | failed | | | | {runs.failed.get((s, case), 0)} failed |")
                continue
            print(f"| {s} | {label(case)} | {fmt_rate(statistics.median(a))} | {fmt_rate(statistics.median(b))} | "
                  f"{runs.med(s, case, 'server_cpu_pct'):.0f}% | {statistics.median(ratios):.2f}x | "
                  f"{ratios[0]:.2f}-{ratios[-1]:.2f}x | {len(ratios)}"
                  + (f" ({runs.failed[(s, case)]} failed)" if runs.failed.get((s, case)) else "") + " |")


def fb_over(lg, fb, s, case):
    a, b = lg.med(s, case, "msgs_per_sec"), fb.med(s, case, "msgs_per_sec")
    return f"{b / a:.2f}x" if a and b is not None else "n/a"


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
          "given back). Per connection, after a full GC: growth over the server's start divided by N (RSS, live "
          "heap), and the slope from N/2 to N connections (the growth of the second half divided by its count: "
          "what one more connection costs once the one-time costs are paid).")
    print()
    print("| server | connections | messages | RSS before (MiB) | RSS with N/2 (MiB) | RSS with N (MiB) "
          "| RSS per connection (KiB) | live heap per connection (KiB) | RSS slope N/2→N (KiB) | live heap slope (KiB) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows(path):
        n = int(r["idle_conns"])
        half = n // 2
        per = kib_per(r, "rss_after_mib", "rss_before_mib", n, 1)
        heap = kib_per(r, "heap_after_gc_mib", "heap_before_mib", n, 2)
        rss_slope = kib_per(r, "rss_after_mib", "rss_half_mib", n - half, 1)
        heap_slope = kib_per(r, "heap_after_gc_mib", "heap_half_mib", n - half, 2)
        print(f"| {r['server']} | {n} | {r.get('messages', '0')} | {r['rss_before_mib']} | {r.get('rss_half_mib', '—')} "
              f"| {r['rss_after_mib']} | {per} | {heap} | {rss_slope} | {heap_slope} |")


def kib_per(r, after, before, n, digits):
    """(after - before) MiB in KiB per connection; '—' when a column is missing (older TSVs) or zero (no heap)."""
    a, b = num(r.get(after)), num(r.get(before))
    if a is None or b is None:
        return "failed" if r.get(after) == "failed" else "—"
    if a == 0:
        return "—"
    return f"{(a - b) * 1024 / n:.{digits}f}"


def histdiff(before, after, count, top=25):
    """What COUNT more connections added to a server's heap, class by class: two `jcmd GC.class_histogram` outputs
    (bench/target/histogram-SERVER-STATE-half.txt and histogram-SERVER-STATE.txt), instances and bytes per
    connection, the largest first."""
    def read(path):
        h = {}
        for line in open(path):
            c = line.split()
            # The GC's filler objects (dead space a `-all` histogram lists, echo.sh) are nobody's: left out
            if len(c) >= 4 and c[0].endswith(":") and c[1].isdigit() and "FillerElement" not in c[3] \
                    and "FillerObject" not in c[3]:
                h[" ".join(c[3:])] = (int(c[1]), int(c[2]))
        return h
    a, b, n, top = read(before), read(after), int(count), int(top)
    diff = sorted(((b[k][1] - a.get(k, (0, 0))[1], b[k][0] - a.get(k, (0, 0))[0], k) for k in b), reverse=True)
    print("| class | instances per connection | bytes per connection |")
    print("|---|---:|---:|")
    total = 0
    for db, di, k in diff:
        total += db
    for db, di, k in diff[:top]:
        print(f"| {k} | {di / n:.2f} | {db / n:.0f} |")
    print(f"| (all classes) | | {total / n:.0f} |")


if __name__ == "__main__":
    {"throughput": throughput, "memory": memory, "latency": latency, "histdiff": histdiff,
     "generators-together": generators_together}[sys.argv[1]](*sys.argv[2:])
