#!/usr/bin/env python3
"""Delivery soak: opt-outs under load and faults, and whether any acknowledged one is lost.

Runs the release `optout-bridge` against the `fake-nlpearl` (50 ms per call) on loopback, in three phases:
  A. NLPearl up: a burst of opt-outs from concurrent clients;
  B. NLPearl down: opt-outs are acknowledged 202 from the journal; the bridge is killed with SIGKILL in the
     middle of the phase and restarted while NLPearl is still down;
  C. NLPearl back (failing 10% of calls with 503): more opt-outs, while the backlog drains.
Then it waits for the journal to drain and counts, from the fake's own log of calls:
  acknowledged (answered 200/202), delivered (their leads deleted at NLPearl), lost (acknowledged but never
  deleted: must be 0), duplicates (a lead deleted by more than one successful call), and NLPearl calls per lead.

    Benchmarks/delivery-soak.py [--opt-outs 3000] [--clients 32] [--skip-build]

Exits 1 if anything acknowledged was lost. Everything runs on 127.0.0.1 and stops by itself.
"""
import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from benchlib import PEARLS, build, free_port

TOKEN = "soak-account:soak-secret"
API_TOKEN = "soak-api-token"


class Fake:
    def __init__(self, binary, port, log_path, fail_rate=0.0):
        self.log = open(log_path, "a")
        args = [binary, "--port", str(port), "--token", TOKEN, "--latency-ms", "50", "--json"]
        if fail_rate:
            args += ["--fail-rate", str(fail_rate)]
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=10)
        self.log.close()


class Bridge:
    def __init__(self, binary, config, log_path):
        self.log = open(log_path, "a")
        env = dict(os.environ, NLPEARL_API_TOKEN=TOKEN, LOG_LEVEL="warning")
        self.process = subprocess.Popen([binary, "serve", "--config", config], stdout=self.log,
                                        stderr=subprocess.STDOUT, env=env)

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log.close()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=15)
        self.log.close()
        return code


def wait_ready(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("the bridge did not start")


class Client:
    """Sends opt-outs and remembers which ones were acknowledged."""

    def __init__(self, port_ref):
        self.port_ref = port_ref
        self.lock = threading.Lock()
        self.acknowledged = {}  # index -> status
        self.unanswered = 0
        self.local = threading.local()

    def send(self, index):
        body = json.dumps({"keys": ["email:contact%d@example.com" % index], "idempotencyKey": "soak-%d" % index})
        for _ in range(2):
            try:
                conn = getattr(self.local, "conn", None)
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port_ref[0], timeout=10)
                    self.local.conn = conn
                conn.request("POST", "/v1/opt-outs", body=body, headers={
                    "Authorization": "Bearer " + API_TOKEN, "Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
                if response.status in (200, 202):
                    with self.lock:
                        self.acknowledged[index] = response.status
                return
            except (OSError, http.client.HTTPException):
                self.local.conn = None
        with self.lock:
            self.unanswered += 1

    def run(self, indices, clients):
        with ThreadPoolExecutor(max_workers=clients) as pool:
            list(pool.map(self.send, indices))


def pending_leads(port):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/metrics")
        text = c.getresponse().read().decode()
        match = re.search(r"^optout_bridge_journal_pending_leads (\S+)$", text, re.M)
        return float(match.group(1)) if match else None
    except OSError:
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--opt-outs", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--bin", help="folder of the release binaries (default: swift build's)")
    args = parser.parse_args()

    bin_dir = args.bin or build(args.skip_build)
    work = tempfile.mkdtemp(prefix="optout-soak-")
    n = args.opt_outs
    contacts = [{"keys": ["email:contact%d@example.com" % i],
                 "leads": [{"pearlId": PEARLS[i % len(PEARLS)], "leadId": "lead-%06d" % i}]} for i in range(n)]
    with open(os.path.join(work, "mapping.json"), "w") as f:
        json.dump({"version": 1, "contacts": contacts}, f)
    bridge_port, fake_port = free_port(), free_port()
    config = {
        "listen": {"host": "127.0.0.1", "port": bridge_port, "threads": 2},
        "nlpearl": {"baseURL": "http://127.0.0.1:%d" % fake_port, "token": "env:NLPEARL_API_TOKEN",
                    "timeoutSeconds": 2, "maxLeadsPerRequest": 100, "maxConcurrentRequests": 2},
        "mapping": {"file": "mapping.json"},
        "journal": {"file": "journal.sqlite"},
        "delivery": {"ackMode": "durable", "syncWaitMilliseconds": 2000,
                     "retry": {"initialSeconds": 0.2, "maxSeconds": 2, "giveUpAfterHours": 72}},
        "api": {"tokens": [API_TOKEN]},
    }
    config_path = os.path.join(work, "optout-bridge.json")
    with open(config_path, "w") as f:
        json.dump(config, f)
    fake_log, bridge_log = os.path.join(work, "fake.log"), os.path.join(work, "bridge.log")
    fake_bin, bridge_bin = os.path.join(bin_dir, "fake-nlpearl"), os.path.join(bin_dir, "optout-bridge")

    started = time.time()
    port = [bridge_port]
    client = Client(port)
    third = n // 3
    fake = Fake(fake_bin, fake_port, fake_log)
    bridge = Bridge(bridge_bin, config_path, bridge_log)
    wait_ready(bridge_port)

    print("phase A: NLPearl up, %d opt-outs from %d clients" % (third, args.clients), flush=True)
    client.run(range(0, third), args.clients)

    print("phase B: NLPearl down; kill -9 the bridge halfway, restart it", flush=True)
    fake.stop()
    half = third + third // 2
    client.run(range(third, half), args.clients)
    bridge.kill9()
    bridge = Bridge(bridge_bin, config_path, bridge_log)
    wait_ready(bridge_port)
    client.run(range(half, 2 * third), args.clients)

    print("phase C: NLPearl back (10%% of calls fail with 503), %d more opt-outs" % (n - 2 * third), flush=True)
    fake = Fake(fake_bin, fake_port, fake_log, fail_rate=0.1)
    client.run(range(2 * third, n), args.clients)

    deadline = time.time() + 180
    while time.time() < deadline:
        if pending_leads(bridge_port) == 0:
            break
        time.sleep(0.5)
    elapsed = time.time() - started
    exit_code = bridge.stop()
    fake.stop()

    deleted_by = {}
    calls = 0
    with open(fake_log) as f:
        for line in f:
            if not line.startswith("{"):
                continue
            call = json.loads(line)
            calls += 1
            if call["status"] == 200 and call["answer"] == "true":
                for lead in call["leadIds"]:
                    deleted_by[lead] = deleted_by.get(lead, 0) + 1
    acknowledged = client.acknowledged
    lost = [i for i in acknowledged if ("lead-%06d" % i) not in deleted_by]
    duplicates = sum(1 for count in deleted_by.values() if count > 1)
    print()
    print("| figure | value |")
    print("|---|---|")
    print("| opt-outs sent | %d |" % n)
    print("| acknowledged (200/202) | %d (%d answered 202) |" % (
        len(acknowledged), sum(1 for s in acknowledged.values() if s == 202)))
    print("| unanswered (bridge killed mid-request) | %d |" % client.unanswered)
    print("| delivered (leads deleted at NLPearl) | %d |" % len(deleted_by))
    print("| lost (acknowledged, never deleted) | %d |" % len(lost))
    print("| leads deleted by more than one call | %d |" % duplicates)
    print("| NLPearl calls | %d |" % calls)
    print("| NLPearl calls per lead | %.3f |" % (calls / max(1, len(deleted_by))))
    print("| wall time | %.1f s |" % elapsed)
    print("| serve exit code after SIGTERM | %s |" % exit_code)
    print("\nlogs and journal in %s" % work)
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
