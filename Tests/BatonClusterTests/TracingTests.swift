import BatonCluster
import Foundation
import InMemoryTracing
import Testing
import TestSupport
import Tracing

/// Tracing (docs/tracing.md), with an in-memory tracer: the enqueue's span is a child of the
/// caller's, its context is stored with the tasks, and each attempt's span, run by a real
/// cluster, is a child of the enqueue's and linked to it.
@Suite struct TracingTests {
    /// The stock functions, `test.step`, and `test.span`, which returns the id of the span
    /// current while it runs (what a span the task makes would nest under).
    static let registry: TaskRegistry = {
        var registry = testRegistry
        try! registry.register("test.span") { () async throws -> String in
            InstrumentationContext.current?.inMemorySpanContext?.spanID ?? "none"
        }
        return registry
    }()

    /// Runs `body` with a broker that traces with `tracer`, on a new database.
    func withTracedBroker(_ tracer: InMemoryTracer, _ body: (Broker) async throws -> Void) async throws {
        try await TestDatabase.withMigratedDatabase { configuration in
            try await Broker.with(configuration: configuration, registry: Self.registry, tracing: .tracer(tracer), body)
        }
    }

    func spans(_ tracer: InMemoryTracer, named name: String) -> [FinishedInMemorySpan] {
        tracer.finishedSpans.filter { $0.operationName == name }
    }

    /// A string or integer attribute as text.
    func attribute(_ span: FinishedInMemorySpan, _ key: String) -> String? {
        switch span.attributes[key]?.toSpanAttribute() {
        case .string(let value)?: value
        case .int64(let value)?: String(value)
        default: nil
        }
    }

    @Test func aTaskRunsUnderTheSpanThatEnqueuedIt() async throws {
        let tracer = InMemoryTracer()
        try await withTracedBroker(tracer) { broker in
            let (ok, failing) = try await tracer.withSpan("request") { _ in
                (try await broker.asyncTask("test.span", queue: "mail"),
                 try await broker.asyncTask("baton.fail", args: ["no"], maxAttempts: 2, retryDelay: .milliseconds(50)))
            }
            let request = try #require(spans(tracer, named: "request").first)
            let stored: [String] = try await broker.pool.withConnection { connection in
                try await connection.query(
                    "SELECT trace->>'in-memory-trace-id' FROM baton.tasks ORDER BY id"
                ).map { try $0.decode(0) }
            }
            #expect(stored == [request.traceID, request.traceID], "each task carries the request's trace")

            let records = try await withCluster(
                broker, registry: Self.registry, configuration: ClusterConfiguration(queues: ["default": 2, "mail": 2])
            ) {
                (try await broker.fetch(ok, wait: .seconds(20)), try await broker.fetch(failing, wait: .seconds(20)))
            }
            #expect(records.0?.success == true && records.1?.attempts == 2)

            let enqueues = spans(tracer, named: "enqueue test.span") + spans(tracer, named: "enqueue baton.fail")
            #expect(enqueues.count == 2)
            for enqueue in enqueues {
                #expect(enqueue.parentSpanID == request.spanID && enqueue.traceID == request.traceID)
                #expect(enqueue.kind == .producer)
            }
            let enqueue = try #require(spans(tracer, named: "enqueue test.span").first)
            #expect(attribute(enqueue, "messaging.message.id") == ok.lowercasedText)
            #expect(attribute(enqueue, "messaging.destination.name") == "mail")

            let run = try #require(spans(tracer, named: "run test.span").first)
            #expect(run.parentSpanID == enqueue.spanID && run.traceID == request.traceID && run.kind == .consumer)
            #expect(run.links.map(\.context.inMemorySpanContext?.spanID) == [enqueue.spanID])
            #expect(attribute(run, "messaging.message.id") == ok.lowercasedText)
            #expect(run.status == nil && run.errors.isEmpty)
            #expect(records.0?.value == .string(run.spanID), "the task ran with its attempt's span current")

            let failed = spans(tracer, named: "run baton.fail")
            let failEnqueue = try #require(spans(tracer, named: "enqueue baton.fail").first)
            #expect(failed.count == 2, "one span per attempt")
            #expect(Set(failed.compactMap { attribute($0, "baton.attempt") }) == ["1", "2"])
            for span in failed {
                #expect(span.parentSpanID == failEnqueue.spanID)
                #expect(span.status?.code == .error && span.errors.count == 1)
                let recorded = span.errors.map { String(describing: $0.error) }
                #expect(recorded == [records.1?.error].compactMap { $0 }, "the attempt's error, as its result records it")
                #expect(span.status?.message == records.1?.error)
            }
        }
    }

    @Test func everyWayToEnqueueCarriesItsSpan() async throws {
        let tracer = InMemoryTracer()
        try await withTracedBroker(tracer) { broker in
            let (chain, _, iter, inline) = try await tracer.withSpan("request") { _ in
                (try await broker.asyncChain((0..<3).map { ChainLink("baton.echo", .int($0)) }),
                 try await broker.asyncTasks((0..<3).map { TaskCall("baton.echo", .int($0)) }, group: "bulk"),
                 try await broker.asyncIter("baton.echo", [[1], [2]]),
                 try await broker.asyncTask("test.span", sync: true))
            }
            let done = try await withCluster(broker, registry: Self.registry) {
                (try await broker.resultGroup(chain, wait: .seconds(20), count: 3),
                 try await broker.resultGroup("bulk", wait: .seconds(20), count: 3),
                 try await broker.resultIter(iter, wait: .seconds(20)))
            }
            #expect(done.0?.count == 3 && done.1?.count == 3 && done.2?.count == 2)
            let request = try #require(spans(tracer, named: "request").first)
            let enqueues = spans(tracer, named: "enqueue baton.echo")
            #expect(enqueues.count == 3, "one span for the chain, one for the bulk enqueue, one for the iter")
            #expect(enqueues.allSatisfy { $0.parentSpanID == request.spanID })
            #expect(Set(enqueues.map { attribute($0, "baton.tasks") }) == ["3", "2"])
            let runs = spans(tracer, named: "run baton.echo")
            #expect(runs.count == 8)
            let parents = Set(enqueues.map(\.spanID))
            #expect(runs.allSatisfy { parents.contains($0.parentSpanID ?? "") && $0.traceID == request.traceID })
            // The chain's links, run one after another, each under the chain's enqueue.
            let links = runs.filter { attribute($0, "baton.group") == chain }
            #expect(Set(links.compactMap { attribute($0, "baton.chain_position") }) == ["0", "1", "2"])
            #expect(Set(links.map(\.parentSpanID)).count == 1)

            // A sync task's attempt, run in the caller, is a child of its enqueue too.
            let inlineRun = try #require(spans(tracer, named: "run test.span").first)
            let inlineEnqueue = try #require(spans(tracer, named: "enqueue test.span").first)
            #expect(inlineRun.parentSpanID == inlineEnqueue.spanID)
            #expect(try await broker.result(inline) == .string(inlineRun.spanID))
        }
    }

    @Test func aContextEnqueuedBySQLIsTheParentAndBadOnesAreRefused() async throws {
        let tracer = InMemoryTracer()
        try await withTracedBroker(tracer) { broker in
            // What another language's propagator writes; here the in-memory tracer's keys.
            let parent = #"{"in-memory-trace-id": "trace-from-python", "in-memory-span-id": "span-from-python"}"#
            let (good, unread, untraced): (UUID, UUID, UUID) = try await broker.pool.withConnection { connection in
                (try await connection.query("SELECT baton.async_task('baton.echo', '[1]', trace => $1::jsonb)", parent)[0].decode(0),
                 // A context this tracer cannot read: the task runs, its span a root.
                 try await connection.query(#"SELECT baton.async_task('baton.echo', '[2]', trace => '{"traceparent": "<script>alert(1)</script>"}')"#)[0].decode(0),
                 try await connection.query("SELECT baton.async_task('baton.echo', '[3]')")[0].decode(0))
            }
            let hostile = [
                #"'"just text"'"#, "'[1, 2]'", #"'{"traceparent": {"deep": ["x"]}}'"#, #"'{"n": 1}'"#,
                "jsonb_build_object('traceparent', repeat('x', 9000))",
            ]
            for trace in hostile {
                for call in ["baton.async_task('baton.echo', trace => \(trace))",
                             "baton.async_chain('[[\"baton.echo\"]]', trace => \(trace))",
                             "baton.async_tasks('[[\"baton.echo\"]]', trace => \(trace))",
                             "baton.async_iter('baton.echo', '[[1]]', trace => \(trace))"] {
                    let error = await #expect(throws: PostgresError.self) {
                        _ = try await broker.pool.withConnection { try await $0.query("SELECT \(call)") }
                    }
                    #expect(error?.code == .batonInvalidInput, "\(call)")
                    #expect(error?.message.contains("trace") == true, "\(error?.message ?? "")")
                }
            }
            // A row written without the functions meets the column's check.
            let direct = await #expect(throws: PostgresError.self) {
                _ = try await broker.pool.withConnection {
                    try await $0.query(#"INSERT INTO baton.tasks (id, name, func, trace) VALUES (gen_random_uuid(), 'f', 'f', '"x"')"#)
                }
            }
            #expect(direct?.code == .checkViolation)
            #expect(try await count("SELECT count(*) FROM baton.tasks", on: broker) == 3, "no bad one was enqueued")

            let values = try await withCluster(broker, registry: Self.registry) {
                [try await broker.result(good, wait: .seconds(20)), try await broker.result(unread, wait: .seconds(20)),
                 try await broker.result(untraced, wait: .seconds(20))]
            }
            #expect(values == [[1], [2], [3]], "baton.echo returns its arguments")
            let runs = spans(tracer, named: "run baton.echo")
            let byID = Dictionary(uniqueKeysWithValues: runs.compactMap { span -> (String, FinishedInMemorySpan)? in
                attribute(span, "messaging.message.id").map { ($0, span) }
            })
            let child = try #require(byID[good.lowercasedText])
            #expect(child.traceID == "trace-from-python" && child.parentSpanID == "span-from-python")
            #expect(child.links.count == 1)
            for id in [unread, untraced] {
                let root = try #require(byID[id.lowercasedText])
                #expect(root.parentSpanID == nil && root.links.isEmpty, "a task without a readable context starts a trace")
            }
        }
    }

    @Test func withoutTracingNothingIsStoredWithTheTasks() async throws {
        try await TestDatabase.withBroker(registry: Self.registry) { broker in
            try await broker.asyncTask("baton.echo")
            try await broker.asyncTask("baton.echo", group: "g")
            try await broker.asyncChain([ChainLink("baton.echo"), ChainLink("baton.echo")])
            try await broker.asyncTasks([TaskCall("baton.echo")])
            try await broker.asyncIter("baton.echo", [[1]])
            #expect(try await count("SELECT count(*) FROM baton.tasks", on: broker) == 6)
            #expect(try await count("SELECT count(*) FROM baton.tasks WHERE trace IS NOT NULL", on: broker) == 0)
        }
    }

    @Test func theEnvironmentTurnsTracingOn() throws {
        for value in ["on", "1", "TRUE"] {
            guard case .system = try TaskTracing.fromEnvironment(["BATON_TRACING": value]) else {
                Issue.record("\(value) is on")
                continue
            }
        }
        for value in ["off", "0", ""] {
            guard case .off = try TaskTracing.fromEnvironment(["BATON_TRACING": value]) else {
                Issue.record("\(value) is off")
                continue
            }
        }
        guard case .off = try TaskTracing.fromEnvironment([:]) else { Issue.record("unset is off"); return }
        let error = #expect(throws: BatonError.self) { try TaskTracing.fromEnvironment(["BATON_TRACING": "sometimes"]) }
        #expect(error?.message.contains("sometimes") == true)
    }
}
