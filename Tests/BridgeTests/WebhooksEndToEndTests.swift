import Bridge
import FakeNLPearl
import Foundation
import Senders
import TestSupport
import Testing

/// SPEC §3 and §6, `/hooks/*` column: every sender type through the real server, journal and fake NLPearl, with
/// its documented payload signed as the vendor signs it, and with each kind of bad request.
///
/// Serialized: one bridge at a time keeps the suite to a few seconds without starving the timing-sensitive tests of
/// other suites, which run alongside it, of this machine's two cores.
@Suite(.serialized) struct WebhooksEndToEndTests {
    @Test(arguments: WebhookSenderCase.all)
    func theDocumentedPayloadDeletesTheMappedLeadOnceAndItsRedeliveryIsADuplicate(_ sender: WebhookSenderCase)
        async throws
    {
        try await sender.withBridge { bridge in
            let request = try sender.signed(try sender.body("optout"), port: bridge.port)

            let first = try await WebhookSenderCase.send(request, port: bridge.port)
            try expectAccepted(first, sender, status: "deleted", duplicate: false)
            #expect(bridge.fake.deletedLeads == [examplePearl: [sender.leadId]])
            #expect(bridge.fake.violations.isEmpty)
            // The events of one payload may share a call or not; a single event is one delete call, and a sender
            // that names the contact's phone adds one blacklist call (SPEC §9).
            let calls = bridge.fake.callCount
            let deletes = bridge.fake.calls.count { $0.endpoint == .deleteLeads }
            #expect(sender.events == 1 ? deletes == 1 : deletes >= 1)
            #expect(calls - deletes == (bridge.fake.blacklistedNumbers.isEmpty ? 0 : 1))

            let second = try await WebhookSenderCase.send(request, port: bridge.port)
            try expectAccepted(second, sender, status: "deleted", duplicate: true)
            #expect(bridge.fake.callCount == calls)
            let metrics = try await bridge.request("GET", "/metrics").text
            #expect(
                metrics.contains(
                    #"optout_bridge_optouts_total{source="\#(sender.type)",status="deleted",duplicate="true"} "#
                        + "\(sender.events)"))
            #expect(!metrics.contains(#"optout_bridge_signature_failures_total{sender="\#(sender.type)"}"#))
        }
    }

    @Test(arguments: WebhookSenderCase.all)
    func aPayloadThatIsNotAnOptOutIsIgnoredAndSendsNothing(_ sender: WebhookSenderCase) async throws {
        try await sender.withBridge { bridge in
            let request = try sender.signed(try sender.body("other"), port: bridge.port)
            let response = try await WebhookSenderCase.send(request, port: bridge.port)
            try expectAccepted(response, sender, status: "ignored", duplicate: false)
            let metrics = try await bridge.request("GET", "/metrics").text
            #expect(
                metrics.contains(
                    #"optout_bridge_optouts_total{source="\#(sender.type)",status="ignored",duplicate="false"} 1"#))
            #expect(bridge.fake.callCount == 0)
        }
    }

    @Test(arguments: WebhookSenderCase.all)
    func everyBadSignatureTokenOrTimestampIs401AndCountedAndAMalformedBodyIs400(_ sender: WebhookSenderCase)
        async throws
    {
        try await sender.withBridge { bridge in
            let body = try sender.body("optout")
            for spoiler in sender.spoilers {
                let request = try sender.spoiled(spoiler, body, port: bridge.port)
                let response = try await WebhookSenderCase.send(request, port: bridge.port)
                #expect(response.status == 401, "\(sender.type) \(spoiler): \(response.text)")
                expectRefusal(response, sender)
            }
            // Malformed but authentic (Zoho's token is in the body, so its malformed body cannot carry one).
            let malformed = Array("{not a payload".utf8)
            let request =
                sender.type == "zoho"
                ? WebhookSenderCase.Request(target: "/hooks/zoho", headers: [], body: malformed)
                : try sender.signed(malformed, port: bridge.port)
            let response = try await WebhookSenderCase.send(request, port: bridge.port)
            #expect(response.status == 400, "\(sender.type) malformed: \(response.text)")
            expectRefusal(response, sender)

            let metrics = try await bridge.request("GET", "/metrics").text
            #expect(
                metrics.contains(
                    #"optout_bridge_signature_failures_total{sender="\#(sender.type)"} \#(sender.spoilers.count)"#),
                "\(metrics.split(separator: "\n").filter { $0.contains("signature_failures") })")
            #expect(bridge.fake.callCount == 0)
        }
    }

    // MARK: Batches

    /// A `generic` sender whose events are `{"id", "email"}`, with `a@b.com` mapped to its lead.
    private static let genericBatch = WebhookSenderCase(
        type: "generic",
        options: {
            #"{"hmac": {"header": "X-Signature", "prefix": "sha256="}, "secret": "generic-secret", "#
                + #""fields": {"email": "/email", "eventId": "/id"}}"#
        },
        wrongOptions: {
            #"{"hmac": {"header": "X-Signature", "prefix": "sha256="}, "secret": "not-the-secret", "#
                + #""fields": {"email": "/email", "eventId": "/id"}}"#
        },
        mappedKey: "email:a@b.com", dialect: .json, credentials: .headers(["X-Signature"]), spoilers: [])

    @Test func aBatchWithOneBadEventJournalsTheGoodOneAndIsAccepted() async throws {
        let sender = Self.genericBatch
        let logs = LogOutput.capturing()
        try await sender.withBridge(logs: logs) { bridge in
            let body = Array(#"[{"id":"e1","email":"a@b.com"},{"id":"e2","email":"nope"}]"#.utf8)
            let response = try await WebhookSenderCase.send(
                try sender.signed(body, port: bridge.port), port: bridge.port)

            #expect(response.status == 200, "\(response.text)")
            let answer = try #require(response.json as? [String: Any])
            #expect(answer["status"] as? String == "deleted")
            let ids = try #require(answer["ids"] as? [String])
            try #require(ids.count == 1)
            let record = try #require(try await bridge.get("/v1/opt-outs/\(ids[0])").json as? [String: Any])
            #expect(record["keys"] as? [String] == ["email:a@b.com"])
            #expect(record["idempotencyKey"] as? String == "e1")
            #expect(bridge.fake.deletedLeads == [examplePearl: [sender.leadId]])
            let metrics = try await bridge.request("GET", "/metrics").text
            #expect(metrics.contains(#"optout_bridge_invalid_events_total{sender="generic"} 1"#))
        }
        let refusals = logs.captured.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["msg"] as? String == "webhook event refused" }
        #expect(refusals.count == 1)
        #expect(refusals.first?["level"] as? String == "warning")
        #expect(refusals.first?["index"] as? String == "1")
        #expect(refusals.first?["event_id"] as? String == "e2")
        #expect((refusals.first?["reason"] as? String)?.contains("'nope' is not an email address") == true)
    }

    @Test func aBatchOfBadEventsOnlyIs400NamingThemAndJournalsThemAsInvalidOnly() async throws {
        let sender = Self.genericBatch
        try await sender.withBridge { bridge in
            let body = Array(#"[{"id":"e1","email":"nope"},{"id":"e2"}]"#.utf8)
            let response = try await WebhookSenderCase.send(
                try sender.signed(body, port: bridge.port), port: bridge.port)

            #expect(response.status == 400, "\(response.text)")
            expectRefusal(response, sender)
            let detail = (response.json as? [String: Any])?["detail"] as? String ?? ""
            #expect(detail.contains("event 0: the opt-out names no usable contact"), "\(detail)")
            #expect(detail.contains("event 1: the opt-out names no contact"), "\(detail)")
            let metrics = try await bridge.request("GET", "/metrics").text
            #expect(metrics.contains(#"optout_bridge_invalid_events_total{sender="generic"} 2"#))
            #expect(!metrics.contains(#"optout_bridge_optouts_total{source="generic""#))
            #expect(bridge.fake.callCount == 0)
            let invalid = try bridge.service.journal.list(status: .invalid)
            #expect(invalid.count == 2)
            #expect(invalid.contains { $0.reason?.contains("(event id e2)") == true })
            #expect(try await bridge.service.journal.suppressionCounts().keys == 0)
        }
    }

    // MARK: Dialects

    // MARK: HubSpot's legacy signatures

    /// A `hubspot` sender, with `allowLegacySignatures` as given, whose workflow contact 3234574 is mapped.
    private static func hubSpotWorkflow(allowLegacySignatures: Bool) -> WebhookSenderCase {
        WebhookSenderCase(
            type: "hubspot",
            options: {
                #"{"secret": "hubspot-secret", "publicURL": "https://bridge.example.com/hooks/hubspot", "#
                    + #""allowLegacySignatures": \#(allowLegacySignatures)}"#
            },
            wrongOptions: { "{}" }, mappedKey: "hubspot:3234574", dialect: .json,
            credentials: .headers(["X-HubSpot-Signature"]), spoilers: [])
    }

    /// A workflow webhook signed v1, as HubSpot signs them, beside a fresh `X-HubSpot-Request-Timestamp` that no
    /// v1 signature covers.
    private static func legacyWorkflowRequest() -> WebhookSenderCase.Request {
        let body = Array(#"{"vid":3234574,"properties":{"hs_email_optout":{"value":"true"}}}"#.utf8)
        let signature = Signatures.hex(Signatures.sha256(Array("hubspot-secret".utf8), body))
        let timestamp = String(Int64(Date().timeIntervalSince1970 * 1000))
        return WebhookSenderCase.Request(
            target: "/hooks/hubspot",
            headers: [
                ("Content-Type", "application/json"), ("X-HubSpot-Signature", signature),
                ("X-HubSpot-Signature-Version", "v1"), ("X-HubSpot-Request-Timestamp", timestamp),
            ],
            body: body)
    }

    @Test func aHubSpotRequestWithOnlyALegacySignatureIsRefusedUnlessLegacySignaturesAreAllowed() async throws {
        try await Self.hubSpotWorkflow(allowLegacySignatures: false).withBridge { bridge in
            let response = try await WebhookSenderCase.send(Self.legacyWorkflowRequest(), port: bridge.port)
            #expect(response.status == 401, "\(response.text)")
            #expect(response.text.contains("allowLegacySignatures"))
            #expect(bridge.fake.callCount == 0)
            let metrics = try await bridge.request("GET", "/metrics").text
            #expect(metrics.contains(#"optout_bridge_signature_failures_total{sender="hubspot"} 1"#))
        }
    }

    @Test func aResentLegacySignedWorkflowWebhookIsADuplicateOfTheFirst() async throws {
        try await Self.hubSpotWorkflow(allowLegacySignatures: true).withBridge { bridge in
            let request = Self.legacyWorkflowRequest()
            let first = try await WebhookSenderCase.send(request, port: bridge.port)
            #expect(first.status == 200, "\(first.text)")
            let answer = try #require(first.json as? [String: Any])
            #expect(answer["status"] as? String == "deleted")
            #expect((answer["duplicate"] as? Bool ?? false) == false)
            let calls = bridge.fake.callCount
            #expect(calls == 1)

            // A replay of the same signed body, minutes later: the workflow webhook carries no event id of its own.
            let second = try await WebhookSenderCase.send(request, port: bridge.port)
            #expect(second.status == 200, "\(second.text)")
            let replay = try #require(second.json as? [String: Any])
            #expect(replay["duplicate"] as? Bool == true)
            #expect(replay["ids"] as? [String] == answer["ids"] as? [String])
            #expect(bridge.fake.callCount == calls)
            let ids = try #require(answer["ids"] as? [String])
            let record = try #require(try await bridge.get("/v1/opt-outs/\(ids[0])").json as? [String: Any])
            #expect((record["idempotencyKey"] as? String)?.hasPrefix("body-sha256:") == true)
        }
    }

    @Test func goHighLevelIsAsked429WithRetryAfterWhereOthersGet503() async throws {
        let sender = try #require(WebhookSenderCase.all.first { $0.type == "gohighlevel" })
        try await sender.withBridge(
            overrides: ["delivery": ["ackMode": "sync"]], behaviour: .status(503, retryAfter: nil)
        ) { bridge in
            let request = try sender.signed(try sender.body("optout"), port: bridge.port)
            let response = try await WebhookSenderCase.send(request, port: bridge.port)
            #expect(response.status == 429)
            #expect(Int(response.header("Retry-After") ?? "") ?? 0 >= 1)
            #expect(response.header("Content-Type") == "application/problem+json")
            #expect((response.json as? [String: Any])?["status"] as? Int == 429)
            #expect(bridge.fake.callCount >= 1)
        }
    }

    /// SPEC §7: a `failed` opt-out is never answered 2xx while the sender waits. Each sender hears its own "try
    /// again": 503 + `Retry-After`, 429 for GoHighLevel, a SOAP fault for Salesforce.
    @Test(arguments: WebhookSenderCase.all)
    func aFailedOptOutAsksTheSenderToRetryInItsDialect(_ sender: WebhookSenderCase) async throws {
        // Given up at the first attempt: it answers after 100 ms, past the 36 ms that 0.00001 hours allow.
        try await sender.withBridge(
            overrides: ["delivery": ["retry": ["initialSeconds": 1, "maxSeconds": 2, "giveUpAfterHours": 0.00001]]],
            behaviour: .delay(.milliseconds(100), then: .status(500, retryAfter: nil))
        ) { bridge in
            let request = try sender.signed(try sender.body("optout"), port: bridge.port)
            let response = try await WebhookSenderCase.send(request, port: bridge.port)
            #expect(bridge.fake.callCount >= 1)
            #expect(Int(response.header("Retry-After") ?? "") ?? 0 >= 1, "\(sender.type): \(response.text)")
            switch sender.dialect {
            case .soap:
                #expect(response.status == 500, "\(response.text)")
                #expect(response.text.contains("<soapenv:Fault><faultcode>soapenv:Server"))
                #expect(!response.text.contains("<Ack>true</Ack>"))
            case .json, .twiml:
                let expected = sender.type == "gohighlevel" ? 429 : 503
                #expect(response.status == expected, "\(sender.type): \(response.text)")
                #expect(response.header("Content-Type") == "application/problem+json")
                let problem = try #require(response.json as? [String: Any])
                #expect((problem["type"] as? String)?.hasSuffix("delivery-failed") == true)
            }
        }
    }

    @Test func mailchimpsValidationGetIs200WithTheTokenAnd401Without() async throws {
        let sender = try #require(WebhookSenderCase.all.first { $0.type == "mailchimp" })
        try await sender.withBridge { bridge in
            let valid = try await bridge.request("GET", "/hooks/mailchimp?token=mailchimp-token")
            #expect(valid.status == 200)
            let wrong = try await bridge.request("GET", "/hooks/mailchimp?token=not-the-token")
            #expect(wrong.status == 401)
            #expect(!wrong.text.contains("mailchimp-token"))
            #expect(try await bridge.request("GET", "/hooks/mailchimp").status == 401)
            let metrics = try await bridge.request("GET", "/metrics").text
            #expect(metrics.contains(#"optout_bridge_signature_failures_total{sender="mailchimp"} 2"#))
            #expect(bridge.fake.callCount == 0)
        }
    }

    @Test func methodsOtherThanTheSendersAre405WithAllow() async throws {
        let sender = try #require(WebhookSenderCase.all.first { $0.type == "hubspot" })
        try await sender.withBridge { bridge in
            let response = try await bridge.request("GET", "/hooks/hubspot")
            #expect(response.status == 405)
            #expect(response.header("Allow") == "POST")
        }
    }

    // MARK: Expectations

    /// A 2xx answer in the sender's dialect, telling `status` (and `duplicate`) where the dialect can.
    private func expectAccepted(
        _ response: RawHTTPConnection.Response, _ sender: WebhookSenderCase, status: String, duplicate: Bool,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(response.status == 200, "\(sender.type): \(response.text)", sourceLocation: sourceLocation)
        switch sender.dialect {
        case .json:
            #expect(response.header("Content-Type") == "application/json", sourceLocation: sourceLocation)
            let body = try #require(response.json as? [String: Any], sourceLocation: sourceLocation)
            #expect(body["status"] as? String == status, sourceLocation: sourceLocation)
            #expect((body["duplicate"] as? Bool ?? false) == duplicate, sourceLocation: sourceLocation)
            let ids = try #require(body["ids"] as? [String], sourceLocation: sourceLocation)
            #expect(ids.count == (status == "ignored" ? 0 : sender.events), sourceLocation: sourceLocation)
        case .soap:
            #expect(response.header("Content-Type")?.hasPrefix("text/xml") == true, sourceLocation: sourceLocation)
            #expect(response.text.contains("<notificationsResponse"), sourceLocation: sourceLocation)
            #expect(response.text.contains("<Ack>true</Ack>"), sourceLocation: sourceLocation)
        case .twiml:
            #expect(response.header("Content-Type") == "text/xml", sourceLocation: sourceLocation)
            #expect(
                response.text == #"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#,
                sourceLocation: sourceLocation)
        }
    }

    /// A refusal in the sender's dialect: a SOAP fault for Salesforce, a problem for the others.
    private func expectRefusal(
        _ response: RawHTTPConnection.Response, _ sender: WebhookSenderCase,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        switch sender.dialect {
        case .soap:
            #expect(response.header("Content-Type")?.hasPrefix("text/xml") == true, sourceLocation: sourceLocation)
            #expect(response.text.contains("<soapenv:Fault><faultcode>soapenv:Client"), sourceLocation: sourceLocation)
            #expect(!response.text.contains("<Ack>true</Ack>"), sourceLocation: sourceLocation)
        case .json, .twiml:
            #expect(response.header("Content-Type") == "application/problem+json", sourceLocation: sourceLocation)
            let problem = response.json as? [String: Any]
            #expect(problem?["status"] as? Int == response.status, sourceLocation: sourceLocation)
        }
    }
}
