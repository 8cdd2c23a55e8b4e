import Foundation

/// Where commands write what they have to say: standard output and error by default. A lesson
/// runner or a test can capture it instead, for the task that asks, without touching others
/// running at the same time (the sinks are task-local).
public enum Console {
    public typealias Sink = @Sendable (String) -> Void
    public struct Sinks: Sendable {
        public var out: Sink
        public var err: Sink
    }

    @TaskLocal static var sinks = Sinks(
        out: { text in FileHandle.standardOutput.write(Data((text + "\n").utf8)) },
        err: { text in FileHandle.standardError.write(Data((text + "\n").utf8)) })

    /// A line for the user (results, paths written).
    public static func say(_ text: String) { sinks.out(text) }
    /// A progress or diagnostic line, kept off standard output so `--json` output stays clean.
    public static func note(_ text: String) { sinks.err(text) }

    /// Runs `body` with lines sent to `out` and notes to `err`.
    public static func capture<R>(out: @escaping Sink, err: @escaping Sink = { _ in },
                                  _ body: () throws -> R) rethrows -> R {
        try $sinks.withValue(Sinks(out: out, err: err), operation: body)
    }
}

/// A user-facing failure: one line that says what was wrong and what would be right.
public struct CLIError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
