import Foundation

/// Single keys from a terminal, for stepping through a lesson without pressing Enter each time.
///
/// The terminal is put in raw mode (no line editing, no echo) only while one key is awaited, and
/// its settings are put back before `readKey` returns, whatever happens: so a command running,
/// an error, or Ctrl-C while a command runs never finds the terminal raw. Ctrl-C still sends
/// SIGINT (ISIG stays on); while a key is awaited, `interrupted` is asked ten times a second, so
/// the caller can let its signal handling set a flag instead of exiting with the terminal raw.
public enum Keyboard {
    /// Keys as the presenter reads them: arrows as "→" and "←", Enter as "\n", anything else as
    /// the character typed ("" for a key that has no meaning here, such as F1).
    public static let right = "→", left = "←", enter = "\n"

    /// Whether `fd` is a terminal whose settings can be read (and so restored).
    public static func isTerminal(_ fd: Int32 = STDIN_FILENO) -> Bool {
        var settings = termios()
        return isatty(fd) != 0 && tcgetattr(fd, &settings) == 0
    }

    /// Waits for one key on `fd` in raw mode; nil at end of input, on an error, or once
    /// `interrupted()` says so. The terminal's settings are restored before it returns.
    public static func readKey(_ fd: Int32 = STDIN_FILENO, interrupted: () -> Bool = { false }) -> String? {
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else { return nil }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(fd, TCSANOW, &raw) == 0 else { return nil }
        defer { _ = tcsetattr(fd, TCSANOW, &saved) }

        while true {
            if interrupted() { return nil }
            guard let ready = wait(fd, milliseconds: 100) else { return nil }
            if ready { break }
        }
        guard let first = readByte(fd) else { return nil }
        if first == 0x1B { return escapeSequence(fd) }
        if first == 0x0D || first == 0x0A { return enter }
        if first == 0x04 { return nil }                      // Ctrl-D: end of input
        // A character of several UTF-8 bytes: read the rest of it.
        let extra = first >= 0xF0 ? 3 : first >= 0xE0 ? 2 : first >= 0xC0 ? 1 : 0
        var bytes = [first]
        for _ in 0..<extra {
            guard wait(fd, milliseconds: 50) == true, let next = readByte(fd) else { break }
            bytes.append(next)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// After ESC: "[C" / "OC" is the right arrow, "[D" / "OD" the left; other sequences (and ESC
    /// alone) mean nothing here. The rest of a longer sequence is read and dropped.
    private static func escapeSequence(_ fd: Int32) -> String {
        guard wait(fd, milliseconds: 50) == true, let introducer = readByte(fd), introducer == 0x5B || introducer == 0x4F else { return "" }
        var final: UInt8 = 0
        for _ in 0..<8 {
            guard wait(fd, milliseconds: 50) == true, let byte = readByte(fd) else { break }
            final = byte
            if (0x40...0x7E).contains(byte) { break }          // a CSI sequence ends with a letter or ~
        }
        switch final {
        case 0x43: return right
        case 0x44: return left
        default: return ""
        }
    }

    /// true when `fd` has input, false after the timeout, nil on an error or a hang-up.
    private static func wait(_ fd: Int32, milliseconds: Int32) -> Bool? {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let n = poll(&entry, 1, milliseconds)
        if n < 0 { return errno == EINTR ? false : nil }
        if n == 0 { return false }
        if entry.revents & Int16(POLLIN) != 0 { return true }
        return nil                                            // POLLHUP or POLLERR without data
    }

    private static func readByte(_ fd: Int32) -> UInt8? {
        var byte: UInt8 = 0
        while true {
            let n = read(fd, &byte, 1)
            if n == 1 { return byte }
            if n < 0 && errno == EINTR { continue }
            return nil
        }
    }
}
