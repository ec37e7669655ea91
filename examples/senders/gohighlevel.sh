#!/usr/bin/env bash
# GoHighLevel: ContactDndUpdate turning DND on (crm-senders.md's example, with a current timestamp).
#
#   examples/senders/gohighlevel.sh [BRIDGE_URL]     (default http://127.0.0.1:8080; see common.sh for the setup)
#
# HighLevel signs x-wh-signature with its own RSA key; here the DEMO key pair in keys/ stands in for it (the
# configuration's publicKey is keys/gohighlevel-demo-public.pem, `sign` uses keys/gohighlevel-demo-private.pem).
# Never use that pair for anything real. The body's timestamp is set to now, since the bridge refuses a signed
# body older than HighLevel's retry window. Expect 200 {"status":"deleted"} (Jane's lead, through the phone
# number); when NLPearl is down and ackMode is sync, HighLevel is told 429 with Retry-After.
set -euo pipefail
source "$(dirname "$0")/common.sh"

# HighLevel's signed timestamp must be recent.
now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
body=$(cat <<'BODY'
{"type":"ContactDndUpdate","locationId":"ve9EPM428h8vShlRW1KT","id":"nmFmQEsNgz6AVpgLVUJ0",
 "email":"john@example.com","phone":"+15551234567","dnd":true,
 "dndSettings":{"Call":{"status":"active","message":"","code":""}},
 "timestamp":"TIMESTAMP","webhookId":"abc123xyz"}
BODY
)
send gohighlevel "${body/TIMESTAMP/$now}" --private-key "$senders_dir/keys/gohighlevel-demo-private.pem"
