import Foundation
@testable import Classroom

/// A terminal of a given size for scripted sessions: it keeps what a real screen would show
/// (lines scroll off the top once the screen is full; the clear sequence empties it) and answers
/// each prompt with the next scripted key.
final class FakeTerminal {
    let rows: Int
    private var keys: [String]
    /// What the screen shows now, top to bottom; the last line is where the cursor is.
    private(set) var screen: [String] = [""]
    /// Lines that scrolled off the top since the screen was last cleared.
    private(set) var scrolledOff: [String] = []
    /// The screen as it was at each prompt, with the prompt (escapes removed).
    private(set) var atPrompts: [(prompt: String, screen: [String], scrolled: [String])] = []
    /// Everything written, escapes and all.
    private(set) var raw = ""

    init(rows: Int, keys: [String]) { self.rows = rows; self.keys = keys }

    func write(_ text: String) { put(text + "\n") }

    func ask(_ prompt: String) -> String? {
        put(prompt)
        atPrompts.append((plain(prompt), screen.map(plain), scrolledOff.map(plain)))
        return keys.isEmpty ? nil : keys.removeFirst()
    }

    private func put(_ text: String) {
        raw += text
        var rest = Substring(text)
        while let range = rest.range(of: Presenter.clearScreen) {
            add(rest[..<range.lowerBound])
            screen = [""]; scrolledOff = []
            rest = rest[range.upperBound...]
        }
        add(rest)
    }

    private func add(_ text: Substring) {
        for c in text {
            switch c {
            case "\n":
                screen.append("")
                if screen.count > rows { scrolledOff.append(screen.removeFirst()) }
            case "\r": screen[screen.count - 1] = ""
            default: screen[screen.count - 1].append(c)
            }
        }
    }
}

/// `text` without ANSI escape sequences (ESC [ … letter).
func plain(_ text: String) -> String {
    var out = "", inEscape = false, afterEscape = false
    for c in text {
        if afterEscape { afterEscape = false; inEscape = c == "["; continue }
        if inEscape { if c.isLetter { inEscape = false }; continue }
        if c == "\u{1B}" { afterEscape = true; continue }
        out.append(c)
    }
    return out
}

/// A lesson from steps of (title, number of output lines its one command prints).
func lesson(_ steps: [(String, Int)]) throws -> Lesson {
    let text = steps.enumerated().map { i, step in "## \(step.0)\nWords \(i + 1).\n```attnlab\nattnlab mask s\(i + 1) \(step.1)\n```" }
    return try LessonParser.parse("# Made\n" + text.joined(separator: "\n"), file: URL(fileURLWithPath: "/x/made.md"))
}

/// Presents `lesson` on `terminal` with single keys; each command prints as many numbered lines
/// as its second argument says, and draws `picture` if given.
func presentOnScreen(_ lesson: Lesson, _ terminal: FakeTerminal, columns: Int = 60, clears: Bool = true,
                     picture: TerminalPicture? = nil) -> (Presenter.Outcome, [String]) {
    var ran: [String] = []
    let presenter = Presenter(
        lesson: lesson, text: TerminalText(width: columns, color: false, columns: columns), interactive: true,
        screen: .init(rows: terminal.rows, clears: clears), input: .keys,
        write: terminal.write, ask: terminal.ask,
        run: { command in
            ran.append(command.arguments[1])
            let count = Int(command.arguments.last ?? "") ?? 0
            return .init(succeeded: true, output: (0..<count).map { "output line \($0 + 1)" }, pictures: picture.map { [$0] } ?? [])
        })
    return (presenter.present(), ran)
}
