#!/usr/bin/env bash
# Salesforce Outbound Message: contact 0035e00000Abcde opted out of email and calls (crm-senders.md).
#
#   examples/senders/salesforce.sh [BRIDGE_URL]     (default http://127.0.0.1:8080; see common.sh for the setup)
#
# Salesforce signs nothing: the bridge accepts organization 00D000000000062 and the URL's demo token
# "demo-salesforce-token" (`sign` adds ?token=). Expect 200 and a SOAP <Ack>true</Ack> (John's leads, and Jane's
# through the phone number).
set -euo pipefail
source "$(dirname "$0")/common.sh"

body=$(cat <<'BODY'
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">
  <OrganizationId>00D000000000062</OrganizationId><ActionId>04k000000000001</ActionId>
  <SessionId xsi:nil="true"/><EnterpriseUrl>https://x.my.salesforce.com/services/Soap/c/59.0/00D</EnterpriseUrl>
  <PartnerUrl>https://x.my.salesforce.com/services/Soap/u/59.0/00D</PartnerUrl>
  <Notification><Id>04l000000000001</Id>
   <sObject xsi:type="sf:Contact" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
    <sf:Id>0035e00000Abcde</sf:Id><sf:Email>a@b.com</sf:Email><sf:Phone>+15551234567</sf:Phone>
    <sf:HasOptedOutOfEmail>true</sf:HasOptedOutOfEmail><sf:DoNotCall>true</sf:DoNotCall>
   </sObject></Notification></notifications></soapenv:Body></soapenv:Envelope>
BODY
)
send salesforce "$body"
