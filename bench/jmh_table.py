#!/usr/bin/env python3
"""Turn the JSON of bench/jmh.sh runs into the Markdown tables of fastwebsockets-bench/RESULTS.md.

usage: bench/jmh_table.py DEFAULT.json [UNSAFE.json]
DEFAULT.json: a run with Netty's JDK 25 default (no sun.misc.Unsafe); UNSAFE.json (optional): a run with
--sun-misc-unsafe-memory-access=allow. Every number is the median of the measurement iterations of a run (all
forks pooled). "ours" comes from DEFAULT.json; the Netty ratio is against the faster of Netty's two configurations.
"""
import json
import statistics
import sys


def load(path):
    res = {}
    for r in json.load(open(path)):
        name = r["benchmark"].split(".")[-2] + "." + r["benchmark"].split(".")[-1]
        params = tuple(sorted((r.get("params") or {}).items()))
        raw = [x for fork in r["primaryMetric"]["rawData"] for x in fork]
        res[(name, params)] = statistics.median(raw)
    return res


A = load(sys.argv[1])
B = load(sys.argv[2]) if len(sys.argv) > 2 else {}


def get(run, name, **params):
    return run.get((name, tuple(sorted((k, str(v)) for k, v in params.items()))))


def fmt_ops(x):
    if x is None:
        return "–"
    if x >= 1e6:
        return f"{x / 1e6:.2f} M/s"
    return f"{x / 1e3:.1f} k/s"


def gbs(ops, size):
    return "–" if ops is None else f"{ops * size / 1e9:.2f}"


def ratio(a, b):
    return "–" if a is None or b is None else f"**{a / b:.2f}x**"


def best(*xs):
    xs = [x for x in xs if x is not None]
    return max(xs) if xs else None


out = []
p = out.append
p("### Unmask (in place, one payload per op; GB/s = ops/s x size)\n")
p("| buffer | size | ours | ours GB/s | Netty (default) GB/s | Netty (Unsafe) GB/s | ratio ours/best Netty |")
p("|---|---:|---:|---:|---:|---:|---:|")
for buf in ("Heap", "Direct"):
    for size in (1024, 16384):
        o = get(A, "UnmaskBench.ours" + buf, size=size)
        na = get(A, "UnmaskBench.netty" + buf, size=size)
        nb = get(B, "UnmaskBench.netty" + buf, size=size)
        p(f"| {buf.lower()} | {size} | {fmt_ops(o)} | {gbs(o, size)} | {gbs(na, size)} | {gbs(nb, size)} "
          f"| {ratio(o, best(na, nb))} |")

p("\n### UTF-8 validation of one 16 KiB message (GB/s)\n")
p("| text | ours GB/s | Netty Utf8Validator (default) GB/s | Netty (Unsafe) GB/s | ratio ours/best Netty "
  "| JDK CharsetDecoder REPORT GB/s (context) | ratio ours/JDK |")
p("|---|---:|---:|---:|---:|---:|---:|")
for text in ("ASCII", "MIXED"):
    o = get(A, "Utf8Bench.ours", text=text)
    na = get(A, "Utf8Bench.netty", text=text)
    nb = get(B, "Utf8Bench.netty", text=text)
    j = get(A, "Utf8Bench.jdkDecoder", text=text)
    p(f"| {text} | {gbs(o, 16384)} | {gbs(na, 16384)} | {gbs(nb, 16384)} | {ratio(o, best(na, nb))} "
      f"| {gbs(j, 16384)} | {ratio(o, j)} |")

p("\n### Decode, server side (masked client frames; frames/s, 64 frames per invocation incl. the bulk copy "
  "into the receive buffer)\n")
p("| kind | size | ours direct | ours heap | Netty (default) | Netty (Unsafe) | ratio ours direct/best Netty "
  "| ours direct payload GB/s | copy-only baseline |")
p("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for kind in ("TEXT", "BINARY"):
    for size in (20, 1024, 16384):
        od = get(A, "DecodeBench.oursDirect", kind=kind, size=size)
        oh = get(A, "DecodeBench.oursHeap", kind=kind, size=size)
        na = get(A, "DecodeBench.netty", kind=kind, size=size)
        nb = get(B, "DecodeBench.netty", kind=kind, size=size)
        c = get(A, "DecodeBench.copyOnly", kind=kind, size=size)
        p(f"| {kind} | {size} | {fmt_ops(od)} | {fmt_ops(oh)} | {fmt_ops(na)} | {fmt_ops(nb)} "
          f"| {ratio(od, best(na, nb))} | {gbs(od, size)} | {fmt_ops(c)} |")

p("\n### Encode, server side (unmasked BINARY, one frame per op)\n")
p("| size | ours (encode: header + payload copy) | ours header only (writev path) | Netty (default) "
  "| Netty (Unsafe) | ratio ours encode/best Netty | ratio ours header-only/best Netty |")
p("|---:|---:|---:|---:|---:|---:|---:|")
for size in (20, 1024, 16384):
    o = get(A, "EncodeBench.ours", size=size)
    h = get(A, "EncodeBench.oursHeaderOnly", size=size)
    na = get(A, "EncodeBench.netty", size=size)
    nb = get(B, "EncodeBench.netty", size=size)
    p(f"| {size} | {fmt_ops(o)} | {fmt_ops(h)} | {fmt_ops(na)} | {fmt_ops(nb)} | {ratio(o, best(na, nb))} "
      f"| {ratio(h, best(na, nb))} |")

rows = [(k, v) for k, v in A.items() if k[0].startswith("UnmaskLoopShapeBench")]
if rows:
    p("\n### Diagnostic: loop shape of Masking.apply (16 KiB, not a peer comparison)\n")
    p("| variant | ops/s | GB/s |")
    p("|---|---:|---:|")
    for (name, params), v in sorted(rows):
        size = int(dict(params)["size"])
        p(f"| {name.split('.')[1]} | {fmt_ops(v)} | {gbs(v, size)} |")

if B:
    p("\n### Repeatability of ours: median of the second run (Unsafe-allowed JVM; ours does not use Unsafe) "
      "relative to the first\n")
    diffs = []
    for k, v in A.items():
        n = k[0]
        if (".ours" in n or "oursHeaderOnly" in n) and k in B:
            diffs.append(B[k] / v)
    if diffs:
        p(f"{len(diffs)} rows: min {min(diffs):.2f}, median {statistics.median(diffs):.2f}, max {max(diffs):.2f}")
print("\n".join(out))
