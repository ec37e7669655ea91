import JSON
import OptOutCore
import SenderSchema
import Senders
import Testing

@Suite struct SenderRegistryTests {
    /// An entry that gives every key of `keys` a value of its kind.
    private static func entryWithEvery(_ keys: [SenderOptionKey]) -> JSONValue {
        JSONValue(
            .object(
                keys.map { key in
                    let value: JSONValue.Kind
                    switch key.kind {
                    case .string: value = .string("x")
                    case .strings: value = .array([JSONValue(.string("x"))])
                    case .bool: value = .bool(true)
                    case .json: value = .object([])
                    }
                    return JSONMember(key: key.name, value: JSONValue(value))
                }))
    }

    @Test func theFourteenTypesOfTheSpecAreRegisteredOnceEachWithTheirSchemas() {
        #expect(SenderRegistry.types.count == 14)
        #expect(Set(SenderRegistry.typeNames).count == 14)
        #expect(SenderRegistry.schemas.map(\.type) == SenderRegistry.types.map { $0.type })
        #expect(
            SenderRegistry.schemas.first { $0.type == "twilio" }?.keyNames == [
                "name", "type", "authToken", "publicURL",
            ])
        for schema in SenderRegistry.schemas {
            #expect(Set(schema.keyNames).count == schema.keyNames.count, "\(schema.type) declares a key twice")
        }
    }

    /// Reading a key that is not declared stops a debug build, so this also shows that a type reads no other key.
    @Test(arguments: SenderRegistry.types.map { $0.type })
    func everyTypeReadsExactlyTheKeysItDeclares(_ type: String) throws {
        let senderType = try #require(SenderRegistry.types.first { $0.type == type })
        let options = SenderOptions(object: Self.entryWithEvery(senderType.optionKeys))
        _ = try? senderType.init(name: "x", options: options)
        #expect(options.read == Set(senderType.optionKeys.map(\.name)))
    }

    @Test(arguments: SenderRegistry.types.map { $0.type })
    func everyRequiredKeyThatIsMissingIsReportedOnce(_ type: String) throws {
        let senderType = try #require(SenderRegistry.types.first { $0.type == type })
        let options = SenderOptions("{}")
        #expect(throws: SenderConfigurationError.self) { try senderType.init(name: "x", options: options) }
        for key in senderType.optionKeys where key.isRequired {
            #expect(
                options.diagnostics.count { $0.message.hasPrefix("missing required key '\(key.name)'") } == 1,
                "\(options.diagnostics)")
        }
    }

    @Test func aValueOfTheWrongKindIsReportedAtItsPlaceBeforeTheTypeReadsIt() {
        let options = SenderOptions(
            """
            {"secret": "s", "publicURL": "https://x.example/h",
             "optOutProperties": ["a", ""], "allowLegacySignatures": "yes"}
            """)
        #expect(throws: SenderConfigurationError.self) { try HubSpotSender(name: "hubspot", options: options) }
        #expect(
            options.diagnostics.map(\.description) == [
                "optout-bridge.json:2:28: 'optOutProperties' must contain only non-empty strings",
                "optout-bridge.json:2:58: 'allowLegacySignatures' must be true or false",
            ])
    }

    @Test func anUnknownTypeSuggestsTheNearestOne() {
        #expect(throws: SenderConfigurationError.self) {
            try SenderRegistry.make(name: "crm", type: "hubspt", options: SenderOptions("{}"))
        }
        let options = SenderOptions("{}")
        _ = try? SenderRegistry.make(name: "crm", type: "hubspt", options: options)
        #expect(options.diagnostics.first?.message.contains("did you mean 'hubspot'?") == true)
    }
}
