#!/usr/bin/env python3
"""The parts of bench/run.sh that wrk cannot do, with nothing but the standard library.

  put-many URL TEMPLATE COUNT OUT      PUT COUNT new 1 KiB bodies, unique content each, over keep-alive
                                       connections; TEMPLATE is the path with {key} ({key} is the body's
                                       SHA-256, so CAS routes work too); writes the stored digests to OUT
  find-missing URL PRESENT COUNT       POST /api/v1/cas/find-missing with COUNT digests, half of them from
                                       the PRESENT file, half new; checks the answer; prints the times
  turbo-query URL PRESENT COUNT        the same through Turborepo's POST /v8/artifacts (1,000 hashes a
                                       request, its limit), the whole set in COUNT/1000 sequential requests
  rss PID...                           RSS of each process and its children, MiB (VmRSS, and VmHWM summed)
  watch-rss PID OUT                    samples that RSS every 20 ms until SIGTERM, then writes the peak to OUT
  wait-ready URL TIMEOUT               polls URL every 5 ms until it answers 200; prints when (ns since the
                                       epoch); --marker FILE is created once it polls (start it before the server)

Options of put-many: --concurrency N (16), --size BYTES (1024), --header "Name: value", --budget SECONDS
(stop early; the count stored is what OUT holds), --status CODES (accepted statuses, default 2xx).
"""
import argparse
import hashlib
import http.client
import json
import os
import signal
import statistics
import sys
import threading
import time
import urllib.parse


def connect(url):
    u = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(u.hostname, u.port or 80, timeout=60)


def put_many(a):
    headers = {"Content-Type": "application/octet-stream"}
    if a.header:
        name, _, value = a.header.partition(":")
        headers[name.strip()] = value.strip()
    lock = threading.Lock()
    state = {"next": 0, "stored": [], "error": None}
    deadline = time.monotonic() + a.budget if a.budget else None
    stamp = os.urandom(8)

    def worker():
        conn = connect(a.url)
        try:
            while True:
                with lock:
                    if state["error"] or state["next"] >= a.count or (deadline and time.monotonic() > deadline):
                        return
                    i = state["next"]
                    state["next"] += 1
                body = stamp + i.to_bytes(8, "big") + os.urandom(a.size - 16)
                digest = hashlib.sha256(body).hexdigest()
                conn.request("PUT", a.template.replace("{key}", digest), body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if not (200 <= response.status < 300):
                    with lock:
                        state["error"] = f"PUT {a.template.replace('{key}', digest)} answered {response.status}"
                    return
                with lock:
                    state["stored"].append(digest)
        except Exception as e:  # noqa: BLE001 - reported to the caller below
            with lock:
                state["error"] = f"{type(e).__name__}: {e}"
        finally:
            conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(a.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    with open(a.out, "a") as f:
        f.writelines(d + "\n" for d in state["stored"])
    print(json.dumps({"stored": len(state["stored"]), "seconds": round(elapsed, 2),
                      "rps": round(len(state["stored"]) / elapsed, 1) if elapsed else 0}))
    if state["error"]:
        print(f"put-many: {state['error']}", file=sys.stderr)
        sys.exit(1)


def query_sets(a):
    with open(a.present) as f:
        present = [line.strip() for line in f if line.strip()]
    half = a.count // 2
    if len(present) < half:
        sys.exit(f"{a.present} holds {len(present)} digests; {half} needed")
    present = present[:half]
    absent = [hashlib.sha256(os.urandom(16)).hexdigest() for _ in range(a.count - half)]
    return present, absent


def timed_posts(url, requests, reps):
    conn = connect(url)
    times, answers = [], None
    for _ in range(reps + 1):  # the first is a warm-up
        answers = []
        started = time.perf_counter()
        for path, payload in requests:
            conn.request("POST", path, body=payload, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                sys.exit(f"POST {path} answered {response.status}: {body[:300]!r}")
            answers.append(json.loads(body))
        times.append((time.perf_counter() - started) * 1000)
    conn.close()
    return times[1:], answers


def report(times, ok, detail):
    print(json.dumps({"best_ms": round(min(times), 1), "median_ms": round(statistics.median(times), 1),
                      "ok": ok, "detail": detail}))
    if not ok:
        sys.exit(f"wrong answer: {detail}")


def find_missing(a):
    present, absent = query_sets(a)
    payload = json.dumps({"digests": present + absent}).encode()
    times, answers = timed_posts(a.url, [(a.path, payload)], a.reps)
    missing = set(answers[0]["missing"])
    report(times, missing == set(absent), f"{len(missing)} reported missing of {len(present) + len(absent)}, {len(absent)} expected")


def turbo_query(a):
    present, absent = query_sets(a)
    hashes = present + absent
    requests = [(a.path, json.dumps({"hashes": hashes[i:i + 1000]}).encode()) for i in range(0, len(hashes), 1000)]
    times, answers = timed_posts(a.url, requests, a.reps)
    found = set()
    for answer in answers:
        found.update(h for h, v in answer.items() if v and not (isinstance(v, dict) and v.get("error")))
    report(times, found == set(present), f"{len(found)} reported present of {len(hashes)}, {len(present)} expected")


def tree(pid):
    """pid and its descendants (one scan of /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def rss_of(pids):
    """(VmRSS, VmHWM) in KiB summed over pids."""
    rss = hwm = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
                    elif line.startswith("VmHWM:"):
                        hwm += int(line.split()[1])
        except OSError:
            pass
    return rss, hwm


def rss(a):
    for pid in a.pids:
        r, h = rss_of(tree(pid))
        print(f"{r / 1024:.1f} {h / 1024:.1f}")


def watch_rss(a):
    pids = tree(a.pid)  # the servers' process trees do not change while one upload runs
    peak = 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while not stop.is_set():
        peak = max(peak, rss_of(pids)[0])
        stop.wait(0.02)
    with open(a.out, "w") as f:
        f.write(f"{peak / 1024:.1f}\n")


def wait_ready(a):
    deadline = time.time() + a.timeout
    headers = {}
    if a.header:
        name, _, value = a.header.partition(":")
        headers[name.strip()] = value.strip()
    u = urllib.parse.urlsplit(a.url)
    if a.marker:
        open(a.marker, "w").close()
    while time.time() < deadline:
        try:
            conn = connect(a.url)
            conn.request("GET", (u.path or "/") + (f"?{u.query}" if u.query else ""), headers=headers)
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                print(time.time_ns())
                return
        except OSError:
            pass
        time.sleep(0.005)
    sys.exit(f"{a.url} did not answer 200 within {a.timeout} s")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("put-many")
    s.add_argument("url"); s.add_argument("template"); s.add_argument("count", type=int); s.add_argument("out")
    s.add_argument("--concurrency", type=int, default=16); s.add_argument("--size", type=int, default=1024)
    s.add_argument("--header"); s.add_argument("--budget", type=float)
    s.set_defaults(run=put_many)
    for name, run, path in (("find-missing", find_missing, "/api/v1/cas/find-missing"), ("turbo-query", turbo_query, "/v8/artifacts?slug=bench")):
        s = sub.add_parser(name)
        s.add_argument("url"); s.add_argument("present"); s.add_argument("count", type=int)
        s.add_argument("--reps", type=int, default=3); s.add_argument("--path", default=path)
        s.set_defaults(run=run)
    s = sub.add_parser("rss"); s.add_argument("pids", type=int, nargs="+"); s.set_defaults(run=rss)
    s = sub.add_parser("watch-rss"); s.add_argument("pid", type=int); s.add_argument("out"); s.set_defaults(run=watch_rss)
    s = sub.add_parser("wait-ready"); s.add_argument("url"); s.add_argument("timeout", type=float)
    s.add_argument("--header"); s.add_argument("--marker", help="a file created when polling starts")
    s.set_defaults(run=wait_ready)
    a = p.parse_args()
    a.run(a)


if __name__ == "__main__":
    main()
