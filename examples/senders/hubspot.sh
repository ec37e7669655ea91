#!/usr/bin/env bash
# HubSpot Webhooks API: contact 1246965 set hs_email_optout to true (crm-senders.md's example).
#
#   examples/senders/hubspot.sh [BRIDGE_URL]     (default http://127.0.0.1:8080; see common.sh for the setup)
#
# Signed with X-HubSpot-Signature-v3 (HMAC-SHA256 of the demo secret "demo-hubspot-client-secret" over
# POST + URI + body + timestamp). HubSpot signs the public URL it calls, so `sign` signs the configured publicURL
# (https://bridge.example.com/hooks/hubspot) even though curl posts to BRIDGE_URL, and the bridge checks it the
# same way. Expect 200 {"status":"deleted"} (Jane's lead in ../mapping.json); run it again for a duplicate.
set -euo pipefail
source "$(dirname "$0")/common.sh"

body=$(cat <<'BODY'
[{"objectId":1246965,"propertyName":"hs_email_optout","propertyValue":"true","changeSource":"CRM",
  "eventId":3816279340,"subscriptionId":25,"portalId":33,"appId":1160452,"occurredAt":1462216307945,
  "subscriptionType":"contact.propertyChange","attemptNumber":0}]
BODY
)
send hubspot "$body"
