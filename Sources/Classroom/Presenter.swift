import Foundation

/// Steps a class through a lesson: prints each step's prose, echoes and runs its commands, and
/// between steps waits for the teacher (Enter = next, b = back, a number = jump, q = quit) —
/// or, when not interactive, runs straight through to the end.
public struct Presenter {
    public enum Outcome: Equatable {
        case finished
        case quit
        /// A command failed; the lesson stopped there (non-interactive runs only).
        case failed(line: Int)
    }

    let lesson: Lesson
    let text: TerminalText
    let interactive: Bool
    let write: (String) -> Void
    /// Shows a prompt (without ending the line) and reads the teacher's answer; nil at end of input.
    let ask: (String) -> String?
    /// Runs one command (its own output goes wherever the program's output goes); true on success.
    let run: (Lesson.Command) -> Bool

    public init(lesson: Lesson, text: TerminalText, interactive: Bool, write: @escaping (String) -> Void,
                ask: @escaping (String) -> String?, run: @escaping (Lesson.Command) -> Bool) {
        self.lesson = lesson; self.text = text; self.interactive = interactive
        self.write = write; self.ask = ask; self.run = run
    }

    public func present() -> Outcome {
        write(text.heading("# \(lesson.title)"))
        if case .failed(let line) = show(lesson.introduction) { return .failed(line: line) }
        var step = 0
        while step < lesson.steps.count {
            let outcome = showStep(step)
            if case .failed = outcome, !interactive { return outcome }
            guard interactive else { step += 1; continue }
            switch ask(after: step) {
            case .next: step += 1
            case .back: step = max(step - 1, 0)
            case .jump(let target): step = target
            case .quit: return .quit
            }
        }
        write("")
        write(text.dim("End of the lesson."))
        return .finished
    }

    private func showStep(_ index: Int) -> Outcome {
        let step = lesson.steps[index]
        write("")
        write(text.heading("## Step \(index + 1) of \(lesson.steps.count): \(step.title)"))
        return show(step.blocks)
    }

    private func show(_ blocks: [Lesson.Block]) -> Outcome {
        var outcome = Outcome.finished
        for block in blocks {
            write("")
            switch block {
            case .prose(let markdown): write(text.prose(markdown))
            case .literal(let body): write(text.literal(body))
            case .command(let command):
                write(text.command(command.text))
                if !run(command) {
                    outcome = .failed(line: command.line)
                    if !interactive { return outcome }
                }
            }
        }
        return outcome
    }

    enum Move: Equatable { case next, back, jump(Int), quit }

    /// Reads the teacher's choice after step `index`; end of input means quit.
    private func ask(after index: Int) -> Move {
        let last = lesson.steps.count
        let prompt = "[Enter] \(index + 1 == last ? "finish" : "next"), b back, 1-\(last) jump, q quit > "
        while true {
            write("")
            guard let answer = ask(text.dim(prompt))?.trimmingCharacters(in: .whitespaces).lowercased() else { return .quit }
            switch answer {
            case "": return .next
            case "b", "back": return .back
            case "q", "quit": return .quit
            default:
                if let n = Int(answer), (1...last).contains(n) { return .jump(n - 1) }
                write("Type Enter for the next step, b to go back, a step number 1-\(last), or q to quit.")
            }
        }
    }
}
