"""Shared by the benchmark scripts: child servers, nginx, the bridge, wrk, /metrics and /proc readings."""
import http.client
import json
import os
import platform
import re
import socket
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(ROOT, "Benchmarks", "reference")
API_TOKEN = "bench-api-token"
NLPEARL_TOKEN = "bench-account:bench-secret"
PEARLS = ["6720c0f8e4b0a1b2c3d4e5f%d" % i for i in range(4)]


# The bridge's threads by what runs on them. Linux keeps 15 bytes of a thread's name; libdispatch's names keep their end
# ("…default-qos.overcommit").
THREAD_GROUPS = [
    ("libmicrohttpd", re.compile(r"^MHD")),
    ("Swift cooperative pool", re.compile(r"default-qos$")),
    ("journal: GRDB, WAL fsync, checkpoints", re.compile(r"overcommit$")),
    ("SwiftNIO event loop (NLPearl calls)", re.compile(r"^NIO")),
]


def thread_group(thread):
    """The group of THREAD_GROUPS that a thread of the bridge, by its name, belongs to; None for any other thread."""
    for name, pattern in THREAD_GROUPS:
        if pattern.search(thread):
            return name
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("nothing listens on port %d" % port)


def peak_rss_mib(pids):
    """VmHWM, the peak resident set, summed over the processes (nginx: master and workers)."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/status" % pid) as f:
                total += int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1))
        except (OSError, AttributeError):
            pass
    return total / 1024


def cpu_seconds(pids):
    """User and system CPU time used so far, summed over the processes (nginx: master and workers)."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def resident_split_mib(pids):
    """Resident now, split into anonymous memory (heap, stacks: what the process allocated) and pages mapped from
    files (its own code and libraries, shared with the page cache), summed over the processes."""
    split = {"RssAnon": 0, "RssFile": 0}
    for pid in pids:
        try:
            with open("/proc/%d/status" % pid) as f:
                text = f.read()
            for key in split:
                split[key] += int(re.search(r"%s:\s+(\d+) kB" % key, text).group(1))
        except (OSError, AttributeError):
            pass
    return {"anon": split["RssAnon"] / 1024, "file": split["RssFile"] / 1024}


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


class Server:
    """A child process; stopped with SIGTERM."""

    def __init__(self, args, log_path, env=None):
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)

    def pids(self):
        return [self.process.pid] + children(self.process.pid)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def nginx(directory, name, port, body):
    """nginx in the foreground, configured by `body` (the http block's content)."""
    prefix = os.path.join(directory, name)
    os.makedirs(os.path.join(prefix, "logs"), exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""
    with open(os.path.join(prefix, "nginx.conf"), "w") as f:
        f.write("%sworker_processes %s;\npid %s/nginx.pid;\nerror_log %s/logs/error.log warn;\n"
                "events { worker_connections 8192; }\n"
                "http {\n access_log off;\n keepalive_requests 10000000;\n"
                " client_body_temp_path %s/body;\n proxy_temp_path %s/proxy;\n%s\n}\n"
                % (user, body[0], prefix, prefix, prefix, prefix, body[1]))
    server = Server(["nginx", "-p", prefix, "-c", os.path.join(prefix, "nginx.conf"), "-g", "daemon off;"],
                    os.path.join(directory, name + ".log"))
    wait_port(port)
    return server


def fast_nlpearl(directory, port):
    """The fast fake NLPearl: nginx answering every request `200 true`, as NLPearl answers a delete."""
    return nginx(directory, "upstream", port, ("1", (
        ' server { listen 127.0.0.1:%d; location / { default_type application/json; return 200 "true"; } }' % port)))


def write_mapping(path, contacts):
    with open(path, "w") as f:
        f.write('{"version":1,"contacts":[\n')
        for i in range(contacts):
            f.write('%s{"keys":["email:user%d@bench.example"],"leads":[{"pearlId":"%s","leadId":"lead-%d"}]}\n'
                    % ("," if i else "", i, PEARLS[i % len(PEARLS)], i))
        f.write("]}\n")


def write_crm_mapping(path, contacts, extra_lead=None):
    """A mapping shaped like a CRM export: each contact an email, a phone number and a HubSpot id, and one lead
    (every fifth contact a second lead in another campaign); `extra_lead(i)`, when given, may name one more lead
    id for contact i."""
    with open(path, "w") as f:
        f.write('{"version":1,"contacts":[\n')
        for i in range(contacts):
            leads = '{"pearlId":"%s","leadId":"lead-%d"}' % (PEARLS[i % len(PEARLS)], i)
            if i % 5 == 0:
                leads += ',{"pearlId":"%s","leadId":"lead-%d-b"}' % (PEARLS[(i + 1) % len(PEARLS)], i)
            extra = extra_lead(i) if extra_lead else None
            if extra:
                leads += ',{"pearlId":"%s","leadId":"%s"}' % (PEARLS[0], extra)
            f.write('%s{"keys":["email:user%d@bench.example","phone:+1 (555) %03d-%04d","hubspot:%d"],'
                    '"leads":[%s]}\n' % ("," if i else "", i, i // 10000 % 1000, i % 10000, 5000000 + i, leads))
        f.write("]}\n")


def rss_mib(pid):
    """VmRSS (resident now) and VmHWM (peak resident) of one process."""
    with open("/proc/%d/status" % pid) as f:
        text = f.read()
    return {k: int(re.search(r"%s:\s+(\d+) kB" % k, text).group(1)) / 1024 for k in ("VmRSS", "VmHWM")}


def start_bridge(binary, directory, nlpearl_url, name, mapping=None, settings=None):
    """The bridge in durable mode with its journal in directory/name; the mapping is directory/mapping.json.
    `settings`, when given, are top-level members of the configuration file to add or replace (`{"dryRun": True}`)."""
    port = free_port()
    work = os.path.join(directory, name)
    os.makedirs(work, exist_ok=True)
    config = {
        "listen": {"host": "127.0.0.1", "port": port, "threads": 2},
        "nlpearl": {"baseURL": nlpearl_url, "maxLeadsPerRequest": 100, "maxConcurrentRequests": 8},
        "mapping": {"file": mapping or os.path.join(directory, "mapping.json"), "reloadIntervalSeconds": 1},
        "journal": {"file": os.path.join(work, "journal.sqlite")},
        "delivery": {"ackMode": "durable"},
        "api": {"tokens": ["env:BENCH_API_TOKEN"]},
    }
    config.update(settings or {})
    path = os.path.join(work, "optout-bridge.json")
    with open(path, "w") as f:
        json.dump(config, f)
    env = dict(os.environ, NLPEARL_API_TOKEN=NLPEARL_TOKEN, BENCH_API_TOKEN=API_TOKEN)
    server = Server([binary, "serve", "--config", path], os.path.join(directory, name + ".log"), env)
    wait_port(port, timeout=120)
    return server, port


# The first contact that no request to a port has named yet: each run to the same server goes on from there
# (`opt-outs.lua`), so that every opt-out a bridge answers is a new one, with a lead for NLPearl to delete.
_next_contact = {}


def wrk(port, duration, connections, contacts, total_rate=0, threads=2, timeout="2s"):
    # Dirty pages left by what ran before (the generated mapping, earlier runs' logs) are written back about 30 s
    # after they were written, and an fsync of the journal then waits behind them: flush them first, so that a
    # run measures its own I/O only.
    os.sync()
    first = _next_contact.get(port, 0)
    env = dict(os.environ, CONTACTS=str(contacts), API_TOKEN=API_TOKEN, FIRST=str(first), THREADS=str(threads))
    if total_rate:
        env["THREAD_RATE"] = str(total_rate / threads)
    out = subprocess.run(
        ["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % duration, "--timeout", timeout,
         "-s", os.path.join(HERE, "opt-outs.lua"), "http://127.0.0.1:%d" % port],
        env=env, capture_output=True, text=True, check=True).stdout
    result = json.loads(out.split("RESULT ", 1)[1])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    _next_contact[port] = result["next"]
    return result


def metrics(port):
    """The bridge's counters that matter here, summed over their labels."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/metrics")
    text = c.getresponse().read().decode()
    sums = {}
    for line in text.splitlines():
        match = re.match(r"^(optout_bridge_(?:optouts_total|nlpearl_calls_total|nlpearl_leads_per_call_sum"
                         r"|journal_transactions_total|journal_fsyncs_total))"
                         r"(\{[^}]*\})? ([0-9.e+]+)$", line)
        if match:
            labels = match.group(2) or ""
            key = match.group(1)
            status = re.search(r'status="([^"]+)"', labels)
            if status:
                key += ":" + status.group(1)
            sums[key] = sums.get(key, 0) + float(match.group(3))
    return sums


def delta(after, before):
    return {k: after.get(k, 0) - before.get(k, 0) for k in after}


def delivery_figures(counted):
    """Opt-outs by outcome and NLPearl calls, from the change in the bridge's counters over a run."""
    deleted = counted.get("optout_bridge_optouts_total:deleted", 0)
    calls = counted.get("optout_bridge_nlpearl_calls_total", 0)
    # Leads sent to NLPearl: one per opt-out when every opt-out is of a contact not opted out before.
    sent = counted.get("optout_bridge_nlpearl_leads_per_call_sum", 0)
    others = sum(v for k, v in counted.items() if k.startswith("optout_bridge_optouts_total:") and
                 not k.endswith(":deleted"))
    return {"deleted": deleted, "not_deleted": others, "nlpearl_calls": calls, "leads_sent": sent,
            "optouts_per_call": deleted / max(1, calls)}


def build(skip):
    """The release binaries' folder, built first unless `skip`: the bridge as `deploy/Dockerfile` ships it, linked with
    the static Swift standard library (the dynamically linked build costs more CPU per opt-out and more memory)."""
    if not skip:
        for product, flags in (("optout-bridge", ["--static-swift-stdlib"]), ("fake-nlpearl", [])):
            subprocess.run(["swift", "build", "-c", "release", "--product", product] + flags, cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)
    return subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()


def machine():
    with open("/proc/cpuinfo") as f:
        model = re.search(r"model name\s*:\s*(.*)", f.read())
    nginx_version = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
    return {"cpu": model.group(1) if model else platform.processor(), "cores": os.cpu_count(),
            "kernel": platform.release(), "nginx": nginx_version.replace("nginx version: ", "")}


def report(results, checks, json_path, directory):
    """Prints the machine and each check against its target, writes the figures as JSON if asked, removes the
    scratch directory and exits 1 when a target was missed."""
    results["checks"] = [{"name": n, "value": v, "target": t, "met": ok} for n, v, t, ok in checks]
    print("\nmachine: %(cpu)s, %(cores)d cores, Linux %(kernel)s, %(nginx)s" % results["machine"])
    for name, value, target, ok in checks:
        print("  %-48s %10.2f  %-8s %s" % (name, value, target, "" if not target else ("met" if ok else "MISSED")))
    if json_path:
        with open(json_path, "w") as f:
            json.dump(results, f, indent=2)
    shutil.rmtree(directory, ignore_errors=True)
    sys.exit(0 if all(ok for _, _, _, ok in checks) else 1)
