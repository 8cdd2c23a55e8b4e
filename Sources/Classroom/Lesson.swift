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
        /// What its block declared it needs (```attnlab needs=NAME): names the presenter asks about
        /// before running it, and skips it when one is missing.
        public let needs: [String]

        public init(text: String, arguments: [String], line: Int, needs: [String] = []) {
            self.text = text; self.arguments = arguments; self.line = line; self.needs = needs
        }
    }

    /// Why `id` cannot be a lesson's id, or nil when it can. The id names the lesson's output
    /// folder, so it is a plain name: not empty, not starting with '.', and only letters, digits,
    /// '-' and '_' (no '/', no space, no control or direction character).
    public static func idProblem(_ id: String) -> String? {
        let shown = String(id.unicodeScalars.map { isPlain($0) ? String($0) : $0.escaped(asASCII: true) }.joined())
        let start = "the lesson id '\(shown)' (from the file name)"
        let rename = "rename the file, such as 01-masks.md"
        if id.isEmpty { return "\(start) is empty; \(rename)" }
        if id.hasPrefix(".") { return "\(start) starts with '.'; \(rename)" }
        if let bad = id.unicodeScalars.first(where: { !isPlain($0) }) {
            let what = bad == " " ? "a space" : "'\(bad.escaped(asASCII: true))'"
            return "\(start) has \(what) in it; an id has only letters, digits, '-' and '_': \(rename)"
        }
        return nil
    }

    /// A letter (with any accent written as a combining mark), a digit, '-' or '_'.
    private static func isPlain(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "-" || scalar == "_" { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .otherLetter, .modifierLetter,
             .nonspacingMark, .spacingMark, .decimalNumber: return true
        default: return false
        }
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
