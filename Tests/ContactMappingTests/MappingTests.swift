import ContactMapping
import Foundation
import OptOutCore
import TestSupport
import Testing

@Suite("Mapping")
struct MappingTests {
    static func parse(_ text: String, countryCode: String? = nil) throws(MappingError) -> Mapping {
        try Mapping(parsing: Array(text.utf8), fileName: "m.json", defaultCountryCode: countryCode)
    }

    /// The diagnostics of a mapping that must fail to load.
    static func problems(_ text: String, countryCode: String? = nil) -> [String] {
        do {
            _ = try parse(text, countryCode: countryCode)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    static let merged = """
        {"version": 1, "contacts": [
          {"keys": ["email:Jane@Example.com", "hubspot:1"],
           "leads": [{"pearlId": "p1", "leadId": "a"}, {"leadId": "b", "pearlId": "p1"}]},
          {"keys": ["hubspot:2", "email:jane@example.com"],
           "leads": [{"pearlId": "p2", "leadId": "c"}, {"pearlId": "p1", "leadId": "a"}]},
          {"keys": ["phone:+1 555 123 4567", "phone:(555) 123-4567"],
           "leads": [{"pearlId": "p2", "leadId": "d"}, {"pearlId": "p2", "leadId": "d"}]}
        ]}
        """

    @Test("keys resolve to the union of their leads, without duplicates, in a stable order")
    func union() throws {
        let mapping = try Self.parse(Self.merged, countryCode: "+1")
        func leads(_ keys: String...) throws -> [String] {
            let parsed = try keys.map { try ContactKey.parse($0, defaultCountryCode: "+1") }
            return mapping.leads(for: parsed).map(\.description)
        }
        #expect(try leads("hubspot:1") == ["p1/a", "p1/b"])
        #expect(try leads("hubspot:2") == ["p2/c", "p1/a"])
        #expect(try leads("hubspot:2", "hubspot:1") == ["p2/c", "p1/a", "p1/b"])
        #expect(try leads("hubspot:1", "hubspot:1") == ["p1/a", "p1/b"])
        // The shared key has both contacts' leads.
        #expect(try leads("email:JANE@example.com") == ["p1/a", "p1/b", "p2/c"])
        #expect(try leads("phone:555-123-4567") == ["p2/d"])
        #expect(try leads("hubspot:3", "email:nobody@example.com").isEmpty)
        #expect(try leads("hubspot:3", "hubspot:1") == ["p1/a", "p1/b"])
        #expect(mapping.leads(for: try ContactKey.crm(sender: "hubspot", id: "1")).count == 2)
        #expect(mapping.contains(try .crm(sender: "hubspot", id: "2")))
        #expect(!mapping.contains(try .crm(sender: "zoho", id: "2")))
        #expect(mapping.statistics == MappingStatistics(contacts: 3, keys: 4, leads: 4, pearlIds: 2))
        #expect(mapping.statistics.description == "3 contacts, 4 keys, 4 leads, 2 pearlIds")
        #expect(mapping.fileName == "m.json")
    }

    @Test("a key in two contacts merges their leads with a warning; a key repeated in one contact does not warn")
    func sharedKeyWarning() throws {
        let mapping = try Self.parse(Self.merged, countryCode: "+1")
        #expect(
            mapping.warnings.map(\.description) == [
                "m.json:4:26: key 'email:jane@example.com' is also in the contact at line 2, column 3; "
                    + "their leads are merged"
            ])
        #expect(mapping.warnings.allSatisfy { $0.severity == .warning })
    }

    @Test("every problem is reported with its file, line and column")
    func everyProblem() {
        let text = """
            {
              "version": 1,
              "contacts": [
                {"keys": ["email:a@x.io"], "leads": [{"pearlId": "p1", "leadId": "l1"}]},
                {"keys": [], "leads": [{"pearlId": "p1", "leadId": "l2"}]},
                {"keys": ["nonamespace"], "leads": []},
                {"keys": ["email:b@x.io"], "leds": [], "leads": [{"pearlId": "", "leadId": "l3"}]},
                {"keys": "email:c@x.io", "leads": [{"pearlId": "p1"}]},
                {"keys": [42], "leads": [7, {"pearlId": "p1", "leadId": "l4", "extra": 1}]},
                {"keys": ["phone:555 123 4567"]},
                "contact",
                {"keys": ["hubspot:1"], "keys": ["hubspot:2"], "leads": [{"pearlId": "p1", "leadId": " l5"}]}
              ],
              "versoin": 1
            }
            """
        #expect(
            Self.problems(text) == [
                "m.json:5:14: keys is empty; a contact needs at least one key",
                "m.json:6:15: key 'nonamespace' has no namespace; write NAMESPACE:VALUE, such as "
                    + "email:jane@example.com",
                "m.json:6:40: leads is empty; a contact needs at least one lead",
                "m.json:7:32: unknown key 'leds' in a contact; did you mean 'leads'?",
                "m.json:7:66: pearlId is empty",
                #"m.json:8:14: keys must be an array of strings such as "email:jane@example.com", not a string"#,
                #"m.json:8:40: this lead has no "leadId""#,
                #"m.json:9:15: a key must be a string such as "email:jane@example.com", not a number"#,
                #"m.json:9:30: a lead must be an object {"pearlId": "…", "leadId": "…"}, not a number"#,
                "m.json:9:67: unknown key 'extra' in a lead; expected 'pearlId' or 'leadId'",
                "m.json:10:15: phone number '555 123 4567' has no country code; write it with a leading '+' or set "
                    + #"mapping.defaultCountryCode (such as "+1")"#,
                #"m.json:10:5: this contact has no "leads""#,
                #"m.json:11:5: a contact must be an object {"keys": [...], "leads": [...]}, not a string"#,
                "m.json:12:29: duplicate key 'keys'",
                "m.json:12:90: leadId has a blank at its start or end",
                "m.json:14:3: unknown key 'versoin' in the mapping file; did you mean 'version'?",
            ])
    }

    @Test(
        "document-level problems",
        arguments: [
            ("", [#"m.json:1:1: the mapping file is empty; expected {"version": 1, "contacts": [...]}"#]),
            ("[]", [#"m.json:1:1: the mapping file must be an object {"version": 1, "contacts": [...]}"#]),
            (
                "{}",
                [
                    #"m.json:1:1: missing "version": 1"#,
                    #"m.json:1:1: missing "contacts": an array of {"keys": [...], "leads": [...]}"#,
                ]
            ),
            (
                #"{"version": 2, "contacts": []}"#,
                ["m.json:1:13: unsupported mapping version 2; this bridge reads version 1"]
            ),
            (#"{"version": "1", "contacts": []}"#, ["m.json:1:13: version must be the number 1, not a string"]),
            (#"{"version": 1, "contacts": {}}"#, ["m.json:1:28: contacts must be an array, not an object"]),
            (
                #"{"version": 1, "version": 1, "contacts": []}"#,
                ["m.json:1:16: duplicate key 'version'"]
            ),
            (
                "{\"version\": 1,\n \"contacts\": [{\"keys\": [\"a:b\"], \"leads\": [}]}",
                ["m.json:2:43: unexpected '}'; expected a JSON value"]
            ),
            (#"{"version": 1, "contacts": []} x"#, ["m.json:1:32: unexpected 'x' after the JSON value"]),
            (
                #"{"version": 1, "contacts": [{}]}"#,
                [
                    #"m.json:1:29: this contact has no "keys""#, #"m.json:1:29: this contact has no "leads""#,
                ]
            ),
        ] as [(String, [String])])
    func documentProblems(text: String, expected: [String]) {
        #expect(Self.problems(text) == expected)
    }

    @Test("an invalid default country code is reported once")
    func invalidCountryCode() {
        #expect(
            Self.problems(#"{"version": 1, "contacts": []}"#, countryCode: "x") == [
                #"m.json: mapping.defaultCountryCode: 'x' is not a country code; write '+' and 1 to 3 digits, "#
                    + #"such as "+1" or "+44""#
            ])
    }

    @Test("reporting stops after 100 problems")
    func errorCap() {
        let contacts = (0..<150).map { _ in #"{"keys": ["bad"], "leads": [{"pearlId": "p", "leadId": "l"}]}"# }
        let problems = Self.problems(#"{"version": 1, "contacts": ["# + contacts.joined(separator: ",\n") + "]}")
        #expect(problems.count == 101)
        #expect(problems.first?.hasPrefix("m.json:1:39: key 'bad' has no namespace") == true)
        #expect(problems.last == "m.json: too many problems; stopped after 100")
    }

    @Test("thousands of contacts index correctly, with shared keys merged and warnings capped")
    func manyContacts() async throws {
        let count = 20_000
        // Building and loading 20,000 contacts takes a while in a debug build: on a thread of its own, so that the
        // parallel run's other tests keep the cooperative pool.
        let mapping = try await blocking {
            var text = #"{"version": 1, "contacts": ["#
            for i in 0..<count {
                if i > 0 { text += ",\n" }
                text += #"{"keys": ["crm:\#(i)", "email:User\#(i)@Example.com", "group:\#(i % 100)"], "#
                text += #""leads": [{"pearlId": "p\#(i % 7)", "leadId": "l\#(i)"}]}"#
            }
            text += "]}"
            return try Self.parse(text)
        }
        #expect(
            mapping.statistics == MappingStatistics(contacts: count, keys: count * 2 + 100, leads: count, pearlIds: 7))
        for i in stride(from: 0, to: count, by: 97) {
            let expected = [Lead(pearlId: "p\(i % 7)", leadId: "l\(i)")]
            #expect(mapping.leads(for: try ContactKey.crm(sender: "crm", id: "\(i)")) == expected)
            #expect(mapping.leads(for: try ContactKey.email("user\(i)@example.com")) == expected)
        }
        let group = mapping.leads(for: try ContactKey.crm(sender: "group", id: "42"))
        #expect(group.count == count / 100)
        #expect(group.first == Lead(pearlId: "p0", leadId: "l42"))
        #expect(group.last == Lead(pearlId: "p\((count - 58) % 7)", leadId: "l\(count - 58)"))
        #expect(
            Set(mapping.leads(for: [try .crm(sender: "group", id: "1"), try .crm(sender: "group", id: "2")])).count
                == 2 * count / 100)
        #expect(mapping.warnings.count == 101)
        #expect(
            mapping.warnings[0].description
                == "m.json:101:51: key 'group:0' is also in the contact at line 1, column 29; their leads are merged")
        #expect(
            mapping.warnings.last?.description
                == "m.json: \(count - 200) more keys are shared between contacts (not listed)")
    }

    @Test("a mapping built in code resolves like a loaded one")
    func inCode() throws {
        let mapping = Mapping(contacts: [
            Mapping.Contact(
                keys: [try .email("a@x.io"), try .crm(sender: "zoho", id: "1")],
                leads: [Lead(pearlId: "p", leadId: "1"), Lead(pearlId: "p", leadId: "1")]),
            Mapping.Contact(keys: [try .email("A@X.IO")], leads: [Lead(pearlId: "q", leadId: "2")]),
        ])
        #expect(
            mapping.leads(for: try .email("a@x.io")) == [
                Lead(pearlId: "p", leadId: "1"), Lead(pearlId: "q", leadId: "2"),
            ])
        #expect(mapping.leads(for: try .crm(sender: "zoho", id: "1")) == [Lead(pearlId: "p", leadId: "1")])
        #expect(mapping.statistics == MappingStatistics(contacts: 2, keys: 2, leads: 2, pearlIds: 2))
        #expect(Mapping.empty.statistics == MappingStatistics(contacts: 0, keys: 0, leads: 0, pearlIds: 0))
        #expect(Mapping.empty.leads(for: try .email("a@x.io")).isEmpty)
    }

    @Test("escaped and non-ASCII strings in the file are decoded")
    func escapes() throws {
        let mapping = try Self.parse(
            #"""
            {"version": 1, "contacts": [
              {"keys": ["email:J\u00d6RG@example.com", "zoho:a\"b"],
               "leads": [{"pearlId": "p\u0031", "leadId": "l\/1"}]}]}
            """#)
        #expect(mapping.leads(for: try .email("jörg@example.com")) == [Lead(pearlId: "p1", leadId: "l/1")])
        #expect(mapping.leads(for: try .crm(sender: "zoho", id: "a\"b")) == [Lead(pearlId: "p1", leadId: "l/1")])
    }

    @Test("a file is loaded by path, and an unreadable one says why")
    func files() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mapping-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("mapping.json").path
        try Data(Self.merged.utf8).write(to: URL(fileURLWithPath: file))
        let mapping = try Mapping.load(file: file, defaultCountryCode: "+1")
        #expect(mapping.statistics.contacts == 3)
        #expect(mapping.warnings.first?.file == file)

        let missing = directory.appendingPathComponent("missing.json").path
        #expect {
            try Mapping.load(file: missing, defaultCountryCode: nil)
        } throws: { error in
            (error as? MappingError)?.description
                == "\(missing): cannot read the mapping file: No such file or directory"
        }
    }
}
