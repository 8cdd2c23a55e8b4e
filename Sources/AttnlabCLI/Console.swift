import Foundation

/// Where commands write what they have to say: standard output and error by default. A lesson
/// runner or a test can capture it instead, for the task that asks, without touching others
/// running at the same time (the sinks are task-local).
///
/// Text from the user (a `--text`, a token, a file name) may hold control characters; an ESC or a
/// BEL sent to a terminal as it is can recolour, retitle or beep it. `say` and `note` show them
/// escaped (`\e`, `\a`, `\u{9b}`); only `sayFormatted`, for the program's own styling, passes
/// them through.
public enum Console {
    public typealias Sink = @Sendable (String) -> Void
    public struct Sinks: Sendable {
        public var out: Sink
        public var err: Sink
        /// Whether these are the process's own standard output and error (not a capture).
        var isStandard = false
    }

    @TaskLocal static var sinks = Sinks(
        out: { text in FileHandle.standardOutput.write(Data((text + "\n").utf8)) },
        err: { text in FileHandle.standardError.write(Data((text + "\n").utf8)) },
        isStandard: true)

    /// A line for the user (results, paths written), with control characters escaped.
    public static func say(_ text: String) { sinks.out(escapingControls(text)) }
    /// A progress or diagnostic line, kept off standard output so `--json` output stays clean.
    public static func note(_ text: String) { sinks.err(escapingControls(text)) }
    /// A line the program styled itself (a lesson's headings): passed through as it is.
    public static func sayFormatted(_ text: String) { sinks.out(text) }

    /// Whether progress lines are shown in place (standard error is a terminal, not captured).
    public static var isTerminal: Bool { sinks.isStandard && isatty(STDERR_FILENO) != 0 }

    /// A progress line that rewrites itself, on a terminal only: piped or captured output stays clean.
    /// An empty text clears the line.
    public static func progress(_ text: String) {
        guard sinks.isStandard, isatty(STDERR_FILENO) != 0 else { return }
        let line = text.isEmpty ? "\r\u{1B}[K" : "\r\u{1B}[K" + escapingControls(text)
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Runs `body` with lines sent to `out` and notes to `err`.
    public static func capture<R>(out: @escaping Sink, err: @escaping Sink = { _ in },
                                  _ body: () throws -> R) rethrows -> R {
        try $sinks.withValue(Sinks(out: out, err: err), operation: body)
    }

    /// `text` with every control character but the line break shown as an escape.
    public static func escapingControls(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            guard isControl(scalar) else { out.unicodeScalars.append(scalar); continue }
            switch scalar {
            case "\u{1B}": out += "\\e"
            case "\u{07}": out += "\\a"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default: out += "\\u{\(String(scalar.value, radix: 16))}"
            }
        }
        return out
    }

    /// C0 and C1 controls and DEL, except the newline that separates lines, and the bidirectional
    /// overrides and isolates, which can make a terminal show text in another order than it is.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar != "\n" && (scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                            || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value))
    }
}

/// A user-facing failure: one line that says what was wrong and what would be right.
public struct CLIError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
