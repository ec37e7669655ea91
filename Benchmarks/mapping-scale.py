#!/usr/bin/env python3
"""A million-contact mapping: load time, memory per contact, and latency while it reloads under load.

Generates a mapping shaped like a CRM export (each contact: an email, a phone number and a HubSpot id; one lead,
every fifth contact a second lead in another campaign), then runs the release `optout-bridge serve` on it with a
fast fake NLPearl (nginx `return 200 "true";`):
  load     the "mapping loaded" log line's milliseconds, at start and at each reload;
  memory   resident set after the load, minus that of the same bridge on an empty mapping, per contact;
           and the peak (VmHWM), which includes the file's bytes while it is parsed;
  reload   wrk offers 1,000 opt-outs/s for 24 s; the mapping file is replaced (a new inode, as editors and
           ConfigMaps do) at 6 s and SIGHUP is sent at 14 s; p99 and the longest answer are compared with a
           run of the same load without reloads; and the resident set after the reloads, which must not grow.

    Benchmarks/mapping-scale.py [--contacts 1000000] [--bin .build/release] [--json FILE]

Targets: load within 2 s; under 300 MiB resident, after the load and after the reloads; and no stall: the longest
answer during reloads stays under 50 ms. Exits 1 if one is missed.
"""
import argparse
import json
import os
import shutil
import signal
import tempfile
import threading
import time

from benchlib import (ROOT, build, fast_nlpearl, free_port, machine, report, rss_mib, start_bridge, wrk,
                      write_crm_mapping)


def load_times(log_path):
    with open(log_path) as f:
        return [int(json.loads(line)["milliseconds"]) for line in f
                if '"mapping loaded"' in line and "milliseconds" in line]


def wait_for_loads(log_path, count, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if len(load_times(log_path)) >= count:
            return load_times(log_path)
        time.sleep(0.1)
    raise SystemExit("the mapping was not loaded %d times; see %s" % (count, log_path))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=1000000)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--bin", help="folder of the release binaries (default: swift build's)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    binary = os.path.join(args.bin or build(args.skip_build), "optout-bridge")
    directory = tempfile.mkdtemp(prefix="optout-mapping-", dir=os.environ.get("BENCH_DIR", ROOT + "/.build"))
    # The mapping lives on tmpfs, as a ConfigMap's files do. On the journal's disk, writing its copy for the reload
    # delayed the journal's fsyncs by up to 0.4 s: the harness's own I/O, not the bridge's.
    mapping_dir = tempfile.mkdtemp(prefix="optout-mapping-", dir="/dev/shm") if os.path.isdir("/dev/shm") else directory
    mapping = os.path.join(mapping_dir, "mapping.json")
    started = time.time()
    write_crm_mapping(mapping, args.contacts)
    size_mib = os.path.getsize(mapping) / 2**20
    print("generated %d contacts, %.0f MiB, in %.1f s" % (args.contacts, size_mib, time.time() - started))

    upstream_port = free_port()
    upstream = fast_nlpearl(directory, upstream_port)
    url = "http://127.0.0.1:%d" % upstream_port
    results = {"machine": machine(), "contacts": args.contacts, "file_mib": size_mib}
    servers = []
    try:
        # The same bridge on an empty mapping: the baseline the mapping's memory is measured against.
        empty = os.path.join(directory, "empty")
        os.makedirs(empty)
        with open(os.path.join(empty, "mapping.json"), "w") as f:
            f.write('{"version":1,"contacts":[]}')
        baseline, _ = start_bridge(binary, empty, url, "bridge", mapping=os.path.join(empty, "mapping.json"))
        servers.append(baseline)
        time.sleep(1)
        baseline_rss = rss_mib(baseline.process.pid)["VmRSS"]
        baseline.stop()
        servers.remove(baseline)

        bridge, port = start_bridge(binary, directory, url, "bridge", mapping=mapping)
        servers.append(bridge)
        log = os.path.join(directory, "bridge.log")
        first_load = wait_for_loads(log, 1)[0]
        time.sleep(1)
        memory = rss_mib(bridge.process.pid)
        results["load_ms"] = first_load
        results["rss_mib"] = memory["VmRSS"]
        results["peak_rss_mib"] = memory["VmHWM"]
        results["bytes_per_contact"] = (memory["VmRSS"] - baseline_rss) * 2**20 / args.contacts
        print("load %d ms; resident %.0f MiB (empty mapping: %.0f MiB), %.0f bytes per contact; peak %.0f MiB"
              % (first_load, memory["VmRSS"], baseline_rss, results["bytes_per_contact"], memory["VmHWM"]))

        wrk(port, 3, 32, args.contacts, total_rate=1000)
        quiet = wrk(port, 24, 32, args.contacts, total_rate=1000)
        print("steady   p50 %6.2f ms  p99 %6.2f ms  max %7.2f ms  %d requests, %d errors"
              % (quiet["p50_us"] / 1000, quiet["p99_us"] / 1000, quiet["max_us"] / 1000, quiet["requests"],
                 quiet["non2xx"] + quiet["socket_errors"]))

        def reloads():
            time.sleep(6)
            # Replace the file, as an editor or a ConfigMap swap does: same contacts, a new inode.
            shutil.copyfile(mapping, mapping + ".new")
            os.replace(mapping + ".new", mapping)
            time.sleep(8)
            bridge.process.send_signal(signal.SIGHUP)

        trigger = threading.Thread(target=reloads)
        trigger.start()
        loaded = wrk(port, 24, 32, args.contacts, total_rate=1000)
        trigger.join()
        times = wait_for_loads(log, 3)
        memory = rss_mib(bridge.process.pid)
        results["steady"] = quiet
        results["reloading"] = loaded
        results["reload_ms"] = times[1:]
        results["peak_rss_while_reloading_mib"] = memory["VmHWM"]
        results["rss_after_reloads_mib"] = memory["VmRSS"]
        print("reloads  p50 %6.2f ms  p99 %6.2f ms  max %7.2f ms  %d requests, %d errors; reloads took %s ms"
              % (loaded["p50_us"] / 1000, loaded["p99_us"] / 1000, loaded["max_us"] / 1000, loaded["requests"],
                 loaded["non2xx"] + loaded["socket_errors"], ", ".join(str(t) for t in times[1:])))
        print("resident after the reloads %.0f MiB" % memory["VmRSS"])
    finally:
        for server in servers:
            server.stop()
        upstream.stop()

    checks = [
        ("load time (ms)", results["load_ms"], "<= 2000", results["load_ms"] <= 2000),
        ("resident after load (MiB)", results["rss_mib"], "< 300", results["rss_mib"] < 300),
        ("bytes per contact", results["bytes_per_contact"], "", True),
        ("peak while reloading (MiB)", results["peak_rss_while_reloading_mib"], "", True),
        ("resident after two reloads (MiB)", results["rss_after_reloads_mib"], "< 300",
         results["rss_after_reloads_mib"] < 300),
        ("p99 while reloading / steady", results["reloading"]["p99_us"] / max(1, results["steady"]["p99_us"]), "",
         True),
        ("longest answer while reloading (ms)", results["reloading"]["max_us"] / 1000, "< 50",
         results["reloading"]["max_us"] < 50000),
        ("errors", results["reloading"]["non2xx"] + results["reloading"]["socket_errors"], "0",
         results["reloading"]["non2xx"] + results["reloading"]["socket_errors"] == 0),
    ]
    shutil.rmtree(mapping_dir, ignore_errors=True)
    report(results, checks, args.json, directory)


if __name__ == "__main__":
    main()
