import FakeNLPearl
import Foundation
import Journal
import OptOutCore
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The executable as operators use it: exit codes (SPEC §2), signals, and crash recovery.
@Suite struct CommandLineTests {
    /// A folder with a configuration and mapping pointing at `fakeURL`.
    private func workspace(fakeURL: String = "http://127.0.0.1:9", overrides: [String: Any] = [:]) throws -> URL {
        let directory = try makeTemporaryDirectory("cli")
        try defaultMapping.write(
            to: directory.appendingPathComponent("mapping.json"), atomically: true, encoding: .utf8)
        try writeConfiguration(in: directory, nlpearlURL: fakeURL, overrides: overrides)
        return directory
    }

    @Test func serveRefusesToStartWithoutATokenAndSaysHowToSetOne() async throws {
        let directory = try workspace()
        let configuration = directory.appendingPathComponent("optout-bridge.json").path
        // Without the variable, "env:NLPEARL_API_TOKEN" resolves to nothing.
        let result = try await BridgeExecutable.run(
            ["serve", "--config", configuration], removing: ["NLPEARL_API_TOKEN"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("NLPEARL_API_TOKEN"))
        #expect(result.stderr.contains("--dry-run"))
    }

    @Test func sigtermDrainsInFlightWorkAndExitsZero() async throws {
        let fake = FakeNLPearl(token: "acct:secret")
        try fake.start()
        fake.behaviour = .delay(.milliseconds(700), then: .succeed)
        // A long wait, as everywhere a wait is not under test: at the start of a full run, the child's first call can
        // take seconds, and a wait of 5 s could end before it was answered (202 in a CI run).
        let directory = try workspace(fakeURL: fake.baseURL, overrides: ["delivery": ["syncWaitMilliseconds": 15000]])
        let serve = try ServeProcess(
            configuration: directory.appendingPathComponent("optout-bridge.json"),
            environment: ["NLPEARL_API_TOKEN": "acct:secret"])
        try await serve.waitUntilListening()
        let port = serve.port
        let inFlight = Task {
            try await blocking {
                try RawHTTPConnection(port: port).request(
                    "POST", "/v1/opt-outs", headers: [("Authorization", "Bearer \(BridgeHarness.apiToken)")],
                    body: Array(#"{"keys": ["email:jane.doe@example.com"]}"#.utf8))
            }
        }
        #expect(await fake.waitForCalls(count: 1, timeout: atOnce))
        let start = ContinuousClock.now
        serve.signal(SIGTERM)
        let status = try await serve.waitForExit(timeout: .seconds(10))
        #expect(status == 0)
        #expect(ContinuousClock.now - start < .seconds(10))
        let response = try await inFlight.value
        #expect(response.status == 200)
        #expect(serve.log.contains { $0.contains("shutting down") })
        await fake.stop()
        serve.killHard()
    }

    @Test func queuedWorkSurvivesKill9AndIsDeliveredExactlyOnceAfterRestart() async throws {
        let fake = FakeNLPearl(token: "acct:secret")
        try fake.start()
        fake.behaviour = .status(503, retryAfter: nil)
        let directory = try workspace(fakeURL: fake.baseURL)
        let configuration = directory.appendingPathComponent("optout-bridge.json")
        let environment = ["NLPEARL_API_TOKEN": "acct:secret"]

        let first = try ServeProcess(configuration: configuration, environment: environment)
        try await first.waitUntilListening()
        let port = first.port
        var acknowledged: [String] = []
        for email in ["jane.doe@example.com", "john@example.com"] {
            let response = try await blocking {
                try RawHTTPConnection(port: port).request(
                    "POST", "/v1/opt-outs", headers: [("Authorization", "Bearer \(BridgeHarness.apiToken)")],
                    body: Array(#"{"keys": ["email:\#(email)"]}"#.utf8))
            }
            #expect(response.status == 202)
            acknowledged.append(try #require((response.json as? [String: Any])?["id"] as? String))
        }
        first.killHard()
        // A retry that reached the fake just before the kill is still answered 503 under the old behaviour: only
        // deletions NLPearl confirmed to a live bridge count as delivered, so no answer may go to a dead one.
        try await Task.sleep(for: .milliseconds(300))

        fake.behaviour = .succeed
        let second = try ServeProcess(configuration: configuration, environment: environment)
        try await second.waitUntilListening()
        try await waitUntil {
            fake.deletedLeads.values.reduce(0) { $0 + $1.count } == 3
        }
        // Give any duplicate delivery a chance to show up, then count successful calls per lead.
        try await Task.sleep(for: .milliseconds(500))
        let delivered = fake.calls.filter { $0.status == 200 }.flatMap { $0.leadIds ?? [] }
        #expect(delivered.sorted() == ["lead-jane", "lead-john-1", "lead-john-2"])
        let secondPort = second.port
        for id in acknowledged {
            let record = try await blocking {
                try RawHTTPConnection(port: secondPort).request(
                    "GET", "/v1/opt-outs/\(id)", headers: [("Authorization", "Bearer \(BridgeHarness.apiToken)")])
            }
            #expect((record.json as? [String: Any])?["status"] as? String == "deleted")
        }
        second.signal(SIGTERM)
        #expect(try await second.waitForExit(timeout: .seconds(10)) == 0)
        await fake.stop()
    }

    @Test func sighupReloadsTheMappingWithoutARestartAndEnforcesTheSuppressionList() async throws {
        let fake = FakeNLPearl(token: "acct:secret")
        try fake.start()
        // A long interval, so only the signal can explain the reload.
        let directory = try workspace(
            fakeURL: fake.baseURL, overrides: ["mapping": ["reloadIntervalSeconds": 3600]])
        let serve = try ServeProcess(
            configuration: directory.appendingPathComponent("optout-bridge.json"),
            environment: ["NLPEARL_API_TOKEN": "acct:secret"])
        try await serve.waitUntilListening()
        let port = serve.port
        let send = { @Sendable () async throws -> RawHTTPConnection.Response in
            try await blocking {
                try RawHTTPConnection(port: port).request(
                    "POST", "/v1/opt-outs", headers: [("Authorization", "Bearer \(BridgeHarness.apiToken)")],
                    body: Array(#"{"keys": ["email:new@example.com", "phone:+15550009999"]}"#.utf8))
            }
        }
        let first = try await send()
        #expect(first.status == 200)
        #expect((first.json as? [String: Any])?["status"] as? String == "suppressed")
        #expect(fake.blacklistedNumbers == ["+15550009999"])
        try defaultMapping.replacingOccurrences(of: "email:john@example.com", with: "email:new@example.com")
            .write(to: directory.appendingPathComponent("mapping.json"), atomically: true, encoding: .utf8)
        serve.signal(SIGHUP)
        // No request needed: the reload finds the suppressed contact's leads and deletes them.
        try await waitUntil {
            fake.deletedLeads == [examplePearl: ["lead-john-1"], "6720c0f8e4b0a1b2c3d4e5f7": ["lead-john-2"]]
        }
        #expect(
            serve.log.contains {
                $0.contains("suppression list enforced on the mapping") && $0.contains("\"leads\":\"2\"")
            })
        #expect(serve.isRunning)
        serve.signal(SIGTERM)
        #expect(try await serve.waitForExit(timeout: .seconds(10)) == 0)
        #expect(fake.violations.isEmpty)
        await fake.stop()
    }

    @Test func theSuppressionCommandsImportCheckFilterExportAndRemoveKeys() async throws {
        let fake = FakeNLPearl(token: "acct:secret")
        try fake.start()
        let directory = try workspace(fakeURL: fake.baseURL)
        let config = directory.appendingPathComponent("optout-bridge.json").path
        let keys = directory.appendingPathComponent("dnc.txt")
        try "# another do-not-call list\nzoe@example.com\n+1 555 000 1111\njohn@example.com\nnot a key\n"
            .write(to: keys, atomically: true, encoding: .utf8)
        let imported = try await BridgeExecutable.run(["suppression", "import", "--config", config, keys.path])
        #expect(imported.status == 1, "one line is not a key")
        #expect(imported.stderr.contains("dnc.txt:5:"))
        #expect(imported.stdout.contains("3 keys suppressed"))
        #expect(imported.stdout.contains("2 mapped leads queued"))
        let again = try await BridgeExecutable.run(["suppression", "import", "--config", config, keys.path])
        #expect(again.stdout.contains("0 keys suppressed, 3 already imported"))

        let check = try await BridgeExecutable.run(
            ["suppression", "check", "--config", config, "email:ZOE@example.com", "email:jane.doe@example.com"])
        #expect(check.status == 0)
        #expect(check.stdout.contains("email:zoe@example.com\tsuppressed since"))
        #expect(check.stdout.contains("(import)"))
        #expect(check.stdout.contains("email:jane.doe@example.com\tnot suppressed"))

        let list = try await BridgeExecutable.run(["suppression", "list", "--config", config])
        #expect(list.stdout.split(separator: "\n").count == 4)
        #expect(list.stdout.contains("phone:+15550001111"))

        let csv = directory.appendingPathComponent("leads.csv")
        try "name,email\r\nZoe,zoe@example.com\r\n\"Doe, Jane\",jane.doe@example.com\r\nBad,nope\r\n"
            .write(to: csv, atomically: true, encoding: .utf8)
        let filtered = try await BridgeExecutable.run(
            ["suppression", "filter", "--config", config, "--column", "email", csv.path])
        #expect(filtered.status == 0)
        #expect(filtered.stdout == "name,email\r\n\"Doe, Jane\",jane.doe@example.com\r\nBad,nope\r\n")
        #expect(filtered.stderr.contains("leads.csv:4:"))

        let export = try await BridgeExecutable.run(["suppression", "export", "--config", config, "--format", "csv"])
        #expect(export.stdout.hasPrefix("key,identifiers,first_source"))
        #expect(export.stdout.split(whereSeparator: \.isNewline).count == 4)

        let noReason = try await BridgeExecutable.run([
            "suppression", "remove", "--config", config, "email:zoe@example.com",
        ])
        #expect(noReason.status == 1)
        let removed = try await BridgeExecutable.run(
            [
                "suppression", "remove", "--config", config, "email:zoe@example.com", "--reason",
                "re-consented, ticket 42",
            ])
        #expect(removed.status == 0)
        #expect(removed.stdout.contains("does not") || removed.stdout.contains("not changed"))
        let after = try await BridgeExecutable.run([
            "suppression", "check", "--config", config, "email:zoe@example.com",
        ])
        #expect(after.stdout.contains("not suppressed"))
        let missing = try await BridgeExecutable.run(
            ["suppression", "remove", "--config", config, "email:zoe@example.com", "--reason", "again"])
        #expect(missing.status == 1)
        await fake.stop()
    }

    @Test func checkReportsTheLeadsOfSuppressedContactsThatTheMappingHolds() async throws {
        let directory = try workspace()
        let config = directory.appendingPathComponent("optout-bridge.json").path
        let before = try await BridgeExecutable.run(["check", "--config", config])
        #expect(before.stdout.contains("no journal"))
        let keys = directory.appendingPathComponent("dnc.txt")
        try "john@example.com\n".write(to: keys, atomically: true, encoding: .utf8)
        // Imported with an empty mapping, so that the import itself queues no lead.
        try #"{"version": 1, "contacts": []}"#.write(
            to: directory.appendingPathComponent("mapping.json"), atomically: true, encoding: .utf8)
        #expect(try await BridgeExecutable.run(["suppression", "import", "--config", config, keys.path]).status == 0)
        try defaultMapping.write(
            to: directory.appendingPathComponent("mapping.json"), atomically: true, encoding: .utf8)
        let after = try await BridgeExecutable.run(["check", "--config", config])
        #expect(after.status == 0)
        #expect(after.stdout.contains("1 keys suppressed; the mapping holds 2 leads of suppressed contacts"))
    }

    @Test func checkPrintsCountsAndExitsZero() async throws {
        let directory = try workspace()
        let result = try await BridgeExecutable.run(
            ["check", "--config", directory.appendingPathComponent("optout-bridge.json").path],
            environment: ["NLPEARL_API_TOKEN": "acct:secret"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("3 contacts"))
        #expect(result.stdout.contains("4 leads"))
        #expect(result.stdout.contains("2 pearlIds"))
    }

    @Test func checkReportsEveryProblemWithItsPlaceAndExitsOne() async throws {
        let directory = try workspace()
        try """
        {"version": 1, "contacts": [
          {"keys": ["email:nope"], "leads": [{"pearlId": "p", "leadId": "l"}]}
        ]}
        """.write(to: directory.appendingPathComponent("mapping.json"), atomically: true, encoding: .utf8)
        let result = try await BridgeExecutable.run(
            ["check", "--config", directory.appendingPathComponent("optout-bridge.json").path],
            environment: ["NLPEARL_API_TOKEN": "acct:secret"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("mapping.json:2:13: "))
    }

    /// A Salesforce sender that any caller who knows the (public) OrganizationId can post to.
    private static var salesforceWithoutToken: [String: Any] {
        ["senders": [["name": "salesforce", "type": "salesforce", "organizationIds": ["00D000000000062"]]]]
    }

    /// The warning `check` and `serve` print for ``salesforceWithoutToken``, after its place in the file.
    private static let salesforceWarning =
        ": warning: senders[0]: salesforce without 'token' accepts anyone who knows an OrganizationId; "
        + #"add "token" and append ?token=… to the endpoint URL"#

    @Test func checkWarnsOfASalesforceSenderWithoutAToken() async throws {
        let directory = try workspace(overrides: Self.salesforceWithoutToken)
        let result = try await BridgeExecutable.run(
            ["check", "--config", directory.appendingPathComponent("optout-bridge.json").path],
            environment: ["NLPEARL_API_TOKEN": "acct:secret"])
        #expect(result.status == 0, "\(result.stderr)")
        let warning = try #require(result.stderr.split(separator: "\n").first { $0.contains("senders[0]") })
        #expect(warning.hasPrefix(directory.appendingPathComponent("optout-bridge.json").path + ":"))
        #expect(warning.hasSuffix(Self.salesforceWarning))
    }

    @Test func serveWarnsOfASalesforceSenderWithoutATokenAndServes() async throws {
        let directory = try workspace(overrides: Self.salesforceWithoutToken)
        let serve = try ServeProcess(
            configuration: directory.appendingPathComponent("optout-bridge.json"),
            environment: ["NLPEARL_API_TOKEN": "acct:secret"])
        try await serve.waitUntilListening()
        #expect(serve.log.contains { $0.hasSuffix(Self.salesforceWarning) }, "\(serve.log)")
        serve.killHard()
    }

    @Test func anUnknownConfigurationKeyIsAUserError() async throws {
        let directory = try workspace(overrides: ["listen": ["prot": 8080]])
        let result = try await BridgeExecutable.run(
            ["check", "--config", directory.appendingPathComponent("optout-bridge.json").path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("listen.prot"))
        #expect(result.stderr.contains("listen.port"))
    }

    @Test func lookupPrintsTheLeadsOfAKey() async throws {
        let directory = try workspace()
        let result = try await BridgeExecutable.run(
            [
                "lookup", "--config", directory.appendingPathComponent("optout-bridge.json").path,
                "email:JOHN@example.com", "phone:+15551234567", "email:nobody@example.com",
            ])
        #expect(result.status == 0)
        #expect(result.stdout.contains("email:john@example.com\t\(examplePearl)\tlead-john-1"))
        #expect(result.stdout.contains("phone:+15551234567\t\(examplePearl)\tlead-jane"))
        #expect(result.stdout.contains("email:nobody@example.com\tno leads"))
    }

    @Test func deleteJournalsOneDeletionAndTheJournalCommandsShowIt() async throws {
        let fake = FakeNLPearl(token: "acct:secret")
        try fake.start()
        let directory = try workspace(fakeURL: fake.baseURL)
        let config = directory.appendingPathComponent("optout-bridge.json").path
        let environment = ["NLPEARL_API_TOKEN": "acct:secret"]
        let delete = try await BridgeExecutable.run(
            ["delete", "--config", config, "--pearl-id", "p-1", "--lead-id", "l-1", "l-2"], environment: environment)
        #expect(delete.status == 0, "\(delete.stderr)")
        #expect(fake.deletedLeads == ["p-1": ["l-1", "l-2"]])
        let record = try #require(
            try JSONSerialization.jsonObject(with: Data(delete.stdout.utf8)) as? [String: Any])
        let id = try #require(record["id"] as? String)
        #expect(record["status"] as? String == "deleted")

        let list = try await BridgeExecutable.run(["journal", "list", "--config", config, "--status", "deleted"])
        #expect(list.status == 0)
        #expect(list.stdout.contains(id))
        let show = try await BridgeExecutable.run(["journal", "show", "--config", config, id])
        #expect(show.stdout.contains("\"attempts\""))
        let csv = try await BridgeExecutable.run(["journal", "export", "--config", config, "--format", "csv"])
        #expect(csv.stdout.split(whereSeparator: \.isNewline).count == 3)
        let jsonl = try await BridgeExecutable.run(["journal", "export", "--config", config])
        #expect(jsonl.stdout.contains(id))
        await fake.stop()
    }

    /// Opt-outs acknowledged during a dry run are replayed once it is over: `--all-dry-run` and `retry ID` put their
    /// `dry_run` rows (leads and phones) back to `pending` with a `requeued` attempt; with `dryRun` still on, the
    /// command refuses, since nothing would send them.
    @Test func journalRetryReplaysDryRunOptOutsOnceDryRunIsOff() async throws {
        let directory = try workspace(overrides: ["dryRun": true])
        let config = directory.appendingPathComponent("optout-bridge.json").path
        let journalFile = directory.appendingPathComponent("journal.sqlite").path
        let journal = try Journal(path: journalFile)
        let dryRun = { (leadId: String, phone: String) in
            Journal.NewOptOut(
                source: "api", keys: ["phone:\(phone)"], leads: [Lead(pearlId: examplePearl, leadId: leadId)],
                blacklist: [phone], initialStatus: .dryRun)
        }
        let appended = try await journal.append([dryRun("lead-a", "+15550000001"), dryRun("lead-b", "+15550000002")])
        try journal.close()
        let (one, all) = (appended[0].record.id, appended[1].record.id)

        let refused = try await BridgeExecutable.run(["journal", "retry", "--config", config, "--all-dry-run"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("dryRun"), "\(refused.stderr)")
        let refusedOne = try await BridgeExecutable.run(["journal", "retry", "--config", config, one])
        #expect(refusedOne.status == 1)

        try writeConfiguration(in: directory, nlpearlURL: "http://127.0.0.1:9")
        let byID = try await BridgeExecutable.run(["journal", "retry", "--config", config, one])
        #expect(byID.status == 0, "\(byID.stderr)")
        #expect(byID.stdout.contains("2 leads queued again"))
        let rest = try await BridgeExecutable.run(["journal", "retry", "--config", config, "--all-dry-run"])
        #expect(rest.status == 0, "\(rest.stderr)")
        #expect(rest.stdout.contains("2 leads queued again"))

        let reopened = try Journal(path: journalFile)
        for id in [one, all] {
            let record = try #require(try await reopened.record(id: id))
            #expect(record.status == .queued)
            #expect(record.leads.count == 2)
            #expect(record.leads.allSatisfy { $0.status == .pending && $0.attempts.last?.outcome == "requeued" })
        }
        #expect(try await reopened.pendingLeads().count == 4)
        try reopened.close()
    }

    @Test func deleteExits2WhenNLPearlCannotBeReachedAndKeepsTheWork() async throws {
        let directory = try workspace(overrides: ["nlpearl": ["timeoutSeconds": 1]])
        let config = directory.appendingPathComponent("optout-bridge.json").path
        let result = try await BridgeExecutable.run(
            ["delete", "--config", config, "--pearl-id", "p-1", "--lead-id", "l-1"],
            environment: ["NLPEARL_API_TOKEN": "acct:secret"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("queued"))
        let list = try await BridgeExecutable.run(["journal", "list", "--config", config, "--status", "queued"])
        #expect(list.stdout.split(separator: "\n").count == 2)
    }

    @Test(arguments: [["frobnicate"], ["delete", "--pearl-id", "p"], ["journal", "list", "--status", "bogus"]])
    func badArgumentsExitOne(arguments: [String]) async throws {
        let directory = try workspace()
        let result = try await BridgeExecutable.run(arguments, directory: directory)
        #expect(result.status == 1)
    }

    @Test func versionPrintsTheVersion() async throws {
        let result = try await BridgeExecutable.run(["version"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("optout-bridge "))
    }
}
