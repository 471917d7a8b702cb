#!/usr/bin/env python3
"""Turns a JSON result of `bench/jmh.sh DeflateBench` into the permessage-deflate table of RESULTS.md.

usage: bench/deflate_table.py RESULT.json
Every number is the median of the measurement iterations; MB/s is of the uncompressed message (ops/s x size / 1e6).
"""
import json
import statistics
import sys

res = {}
for r in json.load(open(sys.argv[1])):
    bench = r["benchmark"].split(".")[-1]
    p = r["params"]
    raw = [x for fork in r["primaryMetric"]["rawData"] for x in fork]
    res[(bench, p["data"], int(p["size"]), p["takeover"])] = statistics.median(raw)


def size_name(n):
    return f"{n >> 20} MiB" if n >= 1 << 20 else f"{n >> 10} KiB"


def cell(ops, size):
    return "–" if ops is None else f"{ops * size / 1e6:,.0f}"


print("| data | size | context takeover | compress: ours MB/s | Netty MB/s | ours / Netty "
      "| inflate: ours MB/s | Netty MB/s | ours / Netty |")
print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
for data in ("text", "random"):
    for size in (1024, 16384, 1 << 20):
        for takeover in ("true", "false"):
            oc, nc = res.get(("oursCompress", data, size, takeover)), res.get(("nettyCompress", data, size, takeover))
            oi, ni = res.get(("oursInflate", data, size, takeover)), res.get(("nettyInflate", data, size, takeover))
            rc = f"**{oc / nc:.2f}x**" if oc and nc else "–"
            ri = f"**{oi / ni:.2f}x**" if oi and ni else "–"
            print(f"| {data} | {size_name(size)} | {'on' if takeover == 'true' else 'off'} | {cell(oc, size)} "
                  f"| {cell(nc, size)} | {rc} | {cell(oi, size)} | {cell(ni, size)} | {ri} |")
