#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// SIGTERM and SIGINT for the whole process, caught from the first `catchNow()` on.
///
/// A signal that comes before anyone listens is kept and handed to the first listener, so a
/// stop sent while a worker process is still starting up is neither lost nor fatal. The
/// handler only writes the signal's number to a pipe (what a signal handler may safely do);
/// a thread of its own reads the pipe and calls the listener. Call `catchNow()` first thing
/// in `main`; `Cluster.runUntilSignalled` calls it too.
public enum StopSignals {
    private struct State {
        /// Signals caught while nobody listened.
        var pending = 0
        /// Signals handed to the current listener so far.
        var delivered = 0
        var listener: (@Sendable (Int) -> Void)?
        var caught = false
    }

    private static let state = Mutex(State())

    /// Starts catching SIGTERM and SIGINT; idempotent.
    public static func catchNow() {
        let first = state.withLock { state in
            defer { state.caught = true }
            return !state.caught
        }
        guard first else { return }
        var descriptors: [Int32] = [-1, -1]
        guard pipe(&descriptors) == 0 else { fatalError("could not create the stop signals' pipe: errno \(errno)") }
        stopSignalPipe = descriptors[1]
        let readEnd = descriptors[0]
        let reader = Thread { readSignals(from: readEnd) }
        reader.name = "baton.signals"
        reader.start()
        for number in [SIGTERM, SIGINT] {
            signal(number) { number in
                let saved = errno
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(stopSignalPipe, &byte, 1)
                errno = saved
            }
        }
    }

    /// Makes `handler` the listener, first with the signals caught before it (each call gets
    /// the count of signals it has been given, 1 for the first); returns the listening scope.
    static func listen(_ handler: @escaping @Sendable (Int) -> Void) -> Listening {
        catchNow()
        // Under the lock, so that a signal caught meanwhile is counted after these.
        state.withLock { state in
            (state.listener, state.delivered) = (handler, 0)
            while state.pending > 0 {
                state.pending -= 1
                state.delivered += 1
                handler(state.delivered)
            }
        }
        return Listening()
    }

    /// Returns at the first SIGTERM or SIGINT (one caught before the call counts): what a
    /// process that only serves, such as `baton dashboard`, waits for to stop.
    public static func first() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waiting = Mutex<CheckedContinuation<Void, Never>?>(continuation)
            // The listener stays for the rest of the process, which is ending.
            _ = listen { _ in waiting.withLock { $0.take() }?.resume() }
        }
    }

    struct Listening {
        /// Ends the listening: later signals wait for the next listener.
        func cancel() {
            StopSignals.state.withLock { $0.listener = nil }
        }
    }

    private static func readSignals(from descriptor: Int32) {
        var byte: UInt8 = 0
        while true {
            let count = read(descriptor, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            guard count == 1 else { return }
            state.withLock { state in
                guard let listener = state.listener else {
                    state.pending += 1
                    return
                }
                state.delivered += 1
                listener(state.delivered)
            }
        }
    }
}

/// The write end of the stop signals' pipe, a plain global so the handler reads it without
/// any lazy initialisation.
nonisolated(unsafe) private var stopSignalPipe: Int32 = -1
