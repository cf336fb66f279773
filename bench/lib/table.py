#!/usr/bin/env python3
"""Turns bench/run.sh's results (one JSON object per line) into the Markdown table of issue 14.

Each wrk workload reports its best round (highest req/s) with that round's p50 and p99; transfers
their best repetition; times their fastest. Ratios are CacheRegistry's value divided by the other
server's, in the row's unit: for req/s and MB/s higher is better, for ms and MiB lower is better.
"""
import argparse
import json
import sys
from collections import defaultdict

SERVERS = ("nginx", "turbo", "emb", "pg", "s3")


def load(path):
    by = defaultdict(list)
    with open(path) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                by[(r["workload"], r.get("server"))].append(r)
    return by


def number(v, digits=0):
    if v is None:
        return "—"
    if digits == 0 or abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def ms(us):
    v = us / 1000
    if v >= 1000:
        return f"{v / 1000:.1f} s"
    if v >= 10:
        return f"{v:.0f} ms"
    if v >= 1:
        return f"{v:.1f} ms"
    return f"{v:.2f} ms"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("results")
    for name in ("command", "commit", "date", "settings", "load", "versions"):
        p.add_argument("--" + name, default="")
    p.add_argument("--smoke", default="0")
    p.add_argument("--big-mib", default="256")
    a = p.parse_args()
    by = load(a.results)
    present = [s for s in SERVERS if any(k[1] == s for k in by)]

    def best(workload, server, key, lower=False):
        rows = [r for r in by.get((workload, server), []) if key(r) is not None]
        if not rows:
            return None
        return (min if lower else max)(rows, key=key)

    # Each row: label, {server: (value, cell text)}, lower_is_better, goal.
    table = []

    def wrk_row(workload, label, goal):
        cells = {}
        for s in present:
            r = best(workload, s, lambda r: r["wrk"]["rps"])
            if r:
                w = r["wrk"]
                cells[s] = (w["rps"], f"{number(w['rps'])} ({ms(w['p50_us'])} / {ms(w['p99_us'])})")
        if cells:
            table.append((label, cells, False, goal))

    wrk_row("hit1k", "GET hit 1 KiB, req/s (p50 / p99)", "≥ 0.9× nginx")
    wrk_row("hit64k", "GET hit 64 KiB, req/s (p50 / p99)", "≥ 0.9× nginx")
    wrk_row("miss", "GET miss, a new key each request, req/s (p50 / p99)", "≥ 0.6× nginx")
    wrk_row("put-unique", "PUT 1 KiB new keys, unique content, req/s (p50 / p99)", "≥ 0.5× nginx, ≥ 3× turbo, p99 < 20 ms")
    wrk_row("put-dup", "PUT 1 KiB new keys, the same content, req/s (p50 / p99)", "")

    size = a.big_mib
    if by.get(("put-big", present[0])) if present else False:
        for workload, label, goal in (("put-big", f"PUT {size} MiB, MB/s", "≥ 0.9× nginx"), ("get-big", f"GET {size} MiB, MB/s", "≥ 1.0× nginx")):
            cells = {}
            for s in present:
                r = best(workload, s, lambda r: r["mbps"])
                if r:
                    cells[s] = (r["mbps"], number(r["mbps"]))
            table.append((label, cells, False, goal))
            if workload == "put-big":
                cells = {}
                for s in present:
                    growth = [r["rss_peak"] - r["rss_before"] for r in by.get(("put-big", s), []) if r.get("rss_peak") is not None]
                    if growth:
                        g = max(growth)
                        cells[s] = (max(g, 0.0), number(g, 1))
                table.append((f"… server RSS growth during that PUT (worst repetition), MiB", cells, True, "< 64 MiB"))

    for workload, label in (("find-missing", "find-missing, {n} digests (half present), ms"),
                            ("turbo-query", "Turborepo `POST /v8/artifacts`, the same {n} hashes in requests of 1,000, ms")):
        cells, n = {}, None
        for s in present:
            r = best(workload, s, lambda r: r["result"]["best_ms"], lower=True)
            if r:
                n = r["digests"]
                cells[s] = (r["result"]["best_ms"], number(r["result"]["best_ms"], 1))
        if cells:
            for s in ("nginx", "turbo", "s3"):
                if s in present:
                    cells[s] = (None, "n/a")
            table.append((label.format(n=f"{n:,}"), cells, True, "< 50 ms"))

    cells = {}
    for s in present:
        r = best("cold-start", s, lambda r: r["ms"], lower=True)
        if r:
            text = number(r["ms"])
            if s in ("emb", "pg"):
                text += f" ({r['entries']:,} entries)"
            cells[s] = (r["ms"], text)
    if cells:
        table.append(("cold start to ready, ms (restart with what it stores)", cells, True, "< 1 s with 100,000 entries"))
    cells = {s: (by[("first-start", s)][0]["ms"], number(by[("first-start", s)][0]["ms"])) for s in present if by.get(("first-start", s))}
    if cells:
        table.append(("first start on an empty store to ready, ms", cells, True, ""))
    for workload, label, goal in (("rss-idle", "idle RSS, MiB (after start and a few requests)", "≤ 60 MiB"),
                                  ("rss-after", "RSS after the load, MiB", "≤ 100 MiB")):
        cells = {s: (by[(workload, s)][0]["mib"], number(by[(workload, s)][0]["mib"], 1)) for s in present if by.get((workload, s))}
        if cells:
            table.append((label, cells, True, goal))

    def ratio(ours, theirs):
        if ours is None or theirs is None or theirs <= 0:
            return "—"
        return f"{ours / theirs:.2f}×"

    names = {"nginx": "nginx", "turbo": "turborepo-remote-cache", "emb": "CacheRegistry embedded",
             "pg": "CacheRegistry PostgreSQL + S3", "s3": "S3 emulator direct"}
    columns = []  # (header, function(cells) -> text)
    for s in ("nginx", "turbo"):
        if s in present:
            columns.append((names[s], lambda c, s=s: c.get(s, (None, "—"))[1]))
    for ours in ("emb", "pg"):
        if ours not in present:
            continue
        short = "embedded" if ours == "emb" else "PG+S3"
        columns.append((names[ours], lambda c, o=ours: c.get(o, (None, "—"))[1]))
        for s in ("nginx", "turbo"):
            if s in present:
                columns.append((f"{short} ÷ {'nginx' if s == 'nginx' else 'turbo'}",
                                lambda c, o=ours, s=s: ratio(c.get(o, (None,))[0], c.get(s, (None,))[0])))
        if ours == "pg" and "emb" in present:
            columns.append(("PG+S3 ÷ embedded", lambda c: ratio(c.get("pg", (None,))[0], c.get("emb", (None,))[0])))
    if "s3" in present:
        columns.append((names["s3"], lambda c: c.get("s3", (None, "—"))[1]))
    columns.append(("goal (embedded, issue 14)", None))

    out = []
    title = f"## CacheRegistry benchmark, {a.date}, commit {a.commit}"
    out.append(title)
    out.append("")
    if a.smoke == "1":
        out.append("**SMOKE run**: every workload very briefly, answers checked; the numbers mean nothing.")
        out.append("")
    out.append(f"Reproduce: `{a.command}` ({a.settings}). {a.versions}.")
    out.append(f"Machine load: {a.load}; the machine is shared, so absolute numbers are noisy; "
               "compare the ratios, which come from interleaved rounds (best round of each server).")
    out.append("")
    out.append("| workload | " + " | ".join(h for h, _ in columns) + " |")
    out.append("| --- | " + " | ".join("---:" if f else "---" for _, f in columns) + " |")
    for label, cells, lower, goal in table:
        texts = [f(cells) if f else goal for _, f in columns]
        out.append(f"| {label}{' ↓' if lower else ''} | " + " | ".join(texts) + " |")
    out.append("")
    out.append("↓: lower is better (ms, MiB); elsewhere higher is better. Ratios are CacheRegistry ÷ the other, in the row's unit.")

    notes = []
    for s in ("emb", "pg"):
        for r in by.get(("populate", s), []):
            res = r["result"]
            notes.append(f"{names[s]}: {res['stored']:,} entries stored through its Turborepo PUT (unique 1 KiB, 32 connections) "
                         f"in {res['seconds']:,} s ({number(res['rps'])}/s) for find-missing and the cold start.")
    if notes:
        out.append("")
        out.extend(notes)

    cli = by.get(("cli", None))
    if cli:
        res = cli[0]["result"]
        out.append("")
        out.append("| CLI start-up (installed `cache` tool, hyperfine) | median | fastest | target |")
        out.append("| --- | ---: | ---: | ---: |")
        for key, label, target in (("help", "`cache --help`", "≤ 100 ms"),
                                   ("blob-get", "`cache blob get` of 1 KiB from the embedded server", "≤ 150 ms")):
            if key in res:
                out.append(f"| {label} | {res[key]['median_ms']:.0f} ms | {res[key]['min_ms']:.0f} ms | {target} |")
    print("\n".join(out))


if __name__ == "__main__":
    sys.exit(main())
