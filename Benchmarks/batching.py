#!/usr/bin/env python3
"""CPU per opt-out against how many opt-outs share each transaction, fsync and NLPearl call, with and without delivery.

The bridge shares its dearest work between the opt-outs that arrive together: a journal transaction (its WAL pages),
an fsync of the WAL, an NLPearl call. So its CPU per opt-out is not one figure but a curve of the load: each
closed-loop run here offers more connections than the one before, and reports, from the bridge's own counters
(`/metrics`), how many opt-outs each of those shared a run, beside the CPU per opt-out.

Two bridges run, one after the other, never side by side (sharing the cores would change how much they batch):

- **delivery**: as `throughput.py` runs it, durable mode, every opt-out a new contact whose lead a fast fake NLPearl
  (nginx `return 200 "true";`) deletes, each answer after its outcome is journaled;
- **dry run**: the same with `dryRun`, every step but the NLPearl call and the outcome's transaction; what the
  listener, the handler and the journal's append cost without delivery.

Compare rows of equal opt-outs/s rather than equal connections: a dry run answers sooner, so it reaches a given
rate with fewer connections, and at that rate the difference between the two is what delivery costs.

    Benchmarks/batching.py [--skip-build] [--bin DIR] [--connections 8,16,32,64,128,256] [--duration 6] [--json FILE]
"""
import argparse
import json
import os
import tempfile

from benchlib import (build, cpu_seconds, delta, fast_nlpearl, free_port, machine, metrics, start_bridge,
                      write_mapping, wrk)


def run(binary, directory, upstream_port, name, settings, connection_counts, duration, contacts):
    bridge, port = start_bridge(binary, directory, "http://127.0.0.1:%d" % upstream_port, name, settings=settings)
    rows = []
    try:
        wrk(port, 2, 16, contacts)  # warm-up: connections, caches, the journal's first pages
        for connections in connection_counts:
            before, cpu_before = metrics(port), cpu_seconds(bridge.pids())
            result = wrk(port, duration, connections, contacts)
            cpu = cpu_seconds(bridge.pids()) - cpu_before
            counted = delta(metrics(port), before)
            # What the bridge answered, counted by itself: wrk leaves out the answers in flight when it stops.
            answered = sum(v for k, v in counted.items() if k.startswith("optout_bridge_optouts_total:"))
            if (result["non2xx"] or result["socket_errors"] or result["timeouts"]
                    or not result["requests"] <= answered <= result["requests"] + connections):
                raise SystemExit("%s, %d connections: %d answers to wrk, %d opt-outs counted, %d not 2xx, %d socket "
                                 "errors, %d timeouts" % (name, connections, result["requests"], answered,
                                                          result["non2xx"], result["socket_errors"], result["timeouts"]))
            calls = counted.get("optout_bridge_nlpearl_calls_total", 0)
            sent = counted.get("optout_bridge_nlpearl_leads_per_call_sum", 0)
            if not settings and sent < answered:
                raise SystemExit("%s: %d of %d opt-outs were of contacts opted out before; raise --contacts"
                                 % (name, answered - sent, answered))
            rows.append({
                "connections": connections, "optouts_per_second": result["rps"],
                "cpu_us_per_optout": cpu / answered * 1e6,
                "optouts_per_transaction": answered / max(1, counted.get("optout_bridge_journal_transactions_total", 0)),
                "optouts_per_fsync": answered / max(1, counted.get("optout_bridge_journal_fsyncs_total", 0)),
                "optouts_per_call": answered / calls if calls else None,
                "p50_ms": result["p50_us"] / 1000, "p99_ms": result["p99_us"] / 1000})
            show(name, rows[-1])
    finally:
        bridge.stop()
    return rows


def show(name, row):
    per_call = "%11.1f" % row["optouts_per_call"] if row["optouts_per_call"] else "%11s" % "-"
    print("%-9s %5d %10.0f %9.0f %13.1f %9.1f %s %8.2f %8.2f" % (
        name, row["connections"], row["optouts_per_second"], row["cpu_us_per_optout"],
        row["optouts_per_transaction"], row["optouts_per_fsync"], per_call, row["p50_ms"], row["p99_ms"]), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", help="folder of the release binaries (default: swift build's)")
    parser.add_argument("--skip-build", action="store_true", help="use the release build as it is")
    parser.add_argument("--connections", default="8,16,32,64,128,256", help="the closed-loop runs, comma-separated")
    parser.add_argument("--duration", type=int, default=6, help="seconds per run")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    connection_counts = [int(c) for c in args.connections.split(",")]
    # Every opt-out of every run a new contact, at up to 20,000 opt-outs/s.
    contacts = 20000 * args.duration * (len(connection_counts) + 1)
    binaries = args.bin or build(args.skip_build)
    results = {"machine": machine()}
    with tempfile.TemporaryDirectory(prefix="optout-batching-", dir=os.environ.get("BENCH_DIR")) as directory:
        write_mapping(os.path.join(directory, "mapping.json"), contacts)
        upstream_port = free_port()
        upstream = fast_nlpearl(directory, upstream_port)
        print("%-9s %5s %10s %9s %13s %9s %11s %8s %8s" % (
            "bridge", "conns", "opt-outs/s", "CPU us", "per transact.", "per fsync", "per call", "p50 ms", "p99 ms"))
        try:
            for name, settings in (("delivery", None), ("dry run", {"dryRun": True})):
                results[name] = run(os.path.join(binaries, "optout-bridge"), directory, upstream_port,
                                    name.replace(" ", "-"), settings, connection_counts, args.duration, contacts)
        finally:
            upstream.stop()
    print("\nmachine: %(cpu)s, %(cores)d cores, Linux %(kernel)s, %(nginx)s" % results["machine"])
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
