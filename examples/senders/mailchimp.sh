#!/usr/bin/env bash
# Mailchimp: member 8a25ff1d98 unsubscribed (crm-senders.md's form-encoded example).
#
#   examples/senders/mailchimp.sh [BRIDGE_URL]     (default http://127.0.0.1:8080; see common.sh for the setup)
#
# Mailchimp signs nothing: the URL carries the demo token "demo-mailchimp-token" (`sign` adds ?token=). Mailchimp
# also checks the URL with a GET when the webhook is saved; try
#   curl -i "$BRIDGE_URL/hooks/mailchimp?token=demo-mailchimp-token"
# Expect 200 {"status":"deleted"}.
set -euo pipefail
source "$(dirname "$0")/common.sh"

# A form body is one line: the line breaks below are for reading only.
body=$(tr -d '\n' <<'BODY'
type=unsubscribe&fired_at=2009-03-26+21%3A40%3A57&data[action]=unsub&data[reason]=manual
&data[id]=8a25ff1d98&data[list_id]=a6b5da1054&data[email]=api%2Bunsub%40mailchimp.com
BODY
)
send mailchimp "$body"
