// libFuzzer target: the mapping file reader (`Mapping(parsing:fileName:defaultCountryCode:)`) and the configuration
// file reader (`BridgeConfiguration.parse`).
//
// The first byte picks the reader (even: mapping, odd: configuration) and, for the mapping, the default country code
// and the size of the parts that other threads read; the rest is the file. Besides "never crash, never hang", a
// mapping that loads is checked against the independent tree parser (`JSONParser`): every key the tree holds that
// `ContactKey.parse` accepts must be found and resolve to at least that contact's leads, and normalising a key twice
// must give the same key. And the file read on three threads must give what one thread gives: the same diagnostics,
// or the same statistics, warnings and leads for every key.
import Config
import ContactMapping
import Foundation
import FuzzSupport
import JSON
import OptOutCore
import Senders

#if canImport(Glibc)
    import Glibc
#endif

/// Country codes the mapping reader is given: none, the common one, and one where a leading `0` is kept (Italy).
enum Inputs {
    static let countryCodes: [String?] = [nil, "+1", "+44", "+39"]
    /// Small parts, so that even a short input is split: guessed starts land anywhere.
    static let segmentBytes = [8, 24, 64, 200]
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let selector = data[0]
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if selector & 1 == 0 {
        fuzzMapping(
            bytes, defaultCountryCode: Inputs.countryCodes[Int(selector >> 1) % Inputs.countryCodes.count],
            segmentBytes: Inputs.segmentBytes[Int(selector >> 3) % Inputs.segmentBytes.count])
    } else {
        fuzzConfiguration(bytes)
    }
    return 0
}

func fuzzMapping(_ bytes: [UInt8], defaultCountryCode: String?, segmentBytes: Int) {
    func load(threads: Int) -> Result<Mapping, MappingError> {
        Result { () throws(MappingError) in
            try Mapping(
                parsing: bytes, fileName: "fuzz-mapping.json", defaultCountryCode: defaultCountryCode,
                threads: threads, minimumSegmentBytes: segmentBytes)
        }
    }
    let mapping: Mapping
    let threaded: Mapping
    switch (load(threads: 1), load(threads: 3)) {
    case (.failure(let error), .failure(let threadedError)):
        // A refused file must say why, at a place in the file or about the file.
        check(!error.diagnostics.isEmpty, "a MappingError without diagnostics")
        check(error.diagnostics == threadedError.diagnostics, "three threads reported other problems than one")
        return
    case (.success(let one), .success(let three)):
        mapping = one
        threaded = three
    default:
        check(false, "the file loaded on one thread or on three, not both")
        return
    }
    check(mapping.statistics == threaded.statistics, "three threads counted other contacts, keys or leads")
    check(mapping.warnings == threaded.warnings, "three threads gave other warnings")
    guard let tree = try? JSONParser.parse(bytes), let contacts = tree["contacts"]?.asArray else { return }
    for contact in contacts.prefix(64) {
        let leads = (contact["leads"]?.asArray ?? []).compactMap { lead -> Lead? in
            guard let pearlId = lead["pearlId"]?.asString, let leadId = lead["leadId"]?.asString else { return nil }
            return Lead(pearlId: pearlId, leadId: leadId)
        }
        for raw in (contact["keys"]?.asArray ?? []).prefix(16) {
            guard let text = raw.asString,
                let key = try? ContactKey.parse(text, defaultCountryCode: defaultCountryCode)
            else { continue }
            check(
                (try? ContactKey.parse(key.description, defaultCountryCode: defaultCountryCode)) == key,
                "normalising the key \(key) again changed it")
            check(mapping.contains(key), "the loaded mapping lacks the key \(key) of its file")
            let found = mapping.leads(for: key)
            check(leads.allSatisfy(found.contains), "the key \(key) does not resolve to its contact's leads")
            check(threaded.leads(for: key) == found, "three threads resolve the key \(key) to other leads")
        }
    }
}

func fuzzConfiguration(_ bytes: [UInt8]) {
    // A folder that does not exist, so relative `file:` references and paths cannot reach real files.
    let environment = ["NLPEARL_API_TOKEN": "fuzz:token", "FUZZ_SECRET": "fuzz-secret"]
    do {
        let (configuration, _) = try BridgeConfiguration.parse(
            bytes, fileName: "/nonexistent-fuzz/optout-bridge.json", environment: environment,
            senderSchemas: SenderRegistry.schemas)
        _ = configuration.senders.map(\.description)
    } catch {
        check(!error.diagnostics.isEmpty, "a ConfigurationError without diagnostics")
    }
}

runFuzzer(fuzz)
