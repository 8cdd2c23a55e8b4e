import Foundation

/// A lesson as one web page for the projector: its prose rendered from Markdown, each command as
/// typed with what it printed, each picture it drew inline, one `<section class="step">` per step
/// (`id="step-0"` is the title and introduction), and a few lines of script to step through them
/// with the arrow keys. Everything a lesson or a command supplies is escaped, so a lesson cannot
/// put markup or script into its page; the page loads nothing from the network. The same run
/// gives the same bytes: there is no date or time in it.
public struct LessonPage {
    /// What one command left for the page.
    public struct Record: Sendable, Equatable {
        public var output: [String]
        public var pictures: [Picture]
        /// Why it failed, or why it was skipped (`succeeded` tells which).
        public var message: String?
        public var succeeded: Bool

        public init(output: [String], pictures: [Picture], message: String? = nil, succeeded: Bool = true) {
            self.output = output; self.pictures = pictures; self.message = message; self.succeeded = succeeded
        }
    }

    /// A picture a command wrote: its path relative to the page's folder, and its title.
    public struct Picture: Sendable, Equatable {
        public var path: String
        public var title: String
        public init(path: String, title: String) { self.path = path; self.title = title }
    }

    public let lesson: Lesson
    /// What each command left, by the line it stands on; a command with no record was not run.
    public let records: [Int: Record]
    /// The page's language, as in `<html lang>`, which also picks the page's own few words.
    public let language: String
    /// A line shown under the title, such as "this lesson has no Chinese version yet".
    public let note: String?
    /// Where "all lessons" leads, if anywhere (`../index.html`).
    public let indexLink: String?
    /// The bytes of a picture, by its path relative to the page: for its size and, with
    /// `standalone`, to embed it as a data URI so that the page is one file that can be mailed.
    public let pictureData: (String) -> Data?
    public let standalone: Bool

    public init(lesson: Lesson, records: [Int: Record], language: String, note: String? = nil, indexLink: String?,
                standalone: Bool, pictureData: @escaping (String) -> Data?) {
        self.lesson = lesson; self.records = records; self.language = language; self.note = note
        self.indexLink = indexLink; self.standalone = standalone; self.pictureData = pictureData
    }

    public func html() -> String {
        let words = PageWords.of(language)
        var body = ""
        body += "<section class=\"step\" id=\"step-0\">\n<h1>\(escaped(lesson.title))</h1>\n"
        if let note { body += "<p class=\"note\">\(escaped(note))</p>\n" }
        body += blocks(lesson.introduction)
        if !lesson.steps.isEmpty {
            body += "<ol class=\"contents\">\n"
            for (i, step) in lesson.steps.enumerated() {
                body += "<li><a href=\"#step-\(i + 1)\">\(escaped(step.title))</a></li>\n"
            }
            body += "</ol>\n"
        }
        body += "</section>\n"
        for (i, step) in lesson.steps.enumerated() {
            body += "<section class=\"step\" id=\"step-\(i + 1)\">\n"
            body += "<h2><span class=\"number\">\(i + 1)</span>\(escaped(step.title))</h2>\n"
            body += blocks(step.blocks)
            body += "</section>\n"
        }
        return Self.document(title: lesson.title, language: language, words: words, indexLink: indexLink, steps: true, body: body)
    }

    /// The page around `body`: head, inline style, the bar with "all lessons" and (when it has
    /// steps to move through) the keys, the script.
    static func document(title: String, language: String, words: PageWords, indexLink: String?, steps: Bool, body: String) -> String {
        var page = "<!DOCTYPE html>\n<html lang=\"\(escaped(language))\">\n<head>\n<meta charset=\"utf-8\">\n"
        page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        page += "<meta name=\"generator\" content=\"attnlab\">\n"
        page += "<title>\(escaped(title))</title>\n<style>\n\(PageAssets.style)\n</style>\n</head>\n"
        page += "<body data-step=\"0\">\n"
        if indexLink != nil || steps {
            page += "<nav class=\"bar\">"
            if let indexLink { page += "<a href=\"\(escaped(indexLink))\">\(escaped(words.allLessons))</a>" }
            if steps { page += "<span class=\"hint\">\(escaped(words.keys))</span>" }
            page += "</nav>\n"
        }
        page += "<main>\n\(body)</main>\n"
        page += "<script>\n\(PageAssets.script)\n</script>\n</body>\n</html>\n"
        return page
    }

    private func blocks(_ blocks: [Lesson.Block]) -> String {
        blocks.map { block in
            switch block {
            case .prose(let markdown): return PageMarkdown.html(markdown) + "\n"
            case .literal(let text): return "<pre class=\"literal\"><code>\(escaped(text))</code></pre>\n"
            case .command(let command): return self.command(command)
            }
        }.joined()
    }

    private func command(_ command: Lesson.Command) -> String {
        let words = PageWords.of(language)
        var html = "<div class=\"command\">\n<pre class=\"typed\"><code><span class=\"prompt\">$ </span>"
        html += Self.typed(command.text) + "</code></pre>\n"
        guard let record = records[command.line] else {
            return html + "<p class=\"status\">\(escaped(words.notRun))</p>\n</div>\n"
        }
        if !record.output.isEmpty {
            html += "<pre class=\"output\" aria-label=\"\(escaped(words.output))\">"
            html += escaped(record.output.joined(separator: "\n")) + "</pre>\n"
        }
        if let message = record.message {
            html += "<p class=\"status\(record.succeeded ? "" : " failed")\">\(escaped(message))</p>\n"
        }
        for picture in record.pictures { html += figure(picture) }
        return html + "</div>\n"
    }

    private func figure(_ picture: Picture) -> String {
        let data = pictureData(picture.path)
        let size = data.flatMap(Self.pngSize).map { " width=\"\($0.width)\" height=\"\($0.height)\"" } ?? ""
        let image: String
        if standalone, let data {
            image = "<img src=\"data:image/png;base64,\(data.base64EncodedString())\" alt=\"\(escaped(picture.title))\"\(size)>"
        } else {
            // A click opens the picture at full size: a grid of every head is wider than the page.
            let source = escaped(Self.percentEncoded(picture.path))
            image = "<a href=\"\(source)\"><img src=\"\(source)\" alt=\"\(escaped(picture.title))\"\(size)></a>"
        }
        return "<figure>\(image)<figcaption>\(escaped(picture.title))</figcaption></figure>\n"
    }

    /// A command as typed, each word kept whole where a long line wraps: a student copying from
    /// the projector must not see `--` at the end of one line and `png` at the start of the next.
    static func typed(_ text: String) -> String {
        text.split(separator: " ", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : "<span class=\"w\">\(escaped(String($0)))</span>" }.joined(separator: " ")
    }

    /// Width and height from a PNG's header (signature, then IHDR), or nil if it is not one.
    static func pngSize(_ data: Data) -> (width: Int, height: Int)? {
        let bytes = [UInt8](data.prefix(24))
        guard bytes.count == 24, bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
              bytes[12..<16].elementsEqual(Array("IHDR".utf8)) else { return nil }
        func number(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (number(16), number(20))
    }

    /// A relative path as a URL path: every byte but letters, digits, `-._~` and `/` as %XX, so a
    /// file named `a #1?.png` is that file and not a fragment or a query.
    static func percentEncoded(_ path: String) -> String {
        let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/".utf8)
        return path.utf8.map { plain.contains($0) ? String(UnicodeScalar($0)) : String(format: "%%%02X", $0) }.joined()
    }
}

/// The page that links every lesson page of one language: `Output/index.html`.
public struct LessonIndexPage {
    public struct Entry: Sendable {
        public var number: Int?, id: String, title: String, steps: Int
        /// The lesson page relative to the index, or nil when it has not been written yet.
        public var link: String?
        public init(number: Int?, id: String, title: String, steps: Int, link: String?) {
            self.number = number; self.id = id; self.title = title; self.steps = steps; self.link = link
        }
    }

    public let entries: [Entry]
    public let language: String
    public init(entries: [Entry], language: String) { self.entries = entries; self.language = language }

    public func html() -> String {
        let words = PageWords.of(language)
        var body = "<section class=\"step\" id=\"step-0\">\n<h1>\(escaped(words.lessonsTitle))</h1>\n<ul class=\"lessons\">\n"
        for entry in entries {
            let number = "<span class=\"number\">\(entry.number.map(String.init) ?? "")</span>"
            let title = escaped(entry.title), steps = "(\(entry.steps) \(escaped(entry.steps == 1 ? words.step : words.steps)))"
            if let link = entry.link {
                body += "<li>\(number)<a href=\"\(escaped(LessonPage.percentEncoded(link)))\">\(title)</a> \(steps)</li>\n"
            } else {
                let missing = words.notYetWritten.replacingOccurrences(of: "%@", with: entry.id)
                body += "<li>\(number)\(title) \(steps) <span class=\"missing\">\(escaped(missing))</span></li>\n"
            }
        }
        body += "</ul>\n</section>\n"
        return LessonPage.document(title: words.lessonsTitle, language: language, words: words, indexLink: nil, steps: false, body: body)
    }
}
