#!/usr/bin/env bash
# Sends one opt-out by email to a running bridge, as a person would by hand.
#   examples/opt-out.sh jane.doe@example.com [http://127.0.0.1:8080]
set -euo pipefail
email="${1:?usage: $0 EMAIL [BRIDGE_URL]}"
url="${2:-http://127.0.0.1:8080}"
curl -sS -i "$url/v1/opt-outs" \
  -H "Authorization: Bearer ${OPTOUT_API_TOKEN:-demo-api-token}" \
  -H "Content-Type: application/json" \
  -H "Idempotency-Key: manual-$(date +%s)-$email" \
  --data "{\"keys\": [\"email:$email\"]}"
echo
