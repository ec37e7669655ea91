import Foundation
import JSON

/// Checks one request against NLPearl's contracts: `nlpearl-delete-leads.openapi.yaml` for the delete, and the
/// published reference of `POST /v2/Account/Blacklist` (`ContractValidator+Blacklist.swift`) and of the lead
/// endpoints (`ContractValidator+Leads.swift`).
///
/// Pure: it sees the method, the URI as sent, the headers and the body, and says whether the
/// request is a valid call of one of the endpoints or how it breaks the contract. ``FakeNLPearl`` answers
/// the breaches; tests of the validator need no socket. Every endpoint takes the same `Authorization`, and
/// those with a body the same request content types; Get Lead takes no body.
public struct ContractValidator: Sendable {
    /// What a request came to.
    public enum Verdict: Sendable, Equatable {
        /// A delete as the contract describes it; `leadIds` is empty when the body sent `null`.
        case valid(pearlId: String, leadIds: [String])
        /// A blacklist call as the contract describes it: one or more distinct numbers or prefixes.
        case validBlacklist(phoneNumbers: [String])
        /// An Add Lead call: one lead, checked.
        case validAddLead(pearlId: String, lead: FakeNLPearl.NewLead)
        /// An Add Leads call: 1 to 50,000 leads, each checked.
        case validAddLeads(pearlId: String, leads: [FakeNLPearl.NewLead])
        /// A Search Leads call.
        case validSearchLeads(pearlId: String, search: FakeNLPearl.LeadSearch)
        /// A Get Lead call for a lead id of ObjectId form, which the campaign may or may not hold.
        case validGetLead(pearlId: String, leadId: String)
        /// A well-formed `Authorization: Bearer` whose token is not the configured one: answered
        /// 401 with no body, and not a contract violation. `pearlId` is the call's campaign, nil
        /// for the blacklist.
        case wrongToken(endpoint: FakeNLPearl.Endpoint, pearlId: String?)
        /// A contract violation, to be recorded and answered with `status`.
        case violation(Violation)
    }

    /// How a request breaks the contract.
    public struct Violation: Error, Sendable, Equatable {
        /// 400 for a bad request to the endpoint, 401 for a missing or malformed `Authorization`,
        /// 404 for another path, 405 for another method.
        public var status: Int
        /// What is wrong, in one sentence.
        public var detail: String
        /// The field at fault, in ASP.NET's `errors` style (`$` for the body as a whole).
        public var field: String
        /// The endpoint whose path the request named; nil when the path is no endpoint's (404).
        public var endpoint: FakeNLPearl.Endpoint?

        public init(status: Int, detail: String, field: String, endpoint: FakeNLPearl.Endpoint? = nil) {
            self.status = status
            self.detail = detail
            self.field = field
            self.endpoint = endpoint
        }
    }

    /// The token that `Authorization: Bearer` must carry.
    public var token: String

    public init(token: String) {
        self.token = token
    }

    /// Checks a request.
    ///
    /// - Parameters:
    ///   - method: The request method.
    ///   - uri: The request target as sent on the request line, with its percent-encoding.
    ///   - headerValues: Every value of a header, by case-insensitive name.
    ///   - body: The request body.
    public func check(
        method: String,
        uri: String,
        headerValues: (String) -> [String],
        body: [UInt8]
    ) -> Verdict {
        let route: Route
        switch Self.route(uri) {
        case .failure(let violation): return .violation(violation)
        case .success(let found): route = found
        }
        let endpoint = route.endpoint
        func breach(_ violation: Violation) -> Verdict {
            var violation = violation
            violation.endpoint = endpoint
            return .violation(violation)
        }
        guard method == endpoint.method else {
            return breach(
                .init(status: 405, detail: "method \(method) is not allowed; use \(endpoint.method)", field: "$method"))
        }
        switch checkAuthorization(headerValues("Authorization")) {
        case .failure(let violation): return breach(violation)
        case .success(false): return .wrongToken(endpoint: endpoint, pearlId: route.pearlId)
        case .success(true): break
        }
        if endpoint == .getLead {
            guard body.isEmpty else {
                return breach(.init(status: 400, detail: "a GET has no body; send none", field: "$"))
            }
        } else if let violation = Self.checkContentType(headerValues("Content-Type")) {
            return breach(violation)
        }
        func verdict<T>(_ result: Result<T, Violation>, _ valid: (T) -> Verdict) -> Verdict {
            switch result {
            case .failure(let violation): return breach(violation)
            case .success(let value): return valid(value)
            }
        }
        switch route {
        case .deleteLeads(let pearlId):
            return verdict(Self.leadIds(in: body)) { .valid(pearlId: pearlId, leadIds: $0) }
        case .blacklist:
            return verdict(Self.phoneNumbers(in: body)) { .validBlacklist(phoneNumbers: $0) }
        case .addLead(let pearlId):
            return verdict(Self.newLead(in: body)) { .validAddLead(pearlId: pearlId, lead: $0) }
        case .addLeads(let pearlId):
            return verdict(Self.newLeads(in: body)) { .validAddLeads(pearlId: pearlId, leads: $0) }
        case .searchLeads(let pearlId):
            return verdict(Self.leadSearch(in: body)) { .validSearchLeads(pearlId: pearlId, search: $0) }
        case .getLead(let pearlId, let leadId):
            guard LeadID.isObjectId(leadId) else {
                return breach(
                    .init(
                        status: 400, detail: "leadId \"\(leadId)\" is not an ObjectId (24 hexadecimal digits)",
                        field: "leadId"))
            }
            return .validGetLead(pearlId: pearlId, leadId: leadId)
        }
    }

    /// Which endpoint a request target names, with what its path carries.
    enum Route: Sendable, Equatable {
        /// `/v2/Outbound/{pearlId}/Leads`, the pearlId percent-decoded.
        case deleteLeads(pearlId: String)
        /// `/v2/Account/Blacklist`.
        case blacklist
        /// `/v2/Outbound/{pearlId}/Lead`.
        case addLead(pearlId: String)
        /// `/v2/Outbound/{pearlId}/Leads/Add`.
        case addLeads(pearlId: String)
        /// `/v1/Outbound/{outboundId}/Leads`.
        case searchLeads(pearlId: String)
        /// `/v1/Outbound/{outboundId}/Lead/{leadId}`, both percent-decoded.
        case getLead(pearlId: String, leadId: String)

        var endpoint: FakeNLPearl.Endpoint {
            switch self {
            case .deleteLeads: return .deleteLeads
            case .blacklist: return .blacklist
            case .addLead: return .addLead
            case .addLeads: return .addLeads
            case .searchLeads: return .searchLeads
            case .getLead: return .getLead
            }
        }

        var pearlId: String? {
            switch self {
            case .blacklist: return nil
            case .deleteLeads(let pearlId), .addLead(let pearlId), .addLeads(let pearlId), .searchLeads(let pearlId),
                .getLead(let pearlId, _):
                return pearlId
            }
        }
    }

    /// The endpoint that a request target names; a violation for any other target, or a query string.
    static func route(_ uri: String) -> Result<Route, Violation> {
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let query = parts.count == 2 ? parts[1] : nil
        if parts[0] == FakeNLPearl.Endpoint.blacklist.path {
            if let query { return .failure(unexpectedQuery(query, endpoint: .blacklist)) }
            return .success(.blacklist)
        }
        let segments = parts[0].split(separator: "/", omittingEmptySubsequences: false)
        let endpoint: FakeNLPearl.Endpoint?
        if segments.count >= 5, segments[0].isEmpty, segments[2] == "Outbound" {
            switch (segments[1], Array(segments.dropFirst(4))) {
            case ("v2", ["Leads"]): endpoint = .deleteLeads
            case ("v2", ["Leads", "Add"]): endpoint = .addLeads
            case ("v2", ["Lead"]): endpoint = .addLead
            case ("v1", ["Leads"]): endpoint = .searchLeads
            case ("v1", let rest) where rest.count == 2 && rest[0] == "Lead": endpoint = .getLead
            default: endpoint = nil
            }
        } else {
            endpoint = nil
        }
        guard let endpoint else {
            let known = FakeNLPearl.Endpoint.allCases.map(\.path).joined(separator: ", ")
            return .failure(
                .init(status: 404, detail: "no route for \(parts[0]); the endpoints are \(known)", field: "$path"))
        }
        guard !segments[3].isEmpty else {
            return .failure(.init(status: 404, detail: "the pearlId path segment is empty", field: "pearlId"))
        }
        guard let pearlId = percentDecode(segments[3]) else {
            return .failure(
                .init(
                    status: 400,
                    detail: "the pearlId segment \(segments[3]) is not valid "
                        + "percent-encoded UTF-8", field: "pearlId", endpoint: endpoint))
        }
        if let query { return .failure(unexpectedQuery(query, endpoint: endpoint)) }
        switch endpoint {
        case .deleteLeads: return .success(.deleteLeads(pearlId: pearlId))
        case .addLeads: return .success(.addLeads(pearlId: pearlId))
        case .addLead: return .success(.addLead(pearlId: pearlId))
        case .searchLeads: return .success(.searchLeads(pearlId: pearlId))
        case .blacklist: return .success(.blacklist)
        case .getLead:
            guard !segments[5].isEmpty else {
                return .failure(.init(status: 404, detail: "the leadId path segment is empty", field: "leadId"))
            }
            guard let leadId = percentDecode(segments[5]) else {
                return .failure(
                    .init(
                        status: 400, detail: "the leadId segment \(segments[5]) is not valid percent-encoded UTF-8",
                        field: "leadId", endpoint: .getLead))
            }
            return .success(.getLead(pearlId: pearlId, leadId: leadId))
        }
    }

    private static func unexpectedQuery(_ query: Substring, endpoint: FakeNLPearl.Endpoint) -> Violation {
        .init(
            status: 400,
            detail: "unexpected query string ?\(query); the endpoint takes no query parameters",
            field: "$query",
            endpoint: endpoint
        )
    }

    /// True for the configured token, false for another well-formed bearer token; a violation for
    /// a missing, repeated or malformed header.
    func checkAuthorization(_ values: [String]) -> Result<Bool, Violation> {
        guard values.count == 1, let value = values.first else {
            let detail =
                values.isEmpty
                ? "missing Authorization header; send Authorization: Bearer AccountId:SecretKey"
                : "\(values.count) Authorization headers; send exactly one"
            return .failure(.init(status: 401, detail: detail, field: "Authorization"))
        }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        // The scheme name is case-insensitive (RFC 9110 §11.1); the token is not.
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty,
            !parts[1].hasPrefix(" "), !parts[1].hasSuffix(" ")
        else {
            return .failure(
                .init(
                    status: 401,
                    detail: "Authorization is not of the form "
                        + "\"Bearer AccountId:SecretKey\"", field: "Authorization"))
        }
        return .success(parts[1] == token)
    }

    /// Nil for `application/json`, `text/json` or `application/*+json`, with parameters, and a
    /// charset, if any, of UTF-8; else a violation.
    static func checkContentType(_ values: [String]) -> Violation? {
        guard values.count == 1, let value = values.first else {
            let detail =
                values.isEmpty
                ? "missing Content-Type; the body must be application/json, text/json or application/*+json"
                : "\(values.count) Content-Type headers; send exactly one"
            return .init(status: 400, detail: detail, field: "Content-Type")
        }
        let parameters = value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let mediaType = parameters.first ?? ""
        let subtype = mediaType.hasPrefix("application/") ? mediaType.dropFirst("application/".count) : ""
        let isJSON =
            mediaType == "application/json" || mediaType == "text/json"
            || (subtype.hasSuffix("+json") && subtype.count > "+json".count && !subtype.contains("/"))
        guard isJSON else {
            return .init(
                status: 400,
                detail: "Content-Type \(value) is not application/json, text/json or "
                    + "application/*+json", field: "Content-Type")
        }
        for parameter in parameters.dropFirst() where parameter.hasPrefix("charset=") {
            let charset = parameter.dropFirst("charset=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            guard charset == "utf-8" || charset == "utf8" else {
                return .init(status: 400, detail: "Content-Type charset \(charset) is not UTF-8", field: "Content-Type")
            }
        }
        return nil
    }

    /// The leadIds of a `DeleteLeadsRequestApi` body, or how the body breaks its schema.
    static func leadIds(in body: [UInt8]) -> Result<[String], Violation> {
        // The contract leaves the body optional, but a delete without leads is always a client bug.
        let object: [String: JSONValue]
        switch jsonObject(
            body, schema: "DeleteLeadsRequestApi", members: ["leadIds"], example: #"{"leadIds": [...]}"#)
        {
        case .failure(let violation): return .failure(violation)
        case .success(let found): object = found
        }
        guard let value = object["leadIds"], !value.isNull else {
            return .success([])
        }
        guard let array = value.asArray else {
            return refuse("leadIds is not an array", "leadIds")
        }
        var leadIds: [String] = []
        leadIds.reserveCapacity(array.count)
        for (index, element) in array.enumerated() {
            guard let leadId = element.asString else {
                return refuse("leadIds[\(index)] is not a string", "leadIds[\(index)]")
            }
            leadIds.append(leadId)
        }
        return .success(leadIds)
    }

    // MARK: JSON bodies

    /// The body as a JSON object whose members are all among `members`, each sent once, or why not.
    static func jsonObject(
        _ body: [UInt8],
        schema: String,
        members allowed: Set<String>,
        example: String
    ) -> Result<[String: JSONValue], Violation> {
        let members: [JSONMember]
        switch bodyMembers(body, empty: "the request body is empty; send \(example)") {
        case .failure(let violation): return .failure(violation)
        case .success(let found): members = found
        }
        let extra = extraKeys(of: members, allowed: allowed)
        guard extra.isEmpty else {
            let names = extra.map { "\"\($0)\"" }.joined(separator: ", ")
            // A schema of one member names it: the body was meant to be just that.
            guard allowed.count == 1, let only = allowed.first else {
                return refuse(
                    "the request body has properties that \(schema) does not define (\(names)); "
                        + "it allows no additional properties", extra[0])
            }
            return refuse(
                "the request body has properties other than \(only) (\(names)); "
                    + "\(schema) allows no additional properties", extra[0])
        }
        return uniqueMembers(members, of: "the request body", prefix: "")
    }

    /// The elements of a body that is an object whose one member, `member`, is an array of one or more `items`
    /// to add, or how the body breaks `schema`.
    static func itemsToAdd(
        in body: [UInt8], schema: String, member: String, items: String
    ) -> Result<[JSONValue], Violation> {
        jsonObject(body, schema: schema, members: [member], example: "{\"\(member)\": [...]}").flatMap { object in
            guard let value = object[member], !value.isNull else {
                return refuse("\(member) is missing or null; send one or more \(items) to add", member)
            }
            guard let elements = value.asArray else {
                return refuse("\(member) is \(kind(value)), not an array", member)
            }
            guard !elements.isEmpty else {
                return refuse("\(member) is empty; send one or more \(items) to add", member)
            }
            return .success(elements)
        }
    }

    /// A 400 violation naming `field`.
    static func refuse<T>(_ detail: String, _ field: String) -> Result<T, Violation> {
        .failure(.init(status: 400, detail: detail, field: field))
    }

    /// The members of a body that is one JSON object, in source order, or why it is not one.
    ///
    /// Parsed with the strict ``JSONParser``, once per request: a body that a lenient parser would take (a trailing
    /// comma, a lone surrogate, a byte order mark's lookalike) is a client bug the fake should surface.
    static func bodyMembers(_ body: [UInt8], empty: String) -> Result<[JSONMember], Violation> {
        guard !body.isEmpty else { return .failure(.init(status: 400, detail: empty, field: "$")) }
        guard let parsed = try? JSONParser.parse(body) else {
            return .failure(.init(status: 400, detail: "the request body is not valid JSON", field: "$"))
        }
        guard let members = parsed.asObject else {
            return .failure(.init(status: 400, detail: "the request body is not a JSON object", field: "$"))
        }
        return .success(members)
    }

    /// The keys of `members` outside `allowed`, each once, sorted: the refusal names the first.
    static func extraKeys(of members: [JSONMember], allowed: Set<String>) -> [String] {
        Set(members.lazy.map(\.key).filter { !allowed.contains($0) }).sorted()
    }

    /// An object's members by key, or a violation naming the first key that a later member repeats.
    ///
    /// The reference is silent on duplicate members, and parsers differ (first wins, last wins, refused), so a body
    /// that repeats one means what the client meant only by luck: a strict reading refuses it, naming the
    /// member as `prefix` + key (`leads[3].phoneNumber`). `owner` says whose member it is in the detail.
    static func uniqueMembers(
        _ members: [JSONMember], of owner: String, prefix: String
    ) -> Result<[String: JSONValue], Violation> {
        var object: [String: JSONValue] = [:]
        object.reserveCapacity(members.count)
        for member in members {
            guard object.updateValue(member.value, forKey: member.key) == nil else {
                return .failure(
                    .init(
                        status: 400,
                        detail: "\(owner) has the member \"\(member.key)\" more than once; "
                            + "a repeated member is ambiguous, send each once", field: prefix + member.key))
            }
        }
        return .success(object)
    }

    /// The integer that a JSON number stands for, read as .NET reads an `int`/`long`: nil for a boolean, a string
    /// or any other kind, for a literal with a fraction or an exponent (`1.5`, `1.0`, `1e2`), and for one outside
    /// `Int64`.
    static func integer(_ value: JSONValue) -> Int64? {
        guard let literal = value.numberLiteral,
            !literal.utf8.contains(where: {
                $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E")
            })
        else { return nil }
        return Int64(literal)
    }

    /// What kind of JSON value this is, as the fake's messages have always named it (`a boolean`, not
    /// ``JSONValue/kindDescription``'s `a Boolean`): the details are the fake's published wording.
    static func kind(_ value: JSONValue) -> String {
        if value.asBool != nil { return "a boolean" }
        return value.kindDescription
    }

    /// `%XX`-decodes a path segment; nil for a bad escape or bytes that are not UTF-8.
    static func percentDecode(_ segment: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(segment.utf8.count)
        var iterator = segment.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexDigitValue),
                let low = iterator.next().flatMap(hexDigitValue)
            else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
