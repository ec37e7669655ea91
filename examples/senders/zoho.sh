#!/usr/bin/env bash
# Zoho CRM notification: contact 5725767000003000064 set Email_Opt_Out (crm-senders.md's example).
#
#   examples/senders/zoho.sh [BRIDGE_URL]     (default http://127.0.0.1:8080; see common.sh for the setup)
#
# Zoho echoes the channel's token in the body, so the body carries the demo token "demo-zoho-token" (the
# example's TOKEN_FOR_VERIFICATION, replaced); `sign` only checks it. Expect 200 {"status":"deleted"}.
set -euo pipefail
source "$(dirname "$0")/common.sh"

body=$(cat <<'BODY'
{"server_time":1718117126473,"module":"Contacts","ids":["5725767000003000064"],
 "affected_values":[{"record_id":"5725767000003000064","values":{"Email_Opt_Out":true}}],
 "operation":"update","channel_id":"1000000068001","token":"demo-zoho-token"}
BODY
)
send zoho "$body"
