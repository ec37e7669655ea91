import Foundation
import JSON
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
        // Members in sorted order, as operators' scripts saw them since the first release.
        let body = JSONWriter.bytes(capacity: 512) { json in
            json.object { json in
                json.member("checks") { json in
                    json.object { json in
                        json.member("journal") { $0.object { $0.member("ok", report.journalWritable) } }
                        json.member("mapping") { json in
                            json.object { json in
                                json.member("contacts", report.mappingContacts)
                                if report.mappingReloadFailure != nil { json.member("lastReloadFailed", true) }
                                json.member("ok", report.mappingLoaded)
                                if let failure = report.mappingReloadFailure {
                                    json.member("problems", Array(failure.prefix(20)))
                                }
                            }
                        }
                        json.member("nlpearl") { json in
                            json.object { json in
                                json.member("ok", !report.tokenRejected)
                                // Not a reason to be unready: the journal keeps the opt-outs until NLPearl accepts
                                // a token.
                                if report.tokenRejected {
                                    json.member(
                                        "reason",
                                        "NLPearl rejects the API token (401/403); opt-outs are journaled and held until "
                                            + "it accepts one")
                                }
                            }
                        }
                    }
                }
                json.member("reasons", reasons)
                json.member("status", report.ready ? "ready" : "not_ready")
            }
        }
        var response = HTTPResponse.json(report.ready ? 200 : 503, body)
        if !report.ready { response.headers[.retryAfter] = "5" }
        return response
    }

    func metrics() async -> HTTPResponse {
        let writes = readiness.journal.statistics
        metrics.setJournalWrites(transactions: writes.transactions, fsyncs: writes.walSyncs)
        if let counts = try? await readiness.journal.counts() {
            metrics.setJournalCounts(pending: counts.pending, failed: counts.failed)
        }
        if let counts = try? await readiness.journal.suppressionCounts() {
            metrics.setSuppressionCounts(
                keys: counts.keys,
                blacklist: Dictionary(uniqueKeysWithValues: counts.blacklist.map { ($0.key.rawValue, $0.value) }))
        }
        return HTTPResponse(
            status: 200, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: metrics.render())
    }
}
