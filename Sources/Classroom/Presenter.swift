import Foundation

/// Steps a class through a lesson: prints each step's prose, echoes and runs its commands, shows
/// their output (wrapped to the terminal) and the pictures they drew, and between steps waits for
/// the teacher — or, when not interactive, runs straight through to the end.
///
/// On a screen (`Screen`) each step starts at the top of a cleared screen with its title, and
/// output longer than the screen waits at a "more" prompt rather than scrolling the title away.
/// All input comes through `ask` and all output goes through `write`, so a test can script a
/// whole session on a fake terminal of any size.
public final class Presenter {
    public enum Outcome: Equatable {
        case finished
        case quit
        /// A command failed; the lesson stopped there (non-interactive runs only).
        case failed(line: Int)
    }

    /// What one command left for the class to see.
    public struct CommandResult: Sendable {
        public var succeeded: Bool
        /// Its standard output, line by line.
        public var output: [String]
        /// What it drew, for the terminal.
        public var pictures: [TerminalPicture]
        /// Why it failed, shown in place when interactive (a non-interactive run reports it at the end).
        public var error: String?

        public init(succeeded: Bool, output: [String] = [], pictures: [TerminalPicture] = [], error: String? = nil) {
            self.succeeded = succeeded; self.output = output; self.pictures = pictures; self.error = error
        }
    }

    /// The terminal the class watches.
    public struct Screen: Sendable {
        public var rows: Int
        /// Whether each step starts on a cleared screen (`--no-clear` turns it off).
        public var clears: Bool
        public init(rows: Int, clears: Bool) { self.rows = max(rows, 5); self.clears = clears }
    }

    /// How the teacher answers: whole lines (Enter after each), or single keys from a raw
    /// terminal (`Keyboard`: "→", "←", "\n", or the character typed).
    public enum Input: Sendable { case lines, keys }

    let lesson: Lesson
    let text: TerminalText
    let interactive: Bool
    let screen: Screen?
    let input: Input
    let write: (String) -> Void
    /// Shows a prompt (without ending the line) and reads the teacher's answer; nil at end of input.
    let ask: (String) -> String?
    /// Runs one command; what it printed and drew comes back to be shown.
    let run: (Lesson.Command) -> CommandResult
    /// Asked about each name a command needs (```attnlab needs=NAME): nil when it is there, else
    /// one line saying how to get it. The presenter knows nothing of what the names are.
    let missing: (String) -> String?
    /// What the presenter itself says, in the lesson's language.
    let words: PresenterWords
    /// The names already reported missing: each is explained once, however many commands need it.
    private var reportedMissing: Set<String> = []

    /// Lines written since the screen was last cleared (or since the last "more").
    private var used = 0
    /// The title the current page repeats after a "more".
    private var pageTitle = ""
    /// Set when the teacher stops paging: the rest of the step runs without being shown.
    private var hidden = false
    /// The step on screen, 1-based; 0 for the title page.
    private var stepNumber = 0

    static let clearScreen = "\u{1B}[H\u{1B}[2J"

    public init(lesson: Lesson, text: TerminalText, interactive: Bool, screen: Screen? = nil, input: Input = .lines,
                write: @escaping (String) -> Void, ask: @escaping (String) -> String?,
                run: @escaping (Lesson.Command) -> CommandResult,
                missing: @escaping (String) -> String? = { _ in nil }, words: PresenterWords = .english) {
        self.lesson = lesson; self.text = text; self.interactive = interactive
        self.screen = interactive ? screen : nil
        self.input = input
        self.write = write; self.ask = ask; self.run = run; self.missing = missing
        self.words = words
    }

    public func present() -> Outcome {
        guard interactive else { return presentStraightThrough() }
        var step = -1                  // -1: the title page
        while step < lesson.steps.count {
            if step < 0 { showTitlePage() } else { _ = showStep(step) }
            switch ask(after: step) {
            case .next: step += 1
            case .back: step = max(step - 1, -1)
            case .jump(let target): step = target
            case .quit:
                if input == .keys { write("") }    // a key ends no line: leave the shell a fresh one
                return .quit
            }
        }
        write("")
        write(text.dim(words.endOfLesson))
        return .finished
    }

    /// Without a terminal: everything in order, stopping at the first command that fails.
    private func presentStraightThrough() -> Outcome {
        write(heading("# \(lesson.title)").text)
        if case .failed(let line) = show(lesson.introduction) { return .failed(line: line) }
        for index in lesson.steps.indices {
            write("")
            if case .failed(let line) = showStep(index) { return .failed(line: line) }
        }
        write("")
        write(text.dim(words.endOfLesson))
        return .finished
    }

    /// The lesson's title, its introduction, and the list of its steps.
    private func showTitlePage() {
        stepNumber = 0
        startPage(title: "# \(lesson.title)")
        _ = show(lesson.introduction)
        emit("")
        for (i, step) in lesson.steps.enumerated() { emit(wrapped("  \(i + 1). \(step.title)", width: text.width)) }
    }

    private func showStep(_ index: Int) -> Outcome {
        let step = lesson.steps[index]
        stepNumber = index + 1
        let title = words.stepHeading(index + 1, lesson.steps.count, step.title)
        if interactive { startPage(title: title) } else { write(heading(title).text) }
        return show(step.blocks)
    }

    private func show(_ blocks: [Lesson.Block]) -> Outcome {
        var outcome = Outcome.finished
        for block in blocks {
            emit("")
            switch block {
            case .prose(let markdown): emit(text.prose(markdown))
            case .literal(let body): emit(wrapped(text.literal(body), width: text.columns))
            case .command(let command):
                if let (name, howTo) = command.needs.lazy.compactMap({ name in self.missing(name).map { (name, $0) } }).first {
                    skip(command, needing: name, howTo: howTo)
                    continue
                }
                emit(text.command(command.text, width: text.wrapsOutput ? text.columns : nil))
                let result = run(command)
                for line in result.output { emit(wrapped(line, width: text.columns)) }
                for picture in result.pictures { showPicture(picture) }
                if !result.succeeded {
                    if interactive, let error = result.error { emit(wrapped(error, width: text.columns)) }
                    outcome = .failed(line: command.line)
                    if !interactive { return outcome }
                }
            }
        }
        return outcome
    }

    /// A command whose block needs something that is not here is shown, not run: the lesson goes
    /// on without it (and still finishes), and the first time each name is missing, the class
    /// is told how to get it.
    private func skip(_ command: Lesson.Command, needing name: String, howTo: String) {
        if !reportedMissing.contains(name) {
            reportedMissing.insert(name)
            emit(wrapped(words.needs(name, howTo), width: text.columns))
            emit("")
        }
        let line = wrapped(words.skipped(name, command.text), width: text.columns)
        emit(line.split(separator: "\n", omittingEmptySubsequences: false).map { text.dim(String($0)) }.joined(separator: "\n"))
    }

    private func showPicture(_ picture: TerminalPicture) {
        // A picture taller than the screen puts two rows in a line (upper and lower half-blocks).
        let tall = screen.map { picture.rows + 12 > $0.rows - 2 } ?? false
        emit("")
        for line in picture.lines(width: text.columns, color: text.color, pairRows: tall) { emit(line) }
    }

    private func wrapped(_ lines: String, width: Int) -> String {
        guard text.wrapsOutput else { return lines }
        return lines.split(separator: "\n", omittingEmptySubsequences: false)
            .flatMap { DisplayWidth.wrap(String($0), width: width) }.joined(separator: "\n")
    }

    // MARK: - The screen

    /// Clears the screen (when asked to) and writes `title` on its first line.
    private func startPage(title: String) {
        pageTitle = title
        hidden = false
        let (lines, rows) = heading(title)
        if screen?.clears == true {
            write(Self.clearScreen + lines)
            used = rows
        } else {
            write("")
            write(lines)
            used = rows + 1
        }
    }

    /// A heading wrapped to the screen (a long Chinese step title would otherwise be cut by the
    /// terminal wherever it ends), styled, and how many rows it takes.
    private func heading(_ title: String) -> (text: String, rows: Int) {
        let lines = text.wrapsOutput ? DisplayWidth.wrap(title, width: text.columns) : [title]
        return (lines.map { text.heading($0) }.joined(separator: "\n"), lines.count)
    }

    /// Writes lines, stopping at a "more" prompt when the screen is full: the last row is kept
    /// for a prompt, so nothing scrolls off before the teacher has seen it.
    private func emit(_ lines: String) {
        for line in lines.split(separator: "\n", omittingEmptySubsequences: false) {
            if hidden { return }
            // The rows this line takes: one, unless something left it wider than the screen.
            let rows = max(1, (DisplayWidth.of(DisplayWidth.withoutEscapes(String(line))) + text.columns - 1) / text.columns)
            if let screen, used > 1, used + rows > screen.rows - 1 {
                let answer = ask(text.dim(words.more))
                let stop = answer == nil || answer?.lowercased() == "q"
                if screen.clears {
                    let (lines, rows) = heading(pageTitle + (stop ? "" : words.continued))
                    write(Self.clearScreen + lines)
                    used = rows
                } else {
                    write("")
                    used = 1
                }
                if stop {
                    hidden = true
                    write(text.dim(words.restHidden(stepNumber)))
                    used += 1
                    return
                }
            }
            write(String(line))
            used += rows
        }
    }

    // MARK: - Moving between steps

    enum Move: Equatable { case next, back, jump(Int), quit }

    /// Reads the teacher's choice after step `index` (-1: the title page); end of input means quit.
    private func ask(after index: Int) -> Move {
        let last = lesson.steps.count
        let next = index < 0 ? words.start : index + 1 == last ? words.finish : words.next
        if let screen { if used < screen.rows - 1 { write(""); used += 1 } } else { write("") }
        switch input {
        case .keys: return askKeys(next: next, last: last)
        case .lines: return askLines(next: next, last: last)
        }
    }

    /// Single keys: → space Enter next, ← b back, digits jump (Enter after them when another
    /// digit could still follow), q quit. Other keys are ignored: the prompt says what works.
    private func askKeys(next: String, last: Int) -> Move {
        let prompt = words.keyPrompt(next, last)
        var digits = ""
        while true {
            let typed = digits.isEmpty ? "" : words.typedStep(digits)
            // "\r" rewrites the prompt in place as digits are typed.
            guard let key = ask("\r" + text.dim(prompt) + typed + "  ") else { return .quit }
            switch key {
            case Keyboard.right, " ", Keyboard.enter:
                guard !digits.isEmpty else { return .next }
                if let n = Int(digits), (1...last).contains(n) { return .jump(n - 1) }
                digits = ""
            case Keyboard.left, "b", "B": return .back
            case "q", "Q": return .quit
            case "\u{7F}", "\u{08}": if !digits.isEmpty { digits.removeLast() }
            default:
                guard key.count == 1, let digit = key.first?.wholeNumberValue, digits.count < 6 else { continue }
                digits += String(digit)
                let n = Int(digits) ?? 0
                // Jump at once when no further digit could make another step number.
                if n * 10 > last {
                    if (1...last).contains(n) { return .jump(n - 1) }
                    digits = ""
                }
            }
        }
    }

    /// Whole lines, for a terminal that cannot be put in raw mode.
    private func askLines(next: String, last: Int) -> Move {
        let prompt = words.linePrompt(next, last)
        while true {
            guard let answer = ask(text.dim(prompt))?.trimmingCharacters(in: .whitespaces).lowercased() else { return .quit }
            switch answer {
            case "": return .next
            case "b", "back": return .back
            case "q", "quit": return .quit
            default:
                if let n = Int(answer), (1...last).contains(n) { return .jump(n - 1) }
                write(words.lineHelp(last))
                used += 1
            }
        }
    }
}
