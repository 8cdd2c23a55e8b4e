import Foundation
import Testing
@testable import AttnlabCLI
import Classroom

/// `--lang`: a translation is a subfolder of the lessons under the same ids; what it lacks comes
/// in English with a note; the presenter speaks the lesson's language.
@Suite struct LessonLanguageTests {
    /// English `masks` and `tiny`, and a Chinese `masks` only.
    static func lessons(_ name: String = #function) throws -> URL {
        let folder = try temporaryFolder(name)
        let zh = folder.appendingPathComponent("zh")
        try FileManager.default.createDirectory(at: zh, withIntermediateDirectories: true)
        try "# Masks\n\n## Causal\n\n```attnlab\nattnlab mask causal --len 3\n```\n"
            .write(to: folder.appendingPathComponent("01-masks.md"), atomically: true, encoding: .utf8)
        try "# Tiny\n\n## One step\n\n```attnlab\nattnlab mask bidirectional --len 2\n```\n"
            .write(to: folder.appendingPathComponent("02-tiny.md"), atomically: true, encoding: .utf8)
        try "# 掩码\n\n## 因果\n\n因果掩码挡住未来。\n\n```attnlab\nattnlab mask causal --len 3\n```\n"
            .write(to: zh.appendingPathComponent("01-masks.md"), atomically: true, encoding: .utf8)
        return folder
    }

    @Test func aChineseLessonIsFramedInChinese() throws {
        let folder = try Self.lessons()
        let result = attnlab(["lesson", "masks", "--all", "--lang", "ZH", "--lessons", folder.path,
                              "--out", folder.appendingPathComponent("out").path])
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out.first == "# 掩码")
        #expect(result.out.contains("## 第 1 步（共 1 步）：因果"))
        #expect(result.out.contains("因果掩码挡住未来。"))
        #expect(result.out.last == "本课结束。")
        #expect(result.err.isEmpty, "\(result.err)")
    }

    @Test func aLessonNotYetTranslatedComesInEnglishWithANote() throws {
        let folder = try Self.lessons()
        let out = folder.appendingPathComponent("out")
        let result = attnlab(["lesson", "tiny", "--all", "--html", "--lang", "zh", "--lessons", folder.path, "--out", out.path])
        #expect(result.status == 0, "\(result.err)")
        #expect(result.err == ["note: lesson 'tiny' has no 'zh' version yet; here it is in English（这一课还没有中文版，下面是英文版）"])
        #expect(result.out.contains("## Step 1 of 1: One step"), "an English lesson is framed in English")
        let page = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(page.contains("<p class=\"note\">lesson &#39;tiny&#39; has no &#39;zh&#39; version yet"))
    }

    @Test func lessonsListsATranslationAndWhatItLacks() throws {
        let folder = try Self.lessons()
        let result = attnlab(["lessons", "--lang", "zh", "--lessons", folder.path])
        #expect(result.status == 0, "\(result.err)")
        let out = result.out.joined(separator: "\n")
        #expect(out.contains("   1  masks  掩码  (1 step)"), "\(out)")
        #expect(out.contains("Not yet in 'zh', shown in English:\n   2  tiny   Tiny  (1 step)"), "\(out)")
        #expect(out.contains("attnlab lesson masks --lang zh"))
    }

    @Test(arguments: [
        (["--lang", "fr"], "no lessons in 'fr' (no folder fr/ beside the English lessons); languages: en, zh"),
        (["--lang", "../zh"], "--lang '../zh' is not a language code; give one such as en or zh"),
        (["--lang", ""], "--lang '' is not a language code; give one such as en or zh"),
        (["--lang", String(repeating: "a", count: 5000)], "--lang 'aaaaaaaaaaaaaaaaaaaa…' is not a language code; give one such as en or zh"),
    ])
    func aLanguageThatIsNotThereIsOneClearLine(arguments: [String], message: String) throws {
        let folder = try Self.lessons("badLanguage\(arguments[1].filter(\.isLetter).prefix(8))")
        for command in [["lesson", "masks", "--all"], ["lessons"]] {
            let result = attnlab(command + arguments + ["--lessons", folder.path])
            #expect(result.status != 0)
            #expect(result.err.last?.hasSuffix(message) == true, "\(result.err)")
            #expect(result.err.count <= 2, "one line (the usage hint aside): \(result.err)")
        }
    }

    @Test func theBundledLessonsHaveEveryLessonInChinese() throws {
        let english = LessonLibrary(folder: LessonTests.folder, validate: Attnlab.problem(with:))
        let chinese = LessonLibrary(folder: LessonTests.folder.appendingPathComponent("zh"), validate: Attnlab.problem(with:))
        #expect(chinese.problems.isEmpty, "\(chinese.problems)")
        #expect(chinese.lessons.map(\.id) == english.lessons.map(\.id))
        for (en, zh) in zip(english.lessons, chinese.lessons) {
            #expect(zh.steps.count == en.steps.count, "\(zh.id): same steps")
            // Same commands, but for example sentences given to the toy models.
            let strip = { (c: Lesson.Command) in c.arguments.enumerated().filter { i, _ in
                i == 0 || !["--text", "--target"].contains(c.arguments[i - 1]) }.map(\.element) }
            #expect(zh.commands.map(strip) == en.commands.map(strip), "\(zh.id): same commands")
        }
    }
}
