import Foundation
import TestSupport
import Testing

/// The files under `deploy/`: they parse, the Kubernetes objects carry what operators rely on, the Dockerfile, the
/// systemd unit and the shipped configuration agree with each other, and every metric the dashboard and the alert
/// rules query is one the bridge exports.
@Suite struct DeploymentTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let deploy = repository.appendingPathComponent("deploy")

    /// Every `.yml`/`.yaml` file under `deploy/`, relative to it.
    static func yamlFiles() -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: deploy.path)
        var files: [String] = []
        while let path = enumerator?.nextObject() as? String {
            if path.hasSuffix(".yml") || path.hasSuffix(".yaml") { files.append(path) }
        }
        return files.sorted()
    }

    /// The documents of YAML files, parsed by PyYAML's safe loader and handed over as JSON.
    static func parseYAML(_ paths: [String]) async throws -> [String: [Any]] {
        let script = """
            import json, sys, yaml
            print(json.dumps({p: list(yaml.safe_load_all(open(p))) for p in sys.argv[1:]}))
            """
        let directory = deploy
        let result = try await blocking {
            try ExternalTool.run("python3", ["-c", script] + paths, directory: directory)
        }
        try #require(result.status == 0, "YAML does not parse: \(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout))
        return try #require(object as? [String: [Any]])
    }

    static func kubernetesObjects() async throws -> [[String: Any]] {
        let files = yamlFiles().filter { $0.hasPrefix("kubernetes/") && !$0.hasSuffix("kustomization.yaml") }
        let parsed = try await parseYAML(files)
        return files.flatMap { parsed[$0] ?? [] }.compactMap { $0 as? [String: Any] }
    }

    static func text(_ path: String) throws -> String {
        try String(contentsOf: deploy.appendingPathComponent(path), encoding: .utf8)
    }

    @Test func thereAreYAMLFilesToCheck() {
        let files = Self.yamlFiles()
        #expect(files.contains("docker-compose.yml"))
        #expect(files.contains("prometheus/alerts.yml"))
        #expect(files.contains("kubernetes/statefulset.yaml"))
    }

    @Test(arguments: yamlFiles())
    func parsesAsYAML(path: String) async throws {
        let documents = try #require(try await Self.parseYAML([path])[path])
        #expect(!documents.isEmpty)
        #expect(documents.allSatisfy { $0 is [String: Any] }, "every document of \(path) is a mapping")
    }

    @Test func kubernetesHasEveryKindWithProbesLimitsAndAJournalVolume() async throws {
        let objects = try await Self.kubernetesObjects()
        let kinds = Set(objects.compactMap { $0["kind"] as? String })
        #expect(
            kinds.isSuperset(of: ["StatefulSet", "Service", "ConfigMap", "Secret", "PodDisruptionBudget"]),
            "\(kinds)")
        let statefulSet = try #require(objects.first { $0["kind"] as? String == "StatefulSet" })
        let spec = try #require(statefulSet["spec"] as? [String: Any])
        let claims = try #require(spec["volumeClaimTemplates"] as? [[String: Any]])
        let claimName = try #require((claims.first?["metadata"] as? [String: Any])?["name"] as? String)
        let pod = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)

        func probePath(_ name: String) -> String? {
            ((container[name] as? [String: Any])?["httpGet"] as? [String: Any])?["path"] as? String
        }
        #expect(probePath("livenessProbe") == "/healthz")
        #expect(probePath("readinessProbe") == "/readyz")
        let limits = (container["resources"] as? [String: Any])?["limits"] as? [String: Any]
        #expect(limits?["cpu"] != nil && limits?["memory"] != nil)
        let mounts = container["volumeMounts"] as? [[String: Any]] ?? []
        let journalMount = mounts.first { $0["name"] as? String == claimName }
        #expect(journalMount?["mountPath"] as? String == "/var/lib/optout-bridge")
        #expect(mounts.contains { $0["mountPath"] as? String == "/run/secrets" })
        let security = pod["securityContext"] as? [String: Any]
        #expect(security?["runAsNonRoot"] as? Bool == true)

        // The PodDisruptionBudget and the Service select the StatefulSet's pods.
        let podLabels = try #require(
            ((spec["template"] as? [String: Any])?["metadata"] as? [String: Any])?["labels"] as? [String: String])
        let budget = try #require(objects.first { $0["kind"] as? String == "PodDisruptionBudget" })
        let budgetSelector = ((budget["spec"] as? [String: Any])?["selector"] as? [String: Any])?["matchLabels"]
        #expect((budgetSelector as? [String: String]).map { $0.allSatisfy { podLabels[$0.key] == $0.value } } == true)
        for service in objects.filter({ $0["kind"] as? String == "Service" }) {
            let selector = (service["spec"] as? [String: Any])?["selector"] as? [String: String]
            #expect(selector.map { $0.allSatisfy { podLabels[$0.key] == $0.value } } == true)
        }

        // The Secret holds exactly the files the configuration reads from /run/secrets.
        let secret = try #require(objects.first { $0["kind"] as? String == "Secret" })
        let secretKeys = Set(((secret["stringData"] as? [String: Any]) ?? [:]).keys)
        #expect(secretKeys == Self.secretFilesReferenced(by: try Self.text("optout-bridge.json")))
    }

    static func secretFilesReferenced(by configuration: String) -> Set<String> {
        var names = Set<String>()
        var rest = Substring(configuration)
        while let range = rest.range(of: "file:/run/secrets/") {
            rest = rest[range.upperBound...]
            names.insert(String(rest.prefix { $0 != "\"" }))
        }
        return names
    }

    @Test func theConfigMapCarriesTheShippedConfigurationAndItPassesCheck() async throws {
        let objects = try await Self.kubernetesObjects()
        let configMap = try #require(objects.first { $0["kind"] as? String == "ConfigMap" })
        let data = try #require(configMap["data"] as? [String: String])
        let embedded = try #require(data["optout-bridge.json"])
        let shipped = try Self.text("optout-bridge.json")
        let embeddedObject = try JSONSerialization.jsonObject(with: Data(embedded.utf8)) as? NSDictionary
        let shippedObject = try JSONSerialization.jsonObject(with: Data(shipped.utf8)) as? NSDictionary
        #expect(
            embeddedObject == shippedObject, "ConfigMap's optout-bridge.json differs from deploy/optout-bridge.json")

        // `check` on the shipped configuration, with the container's absolute paths moved into a temporary folder.
        let directory = try makeTemporaryDirectory("deploy-check")
        defer { try? FileManager.default.removeItem(at: directory) }
        let secrets = directory.appendingPathComponent("secrets")
        try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
        for name in Self.secretFilesReferenced(by: shipped) {
            try "acct:secret".write(to: secrets.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let relocated =
            shipped
            .replacingOccurrences(of: "/run/secrets/", with: secrets.path + "/")
            .replacingOccurrences(of: "/var/lib/optout-bridge/", with: directory.path + "/")
        let configuration = directory.appendingPathComponent("optout-bridge.json")
        try relocated.write(to: configuration, atomically: true, encoding: .utf8)
        try #require(data["mapping.json"]).write(
            to: directory.appendingPathComponent("mapping.json"), atomically: true, encoding: .utf8)
        let result = try await BridgeExecutable.run(["check", "--config", configuration.path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    @Test func composeMountsTheJournalAndTheSecretsTheConfigurationReads() async throws {
        let compose = try #require(try await Self.parseYAML(["docker-compose.yml"])["docker-compose.yml"]?.first)
        let document = try #require(compose as? [String: Any])
        let bridge = try #require((document["services"] as? [String: Any])?["bridge"] as? [String: Any])
        let volumes = bridge["volumes"] as? [String] ?? []
        #expect(volumes.contains { $0.hasSuffix(":/var/lib/optout-bridge") })
        #expect(volumes.contains { $0.contains(":/etc/optout-bridge/mapping.json") })
        let secrets = Set(bridge["secrets"] as? [String] ?? [])
        #expect(secrets == Self.secretFilesReferenced(by: try Self.text("optout-bridge.json")))
        #expect(bridge["stop_signal"] as? String == "SIGTERM")
    }

    @Test func theDockerfileRunsAsAUserWithAVolumeAHealthCheckAndTheVerifiedPackages() throws {
        let dockerfile = try Self.text("Dockerfile")
        let lines = dockerfile.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("FROM swift:6.3-bookworm AS build") })
        #expect(lines.contains { $0.hasPrefix("FROM debian:bookworm-slim") })
        #expect(dockerfile.contains("--static-swift-stdlib --product optout-bridge"))
        #expect(lines.contains("STOPSIGNAL SIGTERM"))
        #expect(lines.contains { $0.hasPrefix("VOLUME") && $0.contains("/var/lib/optout-bridge") })
        #expect(lines.contains { $0.hasPrefix("HEALTHCHECK") && $0.contains("optout-bridge-healthcheck") })
        let user = try #require(lines.last { $0.hasPrefix("USER ") })
        #expect(!user.contains("root") && user != "USER 0")
        // The runtime packages are declared once; verify-runtime.sh installs exactly this list.
        let packages = try #require(lines.first { $0.hasPrefix("ARG RUNTIME_PACKAGES=") })
        for package in ["ca-certificates", "libmicrohttpd12", "libsqlite3-0"] {
            #expect(packages.contains(package))
        }
        #expect(try Self.text("verify-runtime.sh").contains("RUNTIME_PACKAGES="))
        // Every file the image copies from the repository exists.
        for line in lines where line.hasPrefix("COPY deploy/") {
            let source = String(line.dropFirst("COPY ".count).split(separator: " ")[0])
            #expect(FileManager.default.fileExists(atPath: Self.repository.appendingPathComponent(source).path))
        }
    }

    @Test func theHealthCheckScriptPassesOnAServingBridgeAndFailsOnAClosedPort() async throws {
        let bridge = try await BridgeHarness()
        let script = Self.deploy.appendingPathComponent("healthcheck.sh").path
        let port = bridge.port
        let serving = try await blocking {
            try ExternalTool.run("env", ["HEALTHCHECK_PORT=\(port)", "HEALTHCHECK_TIMEOUT=30", script])
        }
        #expect(serving.status == 0, "\(serving.stderr)")
        await bridge.stop()
        let closed = try await blocking {
            try ExternalTool.run("env", ["HEALTHCHECK_PORT=\(port)", "HEALTHCHECK_TIMEOUT=30", script])
        }
        #expect(closed.status != 0)
    }

    @Test func theSystemdUnitIsHardenedAndVerifies() async throws {
        let unit = try Self.text("systemd/optout-bridge.service")
        let settings = Set(unit.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        for required in [
            "ProtectSystem=strict", "NoNewPrivileges=yes", "DynamicUser=yes", "StateDirectory=optout-bridge",
            "ExecReload=/bin/kill -HUP $MAINPID", "KillSignal=SIGTERM", "PrivateTmp=yes",
        ] {
            #expect(settings.contains(required), "\(required)")
        }
        // systemd-analyze checks every directive; it needs the executables to exist, so point them at the build.
        guard ExternalTool.find("systemd-analyze") != nil else { return }
        let directory = try makeTemporaryDirectory("deploy-systemd")
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("optout-bridge.service")
        try unit.replacingOccurrences(of: "/usr/local/bin/optout-bridge", with: BridgeExecutable.url.path)
            .write(to: copy, atomically: true, encoding: .utf8)
        let result = try await blocking {
            try ExternalTool.run("systemd-analyze", ["verify", "--man=no", copy.path])
        }
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }

    /// Every `optout_bridge_*` name in `text`.
    static func metricNames(in text: String) -> Set<String> {
        var names = Set<String>()
        var current = ""
        for character in text + " " {
            if character.isLetter || character.isNumber || character == "_" {
                current.append(character)
            } else {
                if current.hasPrefix("optout_bridge_") { names.insert(current) }
                current = ""
            }
        }
        return names
    }

    @Test func everyMetricTheDashboardAndTheAlertsQueryIsExported() async throws {
        let dashboard = try Self.text("grafana/optout-bridge.json")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(dashboard.utf8)) as? [String: Any])
        let panels = try #require(document["panels"] as? [[String: Any]])
        #expect(panels.count >= 6)
        var queried = Set<String>()
        for panel in panels {
            let targets = panel["targets"] as? [[String: Any]] ?? []
            #expect(!targets.isEmpty, "panel \(panel["title"] ?? "?") queries nothing")
            for target in targets { queried.formUnion(Self.metricNames(in: target["expr"] as? String ?? "")) }
        }
        let alerts = try #require(try await Self.parseYAML(["prometheus/alerts.yml"])["prometheus/alerts.yml"]?.first)
        let groups = try #require((alerts as? [String: Any])?["groups"] as? [[String: Any]])
        let rules = groups.flatMap { $0["rules"] as? [[String: Any]] ?? [] }
        let alertNames = Set(rules.compactMap { $0["alert"] as? String })
        #expect(
            alertNames.isSuperset(of: [
                "OptOutQueueGrowing", "OptOutsFailed", "NLPearlTokenRejected", "MappingReloadFailing", "MappingStale",
                "SuppressedPhonesNotBlacklisted",
            ]))
        for rule in rules { queried.formUnion(Self.metricNames(in: rule["expr"] as? String ?? "")) }
        for topic in [
            "optout_bridge_optouts_total", "optout_bridge_journal_pending_leads",
            "optout_bridge_nlpearl_call_duration_seconds_bucket", "optout_bridge_signature_failures_total",
            "optout_bridge_suppressed_keys", "optout_bridge_blacklist_phones",
            "optout_bridge_journal_transactions_total", "optout_bridge_journal_fsyncs_total",
        ] {
            #expect(queried.contains(topic), "nothing queries \(topic)")
        }

        // A bridge that has answered an opt-out, an unmapped contact and a webhook with a wrong bearer token.
        let bridge = try await BridgeHarness(overrides: [
            "senders": [["name": "forms", "type": "generic", "fields": ["email": "/email"], "bearer": "right"]]
        ])
        #expect(try await bridge.optOut(#"{"keys": ["email:jane.doe@example.com"]}"#).status == 200)
        #expect(try await bridge.optOut(#"{"keys": ["email:nobody@example.com"]}"#).status == 200)
        let refused = try await bridge.request(
            "POST", "/hooks/forms", headers: [("Authorization", "Bearer wrong")],
            body: Array(#"{"email": "jane.doe@example.com"}"#.utf8))
        #expect(refused.status == 401)
        let exposition = try await bridge.request("GET", "/metrics").text
        await bridge.stop()

        var exported = Set<String>()
        for line in exposition.split(separator: "\n") where !line.hasPrefix("#") {
            exported.insert(String(line.prefix { $0 != "{" && $0 != " " }))
        }
        #expect(queried.subtracting(exported).isEmpty, "queried but not exported: \(queried.subtracting(exported))")
        #expect(exposition.contains(#"optout_bridge_signature_failures_total{sender="forms"} 1"#))
    }
}
