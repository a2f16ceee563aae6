#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LibPQ
import Synchronization

/// Copies TCP connections from a listening address to a port on 127.0.0.1, a thread a
/// direction. `silenceOpenConnections()` makes the connections open now go quiet, as ones a
/// network dropped without a word (lost packets, no reset): what either end sends is
/// swallowed and nothing comes back, while connections made afterwards work.
public final class Forwarder: Sendable {
    public let port: UInt16
    private let listener: Int32
    private let open = Mutex([ObjectIdentifier: Pair]())

    public init(listenOn address: String = "127.0.0.1", to target: UInt16) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var bound = Self.address(address, 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &bound) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 64) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        guard listening else { throw TestSupportError("the forwarder could not listen on \(address): errno \(errno)") }
        port = UInt16(bigEndian: bound.sin_port)
        Thread.detachNewThread { [self] in acceptLoop(target: target) }
    }

    /// Makes every connection open now go quiet for good; returns how many.
    @discardableResult
    public func silenceOpenConnections() -> Int {
        open.withLock { pairs in
            for pair in pairs.values { pair.silenced.withLock { $0 = true } }
            return pairs.count
        }
    }

    private func acceptLoop(target: UInt16) {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { if errno == EINTR { continue } else { return } }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.address("127.0.0.1", target)
            let connected = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            guard connected else { close(client); close(server); continue }
            let pair = Pair(client, server)
            open.withLock { $0[ObjectIdentifier(pair)] = pair }
            let finished: @Sendable () -> Void = { [self] in _ = open.withLock { $0.removeValue(forKey: ObjectIdentifier(pair)) } }
            Thread.detachNewThread { Self.pump(from: client, to: server, pair, finished) }
            Thread.detachNewThread { Self.pump(from: server, to: client, pair, finished) }
        }
    }

    /// Both ends of one forwarded connection, closed when both directions have ended.
    private final class Pair: Sendable {
        let ends: (Int32, Int32)
        let silenced = Mutex(false)
        private let directionsOpen = Mutex(2)
        init(_ a: Int32, _ b: Int32) { ends = (a, b) }

        /// One direction ended; returns whether it was the last.
        func ended() -> Bool {
            shutdown(ends.0, Int32(SHUT_RDWR))
            shutdown(ends.1, Int32(SHUT_RDWR))
            let last = directionsOpen.withLock { open in
                open -= 1
                return open == 0
            }
            if last { close(ends.0); close(ends.1) }
            return last
        }
    }

    private static func pump(from source: Int32, to destination: Int32, _ pair: Pair, _ finished: @Sendable () -> Void) {
        defer { if pair.ended() { finished() } }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(source, &buffer, buffer.count)
            if count <= 0 { return }
            if pair.silenced.withLock({ $0 }) { continue }
            var sent = 0
            while sent < count {
                let written = buffer.withUnsafeBytes { send(destination, $0.baseAddress! + sent, count - sent, Int32(MSG_NOSIGNAL)) }
                if written <= 0 { return }
                sent += written
            }
        }
    }

    private static func address(_ text: String, _ port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(text)
        address.sin_port = port.bigEndian
        return address
    }
}

extension Forwarder {
    /// A forwarder to `configuration`'s server (on this machine), and the configuration that
    /// connects through it.
    public static func to(_ configuration: ConnectionConfiguration) throws -> (Forwarder, ConnectionConfiguration) {
        let forwarder = try Forwarder(to: configuration.localPort)
        let through = try ConnectionConfiguration(
            configuration.conninfoForChildProcess + " host=127.0.0.1 port=\(forwarder.port)")
        return (forwarder, through)
    }
}

extension ConnectionConfiguration {
    /// The port of a server on this machine (5432 unless the configuration names one).
    public var localPort: UInt16 {
        UInt16(description.split(separator: ":").last?.split(separator: "/").first ?? "") ?? 5432
    }
}
