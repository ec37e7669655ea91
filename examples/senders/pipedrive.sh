#!/usr/bin/env bash
# Pipedrive webhook v2: person 8's marketing status changed to unsubscribed.
#
#   examples/senders/pipedrive.sh [BRIDGE_URL]     (default http://127.0.0.1:8080; see common.sh for the setup)
#
# crm-senders.md's example with marketing_status added: the example itself (a name change) is not an opt-out.
# HTTP Basic auth with the demo credentials demo-pipedrive / demo-pipedrive-password. Expect 200
# {"status":"deleted"} (Jane's lead, through the phone number).
set -euo pipefail
source "$(dirname "$0")/common.sh"

body=$(cat <<'BODY'
{"data":{"id":8,"name":"Sample Person","emails":[{"value":"a@b.com","primary":true,"label":"work"}],
  "phones":[{"value":"+15551234567","primary":true,"label":"mobile"}],"marketing_status":"unsubscribed",
  "custom_fields":{}},
 "previous":{"name":"Sample","marketing_status":"subscribed"},
 "meta":{"action":"change","entity":"person","entity_id":"8","company_id":"8087566",
  "id":"7c812ffd-0000-0000-0000-000000000000","timestamp":"2022-11-24T15:18:35.616Z","version":"2.0",
  "webhook_id":"4710827","attempt":1}}
BODY
)
send pipedrive "$body"
