#!/usr/bin/env bash
# Hostile input, the contract part: schemathesis generates requests from the running bridge's own /openapi.json
# (valid ones, invalid ones, and stateful sequences such as POST then GET of the id it answered) and checks every
# answer: no 5xx, status codes, content types, headers and bodies as documented, invalid input refused, valid input
# accepted. The raw-socket cases (slowloris, huge headers, lying Content-Length, ...) are Swift tests:
# Tests/BridgeTests/HostileInputTests.swift and Tests/MicroHTTPTests/HostileInputTests.swift.
#
#   Benchmarks/hostile-input.sh [BIN_DIR]       BIN_DIR holds optout-bridge and fake-nlpearl (default .build/debug;
#                                               build them first, e.g. swift build -c release)
#
# It starts fake-nlpearl and `optout-bridge serve` on free loopback ports, with examples/optout-bridge.json's
# settings, examples/mapping.json, and one sender of each type (examples/senders/optout-bridge.senders.json; the
# generic one takes the API token as its bearer, so that one sender's decoder is reached past authentication).
# Settings: Benchmarks/hostile/schemathesis.toml.
#
# Environment:
#   SCHEMATHESIS   the schemathesis executable; default: on PATH, else /work/venv-schemathesis/bin/schemathesis,
#                  else one installed with pip into .build/schemathesis-venv
#   SCHEMATHESIS_ARGS  more arguments for `schemathesis run`, e.g. "--max-examples 20"
#
# Exit status: 0 when schemathesis finds nothing and the bridge answered no 5xx; 1 on any finding; 2 when the
# setup fails.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
bin="${1:-.build/debug}"
bin="$(cd "$bin" && pwd)"
for tool in optout-bridge fake-nlpearl; do
  if [[ ! -x "$bin/$tool" ]]; then
    echo "$bin/$tool not found: run 'swift build' (or pass the folder that holds it)" >&2
    exit 2
  fi
done

if [[ -n "${SCHEMATHESIS:-}" ]]; then
  st="$SCHEMATHESIS"
elif command -v schemathesis >/dev/null 2>&1; then
  st="$(command -v schemathesis)"
elif [[ -x /work/venv-schemathesis/bin/schemathesis ]]; then
  st=/work/venv-schemathesis/bin/schemathesis
else
  python3 -m venv "$root/.build/schemathesis-venv"
  "$root/.build/schemathesis-venv/bin/pip" install --quiet schemathesis
  st="$root/.build/schemathesis-venv/bin/schemathesis"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/optout-bridge-hostile.XXXXXX")"
fake_pid=""
bridge_pid=""
cleanup() {
  for pid in "$bridge_pid" "$fake_pid"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

# Fresh demo credentials for this run only, so nothing real can leak into schemathesis's reports.
export NLPEARL_API_TOKEN="hostile-account:$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
export OPTOUT_API_TOKEN="hostile-api-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

# wait_for_line FILE PATTERN: waits up to 20 s for a line matching PATTERN in FILE and prints it.
wait_for_line() {
  local file="$1" pattern="$2"
  for _ in $(seq 200); do
    if grep -m1 -E "$pattern" "$file" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "timed out waiting for '$pattern' in $file:" >&2
  cat "$file" >&2
  return 1
}

"$bin/fake-nlpearl" --port 0 --token "$NLPEARL_API_TOKEN" --quiet >"$work/fake.log" 2>&1 &
fake_pid=$!
fake_port="$(wait_for_line "$work/fake.log" 'listening on' | sed -E 's#.*127\.0\.0\.1:([0-9]+).*#\1#')" || exit 2

python3 - "$root" "$work" "$fake_port" <<'PYTHON'
import json, sys
root, work, fake_port = sys.argv[1:]
configuration = json.load(open(f"{root}/examples/optout-bridge.json"))
senders = json.load(open(f"{root}/examples/senders/optout-bridge.senders.json"))["senders"]
for sender in senders:
    for key, value in sender.items():
        if isinstance(value, str) and value.startswith("file:keys/"):
            sender[key] = f"file:{root}/examples/senders/{value[len('file:'):]}"
    if sender["type"] == "generic":
        sender.pop("hmac", None)
        sender.pop("secret", None)
        sender["bearer"] = "env:OPTOUT_API_TOKEN"
configuration["listen"].update({"host": "127.0.0.1", "port": 0})
configuration["nlpearl"]["baseURL"] = f"http://127.0.0.1:{fake_port}"
configuration["mapping"]["file"] = f"{root}/examples/mapping.json"
configuration["journal"]["file"] = f"{work}/journal.sqlite"
configuration["senders"] = senders
json.dump(configuration, open(f"{work}/optout-bridge.json", "w"), indent=2)
PYTHON

"$bin/optout-bridge" serve --config "$work/optout-bridge.json" >"$work/bridge.log" 2>&1 &
bridge_pid=$!
port="$(wait_for_line "$work/bridge.log" 'optout-bridge listening' | sed -E 's#.*"port":"([0-9]+)".*#\1#')" || exit 2
echo "bridge on http://127.0.0.1:$port (fake NLPearl on $fake_port); $("$st" --version)"

status=0
# In the scratch folder, so that nothing schemathesis writes lands in the working tree.
# shellcheck disable=SC2086 # SCHEMATHESIS_ARGS is split on purpose
(cd "$work" && "$st" --config-file "$root/Benchmarks/hostile/schemathesis.toml" run \
  "http://127.0.0.1:$port/openapi.json" --header "Authorization: Bearer $OPTOUT_API_TOKEN" --checks all \
  --no-color --continue-on-failure --output-sanitize false ${SCHEMATHESIS_ARGS:-}) || status=1

# Whatever schemathesis attributed or not: the bridge must still be up and must have answered no 5xx. The only
# 5xx a sender's dialect may answer by design (Salesforce's SOAP fault asking for a retry) needs a failing journal.
if ! kill -0 "$bridge_pid" 2>/dev/null; then
  echo "FAIL: the bridge died; its log:" >&2
  tail -50 "$work/bridge.log" >&2
  exit 1
fi
server_errors="$(grep -c '"status":"5' "$work/bridge.log" || true)"
requests="$(grep -c '"msg":"request"' "$work/bridge.log" || true)"
echo "bridge log: $requests requests answered, $server_errors with a 5xx status"
if [[ "$server_errors" != "0" ]]; then
  grep '"status":"5' "$work/bridge.log" | head -20 >&2
  status=1
fi
exit "$status"
