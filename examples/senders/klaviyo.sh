#!/usr/bin/env bash
# Klaviyo system webhook: a profile unsubscribed from SMS marketing (crm-senders.md's example).
#
#   examples/senders/klaviyo.sh [BRIDGE_URL]     (default http://127.0.0.1:8080; see common.sh for the setup)
#
# Signed with Klaviyo-Signature (hex HMAC-SHA256 of the demo secret "demo-klaviyo-secret" over body +
# Klaviyo-Timestamp); the timestamp is now, and the bridge refuses one more than 5 minutes off. Expect 200
# {"status":"deleted"} (Jane's lead, through the phone number).
set -euo pipefail
source "$(dirname "$0")/common.sh"

body=$(cat <<'BODY'
{"data":[{"topic":"event:klaviyo.unsubscribed_from_sms_marketing","external_id":"evt-1",
  "payload":{"data":{"type":"event","id":"evt-1","attributes":{"datetime":"2025-01-01T00:00:00Z",
   "event_properties":{"phone_number":"+15551234567"}},
   "relationships":{"profile":{"data":{"type":"profile","id":"01HABC"}}}}}}],
 "meta":{"klaviyo_webhook_id":"wh-1"}}
BODY
)
send klaviyo "$body"
