import Foundation
import Synchronization

/// Where commands write what they have to say. Standard output and error by default; a lesson
/// runner or a test can capture it instead. One lock, because a picture renderer may report from
/// several threads.
public enum Console {
    public typealias Sink = @Sendable (String) -> Void
    private static let sinks = Mutex<(out: Sink, err: Sink)>((
        out: { text in FileHandle.standardOutput.write(Data((text + "\n").utf8)) },
        err: { text in FileHandle.standardError.write(Data((text + "\n").utf8)) }))

    /// A line for the user (results, paths written).
    public static func say(_ text: String) { sinks.withLock { $0.out }(text) }
    /// A progress or diagnostic line, kept off standard output so `--json` output stays clean.
    public static func note(_ text: String) { sinks.withLock { $0.err }(text) }

    /// Runs `body` with every line sent to `out` (and notes to `err`), then restores the sinks.
    public static func capture<R>(out: @escaping Sink, err: @escaping Sink = { _ in },
                                  _ body: () throws -> R) rethrows -> R {
        let saved = sinks.withLock { current in
            let saved = current
            current = (out, err)
            return saved
        }
        defer { sinks.withLock { $0 = saved } }
        return try body()
    }
}

/// A user-facing failure: one line that says what was wrong and what would be right.
public struct CLIError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
