import ArgumentParser
import Classroom
import Foundation

/// Where to look for lessons, and in which language; shared by `lessons` and `lesson`. English
/// lessons are the folder itself; a translation is a subfolder named by its language code
/// (`Lessons/zh/`), holding the same lessons under the same ids.
struct LessonSource: ParsableArguments {
    @Option(help: ArgumentHelp("Read lessons from this folder (default: ./Lessons, else the copy built into attnlab).", valueName: "dir"))
    var lessons: String?

    @Option(name: .customLong("lang"), help: ArgumentHelp("The lessons' language: en, or zh for the Chinese versions in Lessons/zh/. A lesson not yet "
                               + "translated is shown in English, with a note.", valueName: "code"))
    var language: String = "en"

    /// The language code, its language part in lower case (`ZH` is `zh`, `pt-BR` stays).
    var lang: String {
        let parts = language.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        return parts.first.map { $0.lowercased() + (parts.count > 1 ? "-" + parts[1] : "") } ?? language
    }

    /// English, whose lessons are the folder itself.
    static let english = "en"

    /// A language names a folder: a plain code such as zh or pt-BR, never a path.
    static func isLanguageCode(_ name: String) -> Bool {
        name.wholeMatch(of: /[a-z]{2,3}(-[A-Za-z0-9]{2,8})*/) != nil
    }

    func validate() throws {
        guard Self.isLanguageCode(lang) else {
            let shown = language.count > 24 ? language.prefix(20) + "…" : Substring(language)
            throw ValidationError("--lang '\(shown)' is not a language code; give one such as en or zh")
        }
    }

    /// The English lessons' folder.
    func englishFolder() throws -> URL {
        do { return try LessonLibrary.locate(explicit: lessons) } catch let error as LessonError { throw CLIError(error.description) }
    }

    /// Every language there are lessons in: English, and each subfolder that holds lesson files.
    func languages() throws -> [String] {
        let folder = try englishFolder()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return [Self.english] + entries.sorted().filter { name in
            Self.isLanguageCode(name)
                && ((try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent(name).path)) ?? [])
                    .contains { $0.hasSuffix(".md") && $0.lowercased() != "readme.md" }
        }
    }

    /// The lessons in the language asked for, every command checked (Attnlab.problem); an empty
    /// folder is an error.
    func library() throws -> LessonLibrary {
        let english = try englishFolder()
        guard lang != Self.english else { return try Self.checked(LessonLibrary(folder: english, validate: Attnlab.problem(with:))) }
        let folder = english.appendingPathComponent(lang, isDirectory: true)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw CLIError("no lessons in '\(lang)' (no folder \(lang)/ beside the English lessons); languages: \(try languages().joined(separator: ", "))")
        }
        return try Self.checked(LessonLibrary(folder: folder, validate: Attnlab.problem(with:)))
    }

    /// The English lessons, for what a translation lacks; nil when English is what was asked for.
    func englishLibrary() throws -> LessonLibrary? {
        lang == Self.english ? nil : LessonLibrary(folder: try englishFolder(), validate: Attnlab.problem(with:))
    }

    /// Where a lesson's pictures and page go by default: `Output/<id>`, or `Output/<lang>/<id>`
    /// for a translation, whose pictures may differ (its example sentences do).
    func defaultFolder(for id: String) -> String {
        lang == Self.english ? "Output/\(id)" : "Output/\(lang)/\(id)"
    }

    /// Where the page that links every lesson page goes: `Output/index.html`, or `Output/<lang>/index.html`.
    var indexPage: String { lang == Self.english ? "Output/index.html" : "Output/\(lang)/index.html" }

    /// A page's language (`<html lang>`): attnlab's `zh` is written in simplified characters.
    static func pageLanguage(_ lang: String) -> String { lang == "zh" ? "zh-Hans" : lang }

    private static func checked(_ library: LessonLibrary) throws -> LessonLibrary {
        if library.isEmpty {
            throw CLIError("no lessons in \(library.folder.path): add a Markdown file there, such as 01-first.md with a "
                + "'# Title' line and a '## Step' heading (see Lessons/README.md)")
        }
        return library
    }
}
