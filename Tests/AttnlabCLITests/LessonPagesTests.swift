import Classroom
import Foundation
import Synchronization
import Testing

/// Every lesson, in English and in Chinese, run by the built `attnlab` as a teacher would (in a
/// fresh folder, `lesson ID --all --html`), leaves a page; and each page works in a real browser:
/// headless Chromium, driven by Tests/Browser/check-pages.py, loads every picture, logs no error
/// and steps with the keys. The browser part needs Debian's `chromium` (.ci/run installs it).
///
/// After an intended change to the pages, refresh the screenshots the README shows with:
/// ATTNLAB_UPDATE_GALLERY=1 swift test -c release --filter LessonPages
@Suite(.serialized) struct LessonPagesTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardizedFileURL
    static let lessons = repository.appendingPathComponent("Lessons")
    static let languages = ["en", "zh"]

    /// The pages of every lesson in both languages, written once for every test here.
    static let written: Result<URL, any Error> = Result { try writeEveryPage() }

    static func writeEveryPage() throws -> URL {
        let root = try temporaryFolder("lesson-pages")
        let environment = ["ATTNLAB_MODELS": repository.appendingPathComponent("Output/models").path,
                           "ATTNLAB_TRAINED": root.appendingPathComponent("trained").path]
        // English first: the Chinese lessons train the same models, and find them in the cache.
        for language in languages {
            let library = LessonLibrary(folder: language == "en" ? lessons : lessons.appendingPathComponent(language))
            let runs = library.lessons.map { ["lesson", $0.id, "--all", "--html", "--lessons", lessons.path, "--lang", language] }
            let results = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: runs.count) { i in
                let result = (try? attnlabProcess(runs[i], in: root, environment: environment))
                if result?.status != 0 {
                    results.withLock { $0.append("\(runs[i][1]) (\(language)): \(result?.err.suffix(3).joined(separator: " | ") ?? "did not start")") }
                }
            }
            let failures = results.withLock { $0 }
            if !failures.isEmpty { throw PageError("lessons failed: " + failures.joined(separator: "; ")) }
            // Lessons from a folder given with --lessons leave the index alone: write it for them.
            let index = try attnlabProcess(["lessons", "--html", "--lessons", lessons.path, "--lang", language], in: root)
            if index.status != 0 { throw PageError("lessons --html --lang \(language): \(index.err)") }
        }
        return root
    }

    struct PageError: Error, CustomStringConvertible { let description: String; init(_ d: String) { description = d } }

    static func page(_ language: String, _ id: String, in root: URL) -> URL {
        root.appendingPathComponent(language == "en" ? "Output/\(id)/index.html" : "Output/\(language)/\(id)/index.html")
    }

    @Test func everyLessonInEveryLanguageHasAPageLinkedFromItsIndex() throws {
        let root = try Self.written.get()
        let englishIDs = LessonLibrary(folder: Self.lessons).lessons.map(\.id)
        #expect(englishIDs.count >= 16)
        for language in Self.languages {
            let library = LessonLibrary(folder: language == "en" ? Self.lessons : Self.lessons.appendingPathComponent(language))
            #expect(Set(library.lessons.map(\.id)) == Set(englishIDs), "every lesson has a \(language) version under the same id")
            let index = try String(contentsOf: root.appendingPathComponent(
                language == "en" ? "Output/index.html" : "Output/\(language)/index.html"), encoding: .utf8)
            for lesson in library.lessons {
                let html = try String(contentsOf: Self.page(language, lesson.id, in: root), encoding: .utf8)
                #expect(html.contains("<h1>\(lesson.title)</h1>") || lesson.title.contains { "<>&\"'".contains($0) })
                #expect(html.matches(of: /<section class="step"/).count == lesson.steps.count + 1, "\(language) \(lesson.id)")
                #expect(!html.contains("not run in this session"), "\(language) \(lesson.id): every command ran")
                #expect(index.contains("href=\"\(lesson.id)/index.html\""), "the \(language) index links \(lesson.id)")
            }
        }
    }

    /// teacher-forcing times two passes, and times differ on every run; training-signal trains
    /// its models on the first run and reuses them on the second. The page leaves out what
    /// differs, and says so, unless asked to keep it (--verbatim).
    @Test(arguments: ["teacher-forcing", "training-signal"])
    func theSameLessonRunTwiceGivesTheSamePage(id: String) throws {
        let root = try temporaryFolder("page-twice-\(id)")
        func page(_ extra: [String] = []) throws -> String {
            let result = try attnlabProcess(["lesson", id, "--all", "--html", "--lessons", Self.lessons.path, "--out", "out"] + extra,
                                            in: root, environment: ["ATTNLAB_TRAINED": root.appendingPathComponent("trained").path])
            #expect(result.status == 0, "\(result.err)")
            return try String(contentsOf: root.appendingPathComponent("out/index.html"), encoding: .utf8)
        }
        let first = try page(), second = try page()
        #expect(first == second)
        let why = id == "teacher-forcing" ? "… stands for a time measured on this run" : "Lines about this run alone"
        #expect(first.contains(why))
        let verbatim = try page(["--verbatim"])
        #expect(!verbatim.contains(why))
        if id == "teacher-forcing" {
            #expect(first.contains("teacher forcing: one pass over all 64 decoder positions at once: …\n"))
            #expect(!first.contains("ms (median of") && verbatim.contains("ms (median of"))
        } else {
            #expect(!first.contains("reusing the model") && !first.contains("steps/s"))
            #expect(verbatim.contains("reusing the model trained earlier"), "the third run reuses the models")
            #expect(first.contains("held-out: exact match"), "what the model learned stays")
        }
    }

    @Test func standaloneCarriesItsPicturesInside() throws {
        let root = try temporaryFolder("page-standalone")
        let result = try attnlabProcess(["lesson", "masks", "--all", "--standalone", "--lessons", Self.lessons.path, "--out", "m"], in: root)
        #expect(result.status == 0, "\(result.err)")
        let html = try String(contentsOf: root.appendingPathComponent("m/index.html"), encoding: .utf8)
        let sources = html.matches(of: /<img src="([^"]*)"/).map { String($0.1) }
        #expect(sources.count >= 6)
        #expect(sources.allSatisfy { $0.hasPrefix("data:image/png;base64,") })
        #expect(!html.contains("All lessons"), "a page written elsewhere (--out) does not link an index that is not there")
    }

    /// Chromium from Debian (or Chrome), if there is one on PATH.
    static let chromium: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for folder in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
                return "\(folder)/\(name)"
            }
        }
        return nil
    }()

    /// Runs Tests/Browser/check-pages.py on `pages`; its exit status and what it printed.
    static func checkPages(_ pages: [URL], screenshots: URL, extra: [String] = []) throws -> (Int32, String) {
        try run(["python3", repository.appendingPathComponent("Tests/Browser/check-pages.py").path,
                 "--screenshots", screenshots.path, "--chromium", chromium ?? "chromium"] + extra + pages.map(\.path))
    }

    /// Runs a program (found on PATH) in the repository; its exit status and everything it printed.
    static func run(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = repository
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let report = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, report)
    }

    /// The check can fail: on pages made to break it (a missing picture, a console error, an
    /// exception, no step navigation, a link to a script) it says so, and exits 1.
    @Test(.enabled(if: chromium != nil, "no chromium on PATH: install it (apt-get install chromium) to check the pages in a browser"))
    func theBrowserCheckCatchesBrokenPages() throws {
        let (status, report) = try Self.run(["bash", Self.repository.appendingPathComponent("Tests/Browser/selftest.sh").path])
        #expect(status == 0, "\(report)")
        #expect(report.split(separator: "\n").filter { $0.hasPrefix("ok: ") }.count == 9, "\(report)")
    }

    @Test(.enabled(if: chromium != nil, "no chromium on PATH: install it (apt-get install chromium) to check the pages in a browser"))
    func everyPageLoadsItsPicturesLogsNoErrorAndSteps() throws {
        let root = try Self.written.get()
        let (status, report) = try Self.checkPages([root.appendingPathComponent("Output")],
                                                   screenshots: root.appendingPathComponent("screenshots"))
        #expect(status == 0, "\(report)")
        let pagesChecked = report.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count
        #expect(pagesChecked == 2 * 16 + 2, "\(report)")

        if ProcessInfo.processInfo.environment["ATTNLAB_UPDATE_GALLERY"] != nil {
            // The README's two page screenshots: a step with a picture, in each language.
            let gallery = Self.repository.appendingPathComponent("Output/gallery")
            for (page, step, name) in [(Self.page("en", "masks", in: root), 2, "lesson-page"),
                                       (Self.page("zh", "three-architectures", in: root), 1, "lesson-page-zh")] {
                let shot = root.appendingPathComponent("gallery-\(name)")
                let (status, report) = try Self.checkPages([page], screenshots: shot, extra: ["--step", String(step)])
                #expect(status == 0, "\(report)")
                let target = gallery.appendingPathComponent("\(name).png")
                try? FileManager.default.removeItem(at: target)
                try FileManager.default.copyItem(at: shot.appendingPathComponent(page.deletingLastPathComponent().lastPathComponent + ".png"),
                                                 to: target)
            }
        }
    }
}
