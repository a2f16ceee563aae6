import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/1.1 request to a server on loopback, as a test makes it, over a plain socket:
/// redirects not followed, a 401 read as an answer (no credential prompt), and its answer.
public enum HTTPCall {
    public struct Answer: Sendable {
        public let status: Int
        /// Each header as sent, in order; a name may come more than once (Set-Cookie).
        public let fields: [(name: String, value: String)]
        public let body: String

        /// A header by name, in any case; the first when there are several.
        public func header(_ name: String) -> String? {
            fields.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    public static func get(_ url: String, headers: [String: String] = [:]) async throws -> Answer {
        try await send("GET", url, headers: headers)
    }

    public static func send(
        _ method: String, _ url: String, headers: [String: String] = [:], form: [(String, String)]? = nil
    ) async throws -> Answer {
        guard let parts = URLComponents(string: url), let port = parts.port else { throw TestSupportError("not a loopback URL: \(url)") }
        let target = parts.percentEncodedPath.isEmpty ? "/" : parts.percentEncodedPath
            + (parts.percentEncodedQuery.map { "?" + $0 } ?? "")
        var body = Data()
        var lines = ["\(method) \(target) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Connection: close"]
        if let form {
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
            body = Data(form.map { "\($0)=\($1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
                .joined(separator: "&").utf8)
            lines.append("Content-Type: application/x-www-form-urlencoded")
        }
        if method != "GET" { lines.append("Content-Length: \(body.count)") }
        for (name, value) in headers { lines.append("\(name): \(value)") }
        let request = Data((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8) + body
        return try parse(try exchange(request, port: port))
    }

    /// Reads a server-sent event stream for `duration`: each event's name (its `event:`
    /// line, or `message`) and when it arrived.
    public static func events(
        _ url: String, for duration: Duration, headers: [String: String] = [:]
    ) async throws -> [(at: ContinuousClock.Instant, event: String)] {
        guard let parts = URLComponents(string: url), let port = parts.port else { throw TestSupportError("not a loopback URL: \(url)") }
        let target = parts.percentEncodedPath + (parts.percentEncodedQuery.map { "?" + $0 } ?? "")
        var lines = ["GET \(target) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Accept: text/event-stream"]
        for (name, value) in headers { lines.append("\(name): \(value)") }
        let request = Data((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
        let deadline = ContinuousClock.now + duration
        // On a thread of its own: blocking reads on one of the few threads that run tasks
        // would stall the test's other tasks for as long.
        return try await onThread {
            let socket = try connected(to: port, timeout: timeval(tv_sec: 0, tv_usec: 200_000))
            defer { close(socket) }
            try send(request, on: socket)
            var events: [(at: ContinuousClock.Instant, event: String)] = []
            var pending = ""
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while ContinuousClock.now < deadline {
                let count = recv(socket, &buffer, buffer.count, 0)
                if count == 0 { break }
                if count < 0 {
                    // A read that timed out is tried again until the deadline; any other error ends the stream.
                    if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                    break
                }
                // Line by line ("\r\n" would be one Character): the chunks' sizes become lines of their own.
                pending += String(decoding: buffer[0..<count], as: UTF8.self).replacingOccurrences(of: "\r", with: "")
                // An event ends with a blank line; its name is its `event:` field.
                while let end = pending.range(of: "\n\n") {
                    let block = pending[..<end.lowerBound]
                    pending = String(pending[end.upperBound...])
                    let fields = block.split(separator: "\n")
                    guard fields.contains(where: { $0.hasPrefix("data:") }) else { continue }
                    let name = fields.first { $0.hasPrefix("event:") }.map { $0.dropFirst(6).trimmingCharacters(in: .whitespaces) }
                    events.append((.now, name ?? "message"))
                }
            }
            return events
        }
    }

    private static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    /// Sends `request` and reads until the server closes (10 s at most).
    private static func exchange(_ request: Data, port: Int) throws -> [UInt8] {
        let socket = try connected(to: port, timeout: timeval(tv_sec: 10, tv_usec: 0))
        defer { close(socket) }
        try send(request, on: socket)
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count < 0 { throw TestSupportError("no answer within 10 s: errno \(errno)") }
            if count == 0 { return answer }
            answer += buffer[0..<count]
        }
    }

    /// A socket connected to the port on loopback, whose reads give up after `timeout`.
    private static func connected(to port: Int, timeout: timeval) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw TestSupportError("no socket: errno \(errno)") }
        var timeout = timeout
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw TestSupportError("could not connect to port \(port): errno \(errno)")
        }
        return socket
    }

    private static func send(_ request: Data, on socket: Int32) throws {
        let bytes = [UInt8](request)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw TestSupportError("the request could not be sent: errno \(errno)") }
            sent += count
        }
    }

    private static func parse(_ bytes: [UInt8]) throws -> Answer {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { throw TestSupportError("not an HTTP answer: \(text.prefix(200))") }
        var lines = text[..<end.lowerBound].components(separatedBy: "\r\n")
        let status = lines.removeFirst().split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        let fields = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var body = String(text[end.upperBound...])
        if fields.contains(where: { $0.0.lowercased() == "transfer-encoding" && $0.1.lowercased().contains("chunked") }) {
            body = dechunk(body)
        }
        return Answer(status: status, fields: fields, body: body)
    }

    private static func dechunk(_ text: String) -> String {
        var rest = Substring(text)
        var body = ""
        while let line = rest.range(of: "\r\n"), let size = Int(rest[..<line.lowerBound], radix: 16), size > 0 {
            let start = line.upperBound
            let utf8 = rest.utf8
            let stop = utf8.index(start, offsetBy: size, limitedBy: utf8.endIndex) ?? utf8.endIndex
            body += String(rest[start..<stop])
            rest = rest[stop...].dropFirst(2)
        }
        return body
    }
}
