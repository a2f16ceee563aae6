import Baton
import Hummingbird

/// `/events?page=NAME`: server-sent events for a page to refresh itself: `change` when the
/// queue's notifications say something happened (at most one every 2 seconds, fewer when the
/// page takes long to build: `RefreshPace`), and every 15 seconds in any case, for what no
/// notification announces (a SQL enqueue while every cluster is busy). Fed by the process's
/// one listening connection (`Broker.activity()`); a broker that polls says `polling` first
/// and changes at each poll.
struct LiveEvents: Sendable {
    let broker: Broker
    let pace: RefreshPace
    /// The page's template name, as the page's `data-live` link gives it.
    let page: String
    static let quiet = Duration.seconds(15)

    func response() async throws -> Response {
        let activity = try await broker.activity()
        let polling = if case .polling = broker.listening { true } else { false }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody { writer in
                defer { activity.cancel() }
                try await writer.write(ByteBuffer(string: "retry: 5000\n" + (polling ? "event: polling\ndata: \n\n" : ": live\n\n")))
                while !Task.isCancelled {
                    let heard = await activity.signal.wait(until: .now + Self.quiet)
                    try await writer.write(ByteBuffer(string: "event: change\ndata: \(heard ? "news" : "quiet")\n\n"))
                    // Notifications that arrive meanwhile make one change, not one each; while
                    // every page waits, the process stops listening and takes none of them.
                    activity.pause()
                    let told = ContinuousClock.now
                    try await Task.sleep(for: RefreshPace.least)
                    // The page has refreshed on that change by now: how long it took decides the rest.
                    let rest = told + pace.interval(for: page) - .now
                    if rest > .zero { try await Task.sleep(for: rest) }
                    await activity.resume()
                }
                try await writer.finish(nil)
            })
    }
}
