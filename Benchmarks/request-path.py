#!/usr/bin/env python3
"""Where an opt-out's CPU goes, thread by thread: CPU time, context switches and system calls per opt-out.

`throughput.py` says how fast the bridge is; this says why. It runs the bridge as `throughput.py` does (durable mode,
nginx `return 200 "true";` as NLPearl) and attaches `perf stat --per-thread` for the measured window:

- **closed loop**, 64 connections: what bounds throughput;
- **1,000/s**, 32 connections: what an opt-out costs when it is alone in its transaction and its call;
- **/healthz**, closed loop: the request path of the listener and the Swift handler with no journal and no NLPearl
  call, the least any request costs the bridge.

Counts are per opt-out answered (per request for /healthz). Context switches and system calls are counts of events,
so they vary far less than time between runs and machines: they are the figures to compare a redesign against.

With `--dry-run`, the bridge runs in dry run: every step but the NLPearl call and the outcome's transaction, so that
the closed loop shows what the listener, the handler and the append cost alone. `--connections` sets the closed
loop's connections (64): the CPU per opt-out follows how many opt-outs share a transaction and a call, which grows
with them (`batching.py`).

With `--allocations`, it also counts, per opt-out and thread group, the calls of `malloc`, of `swift_task_create` (a
Swift task started) and of `dispatch_after_f` (a timer armed, such as a `Task.sleep`), through uprobes on the
libraries the bridge has mapped. A uprobe traps on every call, so the bridge then runs at about a third of its speed:
its times are not comparable with a run without the option, its counts are.

    apt-get install -y linux-perf wrk nginx-light
    Benchmarks/request-path.py [--skip-build] [--bin DIR] [--duration 6] [--connections 64] [--dry-run]
                               [--allocations] [--json FILE]

It needs permission to trace the bridge (root, or `kernel.perf_event_paranoid` at most 1 and access to tracefs).
"""
import argparse
import collections
import json
import os
import re
import subprocess
import tempfile

from benchlib import (build, cpu_seconds, delivery_figures, delta, fast_nlpearl, free_port, machine, metrics,
                      start_bridge, thread_group, write_mapping, wrk)

# Every opt-out of the three runs must be of a new contact (`opt-outs.lua`): one opted out before makes no NLPearl call.
CONTACTS = 200000
SYSCALLS = ["futex", "epoll_wait", "read", "write", "sendmsg", "recvfrom", "pwrite64", "pread64", "fcntl", "fdatasync"]
COUNTS = ["task-clock", "context-switches"] + SYSCALLS
EVENTS = COUNTS[:2] + ["syscalls:sys_enter_" + name for name in SYSCALLS]

# `--allocations`: (the name shown, the function, the library that may hold it: the binary itself when it is linked with
# the static Swift standard library).
PROBES = [("malloc", "malloc", "libc.so"), ("tasks", "swift_task_create", "libswift_Concurrency.so"),
          ("timers", "dispatch_after_f", "libdispatch.so")]


def add_probes(pid):
    """Uprobes on each of PROBES' functions, in the file the process maps that defines it; their perf event names."""
    mapped = {line.split()[-1] for line in open("/proc/%d/maps" % pid) if line.split()[-1].startswith("/")}
    executable = os.readlink("/proc/%d/exe" % pid)
    events = []
    for name, function, library in PROBES:
        candidates = sorted(path for path in mapped if os.path.basename(path).startswith(library)) + [executable]
        for path in candidates:
            added = subprocess.run(["perf", "probe", "-q", "-x", path, "-a", "optout:%s=%s" % (name, function)],
                                   capture_output=True, text=True)
            if added.returncode == 0:
                events.append("optout:" + name)
                break
        else:
            raise SystemExit("no uprobe for %s in %s or the binary" % (function, library))
    return events


def remove_probes():
    subprocess.run(["perf", "probe", "-q", "-d", "optout:*"], capture_output=True)


def perf_stat(pid, seconds, output, probes):
    return subprocess.Popen(
        ["perf", "stat", "--per-thread", "-x,", "-e", ",".join(EVENTS + probes), "-p", str(pid), "-o", output, "--",
         "sleep", str(seconds)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def read_perf_stat(path):
    """{(thread group, event): total} from `perf stat --per-thread -x,` output; task-clock in seconds."""
    totals = collections.Counter()
    for line in open(path):
        fields = line.strip().split(",")
        if len(fields) < 4 or not re.match(r"^[0-9.]+$", fields[1]):
            continue
        thread = re.sub(r"-\d+$", "", fields[0])
        value = float(fields[1]) / (1000 if fields[3] == "task-clock" else 1)
        event = fields[3].replace("syscalls:sys_enter_", "").replace("optout:", "")
        totals[(thread_group(thread) or "other threads", event)] += value
    return totals


def healthz_wrk(port, duration, connections):
    out = subprocess.run(["wrk", "-t2", "-c%d" % connections, "-d%ds" % duration, "http://127.0.0.1:%d/healthz" % port],
                         capture_output=True, text=True, check=True).stdout
    return int(re.search(r"(\d+) requests in", out).group(1))


def measure(bridge, port, duration, scenario, directory, probes, connections=64, dry_run=False):
    output = os.path.join(directory, "perf-%s.txt" % re.sub(r"\W+", "-", scenario))
    before = metrics(port)
    cpu_before = cpu_seconds(bridge.pids())
    # perf counts for the wrk run and one second after it; the counts are divided by what was answered, so the idle
    # wake-ups of that second are charged to the opt-outs, as they would be in production.
    stat = perf_stat(bridge.process.pid, duration + 1, output, probes)
    if scenario == "healthz":
        answered = healthz_wrk(port, duration, 64)
        calls = 0
    else:
        rate = 1000 if scenario == "1000/s" else 0
        wrk(port, duration, 32 if rate else connections, CONTACTS, total_rate=rate)
        counted = delta(metrics(port), before)
        figures = delivery_figures(counted)
        answered, calls = figures["deleted"], figures["nlpearl_calls"]
        if dry_run:
            answered = counted.get("optout_bridge_optouts_total:dry_run", 0)
        elif figures["leads_sent"] < answered:
            print("warning: %d of the %s opt-outs were of contacts opted out before (no NLPearl call)"
                  % (answered - figures["leads_sent"], scenario))
    stat.wait()
    cpu = cpu_seconds(bridge.pids()) - cpu_before
    totals = read_perf_stat(output)
    groups = sorted({group for group, _ in totals}, key=lambda g: -totals[(g, "task-clock")])
    counts = COUNTS + [name for name, _, _ in PROBES if probes]
    per = {group: {event: totals[(group, event)] / max(1, answered) for event in counts} for group in groups}
    if scenario == "closed loop":
        scenario = "closed loop, %d connections%s" % (connections, ", dry run" if dry_run else "")
    return {"scenario": scenario, "answered": answered, "nlpearl_calls": calls,
            "cpu_us_per_answer": cpu / max(1, answered) * 1e6, "per_thread_group": per}


def show(result):
    answered = result["answered"]
    calls = result["nlpearl_calls"]
    print("\n%s: %d answered%s, %.0f us of CPU each (process total)" % (
        result["scenario"], answered, ", %.2f opt-outs per NLPearl call" % (answered / calls) if calls else "",
        result["cpu_us_per_answer"]))
    print("  %-40s %7s %7s %s" % ("thread group", "CPU us", "ctx sw", "system calls per answer"))
    rows = list(result["per_thread_group"].items())
    total = collections.Counter()
    for _, events in rows:
        total.update(events)
    for group, events in rows + [("all", total)]:
        calls_text = " ".join("%s %.2f" % (name, events[name]) for name in SYSCALLS if events[name] >= 0.05)
        if "malloc" in events:
            calls_text += " | " + " ".join("%s %.2f" % (name, events[name]) for name, _, _ in PROBES)
        print("  %-40s %7.0f %7.2f %s" % (group, events["task-clock"] * 1e6, events["context-switches"], calls_text))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", help="folder of the release binaries (default: swift build's)")
    parser.add_argument("--skip-build", action="store_true", help="use the release build as it is")
    parser.add_argument("--duration", type=int, default=6, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=64, help="connections of the closed loop")
    parser.add_argument("--dry-run", action="store_true", help="run the bridge in dry run: no NLPearl call")
    parser.add_argument("--allocations", action="store_true",
                        help="also count malloc, Swift task and timer calls (uprobes: the bridge runs slower)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    binaries = args.bin or build(args.skip_build)
    results = []
    with tempfile.TemporaryDirectory(prefix="optout-request-path-", dir=os.environ.get("BENCH_DIR")) as directory:
        write_mapping(os.path.join(directory, "mapping.json"), CONTACTS)
        upstream_port = free_port()
        upstream = fast_nlpearl(directory, upstream_port)
        bridge, port = start_bridge(os.path.join(binaries, "optout-bridge"), directory,
                                    "http://127.0.0.1:%d" % upstream_port, "bridge",
                                    settings={"dryRun": True} if args.dry_run else None)
        try:
            probes = add_probes(bridge.process.pid) if args.allocations else []
            wrk(port, 2, 16, CONTACTS)  # warm-up: connections, caches, the journal's first pages
            for scenario in ("closed loop", "1000/s", "healthz"):
                results.append(measure(bridge, port, args.duration, scenario, directory, probes,
                                       connections=args.connections, dry_run=args.dry_run))
                show(results[-1])
        finally:
            if args.allocations:
                remove_probes()
            bridge.stop()
            upstream.stop()
    print("\n%s" % machine())
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine(), "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
