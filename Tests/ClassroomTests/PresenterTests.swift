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
        run: { command in ran.append(command.arguments[1]); return .init(succeeded: command.arguments[1] != failing) })
    return (presenter.present(), ran, shown)
}

@Suite struct PresenterTests {
    @Test func nextBackJumpAndQuit() throws {
        let (outcome, ran, shown) = present(try fourSteps(), interactive: true, answers: ["", "", "b", "4", "x", "2", "q"])
        #expect(outcome == .quit)
        // the title page, Enter → 1, Enter → 2, b → 1, "4" → 4, "x" is not understood (asked again), "2" → 2, q
        #expect(ran == ["s1", "s2", "s1", "s4", "s2"])
        #expect(shown.contains { $0.contains("Type Enter for the next step") })
        #expect(shown.contains("$ attnlab mask s4"))
    }

    @Test func enterThroughTheEndFinishes() throws {
        let (outcome, ran, shown) = present(try fourSteps(), interactive: true, answers: ["", "", "", "", ""])
        #expect(outcome == .finished && ran == ["s1", "s2", "s3", "s4"])
        #expect(shown.last == "End of the lesson.")
    }

    @Test func endOfInputQuits() throws {
        let (outcome, ran, _) = present(try fourSteps(), interactive: true, answers: ["", ""])
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

/// Single keys on a screen: navigation, paging, clearing.
@Suite struct KeyNavigationTests {
    @Test func arrowsSpaceEnterBackAndDigits() throws {
        let terminal = FakeTerminal(rows: 40, keys: [Keyboard.right, " ", Keyboard.left, "b", Keyboard.enter, "3", "x", "q"])
        let (outcome, ran) = presentOnScreen(try fourSteps(), terminal)
        #expect(outcome == .quit)
        // title page → 1, space → 2, ← → 1, b → title page, Enter → 1, "3" → 3 at once (no step 30), "x" ignored, q
        #expect(ran == ["s1", "s2", "s1", "s1", "s3"])
        #expect(terminal.atPrompts.last?.prompt.contains("← b: back") == true)
        #expect(terminal.atPrompts.last?.prompt.contains("q: quit") == true)
    }

    @Test func aNumberThatCouldGrowWaitsForEnter() throws {
        let twelve = try lesson((1...12).map { ("Step \($0)", 0) })
        // "1" could be 10-12: wait; Enter → step 1. "1","2" → 12 at once. "9" → 9 at once. "1","3": no step 13, so nothing; then →.
        let terminal = FakeTerminal(rows: 40, keys: [Keyboard.right, "1", Keyboard.enter, "1", "2", "9", "1", "3", Keyboard.right, "q"])
        let (_, ran) = presentOnScreen(twelve, terminal)
        #expect(ran == ["s1", "s1", "s12", "s9", "s10"])
    }

    @Test func everyStepStartsAtTheTopOfAClearedScreen() throws {
        let terminal = FakeTerminal(rows: 40, keys: [Keyboard.right, Keyboard.right, Keyboard.right, "2", "q"])
        _ = presentOnScreen(try fourSteps(), terminal)
        let steps = terminal.atPrompts.dropFirst()
        #expect(steps.count == 4)
        for (k, prompt) in steps.enumerated() {
            let expected = ["## Step 1 of 4", "## Step 2 of 4", "## Step 3 of 4", "## Step 2 of 4"][k]
            #expect(prompt.screen.first?.hasPrefix(expected) == true, "\(prompt.screen)")
        }
        #expect(terminal.atPrompts.first?.screen.first == "# Four")   // the title page
    }

    @Test func noClearWritesNoClearSequence() throws {
        let terminal = FakeTerminal(rows: 40, keys: [Keyboard.right, Keyboard.right, "q"])
        _ = presentOnScreen(try fourSteps(), terminal, clears: false)
        #expect(!terminal.raw.contains(Presenter.clearScreen))
        #expect(terminal.atPrompts.last?.screen.contains { $0.hasPrefix("## Step 2 of 4") } == true)
    }

    @Test func endOfInputQuits() throws {
        let (outcome, ran) = presentOnScreen(try fourSteps(), FakeTerminal(rows: 40, keys: [Keyboard.right]))
        #expect(outcome == .quit && ran == ["s1"])
    }
}

@Suite struct PagingTests {
    /// 100 lines of output on a 20-row screen: every page keeps the title on its first row,
    /// nothing ever scrolls off, and the "more" prompt takes the last row.
    @Test func longOutputIsPagedUnderItsTitle() throws {
        let long = try lesson([("Long", 100), ("Short", 1)])
        // Any key goes on at "more"; at the step's prompt "x" means nothing, so the step stays.
        let terminal = FakeTerminal(rows: 20, keys: [Keyboard.right] + Array(repeating: "x", count: 10) + ["q"])
        let (outcome, ran) = presentOnScreen(long, terminal)
        #expect(outcome == .quit && ran == ["s1"])
        let mores = terminal.atPrompts.filter { $0.prompt.contains("more") }
        #expect(mores.count >= 5)
        for prompt in terminal.atPrompts.dropFirst() {
            #expect(prompt.scrolled.isEmpty, "scrolled off: \(prompt.scrolled)")
            #expect(prompt.screen.first?.hasPrefix("## Step 1 of 2: Long") == true, "\(prompt.screen)")
            #expect(prompt.screen.count <= 20)
        }
        #expect(mores.dropFirst().first?.screen.first == "## Step 1 of 2: Long (continued)")
        // Every line was shown, in order, once.
        let pages = terminal.atPrompts.dropFirst().prefix(mores.count + 1)
        let shown = pages.flatMap(\.screen).filter { $0.hasPrefix("output line ") }
        #expect(shown == (1...100).map { "output line \($0)" })
    }

    @Test func qAtMoreSkipsTheRestOfTheStep() throws {
        let long = try lesson([("Long", 100), ("Short", 1)])
        let terminal = FakeTerminal(rows: 20, keys: [Keyboard.right, "q", Keyboard.right, "q"])
        let (_, ran) = presentOnScreen(long, terminal)
        #expect(ran == ["s1", "s2"])
        let afterSkip = terminal.atPrompts[2]        // title page, more, then the step's own prompt
        #expect(afterSkip.prompt.contains("next"))
        #expect(afterSkip.screen.first == "## Step 1 of 2: Long")
        #expect(afterSkip.screen.contains { $0.contains("the rest of this step is not shown") })
        #expect(!afterSkip.screen.contains("output line 30"))
    }

    @Test func nonInteractiveRunsStraightThroughWithoutPagingOrEscapes() throws {
        let long = try lesson([("Long", 100), ("Short", 1)])
        var written: [String] = []
        let presenter = Presenter(
            lesson: long, text: TerminalText(width: 60, color: false), interactive: false,
            screen: .init(rows: 20, clears: true), input: .keys,
            write: { written.append($0) }, ask: { _ in Issue.record("asked"); return nil },
            run: { _ in .init(succeeded: true, output: ["x"], pictures: [examplePicture()]) })
        #expect(presenter.present() == .finished)
        #expect(!written.joined().contains("\u{1B}"))
        #expect(written.joined(separator: "\n").contains("rows are queries"))
    }
}
