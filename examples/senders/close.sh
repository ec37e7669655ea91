#!/usr/bin/env bash
# Close: steve@example.com unsubscribed (crm-senders.md's example).
#
#   examples/senders/close.sh [BRIDGE_URL]     (default http://127.0.0.1:8080; see common.sh for the setup)
#
# Signed with close-sig-hash: hex HMAC-SHA256, keyed with the hex-decoded demo signatureKey of the configuration,
# over close-sig-timestamp (now) + body. Expect 200 {"status":"deleted"}.
set -euo pipefail
source "$(dirname "$0")/common.sh"

body=$(cat <<'BODY'
{"subscription_id":"whsub_1","event":{"id":"ev_1","object_type":"unsubscribed_email","action":"created",
 "date_created":"2024-02-15T10:00:00Z","organization_id":"orga_1","lead_id":null,
 "data":{"email":"steve@example.com"}}}
BODY
)
send close "$body"
