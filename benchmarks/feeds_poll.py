"""One feed poll cycle over 1,000 local feeds: concurrent poll engine against one-by-one, and event-loop lag.

A separate process serves 1,000 feeds on 127.0.0.1 from several ports: 900 unchanged (304 to the stored
ETag), 80 with new items (a fresh 25-item RSS document each), 10 slow (2 s, then 304), 5 failing with HTTP 500
and 5 on a port where nothing listens. The same ``poll_many`` code runs at the configured concurrency and at
concurrency 1, in this run. Figures: wall time, CPU time of this process, peak RSS growth, documents parsed
(must equal the 80 changed feeds). Then the event-loop lag (how late a 1 ms ticker wakes up) while the
1.6 MB corpus podcast feed is parsed inline (the naive way), in a thread and in a process pool.

Run: ``.venv/bin/python -m benchmarks.feeds_poll [--concurrency 50] [--ports 4]``.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import socket
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import psutil

from bot.services.feeds import poller as poller_module
from bot.services.feeds.fetch import FetchOptions
from bot.services.feeds.parse import make_parse_pool, parse_feed, parse_feed_async
from bot.services.feeds.poller import FeedRequest, PollResult, PollStatus, poll_many

ROOT = Path(__file__).resolve().parent.parent
BIG_FEED = ROOT.parent / "shared" / "corpus" / "feeds" / "rss-parser" / "giantbomb-podcast.rss"
N_FEEDS = 1000
N_CHANGED = 80
N_SLOW = 10
N_ERROR = 5
N_DOWN = 5
SLOW_SECONDS = 2.0
TARGET_SECONDS = 10.0
TARGET_SPEEDUP = 10.0


def build_plan() -> list[str]:
    """What each feed does: 80 changed spread over the ids, the slow and failing ones spread over the rest."""
    kinds = ["same"] * N_FEEDS
    for k in range(N_CHANGED):
        kinds[5 + 12 * k] = "changed"
    rest = [i for i in range(N_FEEDS) if kinds[i] == "same"]
    special = ["slow"] * N_SLOW + ["error"] * N_ERROR + ["down"] * N_DOWN
    step = len(rest) // len(special)
    for n, kind in enumerate(special):
        kinds[rest[n * step + step // 2]] = kind
    return kinds


PLAN = build_plan()


def kind_of(i: int) -> str:
    return PLAN[i]


PARAGRAPH = 'Some <b>rich</b> text &amp; a link <a href="#">here</a>. '


def make_feed(i: int) -> bytes:
    items = []
    for n in range(25):
        items.append(
            f"<item><title>Feed {i} item {n}: a lesson about topic {n * 7 % 13}</title>"
            f"<link>https://feeds.example/{i}/{n}?utm_source=rss&amp;id={n}</link>"
            f"<guid isPermaLink='false'>feed-{i}-item-{n}</guid>"
            f"<pubDate>Mon, {n % 28 + 1:02d} Dec 2025 10:00:00 GMT</pubDate>"
            f"<description><![CDATA[<p>{PARAGRAPH * 12}</p>"
            f"<img src='https://img.example/{i}/{n}.png'>]]></description></item>"
        )
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Feed {i}</title>"
        f"<link>https://feeds.example/{i}</link><description>d</description>{''.join(items)}</channel></rss>"
    ).encode()


def serve(ports_out: Any, n_ports: int, stop: Any) -> None:
    """Server process: aiohttp apps on ``n_ports`` ports; answers by feed id."""
    from aiohttp import web

    bodies = {i: make_feed(i) for i in range(N_FEEDS) if kind_of(i) == "changed"}

    async def handler(request: web.Request) -> web.StreamResponse:
        i = int(request.match_info["i"])
        kind = kind_of(i)
        if kind == "slow":
            await asyncio.sleep(SLOW_SECONDS)
        if kind == "error":
            return web.Response(status=500)
        if kind == "changed":
            return web.Response(
                body=bodies[i], headers={"Content-Type": "application/rss+xml", "ETag": '"v2"'}
            )
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers={"ETag": '"v1"'})
        return web.Response(status=200, body=b"unexpected")

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/f/{i}", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        ports = []
        for _ in range(n_ports):
            site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
            await site.start()
            ports.append(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        ports_out.put(ports)
        await asyncio.to_thread(stop.wait)
        await runner.cleanup()

    asyncio.run(main())


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PeakRss:
    """Samples this process's RSS every 5 ms in a thread."""

    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.base = self.peak = self.proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.005)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)


def build_requests(ports: list[int], down: int) -> list[FeedRequest]:
    requests = []
    for i in range(N_FEEDS):
        kind = kind_of(i)
        port = down if kind == "down" else ports[i % len(ports)]
        etag = '"v0"' if kind == "changed" else '"v1"'
        requests.append(FeedRequest(i, f"http://127.0.0.1:{port}/f/{i}", etag=etag))
    return requests


def cpu_seconds(executor: ProcessPoolExecutor | None) -> float:
    """CPU time of this process plus, with a process pool, of its workers (the server is not counted)."""
    total = time.process_time()
    if executor is not None:
        for pid in list(getattr(executor, "_processes", None) or {}):
            try:
                times = psutil.Process(pid).cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
    return total


async def timed_cycle(
    requests: list[FeedRequest], concurrency: int, executor: ProcessPoolExecutor | None
) -> dict[str, Any]:
    parsed = 0
    real = poller_module.parse_feed_async

    async def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal parsed
        parsed += 1
        return await real(*args, **kwargs)

    poller_module.parse_feed_async = counting  # type: ignore[assignment]
    options = FetchOptions(allow_private_addresses=True, timeout=20.0, connections=concurrency)
    try:
        with PeakRss() as rss:
            cpu0, wall0 = cpu_seconds(executor), time.perf_counter()
            results = await poll_many(
                requests, concurrency=concurrency, options=options, parse_executor=executor
            )
            wall, cpu = time.perf_counter() - wall0, cpu_seconds(executor) - cpu0
    finally:
        poller_module.parse_feed_async = real  # type: ignore[assignment]
    return {
        "wall": wall,
        "cpu": cpu,
        "rss": (rss.peak - rss.base) / 2**20,
        "parsed": parsed,
        "results": results,
    }


def summarize(results: list[PollResult]) -> str:
    counts: dict[str, int] = {}
    for r in results:
        label = r.status.value if r.status is not PollStatus.ERROR else f"error:{r.error_reason}"
        counts[label] = counts.get(label, 0) + 1
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


async def loop_lag(run: Callable[[], Awaitable[object]]) -> tuple[float, float, float]:
    """Run ``run`` while a 1 ms ticker measures how late it wakes up; (max lag ms, p99 ms, duration s)."""
    lags: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            t0 = time.perf_counter()
            await asyncio.sleep(0.001)
            lags.append((time.perf_counter() - t0 - 0.001) * 1000)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    start = time.perf_counter()
    await run()
    duration = time.perf_counter() - start
    done.set()
    await task
    lags.sort()
    p99 = lags[int(len(lags) * 0.99) - 1] if len(lags) > 1 else (lags[0] if lags else 0.0)
    return (max(lags) if lags else 0.0), p99, duration


async def lag_section() -> None:
    print("\nEvent-loop lag while parsing the 1.6 MB corpus feed (a 1 ms ticker; lag = how late it wakes):")
    if not BIG_FEED.exists():
        print(f"  skipped: corpus file not found at {BIG_FEED}")
        return
    body = BIG_FEED.read_bytes()
    headers = {"Content-Type": "application/rss+xml"}

    async def inline() -> None:
        parse_feed(body, headers)

    async def thread() -> None:
        await parse_feed_async(body, headers)

    with make_parse_pool(1, tasks_per_worker=100_000) as pool:
        await parse_feed_async(
            b"<rss version='2.0'><channel></channel></rss>", executor=pool
        )  # warm the worker

        async def process() -> None:
            await parse_feed_async(body, headers, executor=pool)

        entries = len(parse_feed(body, headers).entries)
        print(f"  document: {len(body) / 1e6:.2f} MB, {entries} entries")
        for name, run in (
            ("inline (naive)", inline),
            ("asyncio.to_thread", thread),
            ("process pool", process),
        ):
            worst, p99, duration = await loop_lag(run)
            print(f"  {name:18} parse {duration:5.2f} s   max lag {worst:7.1f} ms   p99 lag {p99:6.1f} ms")


async def main_async(concurrency: int, n_ports: int) -> int:
    ctx = mp.get_context("spawn")
    ports_q, stop = ctx.Queue(), ctx.Event()
    server = ctx.Process(target=serve, args=(ports_q, n_ports, stop), daemon=True)
    server.start()
    try:
        ports = ports_q.get(timeout=30)
        requests = build_requests(ports, closed_port())
        kinds = [kind_of(i) for i in range(N_FEEDS)]
        print(
            f"Poll cycle over {N_FEEDS} feeds on {len(ports)} local ports (server in its own process; "
            f"{os.cpu_count()} CPUs in all). CPU = this process + parse workers, server excluded."
        )
        print(
            "  plan: "
            + ", ".join(f"{k} {kinds.count(k)}" for k in ("same", "changed", "slow", "error", "down"))
        )
        with make_parse_pool(1, tasks_per_worker=100_000) as pool:
            await parse_feed_async(b"<rss version='2.0'><channel></channel></rss>", executor=pool)  # warm up
            runs: dict[str, dict[str, Any]] = {}
            for mode, executor in (("process pool", pool), ("threads", None)):
                runs[f"c={concurrency}, {mode}, 1st cycle"] = first = await timed_cycle(
                    requests, concurrency, executor
                )
                # The scheduler stores each PollResult.elapsed; later cycles start the slow feeds first.
                elapsed = {r.feed_id: r.elapsed for r in first["results"]}
                later = [replace(r, last_elapsed=elapsed[r.feed_id]) for r in requests]
                runs[f"c={concurrency}, {mode}, next cycles"] = await timed_cycle(
                    later, concurrency, executor
                )
            runs["c=1 (one by one), process pool"] = await timed_cycle(requests, 1, pool)
        for label, run in runs.items():
            print(
                f"  {label:38} wall {run['wall']:6.2f} s   CPU {run['cpu']:5.2f} s   "
                f"peak RSS +{run['rss']:5.1f} MiB   parsed {run['parsed']}"
            )
        print(f"  results of every run: {summarize(runs[next(iter(runs))]['results'])}")
        one = runs["c=1 (one by one), process pool"]["wall"]
        for label, run in runs.items():
            if not label.startswith("c=1 "):
                print(f"  speed-up vs one by one, {label}: {one / run['wall']:.1f}x")
        print("  (concurrency 1 ran in full, not sampled or extrapolated)")
        best = runs[f"c={concurrency}, process pool, next cycles"]
        first = runs[f"c={concurrency}, process pool, 1st cycle"]
        changed = sum(1 for r in best["results"] if r.status is PollStatus.CHANGED)
        checks = {
            f"cycle under {TARGET_SECONDS:g} s (every run)": all(
                r["wall"] < TARGET_SECONDS
                for r in runs.values()
                if r is not runs["c=1 (one by one), process pool"]
            ),
            f"at least {TARGET_SPEEDUP:g}x faster than one by one (process pool, next cycles)": one
            / best["wall"]
            >= TARGET_SPEEDUP,
            f"at least {TARGET_SPEEDUP:g}x on the first cycle too": one / first["wall"] >= TARGET_SPEEDUP,
            f"documents parsed == changed feeds ({N_CHANGED}) in every run": all(
                r["parsed"] == N_CHANGED for r in runs.values()
            )
            and changed == N_CHANGED,
        }
        for name, ok in checks.items():
            print(f"  [{'ok' if ok else 'MISSED'}] {name}")
        await lag_section()
        return 0
    finally:
        stop.set()
        server.join(10)
        if server.is_alive():
            server.terminate()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--concurrency", type=int, default=50, help="in-flight feeds (default: 50, the setting)"
    )
    parser.add_argument("--ports", type=int, default=4, help="local server ports (default: 4)")
    args = parser.parse_args(argv)
    return asyncio.run(main_async(args.concurrency, args.ports))


if __name__ == "__main__":
    sys.exit(main())
