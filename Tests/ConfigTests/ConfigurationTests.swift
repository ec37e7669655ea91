import Foundation
import OptOutCore
import Senders
import Testing

@testable import Config

/// A temporary folder for configuration files and secrets, removed by `remove()`.
struct TemporaryFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    @discardableResult
    func write(_ name: String, _ content: String) throws -> String {
        let file = "\(path)/\(name)"
        let url = URL(fileURLWithPath: file)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(content.utf8).write(to: url)
        return file
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

@Suite("Configuration")
struct ConfigurationTests {
    static let token = "acct_123:s3cr3t-key"

    static func parse(
        _ text: String, fileName: String = "optout-bridge.json", environment: [String: String] = [:]
    ) throws(ConfigurationError) -> (configuration: BridgeConfiguration, warnings: [Diagnostic]) {
        try BridgeConfiguration.parse(
            Array(text.utf8), fileName: fileName, environment: environment, senderSchemas: SenderRegistry.schemas)
    }

    static func problems(_ text: String, environment: [String: String] = [:]) -> [String] {
        do {
            _ = try parse(text, environment: environment)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test("the defaults are those of SPEC §3")
    func defaults() throws {
        let configuration = BridgeConfiguration()
        #expect(configuration.listen.host == "0.0.0.0")
        #expect(configuration.listen.port == 8080)
        #expect(configuration.listen.threads == 4)
        #expect(configuration.listen.maxBodyBytes == 1_048_576)
        #expect(configuration.listen.connectionLimit == 4096)
        #expect(configuration.listen.maxBufferedBodyBytes == 64 << 20)
        #expect(configuration.listen.perIPConnectionLimit == 0)
        #expect(configuration.listen.idleTimeoutSeconds == 30)
        #expect(configuration.listen.tls.isEnabled == false)
        #expect(configuration.nlpearl.baseURL == "https://api.nlpearl.ai")
        #expect(configuration.nlpearl.token == nil)
        #expect(configuration.nlpearl.timeoutSeconds == 10)
        #expect(configuration.nlpearl.maxLeadsPerRequest == 100)
        #expect(configuration.nlpearl.maxConcurrentRequests == 8)
        #expect(configuration.mapping.file == "mapping.json")
        #expect(configuration.mapping.reloadIntervalSeconds == 5)
        #expect(configuration.mapping.defaultCountryCode == nil)
        #expect(configuration.journal.file == "optout-bridge.sqlite")
        #expect(configuration.journal.retentionDays == 30)
        #expect(configuration.delivery.ackMode == .durable)
        #expect(configuration.delivery.syncWaitMilliseconds == 2000)
        #expect(configuration.delivery.batchWindowMilliseconds == 0)
        #expect(configuration.delivery.retry == .init(initialSeconds: 1, maxSeconds: 600, giveUpAfterHours: 72))
        #expect(configuration.unmapped == .suppress)
        #expect(configuration.suppression == BridgeConfiguration.SuppressionSettings())
        #expect(configuration.suppression.blacklistPhones && configuration.suppression.enforceOnMappingLoad)
        #expect(configuration.campaigns.pearlIds.isEmpty)
        #expect(configuration.campaigns.externalIdNamespace == nil)
        #expect(configuration.campaigns.sweepIntervalMinutes == 60)
        #expect(configuration.campaigns.searchOnOptOut)
        #expect(configuration.campaigns.maxCallsPerSecond == 5)
        #expect(configuration.api.tokens.isEmpty)
        #expect(configuration.senders.isEmpty)
        #expect(configuration.dryRun == false)

        // An empty file and the built-in defaults decode to the same.
        let (empty, warnings) = try Self.parse("{}")
        #expect(warnings.isEmpty)
        var expected = BridgeConfiguration()
        expected.sourceFile = "optout-bridge.json"
        #expect(empty == expected)
        #expect(try BridgeConfiguration.defaults(environment: [:]).configuration == BridgeConfiguration())
        #expect(
            try BridgeConfiguration.defaults(environment: ["NLPEARL_API_TOKEN": Self.token])
                .configuration.nlpearl.token?.reveal() == Self.token)
    }

    @Test("the example of SPEC §3 decodes to the defaults")
    func specExample() throws {
        let text = """
            {
              "listen": { "host": "0.0.0.0", "port": 8080, "threads": 4,
                          "maxBodyBytes": 1048576, "connectionLimit": 4096, "perIPConnectionLimit": 0,
                          "idleTimeoutSeconds": 30,
                          "tls": { "certificateFile": null, "keyFile": null } },
              "nlpearl": { "baseURL": "https://api.nlpearl.ai", "token": "env:NLPEARL_API_TOKEN",
                           "timeoutSeconds": 10, "maxLeadsPerRequest": 100, "maxConcurrentRequests": 8 },
              "mapping": { "file": "mapping.json", "reloadIntervalSeconds": 5, "defaultCountryCode": null },
              "journal": { "file": "optout-bridge.sqlite", "retentionDays": 30 },
              "delivery": { "ackMode": "durable", "syncWaitMilliseconds": 2000, "batchWindowMilliseconds": 0,
                            "retry": { "initialSeconds": 1, "maxSeconds": 600, "giveUpAfterHours": 72 } },
              "unmapped": "suppress",
              "suppression": { "blacklistPhones": true, "enforceOnMappingLoad": true },
              "campaigns": { "pearlIds": [], "externalIdNamespace": null, "sweepIntervalMinutes": 60,
                             "searchOnOptOut": true, "maxCallsPerSecond": 5 },
              "api": { "tokens": [] },
              "senders": [],
              "dryRun": false
            }
            """
        let (configuration, warnings) = try Self.parse(text)
        #expect(warnings.isEmpty)
        var expected = BridgeConfiguration()
        expected.sourceFile = "optout-bridge.json"
        #expect(configuration == expected)

        // With the variable set, the default reference finds the token.
        let withToken = try Self.parse(text, environment: ["NLPEARL_API_TOKEN": Self.token]).configuration
        #expect(withToken.nlpearl.token?.reveal() == Self.token)
    }

    @Test("every setting is read")
    func everySetting() throws {
        let text = """
            {
              "listen": { "host": "127.0.0.1", "port": 0, "threads": 2, "maxBodyBytes": 4096,
                          "connectionLimit": 10, "perIPConnectionLimit": 3, "idleTimeoutSeconds": 5 },
              "nlpearl": { "baseURL": "https://nlpearl.example/api/", "token": "env:TOKEN", "timeoutSeconds": 2.5,
                           "maxLeadsPerRequest": 1000, "maxConcurrentRequests": 1 },
              "mapping": { "file": "/etc/optout/mapping.json", "reloadIntervalSeconds": 0, "defaultCountryCode": "44" },
              "journal": { "file": "data/journal.sqlite", "retentionDays": 7 },
              "delivery": { "ackMode": "sync", "syncWaitMilliseconds": 0, "batchWindowMilliseconds": 50,
                            "retry": { "initialSeconds": 0.5, "maxSeconds": 0.5, "giveUpAfterHours": 1 } },
              "unmapped": "reject",
              "suppression": { "blacklistPhones": false, "enforceOnMappingLoad": false },
              "campaigns": { "pearlIds": ["6720c0f8e4b0a1b2c3d4e5f6", "env:PEARL"], "externalIdNamespace": "hubspot",
                             "sweepIntervalMinutes": 1, "searchOnOptOut": false, "maxCallsPerSecond": 0.5 },
              "api": { "tokens": ["env:API_TOKEN", "file:api-token.txt"] },
              "dryRun": true
            }
            """
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("api-token.txt", "second-token\n")
        let file = try folder.write("optout-bridge.json", text)
        let (configuration, warnings) = try BridgeConfiguration.load(
            file: file,
            environment: ["TOKEN": Self.token, "API_TOKEN": "first-token", "PEARL": "6720c0f8e4b0a1b2c3d4e5f7"])
        #expect(warnings.isEmpty)
        #expect(configuration.sourceFile == file)
        #expect(
            configuration.listen
                == .init(
                    host: "127.0.0.1", port: 0, threads: 2, maxBodyBytes: 4096, connectionLimit: 10,
                    perIPConnectionLimit: 3,
                    idleTimeoutSeconds: 5))
        #expect(
            configuration.nlpearl
                == .init(
                    baseURL: "https://nlpearl.example/api", token: Secret(Self.token), timeoutSeconds: 2.5,
                    maxLeadsPerRequest: 1000, maxConcurrentRequests: 1))
        #expect(
            configuration.mapping
                == .init(
                    file: "/etc/optout/mapping.json", reloadIntervalSeconds: 0, defaultCountryCode: "+44"))
        #expect(configuration.journal == .init(file: "\(folder.path)/data/journal.sqlite", retentionDays: 7))
        #expect(
            configuration.delivery
                == .init(
                    ackMode: .sync, syncWaitMilliseconds: 0, batchWindowMilliseconds: 50,
                    retry: .init(initialSeconds: 0.5, maxSeconds: 0.5, giveUpAfterHours: 1)))
        #expect(configuration.unmapped == .reject)
        #expect(configuration.suppression == .init(blacklistPhones: false, enforceOnMappingLoad: false))
        #expect(
            configuration.campaigns
                == .init(
                    pearlIds: ["6720c0f8e4b0a1b2c3d4e5f6", "6720c0f8e4b0a1b2c3d4e5f7"], externalIdNamespace: "hubspot",
                    sweepIntervalMinutes: 1, searchOnOptOut: false, maxCallsPerSecond: 0.5))
        #expect(configuration.api.tokens.map { $0.reveal() } == ["first-token", "second-token"])
        #expect(configuration.api.accepts("second-token"))
        #expect(!configuration.api.accepts("third-token"))
        #expect(configuration.dryRun)
    }

    @Test("the former unmapped: ignore is read as suppress, with a warning that says what it now does")
    func unmappedIgnoreIsSuppress() throws {
        let (configuration, warnings) = try Self.parse(#"{"unmapped": "ignore"}"#)
        #expect(configuration.unmapped == .suppress)
        #expect(warnings.count == 1)
        #expect(warnings.first?.description.contains("suppression list") == true)
    }

    @Test("relative paths resolve against the configuration file's folder")
    func relativePaths() throws {
        let text = #"{"mapping": {"file": "m.json"}, "journal": {"file": "/var/lib/j.sqlite"}}"#
        let nested = try Self.parse(text, fileName: "/etc/optout/bridge.json").configuration
        #expect(nested.mapping.file == "/etc/optout/m.json")
        #expect(nested.journal.file == "/var/lib/j.sqlite")
        let root = try Self.parse(text, fileName: "/bridge.json").configuration
        #expect(root.mapping.file == "/m.json")
        let local = try Self.parse(text, fileName: "bridge.json").configuration
        #expect(local.mapping.file == "m.json")
        let relative = try Self.parse(text, fileName: "conf/bridge.json").configuration
        #expect(relative.mapping.file == "conf/m.json")
        #expect(relative.journal.file == "/var/lib/j.sqlite")
    }

    @Test("an unknown key is reported with its path, its position and the nearest known key")
    func unknownKey() {
        let text = """
            {
              "listen": {
                "prot": 8080,
                "tls": {"certFile": "x"}
              },
              "nlpearl": {"tokn": null, "zzzzzzzz": 1},
              "dryrun": true,
              "senders": [{"name": "hs", "type": "hubspot", "secrett": "x", "optOutProperties": ["a"]}]
            }
            """
        #expect(
            Self.problems(text) == [
                "optout-bridge.json:3:5: unknown key 'listen.prot'; did you mean 'listen.port'?",
                "optout-bridge.json:4:13: unknown key 'listen.tls.certFile'; expected one of certificateFile, keyFile",
                "optout-bridge.json:6:15: unknown key 'nlpearl.tokn'; did you mean 'nlpearl.token'?",
                "optout-bridge.json:6:29: unknown key 'nlpearl.zzzzzzzz'; expected one of baseURL, token, "
                    + "timeoutSeconds, "
                    + "maxLeadsPerRequest, maxConcurrentRequests",
                "optout-bridge.json:7:3: unknown key 'dryrun'; did you mean 'dryRun'?",
                "optout-bridge.json:8:49: unknown key 'senders[0].secrett'; did you mean 'senders[0].secret'?",
            ])
    }

    @Test(
        "wrong types and out-of-range values are reported at the value",
        arguments: [
            (#"{"listen": {"port": 70000}}"#, "1:21: listen.port must be between 0 and 65535, not 70000"),
            (#"{"listen": {"port": -1}}"#, "1:21: listen.port must be between 0 and 65535, not -1"),
            (#"{"listen": {"port": "8080"}}"#, "1:21: listen.port must be an integer, not a string"),
            (#"{"listen": {"port": 80.5}}"#, "1:21: listen.port must be an integer, not a number"),
            (#"{"listen": {"threads": 0}}"#, "1:24: listen.threads must be between 1 and 1024, not 0"),
            (#"{"listen": {"host": ""}}"#, "1:21: listen.host must not be empty"),
            (#"{"listen": {"host": null}}"#, "1:21: listen.host must be a string, not null"),
            (#"{"listen": 8080}"#, "1:12: listen must be an object, not a number"),
            (
                #"{"nlpearl": {"maxLeadsPerRequest": 1001}}"#,
                "1:36: nlpearl.maxLeadsPerRequest must be between 1 and 1000, not 1001"
            ),
            (
                #"{"nlpearl": {"maxLeadsPerRequest": 0}}"#,
                "1:36: nlpearl.maxLeadsPerRequest must be between 1 and 1000, not 0"
            ),
            (
                #"{"nlpearl": {"maxConcurrentRequests": 0}}"#,
                "1:39: nlpearl.maxConcurrentRequests must be between 1 and 1024, not 0"
            ),
            (#"{"nlpearl": {"timeoutSeconds": 0}}"#, "1:32: nlpearl.timeoutSeconds must be greater than 0, not 0"),
            (
                #"{"nlpearl": {"baseURL": "ftp://x"}}"#,
                "1:25: nlpearl.baseURL must be an http or https URL, such as https://api.nlpearl.ai"
            ),
            (
                #"{"nlpearl": {"baseURL": "https://x/?a=1"}}"#,
                "1:25: nlpearl.baseURL must not have a query, a fragment or credentials"
            ),
            (
                #"{"mapping": {"reloadIntervalSeconds": -1}}"#,
                "1:39: mapping.reloadIntervalSeconds must be at least 0, not -1"
            ),
            (
                #"{"mapping": {"defaultCountryCode": "US"}}"#,
                "1:36: mapping.defaultCountryCode: 'US' is not a country code; write '+' and 1 to 3 digits, "
                    + #"such as "+1" or "+44""#
            ),
            (#"{"journal": {"retentionDays": 0}}"#, "1:31: journal.retentionDays must be between 1 and 36500, not 0"),
            (
                #"{"delivery": {"ackMode": "synch"}}"#,
                #"1:26: delivery.ackMode must be "durable" or "sync", not "synch"; did you mean "sync"?"#
            ),
            (
                #"{"delivery": {"retry": {"initialSeconds": 10, "maxSeconds": 5}}}"#,
                "1:61: delivery.retry.maxSeconds must be at least initialSeconds (10.0)"
            ),
            (
                #"{"delivery": {"retry": {"giveUpAfterHours": "x"}}}"#,
                "1:45: delivery.retry.giveUpAfterHours must be a number, not a string"
            ),
            (
                #"{"unmapped": "rejct"}"#,
                #"1:14: unmapped must be "suppress" or "reject", not "rejct"; did you mean "reject"?"#
            ),
            (#"{"dryRun": "yes"}"#, "1:12: dryRun must be true or false, not a string"),
            (
                #"{"campaigns": {"pearlId": []}}"#,
                "1:16: unknown key 'campaigns.pearlId'; did you mean 'campaigns.pearlIds'?"
            ),
            (#"{"campaigns": []}"#, "1:15: campaigns must be an object, not an array"),
            (
                #"{"campaigns": {"pearlIds": "p1"}}"#,
                "1:28: campaigns.pearlIds must be an array of strings, not a string"
            ),
            (#"{"campaigns": {"pearlIds": ["p1", 2]}}"#, "1:35: campaigns.pearlIds[1] must be a string, not a number"),
            (#"{"campaigns": {"pearlIds": [""]}}"#, "1:29: campaigns.pearlIds[0] must not be empty"),
            (
                #"{"campaigns": {"pearlIds": ["p1", "p2", "p1"]}}"#,
                "1:41: campaigns.pearlIds[2]: 'p1' is already listed at line 1, column 29"
            ),
            (
                #"{"campaigns": {"externalIdNamespace": "HubSpot"}}"#,
                "1:39: campaigns.externalIdNamespace 'HubSpot' must be lower-case letters, digits and '-', such as "
                    + "the name of the sender whose CRM ids the leads' externalIds are"
            ),
            (
                #"{"campaigns": {"externalIdNamespace": "email"}}"#,
                "1:39: campaigns.externalIdNamespace 'email' is reserved for email keys in the mapping; name the "
                    + "CRM whose ids the leads' externalIds are"
            ),
            (
                #"{"campaigns": {"externalIdNamespace": "phone"}}"#,
                "1:39: campaigns.externalIdNamespace 'phone' is reserved for phone keys in the mapping; name the "
                    + "CRM whose ids the leads' externalIds are"
            ),
            (
                #"{"campaigns": {"externalIdNamespace": ""}}"#,
                "1:39: campaigns.externalIdNamespace must not be empty"
            ),
            (
                #"{"campaigns": {"sweepIntervalMinutes": 0}}"#,
                "1:40: campaigns.sweepIntervalMinutes must be at least 1, not 0"
            ),
            (
                #"{"campaigns": {"sweepIntervalMinutes": 1.5}}"#,
                "1:40: campaigns.sweepIntervalMinutes must be an integer, not a number"
            ),
            (
                #"{"campaigns": {"searchOnOptOut": "yes"}}"#,
                "1:34: campaigns.searchOnOptOut must be true or false, not a string"
            ),
            (
                #"{"campaigns": {"maxCallsPerSecond": 0}}"#,
                "1:37: campaigns.maxCallsPerSecond must be greater than 0, not 0"
            ),
            (
                #"{"campaigns": {"maxCallsPerSecond": -2}}"#,
                "1:37: campaigns.maxCallsPerSecond must be greater than 0, not -2"
            ),
            (#"{"api": {"tokens": "t"}}"#, "1:20: api.tokens must be an array of strings, not a string"),
            (#"{"api": {"tokens": [1]}}"#, "1:21: api.tokens[0] must be a string, not a number"),
            (#"{"listen": {"port": 1, "port": 2}}"#, "1:24: duplicate key 'listen.port' (first at line 1)"),
            (
                #"{"listen": {"tls": {"keyFile": "k.pem"}}}"#,
                "1:20: listen.tls needs both certificateFile and keyFile, or neither"
            ),
            (
                #"{"listen": {"tls": {"keyFile": "/nonexistent/k.pem", "certificateFile": "/nonexistent/c.pem"}}}"#,
                "1:32: listen.tls.keyFile: cannot read '/nonexistent/k.pem'"
            ),
            ("{\"listen\": {\"port\": 1,}}", "1:22: trailing comma before '}'"),
            ("[]", "1:1: the configuration must be an object, not an array"),
        ] as [(String, String)])
    func typeAndRangeErrors(text: String, expected: String) {
        let problems = Self.problems(text)
        #expect(problems.contains("optout-bridge.json:" + expected), "\(problems)")
    }

    @Test("all problems are collected, not only the first")
    func collectsAll() {
        let text = #"{"listen": {"port": 70000, "threads": 0}, "nlpearl": {"maxLeadsPerRequest": 0}, "x": 1}"#
        #expect(Self.problems(text).count == 4)
    }

    @Test("env: and file: references are followed; file: drops the trailing newline and resolves relative paths")
    func references() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("secrets/token", Self.token + "\r\n")
        try folder.write("host.txt", "10.0.0.1\n\n")
        let file = try folder.write(
            "optout-bridge.json",
            """
            {"listen": {"host": "file:host.txt", "port": "env:PORT", "threads": "env:THREADS"},
             "nlpearl": {"token": "file:secrets/token", "timeoutSeconds": "env:TIMEOUT"},
             "dryRun": "env:DRY_RUN"}
            """)
        let environment = ["PORT": "9090", "THREADS": " 3 ", "TIMEOUT": "1.5", "DRY_RUN": "true"]
        let configuration = try BridgeConfiguration.load(file: file, environment: environment).configuration
        #expect(configuration.listen.host == "10.0.0.1")
        #expect(configuration.listen.port == 9090)
        #expect(configuration.listen.threads == 3)
        #expect(configuration.nlpearl.token?.reveal() == Self.token)
        #expect(configuration.nlpearl.timeoutSeconds == 1.5)
        #expect(configuration.dryRun)
    }

    @Test("a missing variable or file is an error that names it and shows no value")
    func referenceErrors() {
        let text = """
            {"listen": {"port": "env:PORT", "host": "env:"},
             "nlpearl": {"token": "env:MY_NLPEARL_TOKEN"},
             "api": {"tokens": ["file:/nonexistent/api-token"]}}
            """
        #expect(
            Self.problems(text, environment: ["PORT": "http"]) == [
                "optout-bridge.json:1:21: listen.port must be an integer, and env:PORT does not hold one",
                "optout-bridge.json:1:41: listen.host: 'env:' must be followed by an environment variable name, "
                    + "such as env:TOKEN",
                "optout-bridge.json:2:23: nlpearl.token: environment variable MY_NLPEARL_TOKEN is not set",
                "optout-bridge.json:3:21: api.tokens[0]: cannot read '/nonexistent/api-token': "
                    + "No such file or directory",
            ])
    }

    @Test("NLPEARL_API_TOKEN overrides nlpearl.token, even one that could not be resolved")
    func tokenOverride() throws {
        let text = #"{"nlpearl": {"token": "env:MISSING_VARIABLE"}}"#
        let configuration = try Self.parse(text, environment: ["NLPEARL_API_TOKEN": Self.token]).configuration
        #expect(configuration.nlpearl.token?.reveal() == Self.token)

        let literal = #"{"nlpearl": {"token": "a:b"}}"#
        let overridden = try Self.parse(literal, environment: ["NLPEARL_API_TOKEN": Self.token])
        #expect(overridden.configuration.nlpearl.token?.reveal() == Self.token)
    }

    @Test("no token at all is not an error; an explicit null is no token")
    func noToken() throws {
        #expect(try Self.parse("{}").configuration.nlpearl.token == nil)
        #expect(try Self.parse(#"{"nlpearl": {"token": "env:NLPEARL_API_TOKEN"}}"#).configuration.nlpearl.token == nil)
        #expect(try Self.parse(#"{"nlpearl": {"token": null}}"#).configuration.nlpearl.token == nil)
        #expect(try Self.parse("{}", environment: ["NLPEARL_API_TOKEN": ""]).configuration.nlpearl.token == nil)
    }

    @Test(
        "a token not of the form AccountId:SecretKey is an error that does not show it",
        arguments: ["nocolon-secret", ":secret-only", "account-only:", "acct:with space", "acct:tab\tsecret"])
    func malformedToken(token: String) {
        let fromFile = Self.problems(#"{"nlpearl": {"token": "env:T"}}"#, environment: ["T": token])
        #expect(
            fromFile == [
                "optout-bridge.json:1:23: nlpearl.token (from env:T) must have the form AccountId:SecretKey "
                    + "(its value is not shown)"
            ])
        let fromOverride = Self.problems("{}", environment: ["NLPEARL_API_TOKEN": token])
        #expect(
            fromOverride == [
                "environment: NLPEARL_API_TOKEN must have the form AccountId:SecretKey (its value is not shown)"
            ])
        for problem in fromFile + fromOverride {
            #expect(!problem.contains(token))
        }
    }

    @Test("secrets written into the file work but are warned about")
    func literalSecretsWarn() throws {
        let (configuration, warnings) = try Self.parse(#"{"nlpearl": {"token": "a:b"}, "api": {"tokens": ["t0k3n"]}}"#)
        #expect(configuration.nlpearl.token?.reveal() == "a:b")
        #expect(
            warnings.map(\.description) == [
                #"optout-bridge.json:1:23: nlpearl.token is written in the configuration file; use "#
                    + #""env:NLPEARL_API_TOKEN" or "file:PATH" instead"#,
                #"optout-bridge.json:1:50: api.tokens[0] is written in the configuration file; use "env:NAME" or "#
                    + #""file:PATH" instead"#,
            ])
        let http = try Self.parse(#"{"nlpearl": {"baseURL": "http://nlpearl.example"}}"#).warnings
        #expect(http.first?.message == "nlpearl.baseURL uses http: the NLPearl token would travel unencrypted")
        #expect(try Self.parse(#"{"nlpearl": {"baseURL": "http://127.0.0.1:9000/"}}"#).warnings.isEmpty)
    }

    @Test("a missing configuration file is an error")
    func missingFile() {
        #expect {
            try BridgeConfiguration.load(file: "/nonexistent/optout-bridge.json", environment: [:])
        } throws: { error in
            (error as? ConfigurationError)?.description
                == "/nonexistent/optout-bridge.json: cannot read the configuration file: No such file or directory"
        }
    }
}
