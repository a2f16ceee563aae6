import Baton
import Foundation
import Testing
import TestSupport

/// `baton dashboard` over HTTP: a token beyond loopback, actions refused without this
/// browser's form token or from another origin, a read-only mode, hostile names escaped.
/// (Tests/Browser/test_dashboard.py drives the pages in Chromium.)
@Suite struct DashboardCommandTests {
    static let token = "T0ken-\u{00FC}nusual-8d1f"


    func value(_ sql: String, on broker: Broker) async throws -> String? {
        try await broker.pool.withConnection { try await $0.query(sql).first?.decode(0, as: String?.self) }
    }

    /// Starts `baton dashboard` with `arguments`; returns it, its address and its log.
    func startDashboard(
        _ arguments: [String], on broker: Broker, token: String? = nil
    ) async throws -> (process: Process, url: String, log: URL) {
        var environment = ProcessInfo.processInfo.environment
        environment["BATON_DATABASE_URL"] = broker.configuration.conninfoForChildProcess
        environment["BATON_DASHBOARD_TOKEN"] = token
        let log = FileManager.default.temporaryDirectory.appendingPathComponent(TestDatabase.uniqueName("dashboard-log"))
        let process = try Binaries.start("baton", ["dashboard", "--port", "0"] + arguments, environment: environment, log: log)
        var port: String?
        _ = try await waitUntil(.seconds(20)) {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            port = text.firstMatch(of: /served at http:\/\/[0-9.]+:(\d+)/).map { String($0.1) }
            return port != nil || !process.isRunning
        }
        let served = try #require(port, "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        return (process, "http://127.0.0.1:\(served)", log)
    }

    @Test func beyondLoopbackEveryRequestNeedsTheToken() async throws {
        try await TestDatabase.withBroker { broker in
            var environment = ProcessInfo.processInfo.environment
            environment["BATON_DATABASE_URL"] = broker.configuration.conninfoForChildProcess
            let open = try TestDatabase.runWithStatus(
                try Binaries.path("baton"), ["dashboard", "--host", "0.0.0.0", "--port", "0"], environment: environment)
            #expect(open.status != 0 && open.error.contains("only with a token"), "\(open.error)")
            let (dashboard, url, log) = try await startDashboard(["--host", "0.0.0.0"], on: broker, token: Self.token)
            defer { dashboard.terminate() }
            for path in ["/", "/tasks", "/events", "/metrics", "/static/dashboard.js"] {
                let refused = try await HTTPCall.get(url + path)
                #expect(refused.status == 401, "\(path): \(refused.status)")
                #expect(refused.header("WWW-Authenticate")?.hasPrefix("Basic") == true)
                #expect(!refused.body.contains("<html"))
            }
            let wrong = try await HTTPCall.get(url + "/", headers: ["Authorization": "Bearer not-it"])
            #expect(wrong.status == 401)
            let bearer = try await HTTPCall.get(url + "/", headers: ["Authorization": "Bearer \(Self.token)"])
            #expect(bearer.status == 200 && bearer.body.contains("<h1>Overview</h1>"))
            let basic = Data("anyone:\(Self.token)".utf8).base64EncodedString()
            let metrics = try await HTTPCall.get(url + "/metrics", headers: ["Authorization": "Basic \(basic)"])
            #expect(metrics.status == 200)
            #expect(try MetricScrape.parse(metrics.body).value("baton_database_up") == 1)
            dashboard.terminate()
            dashboard.waitUntilExit()
            let text = try String(contentsOf: log, encoding: .utf8)
            #expect(text.contains("token=required") && !text.contains(Self.token), "\(text)")
        }
    }

    @Test func anActionNeedsThisBrowsersTokenAndThisOrigin() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.execute(statements: "SELECT baton.async_task('baton.echo', '[1]', queue => 'mail')")
            let (dashboard, url, _) = try await startDashboard([], on: broker)
            defer { dashboard.terminate() }
            let page = try await HTTPCall.get(url + "/queues")
            let cookie = try #require(page.header("Set-Cookie")?.firstMatch(of: /baton_csrf=([0-9a-f]{64})/).map { String($0.1) })
            let formToken = try #require(page.body.firstMatch(of: /name="csrf" value="([0-9a-f]{64})"/).map { String($0.1) })
            #expect(cookie == formToken)
            #expect(page.header("Content-Security-Policy")?.contains("script-src 'self'") == true)
            #expect(page.header("X-Frame-Options") == "DENY")
            let pause: [(String, String)] = [("action", "pause-queue"), ("queue", "mail"), ("back", "/queues")]
            let attempts: [(String, [String: String], [(String, String)])] = [
                ("no form token", ["Cookie": "baton_csrf=\(cookie)"], pause),
                ("no cookie", [:], pause + [("csrf", formToken)]),
                ("another browser's token", ["Cookie": "baton_csrf=\(String(repeating: "a", count: 64))"],
                 pause + [("csrf", formToken)]),
                ("another origin", ["Cookie": "baton_csrf=\(cookie)", "Origin": "http://evil.example"],
                 pause + [("csrf", formToken)]),
                ("another site", ["Cookie": "baton_csrf=\(cookie)", "Sec-Fetch-Site": "cross-site"], pause + [("csrf", formToken)]),
            ]
            for (what, headers, form) in attempts {
                let refused = try await HTTPCall.send("POST", url + "/actions", headers: headers, form: form)
                #expect(refused.status == 403, "\(what): \(refused.status) \(refused.body)")
            }
            #expect(try await value("SELECT count(*)::text FROM baton.queues WHERE paused", on: broker) == "0")
            let done = try await HTTPCall.send(
                "POST", url + "/actions",
                headers: ["Cookie": "baton_csrf=\(cookie)", "Origin": url, "Sec-Fetch-Site": "same-origin"],
                form: pause + [("csrf", formToken)])
            #expect(done.status == 303 && done.header("Location") == "/queues", "\(done.status) \(done.fields)")
            #expect(try await value("SELECT paused::text FROM baton.queues WHERE name = 'mail'", on: broker) == "true")
            // Somewhere else to go back to is not followed: the overview instead.
            let elsewhere = try await HTTPCall.send(
                "POST", url + "/actions", headers: ["Cookie": "baton_csrf=\(cookie)"],
                form: [("action", "resume-queue"), ("queue", "mail"), ("back", "//evil.example/x"), ("csrf", formToken)])
            #expect(elsewhere.status == 303 && elsewhere.header("Location") == "/")
            #expect(try await value("SELECT paused::text FROM baton.queues WHERE name = 'mail'", on: broker) == "false")
            // A read-only dashboard refuses even a well-formed action.
            let (readOnly, readOnlyURL, _) = try await startDashboard(["--read-only"], on: broker)
            defer { readOnly.terminate() }
            let shown = try await HTTPCall.get(readOnlyURL + "/queues")
            #expect(!shown.body.contains("name=\"action\""), "a read-only page offers an action")
            let token = try #require(shown.header("Set-Cookie")?.firstMatch(of: /baton_csrf=([0-9a-f]{64})/).map { String($0.1) })
            let refused = try await HTTPCall.send(
                "POST", readOnlyURL + "/actions", headers: ["Cookie": "baton_csrf=\(token)"], form: pause + [("csrf", token)])
            #expect(refused.status == 403 && refused.body.contains("read-only"))
            #expect(try await value("SELECT paused::text FROM baton.queues WHERE name = 'mail'", on: broker) == "false")
        }
    }

    @Test func nothingAUserTypedReachesAPageAsMarkup() async throws {
        try await TestDatabase.withBroker { broker in
            let hostile = "<script>alert('x')</script>\"'&<img src=x onerror=alert(1)>"
            let quoted = hostile.replacingOccurrences(of: "'", with: "''")
            try await broker.execute(statements: """
                SELECT baton.async_task('\(quoted)', jsonb_build_array('\(quoted)'), queue => 'q1', name => '\(quoted)');
                SELECT baton.async_chain('[["baton.echo", [1]], ["baton.echo", [2]]]', "group" => '\(quoted)', queue => 'q1');
                SELECT baton.schedule('\(quoted)', 'baton.echo', schedule_type => 'daily', next_run => now() + interval '1 day')
                """)
            let task = try #require(try await value("SELECT id::text FROM baton.tasks WHERE func <> 'baton.echo'", on: broker))
            let (dashboard, url, _) = try await startDashboard([], on: broker)
            defer { dashboard.terminate() }
            let group = hostile.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            for path in ["/", "/tasks", "/tasks?q=\(group)", "/task?id=\(task)", "/group?id=\(group)", "/groups", "/schedules"] {
                let page = try await HTTPCall.get(url + path)
                #expect(page.status == 200, "\(path): \(page.status)")
                #expect(!page.body.contains("<script>alert") && !page.body.contains("<img"), "\(path) holds markup a user typed")
                #expect(page.body.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), "\(path) does not show it")
            }
            let missing = try await HTTPCall.get(url + "/task?id=\(UUID().uuidString)")
            #expect(missing.status == 404 && missing.body.contains("Not found"))
        }
    }
}
