# Shared by the per-sender scripts in this folder; source it, do not run it.
#
# It finds the optout-bridge executable and defines `send NAME BODY [SIGN OPTION...]`, which writes BODY to a
# temporary file, signs it as sender NAME would with `optout-bridge sign --format curl` (configuration:
# optout-bridge.senders.json beside this file) and runs the curl command that `sign` prints.
#
# Environment (a script's first argument overrides BRIDGE_URL):
#   BRIDGE_URL     the running bridge, default http://127.0.0.1:8080
#   OPTOUT_BRIDGE  the optout-bridge executable, default: on PATH, else .build/release or .build/debug of this
#                  repository
#
# The bridge must run with this folder's configuration, e.g. from the repository's root:
#   fake-nlpearl --port 8099 --token demo-account:demo-secret &
#   NLPEARL_API_TOKEN=demo-account:demo-secret optout-bridge serve \
#     --config examples/senders/optout-bridge.senders.json
# Every secret in that configuration is a demo value written inline; keys/ holds DEMO key pairs. Never reuse them.

senders_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repository_root="$(cd "$senders_dir/../.." && pwd)"
bridge_url="${1:-${BRIDGE_URL:-http://127.0.0.1:8080}}"
bridge_url="${bridge_url%/}"

if [[ -n "${OPTOUT_BRIDGE:-}" ]]; then
  optout_bridge="$OPTOUT_BRIDGE"
elif command -v optout-bridge >/dev/null 2>&1; then
  optout_bridge="$(command -v optout-bridge)"
elif [[ -x "$repository_root/.build/release/optout-bridge" ]]; then
  optout_bridge="$repository_root/.build/release/optout-bridge"
elif [[ -x "$repository_root/.build/debug/optout-bridge" ]]; then
  optout_bridge="$repository_root/.build/debug/optout-bridge"
else
  echo "optout-bridge not found: run 'swift build -c release --product optout-bridge' or set OPTOUT_BRIDGE" >&2
  exit 1
fi

body_file=""
trap 'if [[ -n "$body_file" ]]; then rm -f "$body_file"; fi' EXIT

# send NAME BODY [SIGN OPTION...]: signs BODY as sender NAME would and posts it to $bridge_url/hooks/NAME.
send() {
  local name="$1" body="$2"
  shift 2
  body_file="$(mktemp "${TMPDIR:-/tmp}/optout-bridge-$name.XXXXXX")"
  # printf, not echo: the signature covers the exact bytes, without a trailing newline.
  printf '%s' "$body" >"$body_file"
  local command
  command="$("$optout_bridge" sign --sender "$name" --config "$senders_dir/optout-bridge.senders.json" \
    --url "$bridge_url/hooks/$name" --file "$body_file" --format curl "$@")"
  printf '+ %s\n' "$command" >&2
  eval "$command"
  echo
}
