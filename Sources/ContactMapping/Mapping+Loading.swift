import OptOutCore

extension Mapping {
    /// The largest mapping file accepted: the tables address their bytes with 32-bit offsets.
    public static let maximumFileSize = 2 << 30

    /// Loads and indexes a mapping file.
    ///
    /// - Parameters:
    ///   - path: the file, as the user named it (diagnostics use this name).
    ///   - defaultCountryCode: the country code (such as `"+1"`) for phone numbers written without one.
    ///   - threads: how many threads may read a large file (several megabytes per thread); the outcome is the same
    ///     for any number.
    /// - Throws: ``MappingError`` with every problem found (up to 100, then a last one that says so).
    public static func load(
        file path: String, defaultCountryCode: String?, threads: Int = 1
    ) throws(MappingError) -> Mapping {
        let bytes: [UInt8]
        do {
            bytes = try FileContents.read(path: path, maximumSize: maximumFileSize)
        } catch {
            throw MappingError(diagnostics: [
                .error("cannot read the mapping file: \(error.reason)", file: path, at: nil)
            ])
        }
        return try Mapping(parsing: bytes, fileName: path, defaultCountryCode: defaultCountryCode, threads: threads)
    }

    /// Parses and indexes the text of a mapping file.
    ///
    /// - Parameters:
    ///   - bytes: the file's UTF-8 text.
    ///   - fileName: the name diagnostics give.
    ///   - defaultCountryCode: the country code (such as `"+1"`) for phone numbers written without one.
    ///   - threads: how many threads may read it, each at least `minimumSegmentBytes`; the outcome is the same
    ///     for any number.
    /// - Throws: ``MappingError`` with every problem found (up to 100, then a last one that says so).
    public init(
        parsing bytes: [UInt8], fileName: String, defaultCountryCode: String?, threads: Int = 1,
        minimumSegmentBytes: Int = 4 << 20
    ) throws(MappingError) {
        guard bytes.count <= Mapping.maximumFileSize else {
            throw MappingError(diagnostics: [
                .error("the mapping file is larger than \(Mapping.maximumFileSize >> 30) GiB", file: fileName, at: nil)
            ])
        }
        var countryCode: [UInt8]?
        if let defaultCountryCode {
            do {
                countryCode = try KeyNormalizer.countryCodeDigits(defaultCountryCode)
            } catch {
                throw MappingError(diagnostics: [
                    .error("mapping.defaultCountryCode: \(error.message)", file: fileName, at: nil)
                ])
            }
        }
        let result = bytes.withUnsafeBufferPointer { buffer in
            var loader = MappingLoader(fileName: fileName, countryCode: countryCode, fileSize: buffer.count)
            return loader.load(buffer, threads: threads, minimumSegmentBytes: minimumSegmentBytes)
        }
        self.init(storage: try result.get())
    }
}
