#!/usr/bin/env bash
# Generic JSON sender: an unsubscribe event signed with an HMAC header.
#
#   examples/senders/generic.sh [BRIDGE_URL]     (default http://127.0.0.1:8080; see common.sh for the setup)
#
# Signed with X-Signature: sha256= hex HMAC-SHA256 of the demo secret "demo-generic-secret" over the body, as the
# configuration's "hmac" says; "fields" reads the contact and the event id, "when" accepts only
# {"event": "unsubscribe"}. Expect 200 {"status":"deleted"} (John's leads).
set -euo pipefail
source "$(dirname "$0")/common.sh"

body=$(cat <<'BODY'
{"event":"unsubscribe","id":"evt-1001","contact":{"id":"g-42","email":"john.roe@example.com"}}
BODY
)
send generic "$body"
