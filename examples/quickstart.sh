#!/usr/bin/env bash
# Builds optout-bridge, starts a fake NLPearl on 127.0.0.1:8099 and the bridge on 127.0.0.1:8080 with the
# configuration and mapping in this folder. Ctrl-C stops both.
#
# Then, in another terminal:
#   examples/opt-out.sh jane.doe@example.com
# and watch the DELETE arrive at the fake NLPearl in this terminal.
set -euo pipefail
cd "$(dirname "$0")/.."

export NLPEARL_API_TOKEN="${NLPEARL_API_TOKEN:-demo-account:demo-secret}"
export OPTOUT_API_TOKEN="${OPTOUT_API_TOKEN:-demo-api-token}"
export LOG_FORMAT="${LOG_FORMAT:-text}"

swift build -c release --product optout-bridge
swift build -c release --product fake-nlpearl
bin="$(swift build -c release --show-bin-path)"

"$bin/optout-bridge" check --config examples/optout-bridge.json

"$bin/fake-nlpearl" --port 8099 --token "$NLPEARL_API_TOKEN" &
fake=$!
trap 'kill $fake 2>/dev/null || true' EXIT
echo "fake NLPearl on http://127.0.0.1:8099; the bridge on http://127.0.0.1:8080"
echo "try: OPTOUT_API_TOKEN=$OPTOUT_API_TOKEN examples/opt-out.sh jane.doe@example.com"
"$bin/optout-bridge" serve --config examples/optout-bridge.json
