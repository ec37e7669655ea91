import Foundation
import MicroHTTP

/// `/healthz`, `/readyz` and `/metrics`.
struct HealthEndpoints: Sendable {
    let readiness: Readiness
    let metrics: BridgeMetrics

    func healthz() -> HTTPResponse {
        .json(200, Array("{\"status\":\"ok\"}".utf8))
    }

    func readyz() async -> HTTPResponse {
        let report = await readiness.report()
        var reasons: [String] = []
        if !report.mappingLoaded { reasons.append("the mapping is not loaded") }
        if !report.journalWritable { reasons.append("the journal is not writable") }
        var nlpearl: [String: Any] = ["ok": !report.tokenRejected]
        if report.tokenRejected {
            // Not a reason to be unready: the journal keeps the opt-outs until NLPearl accepts a token.
            nlpearl["reason"] =
                "NLPearl rejects the API token (401/403); opt-outs are journaled and held until it accepts one"
        }
        var mapping: [String: Any] = ["ok": report.mappingLoaded, "contacts": report.mappingContacts]
        if let failure = report.mappingReloadFailure {
            mapping["lastReloadFailed"] = true
            mapping["problems"] = Array(failure.prefix(20))
        }
        let object: [String: Any] = [
            "status": report.ready ? "ready" : "not_ready",
            "reasons": reasons,
            "checks": [
                "mapping": mapping,
                "journal": ["ok": report.journalWritable],
                "nlpearl": nlpearl,
            ],
        ]
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        var response = HTTPResponse.json(report.ready ? 200 : 503, body)
        if !report.ready { response.headers.replace(name: "Retry-After", value: "5") }
        return response
    }

    func metrics() async -> HTTPResponse {
        if let counts = try? await readiness.journal.counts() {
            metrics.setJournalCounts(pending: counts.pending, failed: counts.failed)
        }
        if let counts = try? await readiness.journal.suppressionCounts() {
            metrics.setSuppressionCounts(
                keys: counts.keys,
                blacklist: Dictionary(uniqueKeysWithValues: counts.blacklist.map { ($0.key.rawValue, $0.value) }))
        }
        return HTTPResponse(
            status: 200, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
            body: metrics.render())
    }
}
