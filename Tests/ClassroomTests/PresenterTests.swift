import Foundation
import Testing
@testable import Classroom

/// A lesson of four steps, each running one command named after its step.
func fourSteps() throws -> Lesson {
    let text = (1...4).map { "## Step \($0)\nWords \($0).\n```attnlab\nattnlab mask s\($0)\n```" }.joined(separator: "\n")
    return try LessonParser.parse("# Four\n" + text, file: URL(fileURLWithPath: "/x/four.md"))
}

/// Presents `lesson` with the teacher's answers scripted; returns the outcome and the commands run.
func present(_ lesson: Lesson, interactive: Bool, answers: [String?], failing: String? = nil) -> (Presenter.Outcome, [String], [String]) {
    var queue = answers
    var ran: [String] = [], shown: [String] = []
    let presenter = Presenter(
        lesson: lesson, text: TerminalText(width: 60, color: false), interactive: interactive,
        write: { shown.append($0) },
        ask: { _ in queue.isEmpty ? nil : queue.removeFirst() },
        run: { command in ran.append(command.arguments[1]); return command.arguments[1] != failing })
    return (presenter.present(), ran, shown)
}

@Suite struct PresenterTests {
    @Test func nextBackJumpAndQuit() throws {
        let (outcome, ran, shown) = present(try fourSteps(), interactive: true, answers: ["", "b", "4", "x", "2", "q"])
        #expect(outcome == .quit)
        // step 1, Enter → 2, b → 1, "4" → 4, "x" is not understood (asked again), "2" → 2, q
        #expect(ran == ["s1", "s2", "s1", "s4", "s2"])
        #expect(shown.contains { $0.contains("Type Enter for the next step") })
        #expect(shown.contains("$ attnlab mask s4"))
    }

    @Test func enterThroughTheEndFinishes() throws {
        let (outcome, ran, shown) = present(try fourSteps(), interactive: true, answers: ["", "", "", ""])
        #expect(outcome == .finished && ran == ["s1", "s2", "s3", "s4"])
        #expect(shown.last == "End of the lesson.")
    }

    @Test func endOfInputQuits() throws {
        let (outcome, ran, _) = present(try fourSteps(), interactive: true, answers: [""])
        #expect(outcome == .quit && ran == ["s1", "s2"])
    }

    @Test func nonInteractiveRunsStraightThroughAndStopsAtAFailure() throws {
        let (all, ran, _) = present(try fourSteps(), interactive: false, answers: [])
        #expect(all == .finished && ran == ["s1", "s2", "s3", "s4"])
        let (failed, ranUntil, _) = present(try fourSteps(), interactive: false, answers: [], failing: "s3")
        #expect(ranUntil == ["s1", "s2", "s3"])
        #expect(failed == .failed(line: 15))   // step 3's command: lines 12-16 hold step 3
    }

    @Test func proseWrapsToTheWidthWithoutMarkup() {
        let text = TerminalText(width: 30, color: false)
        let out = text.prose("A **bold** claim about `code` and words that go on and on.\n\n- a list item that is long enough to wrap")
        for line in out.split(separator: "\n") { #expect(line.count <= 30, "\(line)") }
        #expect(!out.contains("**") && !out.contains("`"))
        #expect(out.contains("\n  "))   // the list item's continuation is indented under its text
        #expect(TerminalText(width: 30, color: true).prose("`x`").contains("\u{1B}["))
    }
}
