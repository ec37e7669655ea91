import Foundation
import JSON
import OptOutCore
import Senders
import Testing

@testable import Config

@Suite("Sender configuration")
struct SenderConfigurationTests {
    static let secret = "hubspot-client-secret-XYZ"

    @Test("senders keep their whole object, with references resolved and positions kept")
    func senders() throws {
        let text = """
            {"senders": [
              {"name": "hubspot", "type": "hubspot", "secret": "env:HUBSPOT_SECRET",
               "publicURL": "https://bridge.example.com/hooks/hubspot"},
              {"name": "forms-2", "type": "generic", "fields": {"email": "/data/email"},
               "hmac": {"header": "X-Sig", "secret": "env:HUBSPOT_SECRET"}}
            ]}
            """
        let configuration = try ConfigurationTests.parse(text, environment: ["HUBSPOT_SECRET": Self.secret])
            .configuration
        #expect(configuration.senders.map(\.name) == ["hubspot", "forms-2"])
        let hubspot = try #require(configuration.sender(named: "hubspot"))
        #expect(hubspot.type == "hubspot")
        #expect(hubspot["secret"]?.asString == Self.secret)
        #expect(hubspot["secret"]?.position == SourcePosition(line: 2, column: 52))
        #expect(hubspot["publicURL"]?.asString == "https://bridge.example.com/hooks/hubspot")
        #expect(hubspot.position == SourcePosition(line: 2, column: 3))
        #expect(hubspot.optionNames == ["secret", "publicURL"])
        let generic = try #require(configuration.sender(named: "forms-2"))
        #expect(generic["hmac"]?["secret"]?.asString == Self.secret)
        #expect(generic["fields"]?["email"]?.asString == "/data/email")
        #expect(
            generic.diagnostic("bad pointer", at: generic["fields"]?["email"]).description
                == "optout-bridge.json:4:62: bad pointer")
        #expect(generic.diagnostic("no hmac").description == "optout-bridge.json:4:3: no hmac")
        #expect(configuration.sender(named: "zoho") == nil)
    }

    @Test("sender names, types and keys are checked")
    func checks() {
        let text = """
            {"senders": [
              {"name": "HubSpot", "type": "hubspot"},
              {"name": "a", "type": "hubspt"},
              {"name": "b", "type": "hubspot", "optOutProperty": []},
              {"name": "c", "type": "hubspot"},
              {"name": "c", "type": "zoho"},
              {"name": "email", "type": "generic"},
              {"type": "zoho"},
              {"name": "d"},
              "e",
              {"name": "f", "type": "klaviyo", "secret": "env:KLAVIYO_SECRET"}
            ]}
            """
        #expect(
            ConfigurationTests.problems(text) == [
                "optout-bridge.json:2:12: senders[0].name 'HubSpot' must be lower-case letters, digits and '-'",
                "optout-bridge.json:3:25: senders[1].type: unknown sender type 'hubspt'; did you mean 'hubspot'?",
                "optout-bridge.json:4:36: unknown key 'senders[2].optOutProperty'; did you mean "
                    + "'senders[2].optOutProperties'?",
                "optout-bridge.json:6:12: senders[4].name: a sender named 'c' is already configured at line 5, "
                    + "column 12",
                "optout-bridge.json:7:12: senders[5].name 'email' is reserved for email keys in the mapping; "
                    + "choose another name",
                #"optout-bridge.json:8:3: senders[6] needs a "name" (lower-case letters, digits and '-'; it is the "#
                    + "path /hooks/NAME)",
                #"optout-bridge.json:9:3: senders[7] needs a "type": one of activecampaign, close, generic, "#
                    + "gohighlevel, hubspot, intercom, klaviyo, mailchimp, pipedrive, salesforce, sendgrid, standard, "
                    + "twilio, zoho",
                #"optout-bridge.json:10:3: senders[8] must be an object {"name": …, "type": …}, not a string"#,
                "optout-bridge.json:11:46: senders[9].secret: environment variable KLAVIYO_SECRET is not set",
            ])
    }

    @Test("hubspot's allowLegacySignatures is a key of the type, and a misspelling of it is still an error")
    func hubspotLegacySignaturesKey() throws {
        let text = """
            {"senders": [{"name": "hubspot", "type": "hubspot", "secret": "s",
                          "publicURL": "https://bridge.example.com/hooks/hubspot", "allowLegacySignatures": true}]}
            """
        #expect(ConfigurationTests.problems(text) == [])
        let hubspot = try #require(try ConfigurationTests.parse(text).configuration.sender(named: "hubspot"))
        #expect(hubspot["allowLegacySignatures"]?.asBool == true)
        #expect(
            ConfigurationTests.problems(text.replacingOccurrences(of: "Signatures", with: "Signature")) == [
                "optout-bridge.json:2:72: unknown key 'senders[0].allowLegacySignature'; did you mean "
                    + "'senders[0].allowLegacySignatures'?"
            ])
    }

    @Test("a salesforce sender without a token is warned about, since an OrganizationId is no secret")
    func salesforceWithoutTokenWarns() throws {
        let text = """
            {"senders": [
              {"name": "hubspot", "type": "hubspot", "secret": "env:S", "publicURL": "https://b.example/hooks/h"},
              {"name": "sf", "type": "salesforce", "organizationIds": ["00D000000000062"], "token": "env:S"},
              {"name": "sf-open", "type": "salesforce", "organizationIds": ["00D000000000062"]}
            ]}
            """
        let (configuration, warnings) = try ConfigurationTests.parse(text, environment: ["S": "x"])
        #expect(configuration.senders.map(\.name) == ["hubspot", "sf", "sf-open"])
        #expect(
            warnings.map(\.description) == [
                "optout-bridge.json:4:3: senders[2]: salesforce without 'token' accepts anyone who knows an "
                    + #"OrganizationId; add "token" and append ?token=… to the endpoint URL"#
            ])
        #expect(warnings.map(\.severity) == [.warning])
    }

    @Test("the fourteen sender types of SPEC §3 are known, by the schemas the configuration is given")
    func knownTypes() {
        #expect(SenderRegistry.schemas.count == 14)
        #expect(
            ConfigurationTests.problems(#"{"senders": [{"name": "t", "type": "twilio", "authToken": "a"}]}"#) == [])
        let withoutSchemas = try? BridgeConfiguration.parse(
            Array(#"{"senders": [{"name": "t", "type": "twilio"}]}"#.utf8), fileName: "c.json", environment: [:],
            senderSchemas: [])
        #expect(withoutSchemas == nil)
    }

    @Test(
        "an unknown key of a sender is reported once, at its place, with the nearest key its type declares",
        arguments: [
            ("activecampaign", #""token": "t", "tokens": []"#, "tokens", "token"),
            ("mailchimp", #""token": "t", "tokn": "s""#, "tokn", "token"),
            ("intercom", #""secret": "s", "secrte": "t""#, "secrte", "secret"),
            ("klaviyo", #""secrets": ["s"]"#, "secrets", "secret"),
            ("close", #""signatureKey": "abcd", "signature_key": "abcd""#, "signature_key", "signatureKey"),
            ("sendgrid", #""publicKey": "MFkw", "public_key": "x""#, "public_key", "publicKey"),
            ("gohighlevel", #""publicKey": "x", "publickey": "y""#, "publickey", "publicKey"),
            ("pipedrive", #""username": "u", "password": "p", "optOutField": []"#, "optOutField", "optOutFields"),
            ("salesforce", #""organizationIds": ["00D000000000062"], "tokn": "x""#, "tokn", "token"),
            (
                "twilio", #""authToken": "t", "publicURL": "https://a.example/h", "authtoken": "u""#, "authtoken",
                "authToken"
            ),
            ("zoho", #""token": "t", "optoutFields": ["a"]"#, "optoutFields", "optOutFields"),
            ("generic", #""bearer": "t", "fields": {"email": "/e"}, "wen": {}"#, "wen", "when"),
            ("standard", #""secrets": ["whsec_QUJD"], "fields": {"email": "/e"}, "secret": "x""#, "secret", "secrets"),
            ("hubspot", #""secret": "s", "optOutProperty": ["a"]"#, "optOutProperty", "optOutProperties"),
            (
                "hubspot", #""secret": "s", "allowLegacySignature": true"#, "allowLegacySignature",
                "allowLegacySignatures"
            ),
        ])
    func unknownKeys(_ type: String, _ keys: String, _ unknown: String, _ suggestion: String) throws {
        let prefix = #"{"senders": [{"name": "s", "type": "\#(type)", "#
        let problems = ConfigurationTests.problems(prefix + keys + "}]}")
        let offset = try #require(keys.range(of: "\"\(unknown)\"")).lowerBound.utf16Offset(in: keys)
        let column = prefix.utf8.count + offset + 1
        #expect(
            problems == [
                "optout-bridge.json:1:\(column): unknown key 'senders[0].\(unknown)'; did you mean "
                    + "'senders[0].\(suggestion)'?"
            ])
    }

    @Test("a sender's secret given as env: or file: is resolved once, here, and shown nowhere")
    func secretReferences() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try folder.write("klaviyo-secret", "klaviyo-FILE-secret\n")
        let file = try folder.write(
            "optout-bridge.json",
            """
            {"senders": [
              {"name": "hubspot", "type": "hubspot", "secret": "env:HUBSPOT_SECRET",
               "publicURL": "https://bridge.example.com/hooks/hubspot"},
              {"name": "klaviyo", "type": "klaviyo", "secret": "file:klaviyo-secret"}
            ]}
            """)
        let configuration = try BridgeConfiguration.load(file: file, environment: ["HUBSPOT_SECRET": Self.secret])
            .configuration
        var shown = ""
        for entry in configuration.senders {
            let options = SenderOptions(object: entry.options, file: entry.file)
            let sender = try SenderRegistry.make(name: entry.name, type: entry.type, options: options)
            let signed = try sender.sign(
                body: Array("{}".utf8), url: "https://bridge.example.com/hooks/x", now: Date(), privateKeyPEM: nil)
            #expect(!signed.headers.isEmpty)
            shown += "\(sender) \(String(reflecting: sender)) \(entry) \(options.diagnostics)"
            dump(sender, to: &shown)
        }
        #expect(configuration.sender(named: "hubspot")?["secret"]?.asString == Self.secret)
        #expect(configuration.sender(named: "klaviyo")?["secret"]?.asString == "klaviyo-FILE-secret")
        #expect(!shown.contains(Self.secret), "\(shown)")
        #expect(!shown.contains("klaviyo-FILE-secret"), "\(shown)")
    }

    @Test("a sender's secret that names an unset variable is reported at its place, by name only")
    func unsetSecretVariable() {
        #expect(
            ConfigurationTests.problems(
                #"{"senders": [{"name": "h", "type": "hubspot", "secret": "env:HUBSPOT_TEST_UNSET"}]}"#) == [
                    "optout-bridge.json:1:57: senders[0].secret: environment variable HUBSPOT_TEST_UNSET is not set"
                ])
    }

    @Test("no description, debug description or dump of a configuration shows a secret")
    func noSecretsInText() throws {
        let apiToken = "api-token-QWERTY"
        let nlpearlToken = "acct_9:nlpearl-SECRET-987"
        let text = """
            {"nlpearl": {"token": "env:T"}, "api": {"tokens": ["env:A"]},
             "senders": [{"name": "hs", "type": "hubspot", "secret": "env:S"},
                         {"name": "tw", "type": "twilio", "authToken": "literal-TWILIO-secret"}]}
            """
        let configuration = try ConfigurationTests.parse(
            text, environment: ["T": nlpearlToken, "A": apiToken, "S": Self.secret]
        ).configuration
        #expect(configuration.nlpearl.token?.reveal() == nlpearlToken)
        var dumped = ""
        dump(configuration, to: &dumped)
        var mirrored = ""
        for child in Mirror(reflecting: configuration).children {
            mirrored += "\(child.label ?? ""): \(child.value)\n"
        }
        let texts = [
            "\(configuration)", String(describing: configuration), String(reflecting: configuration), dumped,
            mirrored, "\(configuration.senders)", "\(configuration.nlpearl)", "\(configuration.api)",
        ]
        for text in texts {
            for secret in [apiToken, nlpearlToken, Self.secret, "literal-TWILIO-secret"] {
                #expect(!text.contains(secret), "\(text)")
            }
        }
        #expect(dumped.contains("<redacted>"))
        #expect("\(configuration.senders[1])" == "SenderConfiguration(name: tw, type: twilio, options: [authToken])")
    }

    @Test("a sender can be built in code")
    func inCode() {
        let sender = SenderConfiguration(name: "zoho", type: "zoho")
        #expect(sender["name"]?.asString == "zoho")
        #expect(sender.optionNames.isEmpty)
        let configuration = BridgeConfiguration(listen: .init(port: 0), senders: [sender], dryRun: true)
        #expect(configuration.sender(named: "zoho")?.type == "zoho")
        #expect(configuration.listen.port == 0)
        #expect(configuration.listen.host == "0.0.0.0")
    }
}
