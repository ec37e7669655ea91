import Config
import Senders
import Testing

@Suite struct SenderRegistryTests {
    /// The configuration's table of sender types and the registry describe the same types.
    @Test func everyConfiguredTypeHasASenderAndEveryRegisteredSenderIsConfigurable() {
        #expect(SenderRegistry.typeNames == SenderConfiguration.knownTypes.keys.sorted())
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
