#!/usr/bin/env bash
# SendGrid Event Webhook: an unsubscribe and a group unsubscribe (crm-senders.md's example).
#
#   examples/senders/sendgrid.sh [BRIDGE_URL]     (default http://127.0.0.1:8080; see common.sh for the setup)
#
# SendGrid signs with its own ECDSA P-256 key; here the DEMO key pair in keys/ stands in for it (the configuration's
# publicKey is keys/sendgrid-demo-public.txt, `sign` uses keys/sendgrid-demo-private.pem). Never use that pair for
# anything real. Expect 200 {"status":"deleted"} with two ids, one per event.
set -euo pipefail
source "$(dirname "$0")/common.sh"

body=$(cat <<'BODY'
[{"email":"example@test.com","timestamp":1513299569,"event":"unsubscribe","sg_event_id":"e1","sg_message_id":"m1"},
 {"email":"example@test.com","timestamp":1513299569,"event":"group_unsubscribe","asm_group_id":10,"sg_event_id":"e2"}]
BODY
)
send sendgrid "$body" --private-key "$senders_dir/keys/sendgrid-demo-private.pem"
