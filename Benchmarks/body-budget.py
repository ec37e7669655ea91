#!/usr/bin/env python3
"""Memory before authentication: what half-sent bodies can make the bridge hold, with listen.maxBufferedBodyBytes.

Opens 300 connections to the release `optout-bridge serve`, each declaring a 1 MB body (the default maxBodyBytes)
and sending half of it, then reads the bridge's resident set, and counts the connections it refused at once (503
with Retry-After, before reading their bodies) because the bodies held would have passed the budget (64 MiB by
default). Before the budget, the same load took the process to 313 MiB resident.

    Benchmarks/body-budget.py [--connections 300] [--bin .build/release] [--json FILE]

Target: the resident set under the load stays below 64 MiB + the bridge's own resident set at rest + 32 MiB of slack.
Exits 1 if it is missed.
"""
import argparse
import os
import socket
import tempfile
import time

from benchlib import ROOT, build, fast_nlpearl, free_port, machine, report, rss_mib, start_bridge


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=300)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--bin", help="folder of the release binaries (default: swift build's)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    binaries = args.bin or build(args.skip_build)
    directory = tempfile.mkdtemp(prefix="optout-body-budget-", dir=os.environ.get("BENCH_DIR", ROOT + "/.build"))
    with open(os.path.join(directory, "mapping.json"), "w") as f:
        f.write('{"version":1,"contacts":[]}\n')
    upstream_port = free_port()
    upstream = fast_nlpearl(directory, upstream_port)
    results = {"machine": machine(), "connections": args.connections}
    sockets = []
    try:
        bridge, port = start_bridge(os.path.join(binaries, "optout-bridge"), directory,
                                    "http://127.0.0.1:%d" % upstream_port, "bridge")
        pid = bridge.process.pid
        at_rest = rss_mib(pid)["VmRSS"]
        half = b"a" * (512 * 1024)
        for _ in range(args.connections):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"POST /v1/opt-outs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 1048576\r\n\r\n")
            try:
                s.sendall(half)
            except OSError:
                pass  # refused and closed before the body was read
            sockets.append(s)
        time.sleep(2)
        refused = 0
        for s in sockets:
            s.settimeout(0.05)
            try:
                if s.recv(64).startswith(b"HTTP/1.1 503"):
                    refused += 1
            except (socket.timeout, OSError):
                pass
        under_load = rss_mib(pid)
        results.update({"rss_at_rest_mib": at_rest, "rss_under_load_mib": under_load["VmRSS"],
                        "peak_rss_mib": under_load["VmHWM"], "refused_503": refused,
                        "held": args.connections - refused})
        print("at rest %.1f MiB; %d connections with half of a 1 MB body: %.1f MiB resident (peak %.1f), "
              "%d refused 503 before their body was read, %d held"
              % (at_rest, args.connections, under_load["VmRSS"], under_load["VmHWM"], refused,
                 args.connections - refused), flush=True)
    finally:
        for s in sockets:
            s.close()
        bridge.stop()
        upstream.stop()

    budget_mib = 64
    limit = budget_mib + results["rss_at_rest_mib"] + 32
    checks = [
        ("resident under the load (MiB)", results["peak_rss_mib"], "< %.0f" % limit, results["peak_rss_mib"] < limit),
        ("connections refused 503 before their body", results["refused_503"], "", True),
    ]
    report(results, checks, args.json, directory)


if __name__ == "__main__":
    main()
