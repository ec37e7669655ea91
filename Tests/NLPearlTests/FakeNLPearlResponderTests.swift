import Foundation
import Testing

@testable import FakeNLPearl

@Suite("The fake's behaviours")
struct FakeNLPearlResponderTests {
    typealias Behaviour = FakeNLPearl.Behaviour

    static func plans(_ behaviour: Behaviour, calls: [[String]], random: Double = 0.5) -> [FakeNLPearl.Responder.Plan] {
        var responder = FakeNLPearl.Responder(behaviour: behaviour)
        return calls.map { responder.plan(pearlId: "P", leadIds: $0) { random } }
    }

    static func contentType(_ reply: FakeNLPearl.Reply) -> String? {
        reply.headers.first { $0.name == "Content-Type" }?.value
    }

    @Test("succeed answers 200 true and rotates the three content types")
    func succeedRotates() {
        let plans = Self.plans(.succeed, calls: Array(repeating: ["L"], count: 4))
        #expect(plans.allSatisfy { $0.reply.status == 200 && $0.reply.body == Array("true".utf8) && $0.deletes })
        #expect(
            plans.map { Self.contentType($0.reply) } == ["text/plain", "application/json", "text/json", "text/plain"])
    }

    @Test("succeedAs keeps one content type; answerFalse deletes nothing")
    func succeedAsAndFalse() {
        let plan = Self.plans(.succeedAs(.textJSON), calls: [["L"]])[0]
        #expect(Self.contentType(plan.reply) == "text/json")
        let refused = Self.plans(.answerFalse, calls: [["L"]])[0]
        #expect(refused.reply.body == Array("false".utf8))
        #expect(!refused.deletes)
    }

    @Test("status and rateLimited answer the status with Retry-After")
    func statuses() {
        let limited = Self.plans(.rateLimited(retryAfterSeconds: 3), calls: [["L"]])[0].reply
        #expect(limited.status == 429)
        #expect(limited.headers.contains(FakeNLPearl.Header("Retry-After", "3")))
        let unavailable = Self.plans(.status(503, retryAfter: nil), calls: [["L"]])[0]
        #expect(unavailable.reply.status == 503)
        #expect(unavailable.reply.headers.isEmpty && !unavailable.deletes)
        let badRequest = Self.plans(.status(400, retryAfter: nil), calls: [["L"]])[0].reply
        #expect(badRequest.status == 400)
        #expect(String(decoding: badRequest.body, as: UTF8.self).contains("\"title\""))
    }

    @Test("rejectLeads answers 400 naming the rejected leads by index, else 200 true")
    func rejectLeads() throws {
        let plans = Self.plans(.rejectLeads(["L2", "L4"]), calls: [["L1", "L2", "L3", "L4"], ["L1", "L3"]])
        #expect(plans[0].reply.status == 400)
        #expect(!plans[0].deletes)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(plans[0].reply.body)) as? [String: Any])
        let errors = try #require(object["errors"] as? [String: [String]])
        #expect(Set(errors.keys) == ["leadIds[1]", "leadIds[3]"])
        #expect(errors["leadIds[1]"]?.first?.contains("L2") == true)
        #expect(object["traceId"] is String)
        #expect(plans[1].reply.status == 200 && plans[1].deletes)
    }

    @Test("falseForLeads answers false when any listed lead is in the call")
    func falseForLeads() {
        let plans = Self.plans(.falseForLeads(["L9"]), calls: [["L1", "L9"], ["L1"]])
        #expect(plans.map(\.reply.body) == [Array("false".utf8), Array("true".utf8)])
    }

    @Test("a script answers one step per call, then repeats its last step; delays add up")
    func script() {
        let behaviour = Behaviour.script([
            .status(503, retryAfter: 1), .delay(.milliseconds(50), then: .delay(.milliseconds(20), then: .answerFalse)),
            .succeed,
        ])
        let plans = Self.plans(behaviour, calls: Array(repeating: ["L"], count: 5))
        #expect(plans.map(\.reply.status) == [503, 200, 200, 200, 200])
        #expect(plans[1].delay == .milliseconds(70))
        #expect(plans[1].reply.body == Array("false".utf8))
        #expect(plans.map(\.deletes) == [false, false, true, true, true])
    }

    @Test("setting a behaviour restarts its script")
    func setRestartsScript() {
        var responder = FakeNLPearl.Responder(behaviour: .script([.answerFalse, .succeed]))
        _ = responder.plan(pearlId: "P", leadIds: ["L"]) { 0 }
        responder.set(.script([.answerFalse, .succeed]))
        #expect(responder.plan(pearlId: "P", leadIds: ["L"]) { 0 }.reply.body == Array("false".utf8))
    }

    @Test("sometimes picks by the random draw")
    func sometimes() {
        let behaviour = Behaviour.sometimes(0.3, .status(503, retryAfter: 1), otherwise: .succeed)
        #expect(Self.plans(behaviour, calls: [["L"]], random: 0.1)[0].reply.status == 503)
        #expect(Self.plans(behaviour, calls: [["L"]], random: 0.9)[0].reply.status == 200)
    }

    @Test("respond answers exactly what it is given")
    func respond() {
        let headers = [FakeNLPearl.Header("Location", "http://elsewhere/")]
        let plan = Self.plans(.respond(status: 307, headers: headers, body: []), calls: [["L"]])[0]
        #expect(plan.reply == FakeNLPearl.Reply(status: 307, headers: headers, body: []))
        #expect(!plan.deletes)
    }

    @Test("rejectPhoneNumbers answers a blacklist call 400 naming the rejected numbers by index, else 200 true")
    func rejectPhoneNumbers() throws {
        var responder = FakeNLPearl.Responder(behaviour: .rejectPhoneNumbers(["+41", "+15550000002"]))
        let rejected = responder.plan(phoneNumbers: ["+15550000001", "+15550000002", "+41"]) { 0 }
        #expect(rejected.reply.status == 400 && !rejected.deletes)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(rejected.reply.body)) as? [String: Any])
        let errors = try #require(object["errors"] as? [String: [String]])
        #expect(
            errors == [
                "phoneNumbers[1]": ["Phone number '+15550000002' cannot be blacklisted."],
                "phoneNumbers[2]": ["Phone number '+41' cannot be blacklisted."],
            ])
        let accepted = responder.plan(phoneNumbers: ["+15550000001"]) { 0 }
        #expect(accepted.reply.status == 200 && accepted.deletes)
        // A delete has no numbers, so it is not rejected by them.
        #expect(responder.plan(pearlId: "P", leadIds: ["+41"]) { 0 }.reply.status == 200)
    }

    @Test("falseForPhoneNumbers answers false when any listed number is in a blacklist call; lead rules ignore numbers")
    func falseForPhoneNumbers() {
        var responder = FakeNLPearl.Responder(behaviour: .falseForPhoneNumbers(["+41"]))
        #expect(responder.plan(phoneNumbers: ["+1", "+41"]) { 0 }.reply.body == Array("false".utf8))
        #expect(responder.plan(phoneNumbers: ["+1"]) { 0 }.reply.body == Array("true".utf8))
        responder.set(.rejectLeads(["+41"]))
        #expect(responder.plan(phoneNumbers: ["+41"]) { 0 }.reply.status == 200)
    }

    @Test("a script counts the calls of both endpoints")
    func scriptSpansEndpoints() {
        var responder = FakeNLPearl.Responder(
            behaviour: .script([.rateLimited(retryAfterSeconds: 2), .answerFalse, .succeed]))
        let first = responder.plan(phoneNumbers: ["+41"]) { 0 }
        #expect(first.reply.status == 429 && first.reply.headers.contains(FakeNLPearl.Header("Retry-After", "2")))
        #expect(responder.plan(pearlId: "P", leadIds: ["L"]) { 0 }.reply.body == Array("false".utf8))
        #expect(responder.plan(phoneNumbers: ["+41"]) { 0 }.deletes)
    }

    @Test("a 405 on the blacklist path allows POST")
    func blacklistMethodReply() {
        var responder = FakeNLPearl.Responder(behaviour: .succeed)
        let reply = responder.reply(to: .init(status: 405, detail: "no", field: "$method", endpoint: .blacklist))
        #expect(reply.headers.contains(FakeNLPearl.Header("Allow", "POST")))
        #expect(!reply.headers.contains(FakeNLPearl.Header("Allow", "DELETE")))
    }

    @Test("violations are answered as problems with their detail; auth ones 401 with no body")
    func violationReplies() throws {
        var responder = FakeNLPearl.Responder(behaviour: .succeed)
        let reply = responder.reply(to: .init(status: 400, detail: "leadIds is not an array", field: "leadIds"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any])
        #expect(object["detail"] as? String == "leadIds is not an array")
        #expect((object["errors"] as? [String: [String]])?["leadIds"] == ["leadIds is not an array"])
        let method = responder.reply(to: .init(status: 405, detail: "no", field: "$method"))
        #expect(method.headers.contains(FakeNLPearl.Header("Allow", "DELETE")))
        let auth = responder.reply(to: .init(status: 401, detail: "missing", field: "Authorization"))
        #expect(auth.status == 401 && auth.body.isEmpty)
    }

    @Test("a problem's members come sorted by name, errors too, each string escaped once")
    func problemText() throws {
        let reply = FakeNLPearl.Reply.problem(
            status: 400, title: "One or more validation errors occurred.", detail: "a \"quoted\" / detail\n",
            errors: ["leads[1]": ["b"], "leadIds[10]": ["x", "y"], "$": ["z"]], as: .applicationJSON)
        let text = String(decoding: reply.body, as: UTF8.self)
        let traceId = try #require(text.firstMatch(of: /"traceId":"(00-[0-9a-f]{32}-[0-9a-f]{16}-00)"/)?.output.1)
        #expect(
            text
                == #"{"detail":"a \"quoted\" / detail\n","errors":{"$":["z"],"leadIds[10]":["x","y"],"leads[1]":["b"]},"#
                + #""status":400,"title":"One or more validation errors occurred.","traceId":"\#(traceId)","#
                + #""type":"https://tools.ietf.org/html/rfc9110#section-15.5.1"}"#)
        let bare = FakeNLPearl.Reply.problem(status: 404, title: "Not Found", detail: "d", errors: [:], as: .textJSON)
        #expect(
            String(decoding: bare.body, as: UTF8.self).hasPrefix(#"{"detail":"d","status":404,"title":"Not Found","#))
    }
}
