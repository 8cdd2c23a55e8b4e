import Classroom
import Foundation

/// What a lesson sets for the commands it runs: the folder relative output paths land in, and the
/// seed commands use when they are not given one. Task-local, so lessons run side by side (as the
/// tests do) each keep their own.
enum RunContext {
    @TaskLocal static var outputFolder: String?
    @TaskLocal static var seed: UInt64?
    /// The width a lesson's terminal shows command output in, so tables can choose a narrower
    /// layout; nil when output is not a terminal (then tables keep their wide layout).
    @TaskLocal static var columns: Int?

    /// The columns output should fit: the lesson's terminal, else standard output's when it is a
    /// terminal, else nil (no limit: piped output keeps its layout).
    static var outputColumns: Int? {
        if let columns { return columns }
        guard outputFolder == nil, Console.sinks.isStandard else { return nil }
        return TerminalText.terminalSize()?.columns
    }

    /// The trained-model cache (`train --cache`) in place of `$ATTNLAB_TRAINED` or `Output/trained`:
    /// tests give each of theirs a folder of its own.
    @TaskLocal static var trainedFolder: String?

    /// `path` as given, or — inside a lesson — relative to the lesson's output folder.
    static func resolve(_ path: String) -> String {
        guard let outputFolder, !path.hasPrefix("/") else { return path }
        return (outputFolder as NSString).appendingPathComponent(path)
    }

    /// Where a command's pictures go when the user names no folder: `Output/<name>` on its own,
    /// `<name>` inside the lesson's folder in a lesson.
    static func defaultFolder(_ name: String) -> String {
        outputFolder == nil ? "Output/\(name)" : resolve(name)
    }
}
