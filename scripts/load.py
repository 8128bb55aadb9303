#!/usr/bin/env python3
"""Bounded load on the portal's report and item pages; prints latency percentiles.

    load.py BASE_URL COOKIE DATE --users 50 --requests 2000 [--seconds 120]

Each simulated associate requests pages from a fixed mix (report list, item pages with filters,
deep keyset pages, reference searches, the exception queue) until the request budget or the time
limit runs out. Latency is measured at the client over loopback, so it includes the server's whole
time to render the page. Nothing is asserted: figures are printed.
"""
import argparse
import http.client
import random
import statistics
import threading
import time
import urllib.parse


def main():
    p = argparse.ArgumentParser()
    p.add_argument("base")
    p.add_argument("cookie")
    p.add_argument("date")
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--seconds", type=float, default=120)
    a = p.parse_args()
    url = urllib.parse.urlparse(a.base)

    def get(conn, path):
        conn.request("GET", path, headers={"Cookie": a.cookie, "Accept": "text/html"})
        r = conn.getresponse()
        body = r.read()
        return r.status, body

    # Real positions and references to ask for, from the first pages.
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    status, body = get(conn, f"/reports/{a.date}/items?class=match")
    if status != 200:
        raise SystemExit(f"cannot read the items page: HTTP {status}")
    text = body.decode()
    references = list(set(__import__("re").findall(r">(\d{23})<", text)))[:20]
    cursors = __import__("re").findall(r'after=(-?\d+%3A\d+|-?\d+:\d+)', text)
    print(f"sample: {len(references)} references, next-page cursor {cursors[:1]}")

    paths = [
        "/reports",
        f"/reports/{a.date}/items",
        f"/reports/{a.date}/items?class=mismatch",
        f"/reports/{a.date}/items?class=mismatch&reason=amount_differs",
        f"/reports/{a.date}/items?class=resettlement&network=visa",
        f"/reports/{a.date}/items?sort=-amount",
        f"/reports/{a.date}/items?currency=USD&min=100&max=200",
        "/exceptions",
    ]
    def pick():
        r = random.random()
        if r < 0.15 and references:
            return f"/reports/{a.date}/items?reference={random.choice(references)}"
        if r < 0.35:
            # A deep page: keyset positions far into the day.
            return f"/reports/{a.date}/items?after=0%3A{random.randint(1, 9_000_000)}"
        return random.choice(paths)

    lock = threading.Lock()
    latencies, errors, budget = [], [], [a.requests]
    deadline = time.monotonic() + a.seconds

    def user():
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        while time.monotonic() < deadline:
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            path = pick()
            started = time.perf_counter()
            try:
                status, _ = get(conn, path)
            except Exception as e:  # a dropped connection counts as an error, then reconnect
                errors.append(f"{path}: {e}")
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
                continue
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if status != 200:
                    errors.append(f"{path}: HTTP {status}")

    started = time.perf_counter()
    threads = [threading.Thread(target=user) for _ in range(a.users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()
    q = lambda f: latencies[min(len(latencies) - 1, int(f * len(latencies)))] * 1000
    print(f"{len(latencies)} requests by {a.users} concurrent users in {wall:.1f} s "
          f"({len(latencies) / wall:.0f} requests/s), {len(errors)} errors")
    if latencies:
        print(f"latency ms: p50 {q(0.50):.1f}  p95 {q(0.95):.1f}  p99 {q(0.99):.1f}  max {latencies[-1] * 1000:.1f}"
              f"  mean {statistics.mean(latencies) * 1000:.1f}")
    for e in errors[:5]:
        print("  error:", e)


if __name__ == "__main__":
    main()
