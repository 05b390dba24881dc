#!/usr/bin/env python3
# Copyright 2026 The inventory Authors. Licensed under the Apache License, Version 2.0.
"""Markdown tables from inventory-bench --json output (as in docs/performance.md).

  tables.py compare.jsonl             one table per (durability, in_flight, threads), then the
                                      issue's targets (flash_sale and catalog)
  tables.py --sweep sweep.jsonl       ops/s by thread count
  tables.py --group group.jsonl       sync ops/s by operations in flight (per fsync)

Input: one JSON object per line (other lines are ignored). Repetitions of a run (the output
of the same command run several times, concatenated) are reduced to their median.
"""

import argparse
import json
import statistics

ORDER = ["flash_sale", "catalog", "cart", "restock", "read_mostly"]
DURABILITY_ORDER = {"sync": 0, "buffered": 1, "none": 2}


def read_runs(path):
    """The runs, and the repetitions: the i-th run of a key is tagged repetition i."""
    raw, seen = [], {}
    with open(path) as f:
        for line in f:
            if line.strip().startswith("{"):
                r = json.loads(line)
                key = (r["engine"], r["workload"], r["durability"], r["in_flight"], r["threads"])
                r["repetition"] = seen.get(key, 0)
                seen[key] = r["repetition"] + 1
                raw.append(r)
    return aggregate(raw), raw


def aggregate(runs):
    """Repetitions of the same run (same engine, workload, durability, in_flight, threads) become
    one: the median of each figure, and the worst oversold and invariant_violations."""
    groups = {}
    for r in runs:
        key = (r["engine"], r["workload"], r["durability"], r["in_flight"], r["threads"])
        groups.setdefault(key, []).append(r)
    result = []
    for reps in groups.values():
        merged = dict(reps[0])
        for field in ("ops", "seconds", "ops_per_sec", "p50_us", "p99_us", "p999_us"):
            merged[field] = statistics.median(r[field] for r in reps)
        for field in ("oversold", "invariant_violations"):
            merged[field] = max(r[field] for r in reps)
        merged["repetitions"] = len(reps)
        result.append(merged)
    return result


def ops(value):
    return "{:,.0f}".format(value)


def us(value):
    return "%.0f" % value if value >= 100 else "%.1f" % value if value >= 1 else "%.2f" % value


def find(runs, **key):
    for r in runs:
        if all(r[k] == v for k, v in key.items()):
            return r
    return None


def ratios(raw, ours_key, theirs_key):
    """inventory / sqlite ops/s per repetition (both ran side by side in one process)."""
    result = []
    for rep in sorted({r["repetition"] for r in raw}):
        ours = find(raw, engine="inventory", repetition=rep, **ours_key)
        theirs = find(raw, engine="sqlite", repetition=rep, **theirs_key)
        if ours and theirs and theirs["ops_per_sec"] > 0:
            result.append(ours["ops_per_sec"] / theirs["ops_per_sec"])
    return result


def compare_tables(runs, raw):
    configs = sorted({(r["durability"], r["in_flight"], r["threads"]) for r in runs},
                     key=lambda c: (DURABILITY_ORDER.get(c[0], 9), c[1], c[2]))
    for durability, in_flight, threads in configs:
        reps = sorted({r["repetitions"] for r in runs})
        print("**%s, in flight %d, %d threads** (median of %s)\n" %
              (durability, in_flight, threads, "/".join(map(str, reps))))
        print("| workload | inventory ops/s | p50 / p99 / p999 µs | sqlite ops/s | "
              "p50 / p99 / p999 µs | ratio | oversold/violations (inventory; sqlite) |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for workload in ORDER:
            key = dict(workload=workload, durability=durability, in_flight=in_flight,
                       threads=threads)
            ours, theirs = find(runs, engine="inventory", **key), find(runs, engine="sqlite", **key)
            if not ours and not theirs:
                continue
            cells = [workload]
            checks = []
            for r in (ours, theirs):
                if r:
                    cells += [ops(r["ops_per_sec"]),
                              " / ".join(us(r[p]) for p in ("p50_us", "p99_us", "p999_us"))]
                    checks.append("%d/%d" % (r["oversold"], r["invariant_violations"]))
                else:
                    cells += ["—", "—"]
            x = ratios(raw, key, key)
            cells.append("**%.1f×**" % statistics.median(x) if x else "—")
            cells.append("; ".join(checks))
            print("| " + " | ".join(cells) + " |")
        print()


def targets(raw):
    print("| target (2 threads; median ratio, range over repetitions) | flash_sale | catalog | "
          "target | met |")
    print("|---|---:|---:|---:|---|")
    grouped = sorted({r["in_flight"] for r in raw if r["durability"] == "sync" and
                      r["in_flight"] > 1})
    rows = []
    for n in grouped:
        rows.append(("sync, %d in flight vs SQLite FULL, %d ops per commit" % (n, n),
                     dict(durability="sync", in_flight=n), dict(durability="sync", in_flight=n),
                     5))
        rows.append(("sync, %d in flight vs SQLite FULL, each op its own commit" % n,
                     dict(durability="sync", in_flight=n), dict(durability="sync", in_flight=1),
                     100))
    rows.append(("none vs SQLite in memory, in flight 1", dict(durability="none", in_flight=1),
                 dict(durability="none", in_flight=1), 30))
    for label, ours_key, theirs_key, goal in rows:
        cells, met = [label], True
        for workload in ("flash_sale", "catalog"):
            x = ratios(raw, dict(workload=workload, threads=2, **ours_key),
                       dict(workload=workload, threads=2, **theirs_key))
            if x:
                cells.append("%.1f× (%.1f–%.1f)" % (statistics.median(x), min(x), max(x))
                             if len(x) > 1 else "%.1f×" % x[0])
            else:
                cells.append("—")
            met = met and bool(x) and statistics.median(x) >= goal
        cells += ["≥ %d×" % goal, "yes" if met else "**no**"]
        print("| " + " | ".join(cells) + " |")
    print()


def group_table(runs, raw):
    """Ops/s by operations per fsync (durability sync): in flight per thread for the engine,
    operations per transaction for SQLite."""
    workloads = [w for w in ORDER if any(r["workload"] == w for r in runs)]
    print("| in flight (per thread) | " + " | ".join(
        "%s inventory | %s sqlite | ratio" % (w, w) for w in workloads) + " |")
    print("|---:|" + "---:|---:|---:|" * len(workloads))
    for n in sorted({r["in_flight"] for r in runs if r["durability"] == "sync"}):
        cells = [str(n)]
        for w in workloads:
            key = dict(workload=w, durability="sync", in_flight=n, threads=2)
            ours, theirs = find(runs, engine="inventory", **key), find(runs, engine="sqlite", **key)
            x = ratios(raw, key, key)
            cells += [ops(ours["ops_per_sec"]) if ours else "—",
                      ops(theirs["ops_per_sec"]) if theirs else "—",
                      "**%.1f×**" % statistics.median(x) if x else "—"]
        print("| " + " | ".join(cells) + " |")
    print()


def sweep_table(runs):
    thread_counts = sorted({r["threads"] for r in runs})
    print("| workload | durability | in flight | engine | " +
          " | ".join("%d thread%s" % (t, "" if t == 1 else "s") for t in thread_counts) + " |")
    print("|---|---|---:|---|" + "---:|" * len(thread_counts))
    keys = sorted({(r["workload"], r["durability"], r["in_flight"], r["engine"]) for r in runs},
                  key=lambda k: (ORDER.index(k[0]), DURABILITY_ORDER[k[1]], k[2], k[3]))
    for workload, durability, in_flight, engine in keys:
        cells = [workload, durability, str(in_flight), engine]
        for t in thread_counts:
            r = find(runs, workload=workload, durability=durability, in_flight=in_flight,
                     engine=engine, threads=t)
            cells.append(ops(r["ops_per_sec"]) if r else "—")
        print("| " + " | ".join(cells) + " |")
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("--sweep", action="store_true", help="a --sweep run")
    parser.add_argument("--group", action="store_true",
                        help="a --compare --durability sync --in-flight N,N,... run")
    args = parser.parse_args()
    runs, raw = read_runs(args.input)
    if args.sweep:
        sweep_table(runs)
    elif args.group:
        group_table(runs, raw)
    else:
        compare_tables(runs, raw)
        targets(raw)


if __name__ == "__main__":
    main()
