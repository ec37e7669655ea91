#!/usr/bin/env bash
# Intercom: contact 5f00 unsubscribed (crm-senders.md's example).
#
#   examples/senders/intercom.sh [BRIDGE_URL]     (default http://127.0.0.1:8080; see common.sh for the setup)
#
# Signed with X-Hub-Signature: sha1= hex HMAC-SHA1 of the demo client secret "demo-intercom-client-secret" over
# the body. Expect 200 {"status":"deleted"} (Jane's lead, through the phone number).
set -euo pipefail
source "$(dirname "$0")/common.sh"

body=$(cat <<'BODY'
{"type":"notification_event","id":"notif_1","topic":"contact.unsubscribed","app_id":"abc123",
 "created_at":1571080403,"data":{"item":{"type":"contact","id":"5f00","email":"a@b.com",
 "phone":"+15551234567","unsubscribed_from_emails":true}}}
BODY
)
send intercom "$body"
