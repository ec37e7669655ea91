import Foundation

/// A certificate for `127.0.0.1` (or another name) and its private key, made with `openssl` for one test.
public struct SelfSignedCertificate: Sendable {
    public enum KeyType: String, Sendable, CaseIterable {
        case rsa
        case ecdsa
    }

    public let certificateFile: URL
    public let keyFile: URL
    public let certificatePEM: String
    public let keyPEM: String

    /// Writes `certificate.pem` and `key.pem` into `directory`; valid for one day, for `name` (`IP:127.0.0.1` unless
    /// given another, such as `DNS:api.example`).
    ///
    /// Blocks while `openssl` runs: call it inside ``blocking(_:)``.
    public static func make(in directory: URL, keyType: KeyType = .rsa, name: String = "IP:127.0.0.1") throws
        -> SelfSignedCertificate
    {
        let certificateFile = directory.appendingPathComponent("certificate.pem")
        let keyFile = directory.appendingPathComponent("key.pem")
        let key: [String] =
            switch keyType {
            case .rsa: ["-newkey", "rsa:2048"]
            case .ecdsa: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
            }
        let result = try ExternalTool.run(
            "openssl",
            ["req", "-x509"] + key + [
                "-nodes", "-subj", "/CN=\(name.split(separator: ":").last ?? "")", "-addext", "subjectAltName=\(name)",
                "-days", "1",
                "-keyout", keyFile.path, "-out", certificateFile.path,
            ])
        guard result.status == 0 else {
            throw ExternalTool.Failure(description: "openssl req failed (\(result.status)): \(result.stderr)")
        }
        return SelfSignedCertificate(
            certificateFile: certificateFile, keyFile: keyFile,
            certificatePEM: try String(contentsOf: certificateFile, encoding: .utf8),
            keyPEM: try String(contentsOf: keyFile, encoding: .utf8))
    }
}
