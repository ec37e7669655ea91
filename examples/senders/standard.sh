#!/usr/bin/env bash
# Standard Webhooks: any sender that signs per the spec; here a contact opted out.
#
#   examples/senders/standard.sh [BRIDGE_URL]     (default http://127.0.0.1:8080; see common.sh for the setup)
#
# Signed with webhook-id / webhook-timestamp / webhook-signature (v1, HMAC-SHA256 keyed with the demo whsec_
# secret of the configuration). The configuration reads the contact with "fields" and accepts only
# {"type": "contact.opted_out"} through "when". Expect 200 {"status":"deleted"} (Jane's lead).
set -euo pipefail
source "$(dirname "$0")/common.sh"

body=$(cat <<'BODY'
{"type":"contact.opted_out","data":{"id":"c-1","email":"jane.doe@example.com"}}
BODY
)
send standard "$body"
