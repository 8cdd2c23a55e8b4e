import Foundation

/// A lesson: a Markdown file with a `# Title`, one `## ` heading per step, prose, and fenced
/// ```attnlab blocks of commands written exactly as on the command line.
public struct Lesson: Sendable {
    /// The file name without its number prefix and `.md`: `02-masks.md` → `masks`.
    public let id: String
    /// The number prefix of the file name, when it has one (`02-masks.md` → 2), for ordering.
    public let number: Int?
    public let title: String
    /// Prose between the title and the first step.
    public let introduction: [Block]
    public let steps: [Step]
    public let file: URL

    public struct Step: Sendable {
        public let title: String
        public let blocks: [Block]
        public let line: Int
    }

    public enum Block: Sendable, Equatable {
        /// Markdown prose, as written.
        case prose(String)
        /// A fenced block that is not attnlab's: shown as it is.
        case literal(String)
        /// One command of an ```attnlab block: its words (program name first) and where it stands.
        case command(Command)
    }

    public struct Command: Sendable, Equatable {
        public let text: String          // as written, for echoing
        public let arguments: [String]   // after "attnlab"
        public let line: Int
    }

    /// Every command of the lesson, in order.
    public var commands: [Command] {
        (introduction + steps.flatMap(\.blocks)).compactMap { if case .command(let c) = $0 { c } else { nil } }
    }
}

/// A problem in a lesson file, reported as `file:line: what is wrong`.
public struct LessonError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let line: Int?
    public let message: String

    public var description: String {
        line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)"
    }
}
