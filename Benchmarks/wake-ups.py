#!/usr/bin/env python3
"""Who wakes whom: the thread wake-ups of the bridge per opt-out, by the waking and the woken thread's group.

At 1,000 opt-outs/s an opt-out is alone: every hand-off between threads wakes one that slept, and a wake-up costs
more than the work it hands over. `request-path.py` counts the context switches per thread; this says which
hand-off each comes from. It runs the bridge as `request-path.py` does (durable mode, nginx `return 200 "true";` as
NLPearl, every opt-out a new contact) and records the scheduler's `sched_waking` events of the whole machine. They fire
in the thread that wakes another (`sched_wakeup` fires on the woken thread's CPU, often from an interrupt, and
would name no waker).

A waker outside the bridge is the kernel (a finished disk write, a timer) or another process (wrk sending a request,
nginx an answer: the loopback delivers it in the sender's context).

Each wake-up is also counted by where the woken thread runs: on the waker's core, or on the other one, through an
inter-processor interrupt. Last, `reference/wake-cost.c` measures what one wake-up costs this machine, across cores
and on one core, so that the wake-ups per opt-out read as microseconds of CPU.

    apt-get install -y linux-perf wrk nginx-light gcc
    Benchmarks/wake-ups.py [--bin DIR] [--rate 1000] [--duration 4]    # --rate 0: closed loop, 64 connections
"""
import argparse
import collections
import os
import re
import subprocess
import tempfile

from benchlib import (HERE, build, delivery_figures, delta, fast_nlpearl, free_port, metrics, start_bridge,
                      thread_group, write_mapping, wrk)

CONTACTS = 100000


def thread_names(pid):
    return {int(t): open("/proc/%d/task/%s/comm" % (pid, t)).read().strip() for t in os.listdir("/proc/%d/task" % pid)}


def group(name):
    return thread_group(name) or "other (%s)" % name


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", help="folder of the release binaries (default: swift build's)")
    parser.add_argument("--skip-build", action="store_true", help="use the release build as it is")
    parser.add_argument("--rate", type=int, default=1000, help="opt-outs/s offered; 0 for a closed loop")
    parser.add_argument("--duration", type=int, default=4, help="seconds recorded")
    args = parser.parse_args()
    bindir = args.bin or build(args.skip_build)
    rate, seconds = args.rate, args.duration
    with tempfile.TemporaryDirectory(prefix="optout-wake-ups-", dir=os.environ.get("BENCH_DIR")) as d:
        write_mapping(os.path.join(d, "mapping.json"), CONTACTS)
        upstream_port = free_port()
        upstream = fast_nlpearl(d, upstream_port)
        bridge, port = start_bridge(os.path.join(bindir, "optout-bridge"), d, "http://127.0.0.1:%d" % upstream_port,
                                    "bridge")
        try:
            wrk(port, 2, 16, CONTACTS)  # warm-up
            pid = bridge.process.pid
            names = thread_names(pid)
            before = metrics(port)
            recording = subprocess.Popen(
                ["perf", "record", "-e", "sched:sched_waking", "-a", "-o", os.path.join(d, "wake-ups.data"), "--",
                 "sleep", str(seconds)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wrk(port, seconds, 32 if rate else 64, CONTACTS, total_rate=rate)
            recording.wait()
            answered = delivery_figures(delta(metrics(port), before))["deleted"]
            names.update(thread_names(pid))
            events = subprocess.run(
                ["perf", "script", "-i", os.path.join(d, "wake-ups.data"), "-F", "tid,cpu,trace"],
                capture_output=True, text=True, check=True).stdout
        finally:
            bridge.stop()
            upstream.stop()
        # Measured with the bridge and NLPearl stopped, so that nothing else runs on the cores meanwhile.
        cost = subprocess.run("cc -O2 -o %s %s -lpthread && %s" % (
            os.path.join(d, "wake-cost"), os.path.join(HERE, "wake-cost.c"),
            os.path.join(d, "wake-cost")), shell=True, capture_output=True, text=True, check=True).stdout
    counts, across = collections.Counter(), collections.Counter()
    for line in events.splitlines():
        match = re.match(r"\s*(\d+)\s+\[(\d+)\]\s+comm=.* pid=(\d+) .*target_cpu=(\d+)", line)
        if match and int(match.group(3)) in names:
            waker = names.get(int(match.group(1)))
            woken = names[int(match.group(3))]
            key = (group(waker) if waker else "the kernel or another process", group(woken))
            counts[key] += 1
            across[key] += int(match.group(2)) != int(match.group(4))
    per = max(1, answered)
    print("%s: %d opt-outs answered; wake-ups of the bridge's threads per opt-out, by who woke whom (all, and those "
          "woken on the other core):" % ("closed loop" if rate == 0 else "%d/s" % rate, answered))
    for key, count in counts.most_common():
        print("  %-37s -> %-37s %5.2f %5.2f" % (key[0], key[1], count / per, across[key] / per))
    print("  %-78s %5.2f %5.2f" % ("all", sum(counts.values()) / per, sum(across.values()) / per))
    print("what a wake-up costs this machine (reference/wake-cost.c):")
    print("".join("  " + line + "\n" for line in cost.splitlines()), end="")
    match = re.search(r"across cores: ([\d.]+)", cost)
    if match:
        print("  the bridge's wake-ups across cores, at that cost: %.1f us of CPU per opt-out"
              % (sum(across.values()) / per * float(match.group(1))))


if __name__ == "__main__":
    main()
