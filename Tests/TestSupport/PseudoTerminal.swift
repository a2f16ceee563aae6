#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A pseudo-terminal for a test: a child process gets its terminal end as standard input,
/// output and error (a terminal of `width` by `height`); the test reads what it draws and types.
public final class PseudoTerminal: Sendable {
    private let master: Int32
    /// The terminal end, for the child.
    public let child: FileHandle
    private final class Output: Sendable {
        let bytes = Mutex<[UInt8]>([])
    }
    private let output = Output()

    public init(width: Int, height: Int) throws {
        // posix_openpt and friends, by hand (Glibc's module leaves them out): the multiplexer,
        // its lock taken off (TIOCSPTLCK), its number (TIOCGPTN) naming the terminal end.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard master >= 0, ioctl(master, 0x4004_5431, &unlock) == 0, ioctl(master, 0x8004_5430, &number) == 0 else {
            throw TestSupportError("no pseudo-terminal: errno \(errno)")
        }
        let name = "/dev/pts/\(number)"
        var size = winsize(ws_row: UInt16(height), ws_col: UInt16(width), ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
        let slave = open(name, O_RDWR | O_NOCTTY)
        guard slave >= 0 else { throw TestSupportError("the pseudo-terminal's end did not open: errno \(errno)") }
        self.master = master
        child = FileHandle(fileDescriptor: slave, closeOnDealloc: true)
        let output = self.output
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(master, &buffer, buffer.count)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { return }
                output.bytes.withLock { $0 += buffer[0..<count] }
            }
        }
        reader.start()
    }

    deinit { close(master) }

    /// Everything the child wrote so far, escapes and all.
    public var written: String { String(decoding: output.bytes.withLock { $0 }, as: UTF8.self) }

    /// The last screen drawn (after the last cursor-home), escapes taken out.
    public var screen: String {
        let text = written
        let last = text.range(of: "\u{1B}[H", options: .backwards).map { String(text[$0.upperBound...]) } ?? text
        return last.replacing(/\x1B\[[0-9;?]*[A-Za-z]/, with: "")
    }

    /// Types `text` on the terminal.
    public func type(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(master, $0.baseAddress, $0.count) }
    }
}
