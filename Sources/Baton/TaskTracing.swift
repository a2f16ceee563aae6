import Foundation
import Tracing

/// Whether a broker makes spans (docs/tracing.md): a span for each enqueue, its context
/// stored with the tasks it wrote, and a span for each attempt, child of the enqueue's and
/// linked to it, so that a task's run shows under the request that enqueued it.
public enum TaskTracing: Sendable {
    /// No spans; nothing is stored with the tasks.
    case off
    /// Spans from the tracer the process bootstrapped (`InstrumentationSystem.bootstrap`,
    /// swift-otel's for an OpenTelemetry backend), read at each use.
    case system
    /// Spans from this tracer (an in-memory one in tests).
    case tracer(any Tracer)

    /// `BATON_TRACING`: `on` (or `1`, `true`) traces with the bootstrapped tracer; unset or
    /// `off` (`0`, `false`) does not.
    /// - Throws: `BatonError.invalidArgument` for another value.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TaskTracing {
        switch environment["BATON_TRACING"]?.lowercased() {
        case nil, "", "off", "0", "false": return .off
        case "on", "1", "true": return .system
        case let value?:
            throw BatonError(code: .invalidArgument, message: "BATON_TRACING is on or off, not \(value.debugDescription)")
        }
    }

    var tracer: (any Tracer)? {
        switch self {
        case .off: nil
        case .system: InstrumentationSystem.tracer
        case .tracer(let tracer): tracer
        }
    }
}

/// A task's trace context: what a propagator injected, a JSON object of strings (tasks.trace).
enum TraceCarrier: Injector, Extractor {
    case dictionary

    /// The most a stored context may take (the column's check): a larger one is not stored.
    static let maxBytes = 8192

    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }

    func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key]
    }

    /// The column's text for `carrier`; nil when it is empty or too large to store.
    static func text(_ carrier: [String: String]) -> String? {
        guard !carrier.isEmpty, let text = try? JSONValue.object(carrier.mapValues(JSONValue.string)).jsonText(),
              text.utf8.count <= maxBytes
        else { return nil }
        return text
    }

    /// The carrier in the column's text; nil for none or one that cannot be read (then the
    /// attempt's span starts a trace of its own, and the task runs as ever).
    static func parse(_ text: String?) -> [String: String]? {
        guard let text, case .object(let fields)? = try? JSONValue.parse(text) else { return nil }
        var carrier: [String: String] = [:]
        for (key, value) in fields {
            if case .string(let string) = value { carrier[key] = string }
        }
        return carrier.isEmpty ? nil : carrier
    }
}

/// An attempt's failure, as its span records it.
struct AttemptFailure: Error, CustomStringConvertible {
    let description: String
}

extension Broker {
    /// Runs an enqueue of `count` tasks of `function` (a chain's first, for a chain) into
    /// `queue` in a span of kind producer, child of the caller's current span. `body` gets
    /// the span's context as the JSON text to store with the tasks: nil without tracing.
    func traceEnqueue<R>(
        of function: String, queue: String, count: Int = 1, group: String? = nil,
        taskID: (R) -> UUID? = { _ in nil }, _ body: (String?) async throws -> R
    ) async throws -> R {
        guard let tracer = tracing.tracer else { return try await body(nil) }
        return try await Self.traceEnqueue(
            with: tracer, of: function, queue: queue, count: count, group: group, taskID: taskID, body)
    }

    private static func traceEnqueue<T: Tracer, R>(
        with tracer: T, of function: String, queue: String, count: Int, group: String?, taskID: (R) -> UUID?,
        _ body: (String?) async throws -> R
    ) async throws -> R {
        let span = tracer.startSpan("enqueue \(function)", context: .current ?? .topLevel, ofKind: .producer)
        span.attributes["messaging.system"] = "baton"
        span.attributes["messaging.operation.type"] = "send"
        span.attributes["messaging.destination.name"] = queue
        span.attributes["baton.function"] = function
        span.attributes["baton.tasks"] = count
        if let group { span.attributes["baton.group"] = group }
        var carrier: [String: String] = [:]
        tracer.inject(span.context, into: &carrier, using: TraceCarrier.dictionary)
        do {
            let value = try await body(TraceCarrier.text(carrier))
            if let id = taskID(value) { span.attributes["messaging.message.id"] = id.lowercasedText }
            span.end()
            return value
        } catch {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            span.end()
            throw error
        }
    }

    /// Runs one attempt of `task` in a span of kind consumer, child of the span that
    /// enqueued it and linked to it (a root when the task carries no context the tracer reads), with that
    /// span current while the task runs, so that its own spans nest under it. A failed
    /// attempt records its error and sets the span's status to error.
    package func traceAttempt<R>(
        of task: ClaimedTask, outcome: (R) -> TaskOutcome, _ body: () async -> R
    ) async -> R {
        guard let tracer = tracing.tracer else { return await body() }
        return await Self.traceAttempt(with: tracer, of: task, outcome: outcome, body)
    }

    private static func traceAttempt<T: Tracer, R>(
        with tracer: T, of task: ClaimedTask, outcome: (R) -> TaskOutcome, _ body: () async -> R
    ) async -> R {
        var enqueued = ServiceContext.topLevel
        if let carrier = task.trace { tracer.extract(carrier, into: &enqueued, using: TraceCarrier.dictionary) }
        let span = tracer.startSpan("run \(task.function)", context: enqueued, ofKind: .consumer)
        if !enqueued.isEmpty { span.addLink(SpanLink(context: enqueued, attributes: [:])) }
        span.attributes["messaging.system"] = "baton"
        span.attributes["messaging.operation.type"] = "process"
        span.attributes["messaging.destination.name"] = task.queue
        span.attributes["messaging.message.id"] = task.id.lowercasedText
        span.attributes["baton.function"] = task.function
        span.attributes["baton.attempt"] = task.attempt
        span.attributes["baton.max_attempts"] = task.maxAttempts
        if let group = task.groupID { span.attributes["baton.group"] = group }
        if let position = task.chainPosition { span.attributes["baton.chain_position"] = position }
        let value = await ServiceContext.withValue(span.context) { await body() }
        switch outcome(value) {
        case .success: break
        case .failure(let message):
            span.recordError(AttemptFailure(description: message))
            span.setStatus(SpanStatus(code: .error, message: message))
        case .snooze(let delay):
            span.attributes["baton.snoozed_seconds"] = delay.seconds
        }
        span.end()
        return value
    }
}
