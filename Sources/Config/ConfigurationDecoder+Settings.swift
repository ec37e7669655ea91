import Foundation
import JSON
import OptOutCore
import SenderSchema

extension ConfigurationDecoder {
    /// Decodes the whole file; problems are in ``errors`` and ``warnings`` afterwards.
    mutating func decode(_ root: JSONValue) -> BridgeConfiguration {
        let top = section(
            root, path: "",
            known: [
                "listen", "nlpearl", "mapping", "journal", "delivery", "unmapped", "suppression", "campaigns", "api",
                "senders", "dryRun",
            ])
        var configuration = BridgeConfiguration(sourceFile: fileName == "<defaults>" ? nil : fileName)
        configuration.listen = listen(top["listen"])
        configuration.nlpearl = nlpearl(top["nlpearl"])
        configuration.mapping = mapping(top["mapping"])
        configuration.journal = journal(top["journal"])
        configuration.delivery = delivery(top["delivery"])
        configuration.unmapped = unmapped(top)
        configuration.suppression = suppression(top["suppression"])
        configuration.campaigns = campaigns(top["campaigns"])
        configuration.api = api(top["api"])
        configuration.senders = senders(top["senders"])
        configuration.dryRun = bool(top, "dryRun", default: false)
        return configuration
    }

    // MARK: listen

    private mutating func listen(_ value: JSONValue?) -> BridgeConfiguration.ListenSettings {
        let section = section(
            value, path: "listen",
            known: [
                "host", "port", "threads", "maxBodyBytes", "connectionLimit", "perIPConnectionLimit",
                "idleTimeoutSeconds", "maxBufferedBodyBytes", "tls",
            ])
        let defaults = BridgeConfiguration.ListenSettings()
        let maxBodyBytes = int(section, "maxBodyBytes", default: defaults.maxBodyBytes, in: 1...(1 << 30))
        var buffered = int(
            section, "maxBufferedBodyBytes", default: max(defaults.maxBufferedBodyBytes, maxBodyBytes),
            in: 1...(1 << 40))
        if buffered < maxBodyBytes {
            error(
                "listen.maxBufferedBodyBytes must be at least listen.maxBodyBytes (\(maxBodyBytes)), or no body of that "
                    + "size could ever be taken", at: section["maxBufferedBodyBytes"])
            buffered = maxBodyBytes
        }
        return BridgeConfiguration.ListenSettings(
            host: string(section, "host", default: defaults.host),
            port: int(section, "port", default: defaults.port, in: 0...65535),
            threads: int(section, "threads", default: defaults.threads, in: 1...1024),
            maxBodyBytes: maxBodyBytes,
            connectionLimit: int(section, "connectionLimit", default: defaults.connectionLimit, in: 1...1_000_000),
            perIPConnectionLimit: int(
                section, "perIPConnectionLimit", default: defaults.perIPConnectionLimit, in: 0...1_000_000),
            idleTimeoutSeconds: int(
                section, "idleTimeoutSeconds", default: defaults.idleTimeoutSeconds, in: 1...86_400),
            maxBufferedBodyBytes: buffered,
            tls: tls(section["tls"]))
    }

    private mutating func tls(_ value: JSONValue?) -> BridgeConfiguration.TLSSettings {
        let section = section(value, path: "listen.tls", known: ["certificateFile", "keyFile"])
        let certificate = optionalPath(section, "certificateFile")
        let key = optionalPath(section, "keyFile")
        if (certificate == nil) != (key == nil) {
            error("listen.tls needs both certificateFile and keyFile, or neither", at: value)
            return BridgeConfiguration.TLSSettings()
        }
        for (name, path) in [("certificateFile", certificate), ("keyFile", key)] {
            if let path, !FileManager.default.isReadableFile(atPath: path) {
                error("listen.tls.\(name): cannot read '\(path)'", at: section[name])
            }
        }
        return BridgeConfiguration.TLSSettings(certificateFile: certificate, keyFile: key)
    }

    // MARK: nlpearl

    private mutating func nlpearl(_ value: JSONValue?) -> BridgeConfiguration.NLPearlSettings {
        let section = section(
            value, path: "nlpearl",
            known: ["baseURL", "token", "timeoutSeconds", "maxLeadsPerRequest", "maxConcurrentRequests"])
        let defaults = BridgeConfiguration.NLPearlSettings()
        return BridgeConfiguration.NLPearlSettings(
            baseURL: baseURL(section) ?? defaults.baseURL,
            token: token(section),
            timeoutSeconds: double(
                section, "timeoutSeconds", default: defaults.timeoutSeconds, minimum: 0, inclusive: false),
            maxLeadsPerRequest: int(section, "maxLeadsPerRequest", default: defaults.maxLeadsPerRequest, in: 1...1000),
            maxConcurrentRequests: int(
                section, "maxConcurrentRequests", default: defaults.maxConcurrentRequests, in: 1...1024))
    }

    /// `nlpearl.baseURL`: an http(s) URL without query or credentials, returned without a trailing `/`.
    private mutating func baseURL(_ section: Section) -> String? {
        guard var text = optionalString(section, "baseURL", allowNull: false) else { return nil }
        let value = section["baseURL"]
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
            let host = url.host, !host.isEmpty
        else {
            error("nlpearl.baseURL must be an http or https URL, such as https://api.nlpearl.ai", at: value)
            return nil
        }
        guard url.query == nil, url.fragment == nil, url.user == nil, url.password == nil else {
            error("nlpearl.baseURL must not have a query, a fragment or credentials", at: value)
            return nil
        }
        if scheme == "http", !["localhost", "127.0.0.1", "::1", "[::1]"].contains(host.lowercased()) {
            warning("nlpearl.baseURL uses http: the NLPearl token would travel unencrypted", at: value)
        }
        while text.hasSuffix("/") {
            text.removeLast()
        }
        return text
    }

    /// `nlpearl.token`, or `NLPEARL_API_TOKEN`, which overrides it.
    private mutating func token(_ section: Section) -> Secret? {
        let value = section["token"]
        if let override = environment[BridgeConfiguration.tokenVariable], !override.isEmpty {
            if let value, !value.isNull, value.asString == nil {
                error("nlpearl.token must be a string or null, not \(value.kindDescription)", at: value)
            }
            guard isWellFormedToken(override) else {
                errors.append(
                    .error(
                        "\(BridgeConfiguration.tokenVariable) must have the form AccountId:SecretKey (its value is not "
                            + "shown)", file: "environment", at: nil))
                return nil
            }
            return Secret(override)
        }
        // The default, env:NLPEARL_API_TOKEN (written out or not), is unset here: no token, which `serve` reports.
        guard let value, !value.isNull, value.asString != "env:\(BridgeConfiguration.tokenVariable)" else {
            return nil
        }
        guard let resolved = resolve(value, path: "nlpearl.token") else { return nil }
        switch resolved {
        case .literal(.string(let text)):
            guard isWellFormedToken(text) else {
                error("nlpearl.token must have the form AccountId:SecretKey (its value is not shown)", at: value)
                return nil
            }
            warning(
                "nlpearl.token is written in the configuration file; use \"env:NLPEARL_API_TOKEN\" or "
                    + "\"file:PATH\" instead", at: value)
            return Secret(text)
        case .reference(let text, let reference):
            guard isWellFormedToken(text) else {
                error(
                    "nlpearl.token (from \(reference)) must have the form AccountId:SecretKey (its value is not shown)",
                    at: value)
                return nil
            }
            return Secret(text)
        case .literal:
            error("nlpearl.token must be a string or null, not \(value.kindDescription)", at: value)
            return nil
        }
    }

    /// `AccountId:SecretKey`: both parts non-empty, nothing that would break a header.
    private func isWellFormedToken(_ token: String) -> Bool {
        guard let colon = token.firstIndex(of: ":"), colon != token.startIndex,
            token.index(after: colon) != token.endIndex
        else { return false }
        return token.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F }
    }

    // MARK: mapping, journal

    private mutating func mapping(_ value: JSONValue?) -> BridgeConfiguration.MappingSettings {
        let section = section(value, path: "mapping", known: ["file", "reloadIntervalSeconds", "defaultCountryCode"])
        let defaults = BridgeConfiguration.MappingSettings()
        var countryCode: String?
        if let code = optionalString(section, "defaultCountryCode") {
            do {
                countryCode = try ContactKey.normalizedCountryCode(code)
            } catch {
                self.error("mapping.defaultCountryCode: \(error.message)", at: section["defaultCountryCode"])
            }
        }
        return BridgeConfiguration.MappingSettings(
            file: resolvePath(string(section, "file", default: defaults.file)),
            reloadIntervalSeconds: double(
                section, "reloadIntervalSeconds", default: defaults.reloadIntervalSeconds, minimum: 0, inclusive: true),
            defaultCountryCode: countryCode)
    }

    private mutating func journal(_ value: JSONValue?) -> BridgeConfiguration.JournalSettings {
        let section = section(value, path: "journal", known: ["file", "retentionDays"])
        let defaults = BridgeConfiguration.JournalSettings()
        return BridgeConfiguration.JournalSettings(
            file: resolvePath(string(section, "file", default: defaults.file)),
            retentionDays: int(section, "retentionDays", default: defaults.retentionDays, in: 1...36_500))
    }

    // MARK: unmapped, suppression

    /// `unmapped`: `suppress` or `reject`; the former `ignore` is read as `suppress`, with a warning.
    private mutating func unmapped(_ top: Section) -> BridgeConfiguration.UnmappedPolicy {
        if let value = top["unmapped"], value.asString == "ignore" {
            warning(
                "unmapped: \"ignore\" is now \"suppress\": unmapped opt-outs are answered 200 suppressed and their "
                    + "keys kept on the suppression list", at: value)
            return .suppress
        }
        return choice(top, "unmapped", default: .suppress)
    }

    private mutating func suppression(_ value: JSONValue?) -> BridgeConfiguration.SuppressionSettings {
        let section = section(value, path: "suppression", known: ["blacklistPhones", "enforceOnMappingLoad"])
        let defaults = BridgeConfiguration.SuppressionSettings()
        return BridgeConfiguration.SuppressionSettings(
            blacklistPhones: bool(section, "blacklistPhones", default: defaults.blacklistPhones),
            enforceOnMappingLoad: bool(section, "enforceOnMappingLoad", default: defaults.enforceOnMappingLoad))
    }

    // MARK: campaigns

    private mutating func campaigns(_ value: JSONValue?) -> BridgeConfiguration.CampaignSettings {
        let section = section(
            value, path: "campaigns",
            known: ["pearlIds", "externalIdNamespace", "sweepIntervalMinutes", "searchOnOptOut", "maxCallsPerSecond"])
        let defaults = BridgeConfiguration.CampaignSettings()
        return BridgeConfiguration.CampaignSettings(
            pearlIds: pearlIds(section["pearlIds"]),
            externalIdNamespace: externalIdNamespace(section),
            sweepIntervalMinutes: int(
                section, "sweepIntervalMinutes", default: defaults.sweepIntervalMinutes, in: 1...Int.max),
            searchOnOptOut: bool(section, "searchOnOptOut", default: defaults.searchOnOptOut),
            maxCallsPerSecond: double(
                section, "maxCallsPerSecond", default: defaults.maxCallsPerSecond, minimum: 0, inclusive: false))
    }

    /// `campaigns.pearlIds`: non-empty strings (`env:` and `file:` followed), each once.
    private mutating func pearlIds(_ value: JSONValue?) -> [String] {
        guard let value else { return [] }
        var pearlIds: [String] = []
        var seen: [String: SourcePosition] = [:]
        for (index, element) in elements(value, "campaigns.pearlIds", "an array of strings").enumerated() {
            let path = "campaigns.pearlIds[\(index)]"
            guard let resolved = resolve(element, path: path) else { continue }
            let pearlId: String
            switch resolved {
            case .literal(.string(let text)), .reference(let text, _):
                pearlId = text
            case .literal:
                error("\(path) must be a string, not \(element.kindDescription)", at: element)
                continue
            }
            guard !pearlId.isEmpty else {
                error("\(path) must not be empty", at: element)
                continue
            }
            if let first = seen[pearlId] {
                error(
                    "\(path): '\(pearlId)' is already listed at line \(first.line), column \(first.column)",
                    at: element)
                continue
            }
            seen[pearlId] = element.position
            pearlIds.append(pearlId)
        }
        return pearlIds
    }

    /// `campaigns.externalIdNamespace`: shaped like a sender name, and neither `email` nor `phone`.
    private mutating func externalIdNamespace(_ section: Section) -> String? {
        guard let namespace = optionalString(section, "externalIdNamespace"),
            let value = section["externalIdNamespace"]
        else { return nil }
        guard isSenderNameShaped(namespace) else {
            error(
                "campaigns.externalIdNamespace '\(namespace)' must be lower-case letters, digits and '-', such as "
                    + "the name of the sender whose CRM ids the leads' externalIds are", at: value)
            return nil
        }
        guard namespace != "email", namespace != "phone" else {
            error(
                "campaigns.externalIdNamespace '\(namespace)' is reserved for \(namespace) keys in the mapping; "
                    + "name the CRM whose ids the leads' externalIds are", at: value)
            return nil
        }
        return namespace
    }

    // MARK: delivery

    private mutating func delivery(_ value: JSONValue?) -> BridgeConfiguration.DeliverySettings {
        let section = section(
            value, path: "delivery", known: ["ackMode", "syncWaitMilliseconds", "batchWindowMilliseconds", "retry"])
        let defaults = BridgeConfiguration.DeliverySettings()
        return BridgeConfiguration.DeliverySettings(
            ackMode: choice(section, "ackMode", default: defaults.ackMode),
            syncWaitMilliseconds: int(
                section, "syncWaitMilliseconds", default: defaults.syncWaitMilliseconds, in: 0...3_600_000),
            batchWindowMilliseconds: int(
                section, "batchWindowMilliseconds", default: defaults.batchWindowMilliseconds, in: 0...60_000),
            retry: retry(section["retry"]))
    }

    private mutating func retry(_ value: JSONValue?) -> BridgeConfiguration.RetrySettings {
        let section = section(
            value, path: "delivery.retry", known: ["initialSeconds", "maxSeconds", "giveUpAfterHours"])
        let defaults = BridgeConfiguration.RetrySettings()
        let initial = double(section, "initialSeconds", default: defaults.initialSeconds, minimum: 0, inclusive: false)
        var maximum = double(section, "maxSeconds", default: defaults.maxSeconds, minimum: 0, inclusive: false)
        if maximum < initial {
            error(
                "delivery.retry.maxSeconds must be at least initialSeconds (\(initial))",
                at: section["maxSeconds"]
                    ?? section["initialSeconds"])
            maximum = initial
        }
        return BridgeConfiguration.RetrySettings(
            initialSeconds: initial, maxSeconds: maximum,
            giveUpAfterHours: double(
                section, "giveUpAfterHours", default: defaults.giveUpAfterHours, minimum: 0, inclusive: false))
    }

    // MARK: api

    private mutating func api(_ value: JSONValue?) -> BridgeConfiguration.APISettings {
        let section = section(value, path: "api", known: ["tokens"])
        guard let list = section["tokens"] else { return BridgeConfiguration.APISettings() }
        var tokens: [Secret] = []
        for (index, element) in elements(list, "api.tokens", "an array of strings").enumerated() {
            let path = "api.tokens[\(index)]"
            guard let resolved = resolve(element, path: path) else { continue }
            let text: String
            switch resolved {
            case .literal(.string(let literal)):
                text = literal
                warning(
                    "\(path) is written in the configuration file; use \"env:NAME\" or \"file:PATH\" instead",
                    at: element)
            case .reference(let referenced, _):
                text = referenced
            case .literal:
                error("\(path) must be a string, not \(element.kindDescription)", at: element)
                continue
            }
            guard !text.isEmpty, text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else {
                error(
                    "\(path) must be non-empty, without blanks or control characters (its value is not shown)",
                    at: element)
                continue
            }
            tokens.append(Secret(text))
        }
        return BridgeConfiguration.APISettings(tokens: tokens)
    }

    // MARK: senders

    private mutating func senders(_ value: JSONValue?) -> [SenderConfiguration] {
        guard let value else { return [] }
        var senders: [SenderConfiguration] = []
        var names: [String: SourcePosition] = [:]
        for (index, element) in elements(value, "senders", "an array").enumerated() {
            guard let sender = sender(element, path: "senders[\(index)]") else { continue }
            if let first = names[sender.name] {
                error(
                    "senders[\(index)].name: a sender named '\(sender.name)' is already configured at line "
                        + "\(first.line), column \(first.column)", at: element["name"])
                continue
            }
            names[sender.name] = element["name"]?.position
            senders.append(sender)
        }
        return senders
    }

    private mutating func sender(_ element: JSONValue, path: String) -> SenderConfiguration? {
        guard let members = element.asObject else {
            error(
                "\(path) must be an object {\"name\": …, \"type\": …}, not \(element.kindDescription)", at: element)
            return nil
        }
        var valid = true
        let name = senderName(element, path: path)
        let type = senderType(element, path: path)
        let known = type.flatMap { type in senderSchemas.first { $0.type == type } }?.keyNames ?? []
        var seen: [String: SourcePosition] = [:]
        for member in members {
            if let first = seen[member.key] {
                errors.append(
                    .error(
                        "duplicate key '\(path).\(member.key)' (first at line \(first.line))", file: fileName,
                        at: member.keyPosition))
                valid = false
            }
            seen[member.key] = member.keyPosition
            // Without a known type, which keys belong is unknown; the type's own error says enough.
            if type != nil, !known.contains(member.key) {
                var message = "unknown key '\(path).\(member.key)'"
                if let suggestion = Suggestion.closest(to: member.key, among: known) {
                    message += "; did you mean '\(path).\(suggestion)'?"
                } else {
                    message += "; a \(type ?? "") sender reads " + known.joined(separator: ", ")
                }
                errors.append(.error(message, file: fileName, at: member.keyPosition))
                valid = false
            }
        }
        let errorCount = errors.count
        let options = resolvingReferences(in: element, path: path)
        guard let name, let type, valid, errors.count == errorCount else { return nil }
        warnOfWeakAuthentication(element, type: type, path: path)
        return SenderConfiguration(name: name, type: type, options: options, position: element.position, file: fileName)
    }

    /// Warns of a sender that is configured to accept callers who prove nothing secret.
    private mutating func warnOfWeakAuthentication(_ element: JSONValue, type: String, path: String) {
        // Salesforce signs nothing, and an OrganizationId is no secret: it is in every outbound message, in setup
        // screens and in the URLs of the org's own pages. Only the URL token proves who calls.
        if type == "salesforce", element["token"] == nil {
            warning(
                "\(path): salesforce without 'token' accepts anyone who knows an OrganizationId; add \"token\" and "
                    + "append ?token=… to the endpoint URL", at: element)
        }
    }

    private mutating func senderName(_ element: JSONValue, path: String) -> String? {
        guard let value = element["name"] else {
            error(
                "\(path) needs a \"name\" (lower-case letters, digits and '-'; it is the path /hooks/NAME)",
                at: element)
            return nil
        }
        guard let name = value.asString else {
            error("\(path).name must be a string, not \(value.kindDescription)", at: value)
            return nil
        }
        guard isSenderNameShaped(name) else {
            error("\(path).name '\(name)' must be lower-case letters, digits and '-'", at: value)
            return nil
        }
        guard name != "email", name != "phone" else {
            error("\(path).name '\(name)' is reserved for \(name) keys in the mapping; choose another name", at: value)
            return nil
        }
        return name
    }

    private mutating func senderType(_ element: JSONValue, path: String) -> String? {
        let typeNames = senderSchemas.map(\.type).sorted()
        guard let value = element["type"] else {
            error("\(path) needs a \"type\": one of " + typeNames.joined(separator: ", "), at: element)
            return nil
        }
        guard let type = value.asString else {
            error("\(path).type must be a string, not \(value.kindDescription)", at: value)
            return nil
        }
        guard typeNames.contains(type) else {
            var message = "\(path).type: unknown sender type '\(type)'"
            if let suggestion = Suggestion.closest(to: type, among: typeNames) {
                message += "; did you mean '\(suggestion)'?"
            } else {
                message += "; known types are " + typeNames.joined(separator: ", ")
            }
            error(message, at: value)
            return nil
        }
        return type
    }

    /// `value` with every `env:` and `file:` string replaced by what it refers to, positions kept.
    private mutating func resolvingReferences(in value: JSONValue, path: String) -> JSONValue {
        switch value.kind {
        case .string:
            guard let resolved = resolve(value, path: path) else { return value }
            if case .reference(let text, _) = resolved {
                return JSONValue(.string(text), position: value.position)
            }
            return value
        case .array(let elements):
            var resolved: [JSONValue] = []
            for (index, element) in elements.enumerated() {
                resolved.append(resolvingReferences(in: element, path: "\(path)[\(index)]"))
            }
            return JSONValue(.array(resolved), position: value.position)
        case .object(let members):
            var resolved: [JSONMember] = []
            for member in members {
                var copy = member
                copy.value = resolvingReferences(in: member.value, path: "\(path).\(member.key)")
                resolved.append(copy)
            }
            return JSONValue(.object(resolved), position: value.position)
        case .null, .bool, .number:
            return value
        }
    }

    /// Whether `name` is `[a-z0-9-]+`, the shape of a sender name and so of a mapping namespace.
    private func isSenderNameShaped(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
            }
    }
}
