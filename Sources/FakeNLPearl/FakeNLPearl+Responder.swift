extension FakeNLPearl {
    /// Turns a behaviour and a valid call into an answer; a value, mutated under the fake's lock.
    ///
    /// Pure but for the random draw of ``Behaviour/sometimes(_:_:otherwise:)``, which is passed in.
    struct Responder: Sendable {
        /// What to do for one call.
        struct Plan: Sendable, Equatable {
            /// How long to wait before answering.
            var delay: Duration
            var reply: Reply
            /// Whether the answer is 200 `true`: the leads were deleted, the numbers added to the blacklist, or
            /// the leads of an Add Leads call added.
            var deletes: Bool
            /// The content type of the endpoint's own 200 answer, when the behaviour answers as the contract
            /// says (``Behaviour/succeed``, ``Behaviour/succeedAs(_:)``, ``Behaviour/status(_:retryAfter:)`` 200);
            /// nil for every other answer. An endpoint that answers an object (Add Lead, Search Leads, Get Lead)
            /// replaces the planned `true` with its object only then.
            var successContentType: ResponseContentType? = nil
        }

        private(set) var behaviour: Behaviour
        private var callsSinceBehaviourSet = 0
        private var successCount = 0
        private var problemCount = 0

        init(behaviour: Behaviour) {
            self.behaviour = behaviour
        }

        /// Sets the behaviour and restarts its scripts.
        mutating func set(_ behaviour: Behaviour) {
            self.behaviour = behaviour
            callsSinceBehaviourSet = 0
        }

        /// The answer to a valid delete.
        mutating func plan(pearlId: String, leadIds: [String], random: () -> Double) -> Plan {
            let plan = plan(behaviour, Subject(leadIds: leadIds, phoneNumbers: []), delay: .zero, random: random)
            callsSinceBehaviourSet += 1
            return plan
        }

        /// The answer to a valid blacklist call.
        mutating func plan(phoneNumbers: [String], random: () -> Double) -> Plan {
            let plan = plan(behaviour, Subject(leadIds: [], phoneNumbers: phoneNumbers), delay: .zero, random: random)
            callsSinceBehaviourSet += 1
            return plan
        }

        /// The answer to a valid call of a lead endpoint: Add Lead, Add Leads, Search Leads or Get Lead.
        ///
        /// These calls name no leads or numbers that ``Behaviour/rejectLeads(_:)`` and its kin look at, so those
        /// answer them as ``Behaviour/succeed``; every other behaviour, scripts included, answers them as any call.
        mutating func plan(random: () -> Double) -> Plan {
            let plan = plan(behaviour, Subject(leadIds: [], phoneNumbers: []), delay: .zero, random: random)
            callsSinceBehaviourSet += 1
            return plan
        }

        /// What a call is about: a delete's leads, or a blacklist call's numbers (the other is empty).
        private struct Subject {
            var leadIds: [String]
            var phoneNumbers: [String]
        }

        private mutating func plan(
            _ behaviour: Behaviour,
            _ subject: Subject,
            delay: Duration,
            random: () -> Double
        ) -> Plan {
            switch behaviour {
            case .succeed:
                let contentType = Self.nextContentType(&successCount)
                return Plan(
                    delay: delay, reply: .boolean(true, as: contentType), deletes: true, successContentType: contentType
                )
            case .succeedAs(let contentType):
                return Plan(
                    delay: delay, reply: .boolean(true, as: contentType), deletes: true, successContentType: contentType
                )
            case .answerFalse:
                return Plan(
                    delay: delay, reply: .boolean(false, as: Self.nextContentType(&successCount)), deletes: false)
            case .status(let status, let retryAfter):
                return statusPlan(status, retryAfter: retryAfter, delay: delay)
            case .rateLimited(let seconds):
                return statusPlan(429, retryAfter: seconds, delay: delay)
            case .delay(let extra, let then):
                return plan(then, subject, delay: delay + extra, random: random)
            case .rejectLeads(let rejected):
                let errors = Self.errors(
                    subject.leadIds, field: "leadIds", rejected: rejected
                ) { "Lead '\($0)' cannot be deleted." }
                guard !errors.isEmpty else { return plan(.succeed, subject, delay: delay, random: random) }
                let detail = "\(errors.count) of \(subject.leadIds.count) leads cannot be deleted."
                return rejection(errors: errors, detail: detail, delay: delay)
            case .falseForLeads(let refused):
                let answer: Behaviour = subject.leadIds.contains(where: refused.contains) ? .answerFalse : .succeed
                return plan(answer, subject, delay: delay, random: random)
            case .rejectPhoneNumbers(let rejected):
                let errors = Self.errors(
                    subject.phoneNumbers, field: "phoneNumbers", rejected: rejected
                ) { "Phone number '\($0)' cannot be blacklisted." }
                guard !errors.isEmpty else { return plan(.succeed, subject, delay: delay, random: random) }
                let detail = "\(errors.count) of \(subject.phoneNumbers.count) phone numbers cannot be blacklisted."
                return rejection(errors: errors, detail: detail, delay: delay)
            case .falseForPhoneNumbers(let refused):
                let refuses = subject.phoneNumbers.contains(where: refused.contains)
                return plan(refuses ? .answerFalse : .succeed, subject, delay: delay, random: random)
            case .script(let steps):
                guard let last = steps.last else {
                    return plan(.succeed, subject, delay: delay, random: random)
                }
                let step = callsSinceBehaviourSet < steps.count ? steps[callsSinceBehaviourSet] : last
                return plan(step, subject, delay: delay, random: random)
            case .sometimes(let probability, let chosen, let otherwise):
                let answer = random() < probability ? chosen : otherwise
                return plan(answer, subject, delay: delay, random: random)
            case .respond(let status, let headers, let body):
                let deletes =
                    status == 200
                    && String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "true"
                return Plan(delay: delay, reply: Reply(status: status, headers: headers, body: body), deletes: deletes)
            }
        }

        /// `errors` for the items of a call that are in `rejected`, by `field[index]`.
        private static func errors(
            _ items: [String],
            field: String,
            rejected: Set<String>,
            message: (String) -> String
        ) -> [String: [String]] {
            var errors: [String: [String]] = [:]
            for (index, item) in items.enumerated() where rejected.contains(item) {
                errors["\(field)[\(index)]"] = [message(item)]
            }
            return errors
        }

        /// 400 with a `ValidationProblemDetails` that names the items at fault.
        private mutating func rejection(errors: [String: [String]], detail: String, delay: Duration) -> Plan {
            let reply = Reply.problem(
                status: 400,
                title: "One or more validation errors occurred.",
                detail: detail,
                errors: errors,
                as: Self.nextContentType(&problemCount)
            )
            return Plan(delay: delay, reply: reply, deletes: false)
        }

        private mutating func statusPlan(_ status: Int, retryAfter: Int?, delay: Duration) -> Plan {
            let retryHeader = retryAfter.map { [Header("Retry-After", String($0))] } ?? []
            switch status {
            case 200:
                let contentType = Self.nextContentType(&successCount)
                var reply = Reply.boolean(true, as: contentType)
                reply.headers += retryHeader
                return Plan(delay: delay, reply: reply, deletes: true, successContentType: contentType)
            case 400:
                let reply = Reply.problem(
                    status: 400,
                    title: "One or more validation errors occurred.",
                    detail: "The fake is set to answer 400.",
                    errors: [:],
                    as: Self.nextContentType(&problemCount),
                    extraHeaders: retryHeader
                )
                return Plan(delay: delay, reply: reply, deletes: false)
            default:
                let note = retryAfter.map { "Retry-After: \($0)" } ?? ""
                let reply = Reply(status: status, headers: retryHeader, body: [], note: note)
                return Plan(delay: delay, reply: reply, deletes: false)
            }
        }

        /// The answer to a contract violation: a problem with the violation's detail (401: empty).
        mutating func reply(to violation: ContractValidator.Violation) -> Reply {
            switch violation.status {
            case 401:
                return Reply(status: 401, headers: [Header("WWW-Authenticate", "Bearer")])
            default:
                let title = violation.status == 400 ? "One or more validation errors occurred." : "Contract violation"
                return Reply.problem(
                    status: violation.status,
                    title: title,
                    detail: violation.detail,
                    errors: [violation.field: [violation.detail]],
                    as: Self.nextContentType(&problemCount),
                    extraHeaders: violation.status == 405
                        ? [Header("Allow", violation.endpoint?.method ?? FakeNLPearl.Endpoint.deleteLeads.method)] : []
                )
            }
        }

        private static func nextContentType(_ counter: inout Int) -> ResponseContentType {
            let all = ResponseContentType.allCases
            defer { counter &+= 1 }
            return all[counter % all.count]
        }
    }
}
