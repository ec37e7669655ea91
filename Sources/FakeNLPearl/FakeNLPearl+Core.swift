import MicroHTTP
import Synchronization

import struct Foundation.Date
import class Foundation.Thread

extension FakeNLPearl {
    /// The fake's shared state and request handling, owned by the server's handler.
    final class Core: Sendable {
        struct State {
            var responder = Responder(behaviour: .succeed)
            var calls: [Call] = []
            var callCount = 0
            var violations: [String] = []
            var deletedLeads: [String: Set<String>] = [:]
            var blacklistedNumbers: Set<String> = []
            var leads = LeadStore()
            var nextWaiterID: UInt64 = 0
            var waiters: [UInt64: (count: Int, continuation: CheckedContinuation<Bool, Never>)] = [:]
        }

        let state = Mutex(State())
        let stopSignal = StopSignal()
        private let validator: ContractValidator
        private let historyLimit: Int
        private let onCall: (@Sendable (Call) -> Void)?

        init(validator: ContractValidator, historyLimit: Int, onCall: (@Sendable (Call) -> Void)?) {
            self.validator = validator
            self.historyLimit = max(0, historyLimit)
            self.onCall = onCall
        }

        /// Bodies from this size on are checked on a thread of their own.
        static let largeBody = 64 << 10

        /// `work`'s result, computed on a thread of its own when `condition` holds.
        ///
        /// Checking an Add Leads body of 50,000 leads takes seconds in a debug build. On one of the two threads of
        /// Swift's cooperative pool it stalled every other test of a parallel run, the code under test included, until
        /// timing tests failed; the fake must not take the pool from what it serves.
        static func offThePool<T: Sendable>(if condition: Bool, _ work: @escaping @Sendable () -> T) async -> T {
            guard condition else { return work() }
            return await withCheckedContinuation { continuation in
                let thread = Thread { continuation.resume(returning: work()) }
                thread.stackSize = 1 << 20
                thread.start()
            }
        }

        func handle(_ request: HTTPRequest) async -> HTTPResponse {
            let receivedAt = Date()
            let validator = self.validator
            let verdict = await Self.offThePool(if: request.body.count > Self.largeBody) {
                validator.check(
                    method: request.method.rawValue,
                    uri: request.rawURI,
                    headerValues: { request.headers.values(for: $0) },
                    body: request.body
                )
            }
            var call = Call(
                method: request.method.rawValue,
                uri: request.rawURI,
                pearlId: nil,
                leadIds: nil,
                headers: request.headers.map { Header($0.name.rawName, $0.value) },
                body: request.body,
                receivedAt: receivedAt,
                status: 0,
                answer: "",
                answerHeaders: [],
                violation: nil
            )
            var reply: Reply
            var effect = Effect.none
            switch verdict {
            case .valid(let pearlId, let leadIds):
                call.endpoint = .deleteLeads
                call.pearlId = pearlId
                call.leadIds = leadIds
                let plan = state.withLock {
                    $0.responder.plan(pearlId: pearlId, leadIds: leadIds) { .random(in: 0..<1) }
                }
                await stopSignal.sleep(for: plan.delay)
                reply = plan.reply
                if plan.deletes { effect = .deleted(pearlId: pearlId, leadIds: leadIds) }
            case .validBlacklist(let phoneNumbers):
                call.endpoint = .blacklist
                call.phoneNumbers = phoneNumbers
                let plan = state.withLock {
                    $0.responder.plan(phoneNumbers: phoneNumbers) { .random(in: 0..<1) }
                }
                await stopSignal.sleep(for: plan.delay)
                reply = plan.reply
                if plan.deletes { effect = .blacklisted(phoneNumbers) }
            case .validAddLead(let pearlId, let lead):
                call.endpoint = .addLead
                call.pearlId = pearlId
                call.phoneNumbers = [lead.phoneNumber]
                let plan = await leadPlan()
                reply = plan.reply
                if let contentType = plan.successContentType {
                    let id = state.withLock { $0.leads.add([lead], to: pearlId, now: receivedAt) }[0]
                    call.leadIds = [id.hex]
                    reply = Self.replacingBody(
                        of: plan.reply, StoredLead.addAnswer(id), contentType, "leadId \(id.hex)")
                }
            case .validAddLeads(let pearlId, let leads):
                call.endpoint = .addLeads
                call.pearlId = pearlId
                call.phoneNumbers = leads.map(\.phoneNumber)
                let plan = await leadPlan()
                reply = plan.reply
                if plan.deletes {
                    let ids = state.withLock { $0.leads.add(leads, to: pearlId, now: receivedAt) }
                    call.leadIds = ids.map(\.hex)
                }
            case .validSearchLeads(let pearlId, let search):
                call.endpoint = .searchLeads
                call.pearlId = pearlId
                call.search = search
                let plan = await leadPlan()
                reply = plan.reply
                if let contentType = plan.successContentType {
                    let (count, page) = state.withLock { $0.leads.search(search, in: pearlId) }
                    call.leadIds = page.map(\.id.hex)
                    let body = StoredLead.searchAnswer(count: count, page: page)
                    reply = Self.replacingBody(
                        of: plan.reply, body, contentType, "count \(count), \(page.count) results")
                }
            case .validGetLead(let pearlId, let leadId):
                call.endpoint = .getLead
                call.pearlId = pearlId
                call.leadIds = [leadId]
                let plan = await leadPlan()
                reply = plan.reply
                if let contentType = plan.successContentType {
                    if let lead = state.withLock({ $0.leads.lead(leadId, in: pearlId) }) {
                        reply = Self.replacingBody(of: plan.reply, lead.getView, contentType, "lead \(lead.id.hex)")
                    } else {
                        reply = Reply.problem(
                            status: 404, title: "Not Found", detail: "No lead \(leadId) in outbound \(pearlId).",
                            errors: [:], as: contentType)
                    }
                }
            case .wrongToken(let endpoint, let pearlId):
                call.endpoint = endpoint
                call.pearlId = pearlId
                reply = Reply(
                    status: 401,
                    headers: [Header("WWW-Authenticate", "Bearer error=\"invalid_token\"")],
                    body: [],
                    note: "wrong token"
                )
            case .violation(let violation):
                call.endpoint = violation.endpoint
                call.violation = violation.detail
                reply = state.withLock { $0.responder.reply(to: violation) }
            }
            call.status = reply.status
            call.answer = reply.summary
            call.answerHeaders = reply.headers
            record(call, effect: effect)
            var headers = HTTPFields()
            headers.reserveCapacity(reply.headers.count)
            for header in reply.headers { headers.add(name: header.name, value: header.value) }
            return HTTPResponse(status: HTTPStatus(code: reply.status), headers: headers, body: reply.body)
        }

        /// The plan for a valid call of a lead endpoint, after its delay.
        private func leadPlan() async -> Responder.Plan {
            let plan = state.withLock { $0.responder.plan { .random(in: 0..<1) } }
            await stopSignal.sleep(for: plan.delay)
            return plan
        }

        /// The planned 200 with the endpoint's own object as its body, its other headers (a `Retry-After`) kept.
        private static func replacingBody(
            of reply: Reply,
            _ body: [UInt8],
            _ contentType: ResponseContentType,
            _ note: String
        ) -> Reply {
            var answer = Reply.object(body, as: contentType, note: note)
            answer.headers += reply.headers.filter { $0.name.lowercased() != "content-type" }
            return answer
        }

        /// What an answer of 200 `true` did to the account.
        private enum Effect {
            case none
            case deleted(pearlId: String, leadIds: [String])
            /// Added the numbers to the blacklist; numbers already on it stay, and the answer is `true`
            /// all the same, since NLPearl's reference says nothing of them.
            case blacklisted([String])
        }

        private func record(_ call: Call, effect: Effect) {
            let ready = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
                state.calls.append(call)
                if state.calls.count > historyLimit { state.calls.removeFirst(state.calls.count - historyLimit) }
                state.callCount += 1
                if let violation = call.violation {
                    state.violations.append("\(call.method) \(call.uri): \(violation)")
                }
                switch effect {
                case .none: break
                case .deleted(let pearlId, let leadIds):
                    state.deletedLeads[pearlId, default: []].formUnion(leadIds)
                    state.leads.remove(leadIds, from: pearlId)
                case .blacklisted(let numbers): state.blacklistedNumbers.formUnion(numbers)
                }
                let due = state.waiters.filter { $0.value.count <= state.callCount }
                for id in due.keys { state.waiters[id] = nil }
                return due.values.map(\.continuation)
            }
            for continuation in ready { continuation.resume(returning: true) }
            onCall?(call)
        }

        func waitForCalls(count: Int, timeout: Duration) async -> Bool {
            let id = state.withLock { state in
                state.nextWaiterID += 1
                return state.nextWaiterID
            }
            let timer = Mutex<Task<Void, Never>?>(nil)
            let reached = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let done = state.withLock { state in
                    if state.callCount >= count { return true }
                    state.waiters[id] = (count, continuation)
                    return false
                }
                if done {
                    continuation.resume(returning: true)
                    return
                }
                timer.withLock {
                    $0 = Task { [self] in
                        do { try await Task.sleep(for: timeout) } catch { return }
                        let expired = state.withLock { $0.waiters.removeValue(forKey: id) }
                        expired?.continuation.resume(returning: false)
                    }
                }
            }
            timer.withLock { $0?.cancel() }
            return reached
        }
    }
}
