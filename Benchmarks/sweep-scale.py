#!/usr/bin/env python3
"""The campaign sweep at scale: calls, wall time and peak memory of one sweep of a campaign of a million leads.

Fills the release `fake-nlpearl` (a real server, as strict as NLPearl's published contract) with LEADS leads in one
campaign through Add Leads (50,000 a call), every lead a phone number and a HubSpot id as its externalId. One lead in
SUPPRESSED_EVERY is of a person on the suppression list: half of those by phone, half by HubSpot id, put there by
`optout-bridge suppression import` before the service starts (the mapping is absent, so the import queues nothing).
Then the release `optout-bridge serve` starts with the campaign listed and no mapping file, sweeps at once, and the
script waits for its `campaign sweep finished` line.

    Benchmarks/sweep-scale.py [--leads 1000000 100000] [--rate 1000] [--bin .build/release] [--json FILE]

For each size: search calls, wall time of the sweep, leads scanned, matched and deleted (as the fake counts them),
and the bridge's peak resident memory (VmHWM). Memory must not grow with the campaign: the check is that the peak at
the largest size is within 1.25 times the peak at the smallest (one page in memory, whatever the campaign's size),
and that the fake holds exactly the leads of no suppressed person afterwards. Exits 1 if either is missed.

`--rate` is `campaigns.maxCallsPerSecond`; the shipped default of 5 calls a second sweeps a million leads in about
2,000 s (10,000 calls), which is the pace meant for NLPearl, not for measuring the bridge.
"""
import argparse
import http.client
import json
import os
import subprocess
import tempfile
import time

from benchlib import (API_TOKEN, NLPEARL_TOKEN, PEARLS, Server, build, free_port, machine, peak_rss_mib, report,
                      wait_port)

PEARL = PEARLS[0]


def phone(i):
    return "+1555%07d" % i


def nlpearl(port, method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request(method, path, json.dumps(body) if body is not None else None,
              {"Authorization": "Bearer " + NLPEARL_TOKEN, "Content-Type": "application/json"})
    response = c.getresponse()
    data = response.read()
    if response.status != 200:
        raise SystemExit("fake NLPearl answered %d to %s %s: %s" % (response.status, method, path, data[:300]))
    return json.loads(data)


def fill(port, leads):
    for start in range(0, leads, 50000):
        batch = [{"phoneNumber": phone(i), "externalId": str(7000000 + i)} for i in range(start, min(leads, start + 50000))]
        if nlpearl(port, "POST", "/v2/Outbound/%s/Leads/Add" % PEARL, {"leads": batch}) is not True:
            raise SystemExit("Add Leads did not answer true")


def lead_count(port):
    return nlpearl(port, "POST", "/v1/Outbound/%s/Leads" % PEARL, {"skip": 0, "limit": 1})["count"]


def one_size(binary, directory, leads, every, rate):
    work = os.path.join(directory, "sweep-%d" % leads)
    os.makedirs(work)
    fake_port = free_port()
    fake = Server([os.path.join(binary, "fake-nlpearl"), "--port", str(fake_port), "--token", NLPEARL_TOKEN,
                   "--quiet"], os.path.join(work, "fake.log"))
    wait_port(fake_port)
    try:
        started = time.time()
        fill(fake_port, leads)
        fill_seconds = time.time() - started
        # The suppressed people: every `every`-th lead, alternately by phone and by HubSpot id.
        suppressed = list(range(every // 2, leads, every))
        with open(os.path.join(work, "dnc.txt"), "w") as f:
            for n, i in enumerate(suppressed):
                f.write(("phone:%s\n" % phone(i)) if n % 2 == 0 else ("hubspot:%d\n" % (7000000 + i)))
        port = free_port()
        config = {
            "listen": {"host": "127.0.0.1", "port": port, "threads": 2},
            "nlpearl": {"baseURL": "http://127.0.0.1:%d" % fake_port, "maxLeadsPerRequest": 100},
            "mapping": {"file": os.path.join(work, "mapping.json"), "defaultCountryCode": "+1"},
            "journal": {"file": os.path.join(work, "journal.sqlite")},
            "delivery": {"ackMode": "durable"},
            "campaigns": {"pearlIds": [PEARL], "externalIdNamespace": "hubspot", "maxCallsPerSecond": rate,
                          "sweepIntervalMinutes": 1440},
            "api": {"tokens": ["env:BENCH_API_TOKEN"]},
        }
        config_path = os.path.join(work, "optout-bridge.json")
        with open(config_path, "w") as f:
            json.dump(config, f)
        env = dict(os.environ, NLPEARL_API_TOKEN=NLPEARL_TOKEN, BENCH_API_TOKEN=API_TOKEN)
        subprocess.run([os.path.join(binary, "optout-bridge"), "suppression", "import", "--config", config_path,
                        os.path.join(work, "dnc.txt")], env=env, check=True, stdout=subprocess.DEVNULL)
        log_path = os.path.join(work, "bridge.log")
        bridge = Server([os.path.join(binary, "optout-bridge"), "serve", "--config", config_path], log_path, env)
        try:
            deadline = time.time() + 3600
            finished = None
            while finished is None and time.time() < deadline:
                time.sleep(0.2)
                if bridge.process.poll() is not None:
                    raise SystemExit("the bridge exited %d; see %s" % (bridge.process.returncode, log_path))
                with open(log_path) as f:
                    for line in f:
                        if '"campaign sweep finished' in line:
                            finished = json.loads(line)
            if finished is None:
                raise SystemExit("no sweep finished within an hour; see %s" % log_path)
            peak = peak_rss_mib([bridge.process.pid])
        finally:
            bridge.stop()
        remaining = lead_count(fake_port)
    finally:
        fake.stop()
    meta = finished.get("metadata", finished)
    return {"leads": leads, "suppressed": len(suppressed), "fill_seconds": round(fill_seconds, 1),
            "calls": int(meta["calls"]), "scanned": int(meta["scanned"]), "matched": int(meta["matched"]),
            "queued": int(meta["queued"]), "sweep_seconds": int(meta["seconds"]), "remaining": remaining,
            "deleted": leads - remaining, "peak_rss_mib": round(peak, 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--leads", type=int, nargs="+", default=[1000000, 100000])
    parser.add_argument("--suppressed-every", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=1000, help="campaigns.maxCallsPerSecond")
    parser.add_argument("--bin", help="a folder with release optout-bridge and fake-nlpearl (skips the build)")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args()
    binary = args.bin or build(args.skip_build)
    directory = tempfile.mkdtemp(prefix="sweep-scale-")
    results = {"machine": machine(), "sizes": []}
    for leads in args.leads:
        figures = one_size(binary, directory, leads, args.suppressed_every, args.rate)
        results["sizes"].append(figures)
        print(json.dumps(figures))
    sizes = sorted(results["sizes"], key=lambda s: s["leads"])
    checks = []
    for s in sizes:
        checks.append(("leads %d: search calls" % s["leads"], s["calls"], "", True))
        checks.append(("leads %d: sweep seconds" % s["leads"], s["sweep_seconds"], "", True))
        checks.append(("leads %d: peak RSS MiB" % s["leads"], s["peak_rss_mib"], "", True))
        checks.append(("leads %d: suppressed leads left" % s["leads"], s["suppressed"] - s["deleted"], "0",
                       s["deleted"] == s["suppressed"] and s["matched"] == s["suppressed"]))
    if len(sizes) > 1:
        ratio = sizes[-1]["peak_rss_mib"] / sizes[0]["peak_rss_mib"]
        checks.append(("peak RSS, largest over smallest campaign", ratio, "<= 1.25", ratio <= 1.25))
    report(results, checks, args.json, directory)
    if not all(ok for _, _, _, ok in checks):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
