import Foundation

extension UUID {
    /// `count` new UUIDs of version 7, in increasing order: the time in milliseconds, then
    /// random bits counting up from a random start, as `baton.new_id()` makes them one at a
    /// time. Ids in time order fill the right-hand pages of the queue's and the results'
    /// primary keys, and tasks enqueued together are claimed in the order given.
    public static func timeOrdered(count: Int) -> [UUID] {
        var generator = SystemRandomNumberGenerator()
        let milliseconds = UInt64(Date().timeIntervalSince1970 * 1000) & 0xFFFF_FFFF_FFFF
        // 74 random bits: 12 after the version, 62 after the variant, whose top bit is left
        // clear so that counting never carries out of them.
        let first = milliseconds << 16 | 0x7000 | generator.next() & 0x0FFF
        let start = generator.next() & 0x1FFF_FFFF_FFFF_FFFF
        return (0..<UInt64(count)).map { offset in UUID(first, 0x8000_0000_0000_0000 | (start + offset)) }
    }

    private init(_ first: UInt64, _ second: UInt64) {
        let a = first.bigEndian, b = second.bigEndian
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &bytes) { raw in
            withUnsafeBytes(of: a) { raw.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: 8) }
            withUnsafeBytes(of: b) { (raw.baseAddress! + 8).copyMemory(from: $0.baseAddress!, byteCount: 8) }
        }
        self.init(uuid: bytes)
    }
}
