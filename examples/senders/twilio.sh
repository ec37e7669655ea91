#!/usr/bin/env bash
# Twilio inbound SMS: STOP from +15551234567 (crm-senders.md's form-encoded example).
#
#   examples/senders/twilio.sh [BRIDGE_URL]     (default http://127.0.0.1:8080; see common.sh for the setup)
#
# Signed with X-Twilio-Signature (base64 HMAC-SHA1 of the demo auth token "demo-twilio-auth-token" over the URL
# and the sorted parameters). Twilio signs the public URL it calls, so `sign` signs the configured publicURL
# (https://bridge.example.com/hooks/twilio) even though curl posts to BRIDGE_URL. Expect 200 with an empty TwiML
# <Response></Response> (text/xml).
set -euo pipefail
source "$(dirname "$0")/common.sh"

# A form body is one line: the line breaks below are for reading only.
body=$(tr -d '\n' <<'BODY'
MessageSid=SM0001&AccountSid=AC0001&MessagingServiceSid=MG0001&From=%2B15551234567
&To=%2B15557654321&Body=STOP&OptOutType=STOP&NumMedia=0
BODY
)
send twilio "$body"
