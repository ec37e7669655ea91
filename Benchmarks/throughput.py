#!/usr/bin/env python3
"""Throughput and latency of optout-bridge on loopback, as ratios to two references measured in the same run.

wrk posts opt-outs (a distinct mapped contact per request, Benchmarks/reference/opt-outs.lua) to:
  bridge   the release `optout-bridge serve` (durable mode, journal on disk, fsynced before each answer), deleting every
           lead at a fast fake NLPearl: nginx answering `return 200 "true";`;
  nginx    nginx `proxy_pass` to the same upstream: the reference for one HTTP hop;
  mhd      libmicrohttpd answering a fixed body with the bridge's daemon flags (reference/mhd-fixed.c): the
           listener's own ceiling;
  handoff  the same, but each request suspended, handed to another thread and resumed from there before it is
           answered, as the bridge does for an opt-out (reference/mhd-fixed.c with `handoff`): the listener's
           floor in this design.
Scenarios:
  max      closed loop, as fast as each answers: throughput, p50/p99, CPU time per request, peak RSS;
  1000/s   a fixed offered rate of 1,000 opt-outs/s: p50/p99/max, peak RSS;
  slow     the bridge alone against `fake-nlpearl --latency-ms 100` (a real API over the internet), 2,000
           opt-outs/s offered: opt-outs per NLPearl call (from the bridge's /metrics), the longest answer, which
           must stay within two call latencies (200 ms), and CPU per opt-out when calls carry many opt-outs, as
           against a real API.
Every opt-out the bridge answers is checked: it must be 200 (deleted), never queued or an error, and it must be of a
contact not opted out before, so that its lead went to NLPearl: a repeated contact has nothing left to delete and
costs a fraction of a new one. Each run on a bridge goes on from the contacts of the run before it, so --contacts must
exceed what all of them send (about 150,000 at 10,000/s).

    Benchmarks/throughput.py [--duration 10] [--contacts 200000] [--skip-build] [--baseline-bin DIR] [--json FILE]

With --baseline-bin, a second bridge built from another commit (DIR holds its release optout-bridge) runs the
`max` and `1000/s` scenarios too, in the same run, and its CPU per opt-out is compared with this build's.

Needs wrk, nginx (nginx-light), a C compiler and libmicrohttpd-dev. Exits 1 if a target is missed.
"""
import argparse
import os
import shutil
import subprocess
import tempfile

from benchlib import (HERE, NLPEARL_TOKEN, ROOT, Server, build, cpu_seconds, delivery_figures, delta, fast_nlpearl,
                      free_port, machine, report, metrics, nginx, peak_rss_mib, resident_split_mib, start_bridge,
                      wait_port, write_mapping, wrk)

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--contacts", type=int, default=200000, help="contacts in the mapping")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections in the closed-loop run")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--bin", help="folder of the release binaries (default: swift build's)")
    parser.add_argument("--baseline-bin", help="folder of another build's release optout-bridge, measured beside it")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    for tool in ("wrk", "nginx", "cc"):
        if not shutil.which(tool):
            raise SystemExit("needs %s (apt-get install wrk nginx-light gcc)" % tool)
    binaries = args.bin or build(args.skip_build)
    directory = tempfile.mkdtemp(prefix="optout-throughput-", dir=os.environ.get("BENCH_DIR", ROOT + "/.build"))
    mhd_binary = os.path.join(directory, "mhd-fixed")
    subprocess.run("cc -O2 -o %s %s $(pkg-config --cflags --libs libmicrohttpd) -lpthread"
                   % (mhd_binary, os.path.join(HERE, "mhd-fixed.c")), shell=True, check=True)
    write_mapping(os.path.join(directory, "mapping.json"), args.contacts)

    upstream_port, proxy_port, mhd_port, handoff_port = free_port(), free_port(), free_port(), free_port()
    upstream = fast_nlpearl(directory, upstream_port)
    results = {"machine": machine(), "contacts": args.contacts, "duration_s": args.duration}
    servers = []
    try:
        proxy = nginx(directory, "proxy", proxy_port, ("2", (
            " upstream up { server 127.0.0.1:%d; keepalive 64; }\n"
            " server { listen 127.0.0.1:%d; location / { proxy_pass http://up; proxy_http_version 1.1;"
            ' proxy_set_header Connection ""; } }' % (upstream_port, proxy_port))))
        servers.append(proxy)
        mhd = Server([mhd_binary, str(mhd_port), "2"], os.path.join(directory, "mhd.log"))
        servers.append(mhd)
        wait_port(mhd_port)
        handoff = Server([mhd_binary, str(handoff_port), "2", "handoff"], os.path.join(directory, "handoff.log"))
        servers.append(handoff)
        wait_port(handoff_port)
        bridge, bridge_port = start_bridge(os.path.join(binaries, "optout-bridge"), directory,
                                           "http://127.0.0.1:%d" % upstream_port, "bridge")
        servers.append(bridge)
        targets = {"bridge": (bridge, bridge_port), "nginx": (proxy, proxy_port), "mhd": (mhd, mhd_port),
                   "handoff": (handoff, handoff_port)}
        if args.baseline_bin:
            baseline, baseline_port = start_bridge(os.path.join(args.baseline_bin, "optout-bridge"), directory,
                                                   "http://127.0.0.1:%d" % upstream_port, "baseline")
            servers.append(baseline)
            targets["baseline"] = (baseline, baseline_port)

        # Warm-up: first connections, page faults, SQLite's first pages.
        for name, (_, port) in targets.items():
            wrk(port, 2, 16, args.contacts)

        for scenario, rate, connections in (("max", 0, args.connections), ("1000/s", 1000, 32)):
            results[scenario] = {}
            for name, (server, port) in targets.items():
                before = metrics(port) if name in ("bridge", "baseline") else None
                cpu_before = cpu_seconds(server.pids())
                figures = wrk(port, args.duration, connections, args.contacts, total_rate=rate)
                figures["cpu_us_per_request"] = (cpu_seconds(server.pids()) - cpu_before) * 1e6 / figures["requests"]
                if before is not None:
                    counted = delta(metrics(port), before)
                    figures.update(delivery_figures(counted))
                figures["peak_rss_mib"] = peak_rss_mib(server.pids())
                resident = resident_split_mib(server.pids())
                figures["rss_anon_mib"], figures["rss_file_mib"] = resident["anon"], resident["file"]
                results[scenario][name] = figures
                print("%-7s %-7s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  max %7.2f ms  non-2xx %d  CPU %6.1f us/req  "
                      "RSS %5.1f MiB peak (now %.1f anon + %.1f file)"
                      % (scenario, name, figures["rps"], figures["p50_us"] / 1000, figures["p99_us"] / 1000,
                         figures["max_us"] / 1000, figures["non2xx"] + figures["socket_errors"],
                         figures["cpu_us_per_request"], figures["peak_rss_mib"], figures["rss_anon_mib"],
                         figures["rss_file_mib"]), flush=True)
        for server in servers:
            server.stop()
        servers = []

        # A slow NLPearl: 100 ms per call, 2,000 opt-outs/s offered, enough connections for 400 ms in flight.
        fake_port = free_port()
        fake = Server([os.path.join(binaries, "fake-nlpearl"), "--port", str(fake_port), "--token", NLPEARL_TOKEN,
                       "--latency-ms", "100", "--quiet"], os.path.join(directory, "fake.log"))
        servers.append(fake)
        wait_port(fake_port)
        bridge, bridge_port = start_bridge(os.path.join(binaries, "optout-bridge"), directory,
                                           "http://127.0.0.1:%d" % fake_port, "bridge-slow")
        servers.append(bridge)
        wrk(bridge_port, 2, 64, args.contacts, total_rate=500)
        before = metrics(bridge_port)
        cpu_before = cpu_seconds(bridge.pids())
        figures = wrk(bridge_port, args.duration, 800, args.contacts, total_rate=2000, timeout="5s")
        counted = delta(metrics(bridge_port), before)
        figures.update(delivery_figures(counted))
        # What an opt-out costs when each NLPearl call carries many, as a real API's latency makes them.
        figures["cpu_us_per_request"] = (cpu_seconds(bridge.pids()) - cpu_before) * 1e6 / figures["requests"]
        figures["peak_rss_mib"] = peak_rss_mib(bridge.pids())
        results["slow"] = {"bridge": figures}
        print("slow    bridge  %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  max %7.2f ms  non-2xx %d  %.1f opt-outs/call  "
              "CPU %6.1f us/req"
              % (figures["rps"], figures["p50_us"] / 1000, figures["p99_us"] / 1000, figures["max_us"] / 1000,
                 figures["non2xx"] + figures["socket_errors"], figures["optouts_per_call"],
                 figures["cpu_us_per_request"]), flush=True)
    finally:
        for server in servers:
            server.stop()
        upstream.stop()

    top, fixed, slow = results["max"], results["1000/s"], results["slow"]["bridge"]
    checks = [
        ("throughput vs nginx proxy (max)", top["bridge"]["rps"] / top["nginx"]["rps"], ">= 1.0",
         top["bridge"]["rps"] >= top["nginx"]["rps"]),
        ("throughput vs libmicrohttpd fixed answer (max)", top["bridge"]["rps"] / top["mhd"]["rps"], "", True),
        ("CPU per request, libmicrohttpd with the hand-off vs fixed (max)",
         top["handoff"]["cpu_us_per_request"] / top["mhd"]["cpu_us_per_request"], "", True),
        ("CPU per request vs nginx proxy (max)",
         top["bridge"]["cpu_us_per_request"] / top["nginx"]["cpu_us_per_request"], "", True),
        ("p99 at 1,000/s (ms)", fixed["bridge"]["p99_us"] / 1000, "< 5", fixed["bridge"]["p99_us"] < 5000),
        ("p99 at 1,000/s vs nginx proxy", fixed["bridge"]["p99_us"] / max(1, fixed["nginx"]["p99_us"]), "", True),
        ("peak RSS (MiB)", max(top["bridge"]["peak_rss_mib"], fixed["bridge"]["peak_rss_mib"]), "< 40",
         max(top["bridge"]["peak_rss_mib"], fixed["bridge"]["peak_rss_mib"]) < 40),
        ("RSS vs nginx proxy", top["bridge"]["peak_rss_mib"] / top["nginx"]["peak_rss_mib"], "", True),
        ("opt-outs per NLPearl call at 100 ms, 2,000/s", slow["optouts_per_call"], ">= 20",
         slow["optouts_per_call"] >= 20),
        ("longest answer at 100 ms, 2,000/s (ms)", slow["max_us"] / 1000, "<= 200", slow["max_us"] <= 200000),
        ("bridge answers that were errors or not deleted", sum(
            r["bridge"]["non2xx"] + r["bridge"]["socket_errors"] + r["bridge"]["not_deleted"]
            for r in (top, fixed, results["slow"])), "0",
         all(r["bridge"]["non2xx"] + r["bridge"]["socket_errors"] + r["bridge"]["not_deleted"] == 0
             for r in (top, fixed, results["slow"]))),
    ]
    # Every opt-out's lead must have gone to NLPearl: one that did not was of a contact that had been opted out before.
    targets_with_calls = [r[name] for r in (top, fixed) for name in ("bridge", "baseline") if name in r]
    repeated = sum(r["deleted"] - r["leads_sent"] for r in targets_with_calls)
    checks.append(("bridge opt-outs of contacts opted out before (no NLPearl call)", repeated, "0", repeated == 0))
    if args.baseline_bin:
        for scenario in ("max", "1000/s"):
            ratio = results[scenario]["bridge"]["cpu_us_per_request"] / results[scenario]["baseline"]["cpu_us_per_request"]
            checks.append(("CPU per opt-out vs baseline build (%s)" % scenario, ratio, "", True))
    report(results, checks, args.json, directory)


if __name__ == "__main__":
    main()
