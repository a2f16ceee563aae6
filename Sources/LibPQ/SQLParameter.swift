import CLibPQ
import Foundation

/// One parameter value as libpq sends it: bytes (nil for NULL), type and format.
public struct SQLParameter: Sendable {
    /// The value; text values end with a NUL byte, as libpq wants them.
    var bytes: [UInt8]?
    var type: UInt32
    var isBinary: Bool

    /// A parameter in text form, the way `psql` would write it.
    /// - Throws: `.encoding` when the text holds a NUL character, which PostgreSQL cannot store.
    public init(text: String, type: UInt32) throws {
        var bytes = Array(text.utf8)
        guard !bytes.contains(0) else {
            throw PostgresError.encoding("text sent to PostgreSQL cannot contain the NUL character (U+0000)")
        }
        bytes.append(0)
        self.init(bytes: bytes, type: type, isBinary: false)
    }

    /// A parameter in binary form (bytea).
    public init(binary: [UInt8], type: UInt32) {
        self.init(bytes: binary, type: type, isBinary: true)
    }

    /// SQL NULL of the given type.
    public static func null(type: UInt32) -> SQLParameter {
        SQLParameter(bytes: nil, type: type, isBinary: false)
    }

    private init(bytes: [UInt8]?, type: UInt32, isBinary: Bool) {
        self.bytes = bytes
        self.type = type
        self.isBinary = isBinary
    }

    /// The text form without its NUL, for building array literals.
    var text: String? {
        guard let bytes, !isBinary else { return nil }
        return String(decoding: bytes.dropLast(), as: UTF8.self)
    }
}

extension Array where Element == SQLParameter {
    /// Lays the parameters out as the arrays `PQsendQueryParams` takes.
    func withLibPQArrays<R>(
        _ body: (Int32, [Oid], [UnsafePointer<CChar>?], [Int32], [Int32]) -> R
    ) -> R {
        let buffers: [UnsafeMutablePointer<UInt8>?] = map { parameter in
            guard let bytes = parameter.bytes else { return nil }
            let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: Swift.max(bytes.count, 1))
            buffer.initialize(from: bytes, count: bytes.count)
            return buffer
        }
        defer { buffers.forEach { $0?.deallocate() } }
        let values = buffers.map { $0.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) } }
        return body(
            Int32(count), map(\.type), values, map { Int32($0.bytes?.count ?? 0) }, map { $0.isBinary ? 1 : 0 })
    }
}
