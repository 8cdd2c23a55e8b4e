import Foundation
import Testing
@testable import Classroom

/// ```attnlab needs=NAME: a block whose commands the presenter skips when NAME is missing.
@Suite struct NeedsTests {
    static let text = """
        # Needs

        ## Plain
        ```attnlab
        attnlab mask first
        ```

        ## Real model
        ```attnlab needs=real-model
        attnlab mask second
        attnlab mask third
        ```
        Words after.

        ## Two needs
        ```attnlab   needs=real-model,other.v2
        attnlab mask fourth
        ```

        ## Last
        ```attnlab
        attnlab mask fifth
        ```
        """

    @Test func theInfoStringSaysWhatABlockNeeds() throws {
        let lesson = try LessonParser.parse(Self.text, file: URL(fileURLWithPath: "/x/needs.md"))
        #expect(lesson.commands.map(\.needs) == [[], ["real-model"], ["real-model"], ["real-model", "other.v2"], []])
        #expect(lesson.commands.map { $0.arguments[1] } == ["first", "second", "third", "fourth", "fifth"])
    }

    @Test(arguments: [
        ("```attnlab needs=\nattnlab mask x\n```", "needs='' is not a plain name"),
        ("```attnlab needs=../up\nattnlab mask x\n```", "needs='../up' is not a plain name"),
        ("```attnlab needs=a,,b\nattnlab mask x\n```", "needs='' is not a plain name"),
        ("```attnlab wants=a\nattnlab mask x\n```", "unknown 'wants=a' after ```attnlab"),
    ])
    func aBadNeedIsReportedWithItsLine(block: String, message: String) {
        let reading = LessonParser.read("# T\n## S\n" + block + "\n", file: URL(fileURLWithPath: "/x/bad.md"))
        #expect(reading.lesson == nil)
        #expect(reading.problems.count == 1)
        #expect(reading.problems.first?.line == 3)
        #expect(reading.problems.first?.message.contains(message) == true, "\(reading.problems)")
    }

    /// Presents the lesson straight through with `absent` missing; what ran and what was shown.
    func run(absent: Set<String>) throws -> (Presenter.Outcome, [String], [String], [String]) {
        let lesson = try LessonParser.parse(Self.text, file: URL(fileURLWithPath: "/x/needs.md"))
        var ran: [String] = [], shown: [String] = [], asked: [String] = []
        let presenter = Presenter(
            lesson: lesson, text: TerminalText(width: 80, color: false), interactive: false,
            write: { shown += $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) },
            ask: { _ in nil },
            run: { command in ran.append(command.arguments[1]); return .init(succeeded: true) },
            missing: { name in asked.append(name); return absent.contains(name) ? "get it with fetch-\(name)" : nil })
        return (presenter.present(), ran, shown, asked)
    }

    @Test func whatIsMissingIsSkippedAndExplainedOnce() throws {
        let (outcome, ran, shown, _) = try run(absent: ["real-model"])
        #expect(outcome == .finished)
        #expect(shown.last == "End of the lesson.")
        #expect(ran == ["first", "fifth"])
        #expect(shown.filter { $0.contains("get it with fetch-real-model") }.count == 1)
        #expect(shown.contains("skipped (needs real-model): attnlab mask second"))
        #expect(shown.contains("skipped (needs real-model): attnlab mask fourth"))
        #expect(!shown.contains("$ attnlab mask second"))
        #expect(shown.contains("Words after."))                  // the prose is still shown
    }

    @Test func anyMissingNameSkipsTheCommand() throws {
        let (_, ran, shown, _) = try run(absent: ["other.v2"])
        #expect(ran == ["first", "second", "third", "fifth"])
        #expect(shown.contains("skipped (needs other.v2): attnlab mask fourth"))
        #expect(shown.filter { $0.hasPrefix("This needs") }.count == 1)
    }

    @Test func whatIsThereRuns() throws {
        let (outcome, ran, shown, asked) = try run(absent: [])
        #expect(outcome == .finished && ran == ["first", "second", "third", "fourth", "fifth"])
        #expect(!shown.contains { $0.contains("skipped") || $0.hasPrefix("This needs") })
        #expect(Set(asked) == ["real-model", "other.v2"])      // only the names blocks declare are asked about
    }
}
