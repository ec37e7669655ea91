#!/usr/bin/env python3
"""Two builds of the bridge under the same load at the same time: the CPU per opt-out of B as a ratio to A's.

On this noisy machine, `throughput.py --baseline-bin` runs the two builds one after the other, and a change of 5 %
drowns in the drift between its runs. Here both bridges run side by side, each posting opt-outs of the same mapping
to the same fast fake NLPearl (nginx `return 200 "true";`), with one wrk each, started together: whatever slows the
machine slows both, and the ratio of their CPU per opt-out is what the change did.

    Benchmarks/same-load.py A/optout-bridge B/optout-bridge [--duration 8] [--rounds 8] [--rate 0] [--keys 1]

`--get PATH` GETs that path without the token instead of posting opt-outs (`/healthz`, or `/v1/opt-outs/x` to be
refused 401): the CPU per request of what a handler answers without waiting, which the listener queues on the spot.

`--keys 3` sends a CRM contact's three keys (email, phone number, HubSpot id) per opt-out, with a mapping shaped like a
CRM export (`benchlib.write_crm_mapping`), instead of an email alone. `--rate` offers that many opt-outs/s to each
bridge (0: closed loop, 32 connections each). Every opt-out is of a new contact, so each has a lead for NLPearl to
delete. The same build on both sides gave ratios of 0.91 to 1.05 per round, and the side started second measured up
to 3-6 % cheaper than the first over a whole run: so half the rounds run with A started first and half with B first,
each half on bridges and journals of their own, and the result is the geometric mean of the two halves' ratios
(`--one-order` runs every round with A first). For a change of a few per cent, run sixteen rounds or more and look
at both halves: a change is only what both agree on. Each round also prints the opt-outs per NLPearl call of each
side: a build whose calls are quicker may batch fewer opt-outs per call, and pay for more calls.
"""
import argparse
import math
import os
import tempfile
import threading

from benchlib import (ROOT, cpu_seconds, delivery_figures, delta, fast_nlpearl, free_port, metrics, start_bridge,
                      write_crm_mapping, write_mapping, wrk)

# Enough for every opt-out of eight rounds in one order to be of a new contact (`opt-outs.lua`); each order starts
# on bridges of its own, from the first contact.
CONTACTS = 400000


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("a", help="build A's optout-bridge, the reference")
    parser.add_argument("b", help="build B's optout-bridge")
    parser.add_argument("--duration", type=int, default=8, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=8, help="rounds in all, half of them in each order")
    parser.add_argument("--one-order", action="store_true", help="every round with A started first")
    parser.add_argument("--rate", type=int, default=0, help="opt-outs/s offered to each; 0 for a closed loop")
    parser.add_argument("--contacts", type=int, default=CONTACTS,
                        help="contacts in the mapping, more than both bridges answer over all the rounds")
    parser.add_argument("--get", metavar="PATH", help="GET this path without the token instead of posting opt-outs")
    parser.add_argument("--keys", type=int, choices=(1, 3), default=1,
                        help="keys per opt-out: an email, or a CRM contact's email, phone number and HubSpot id")
    args = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="optout-same-load-", dir=os.environ.get("BENCH_DIR", ROOT + "/.build"))
    if args.keys == 3:
        write_crm_mapping(os.path.join(directory, "mapping.json"), args.contacts)
        os.environ["KEYS"] = "3"  # for opt-outs.lua, through benchlib.wrk's environment
    else:
        write_mapping(os.path.join(directory, "mapping.json"), args.contacts)
    if args.get:
        os.environ["GET_PATH"] = args.get  # for opt-outs.lua, through benchlib.wrk's environment
    upstream_port = free_port()
    upstream = fast_nlpearl(directory, upstream_port)
    # The side started second has measured up to 3-6 % cheaper with the same build on both sides: half the rounds run
    # with A started first, half with B first, each half on bridges and journals of its own.
    first_half = args.rounds if args.one_order else (args.rounds + 1) // 2
    halves = [("A", first_half), ("B", args.rounds - first_half)]
    means = []
    try:
        for first, rounds in halves:
            if rounds == 0:
                continue
            order = ("A", "B") if first == "A" else ("B", "A")
            print("%s started first:" % first, flush=True)
            ratios = run_half(args, directory, upstream_port, order, rounds)
            means.append((first, rounds, sum(ratios) / len(ratios)))
    finally:
        upstream.stop()
    for first, rounds, mean in means:
        print("B/A %.3f (mean of %d rounds, %s started first)" % (mean, rounds, first))
    if len(means) == 2:
        print("B/A %.3f (geometric mean of the two orders)" % math.sqrt(means[0][2] * means[1][2]))


def run_half(args, directory, upstream_port, order, rounds):
    """`rounds` rounds on two bridges started in `order`, each with a journal of its own: the ratios B/A."""
    binaries = {"A": args.a, "B": args.b}
    bridges = {}
    try:
        for name in order:
            label = "%s-%s-first" % (name, order[0])
            bridges[name] = start_bridge(binaries[name], directory, "http://127.0.0.1:%d" % upstream_port, label)
        for _, port in bridges.values():
            wrk(port, 2, 32, args.contacts)  # warm-up
        ratios = []
        for round_number in range(1, rounds + 1):
            results = {}
            before = {name: cpu_seconds([server.process.pid]) for name, (server, _) in bridges.items()}
            counters = {name: metrics(port) for name, (_, port) in bridges.items()}

            def load(name, port):
                results[name] = wrk(port, args.duration, 32, args.contacts, total_rate=args.rate, threads=1)

            threads = [threading.Thread(target=load, args=(name, port)) for name, (_, port) in bridges.items()]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            cpu = {name: (cpu_seconds([server.process.pid]) - before[name]) / results[name]["requests"] * 1e6
                   for name, (server, _) in bridges.items()}
            ratios.append(cpu["B"] / cpu["A"])
            if args.get:
                print("round %d: A %.1f us/request (%.0f/s), B %.1f us/request (%.0f/s), B/A %.3f"
                      % (round_number, cpu["A"], results["A"]["rps"], cpu["B"], results["B"]["rps"], ratios[-1]),
                      flush=True)
                continue
            # A build whose calls are cheaper or quicker may make more of them, each carrying fewer opt-outs: a ratio
            # is only comparable between rounds where both sides batch alike.
            figures = {name: delivery_figures(delta(metrics(port), counters[name]))
                       for name, (_, port) in bridges.items()}
            print("round %d: A %.0f us/opt-out (%.0f/s, %.1f per call), B %.0f us/opt-out (%.0f/s, %.1f per call), "
                  "B/A %.3f" % (round_number, cpu["A"], results["A"]["rps"], figures["A"]["optouts_per_call"], cpu["B"],
                                results["B"]["rps"], figures["B"]["optouts_per_call"], ratios[-1]), flush=True)
            for name in bridges:
                if figures[name]["leads_sent"] < figures[name]["deleted"]:
                    print("  %s answered contacts opted out before: raise --contacts" % name, flush=True)
        return ratios
    finally:
        for server, _ in bridges.values():
            server.stop()


if __name__ == "__main__":
    main()
