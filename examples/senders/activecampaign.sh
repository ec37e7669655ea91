#!/usr/bin/env bash
# ActiveCampaign: contact 123 unsubscribed (crm-senders.md's form-encoded example).
#
#   examples/senders/activecampaign.sh [BRIDGE_URL]     (default http://127.0.0.1:8080; see common.sh for the setup)
#
# ActiveCampaign signs nothing and never retries: the URL carries the demo token "demo-activecampaign-token"
# (`sign` adds ?token=). Expect 200 {"status":"deleted"} (Jane's lead, through the phone number).
set -euo pipefail
source "$(dirname "$0")/common.sh"

# A form body is one line: the line breaks below are for reading only.
body=$(tr -d '\n' <<'BODY'
type=unsubscribe&date_time=2024-05-01T10%3A00%3A00-05%3A00&initiated_by=public&list=3
&contact[id]=123&contact[email]=a%40b.com&contact[phone]=%2B15551234567&unsubscribe[reason]=Too+many
BODY
)
send activecampaign "$body"
