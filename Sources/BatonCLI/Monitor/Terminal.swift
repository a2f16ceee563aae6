#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The terminal `baton monitor` draws on: its size, keys read one at a time without echo,
/// the alternate screen (the shell's screen comes back as it was on exit).
final class Terminal: @unchecked Sendable {
    private var saved = termios()
    private var raw = false

    /// Whether standard output is a terminal (else the monitor prints plain snapshots).
    static var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Columns and lines; 100 by 40 when the terminal does not say.
    var size: (width: Int, height: Int) {
        var window = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &window) == 0, window.ws_col > 0, window.ws_row > 0 else { return (100, 40) }
        return (Int(window.ws_col), Int(window.ws_row))
    }

    func enter() {
        if isatty(STDIN_FILENO) == 1, tcgetattr(STDIN_FILENO, &saved) == 0 {
            var keys = saved
            keys.c_lflag &= ~tcflag_t(ICANON | ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &keys)
            raw = true
        }
        write("\u{1B}[?1049h\u{1B}[?25l")
    }

    func leave() {
        write("\u{1B}[?25h\u{1B}[?1049l")
        if raw { tcsetattr(STDIN_FILENO, TCSANOW, &saved) }
    }

    /// Draws `lines` from the top left, clearing what the last screen left beyond them.
    func draw(_ lines: [String]) {
        write("\u{1B}[H" + lines.joined(separator: "\u{1B}[K\r\n") + "\u{1B}[K\u{1B}[J")
    }

    /// Calls `quit` on a thread of its own when `q` (or Ctrl-C, Ctrl-D) is typed.
    func onQuitKey(_ quit: @escaping @Sendable () -> Void) {
        let reader = Thread {
            var byte: UInt8 = 0
            while true {
                let count = read(STDIN_FILENO, &byte, 1)
                if count < 0, errno == EINTR { continue }
                guard count == 1 else { return }
                if [UInt8(ascii: "q"), UInt8(ascii: "Q"), 3, 4].contains(byte) {
                    quit()
                    return
                }
            }
        }
        reader.name = "baton.monitor.keys"
        reader.start()
    }

    private func write(_ text: String) {
        var bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeMutableBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress! + sent, $0.count - sent) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return }
            sent += count
        }
    }
}
