import Foundation
import Testing
@testable import Classroom

/// A lesson page: one section per step, commands with their output and pictures, and nothing a
/// lesson or a command writes can become markup or script.
@Suite struct LessonPageTests {
    static func lesson(_ text: String, name: String = "07-page.md") throws -> Lesson {
        let reading = LessonParser.read(text, file: URL(fileURLWithPath: "/lessons/\(name)"))
        return try #require(reading.lesson, "\(reading.problems)")
    }

    /// The smallest PNG header: signature and an IHDR of `width` × `height`.
    static func png(width: UInt32, height: UInt32) -> Data {
        var data = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]) + Data("IHDR".utf8)
        for value in [width, height] { withUnsafeBytes(of: value.bigEndian) { data.append(contentsOf: $0) } }
        return data + Data([8, 6, 0, 0, 0, 0, 0, 0, 0])
    }

    static let plain = """
        # Masks

        Attention computes a score for every pair.

        ## Causal

        The decoder's mask:

        ```attnlab
        attnlab mask causal --len 4 --png causal.png
        ```

        ## Nothing run

        ```attnlab
        attnlab mask bidirectional --len 4
        ```
        """

    func page(_ lesson: Lesson, records: [Int: LessonPage.Record], standalone: Bool = false,
              pictures: [String: Data] = [:]) -> String {
        LessonPage(lesson: lesson, records: records, language: "en", indexLink: "../index.html", standalone: standalone,
                   pictureData: { pictures[$0] }).html()
    }

    @Test func oneSectionPerStepWithCommandsOutputAndPictures() throws {
        let lesson = try Self.lesson(Self.plain)
        let command = lesson.commands[0]
        let html = page(lesson, records: [command.line: .init(output: ["causal mask, 4 × 4", ""], pictures: [
            .init(path: "causal.png", title: "causal mask (4 × 4)")])], pictures: ["causal.png": Self.png(width: 320, height: 200)])
        #expect(html.matches(of: /<section class="step"/).count == 3)
        for n in 0...2 { #expect(html.contains("id=\"step-\(n)\"")) }
        #expect(html.contains("<h1>Masks</h1>"))
        #expect(html.contains("<span class=\"prompt\">$ </span><span class=\"w\">attnlab</span> <span class=\"w\">mask</span> "
            + "<span class=\"w\">causal</span> <span class=\"w\">--len</span> <span class=\"w\">4</span> <span class=\"w\">--png</span> "
            + "<span class=\"w\">causal.png</span></code></pre>"))
        #expect(html.contains("<pre class=\"output\" aria-label=\"printed\">causal mask, 4 × 4\n</pre>"))
        #expect(html.contains("<img src=\"causal.png\" alt=\"causal mask (4 × 4)\" width=\"320\" height=\"200\">"))
        #expect(html.contains("<p class=\"status\">not run in this session</p>"), "the second command has no record")
        #expect(html.contains("<a href=\"../index.html\">All lessons</a>"))
        #expect(html.contains("<a href=\"#step-2\">Nothing run</a>"))
    }

    @Test func theSameRunGivesTheSameBytes() throws {
        let lesson = try Self.lesson(Self.plain)
        let records = [lesson.commands[0].line: LessonPage.Record(output: ["x"], pictures: [.init(path: "causal.png", title: "t")])]
        #expect(page(lesson, records: records) == page(lesson, records: records))
        #expect(page(lesson, records: records).firstMatch(of: /\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}:\d{2}/) == nil, "no date or time in the page")
    }

    @Test func standaloneEmbedsEachPictureAsADataURIThatDecodesToItsBytes() throws {
        let lesson = try Self.lesson(Self.plain)
        let bytes = Self.png(width: 3, height: 2)
        let html = page(lesson, records: [lesson.commands[0].line: .init(output: [], pictures: [.init(path: "causal.png", title: "t")])],
                        standalone: true, pictures: ["causal.png": bytes])
        let source = try #require(html.firstMatch(of: /<img src="data:image\/png;base64,([A-Za-z0-9+\/=]+)"/))
        #expect(Data(base64Encoded: String(source.1)) == bytes)
        #expect(!html.contains("src=\"causal.png\""))
    }

    @Test func aFailedCommandShowsItsErrorAndAPathIsAURLPath() throws {
        let lesson = try Self.lesson(Self.plain)
        let html = page(lesson, records: [lesson.commands[0].line: .init(
            output: [], pictures: [.init(path: "sub dir/a #1?.png", title: "t")], message: "attnlab: no such thing", succeeded: false)])
        #expect(html.contains("<p class=\"status failed\">attnlab: no such thing</p>"))
        #expect(html.contains("src=\"sub%20dir/a%20%231%3F.png\""))
        #expect(LessonPage.percentEncoded("猫.png") == "%E7%8C%AB.png")
    }

    @Test func pngSizeReadsTheHeaderAndRefusesWhatIsNotAPNG() {
        #expect(LessonPage.pngSize(Self.png(width: 1100, height: 7)).map { [$0.width, $0.height] } == [1100, 7])
        #expect(LessonPage.pngSize(Data("not a picture at all, no".utf8)) == nil)
        #expect(LessonPage.pngSize(Data()) == nil)
    }

    /// Every way a lesson file or a command's output could try to write markup into the page.
    static let hostile = """
        # Title </title><script>alert(1)</script>

        <script>alert("intro")</script> and <img src=x onerror=alert(2)> inline, <b onclick="x()">bold</b>.

        <div onmouseover="alert(3)">
        a block of raw HTML
        </div>

        ## Step <i>one</i> "quoted" & 'single'

        [a script link](javascript:alert(4)) and [a quote](x"onmouseover="alert(5)) and [fine](https://example.org/a?b=1).
        [data](data:text/html,<script>alert(6)</script>) ![remote](http://example.org/tracker.png) ![local](causal.png)
        Inline `<script>code</script>` and **<svg onload=alert(7)>**.

        ```js" onclick="alert(8)
        <script>alert(9)</script>
        ```

        ```attnlab
        attnlab mask causal --len 4 --png causal.png
        ```
        """

    @Test func nothingFromALessonOrItsOutputBecomesMarkupOrScript() throws {
        let lesson = try Self.lesson(Self.hostile)
        let record = LessonPage.Record(output: ["</pre><script>alert(10)</script>", "<a href=\"javascript:x\">"],
                                       pictures: [.init(path: "p\"><script>alert(11)</script>.png", title: "\"><script>alert(12)</script>")],
                                       message: "<img src=x onerror=alert(13)>", succeeded: false)
        let html = page(lesson, records: [lesson.commands[0].line: record])
        // The page's own script is the only one.
        #expect(html.matches(of: /<script/).count == 1)
        let allowed: Set<String> = ["html", "head", "meta", "title", "style", "body", "nav", "a", "span", "main", "section",
                                    "h1", "h2", "h3", "h4", "p", "ol", "ul", "li", "div", "pre", "code", "figure", "img",
                                    "figcaption", "strong", "em", "br", "script", "blockquote", "hr", "table", "thead",
                                    "tbody", "tr", "th", "td"]
        for tag in html.matches(of: /<([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s>=]+(?:="[^"]*")?)*)\s*\/?>/) {
            let name = String(tag.1).lowercased()
            #expect(allowed.contains(name), "unexpected element <\(name)>")
            for attribute in String(tag.2).matches(of: /\s+([^\s>=]+)(?:="([^"]*)")?/) {
                let key = attribute.1.lowercased(), value = (attribute.2.map(String.init) ?? "").lowercased()
                #expect(!key.hasPrefix("on"), "event handler \(key) on <\(name)>")
                #expect(["class", "id", "href", "src", "alt", "width", "height", "lang", "charset", "name", "content",
                         "data-step", "aria-label"].contains(key), "unexpected attribute \(key) on <\(name)>")
                if key == "href" || key == "src" {
                    #expect(!value.contains("javascript:") && !value.hasPrefix("data:text"), "\(key)=\(value)")
                }
                if key == "src" { #expect(!value.contains("//"), "a page loads nothing from the network: \(value)") }
            }
        }
        // Every tag that is not one of ours was written as text.
        #expect(html.contains("&lt;script&gt;alert(\"intro\")&lt;/script&gt; and &lt;img src=x onerror=alert(2)&gt;"))
        #expect(html.contains("&lt;/pre&gt;&lt;script&gt;alert(10)&lt;/script&gt;"))
        #expect(html.contains("<a href=\"https://example.org/a?b=1\">fine</a>"))
        #expect(html.contains("<img src=\"causal.png\" alt=\"local\">"))
        #expect(html.contains("<title>Title &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>"))
    }

    /// A browser decodes character references in an attribute: `javascript&#58;…` must not
    /// reach it as `javascript:…`, nor `http&#58;//…` load anything.
    @Test func characterReferencesInATargetStayText() throws {
        let lesson = try Self.lesson("""
            # T

            ## S

            [dec](javascript&#58;alert(1)) [hex](javascript&#x3A;alert(2)) [named](javascript&colon;alert(3)) \
            [tab](jav&#x09;ascript:alert(4)) ![remote](http&#58;//127.0.0.1:9/p.png) [query](https://example.org/?a=1&b=2)
            """)
        let html = page(lesson, records: [:])
        #expect(html.contains("<a href=\"javascript&amp;#58;alert(1)\">dec</a>"))
        #expect(html.contains("<a href=\"javascript&amp;colon;alert(3)\">named</a>"))
        #expect(html.contains("<img src=\"http&amp;#58;//127.0.0.1:9/p.png\" alt=\"remote\">"))
        #expect(html.contains("<a href=\"https://example.org/?a=1&amp;b=2\">query</a>"))
        #expect(!html.contains("href=\"javascript&#") && !html.contains("src=\"http&#"))
    }

    /// Ink reads `<word>` as an HTML tag that runs to its closing tag: an unclosed one would
    /// swallow the rest of the step. In a lesson `<bos>` is a token, and stays one.
    @Test func anUnclosedTagInProseIsJustText() throws {
        let lesson = try Self.lesson("""
            # T

            ## S

            Every sentence starts with <bos> and ends with <eos>.

            - a list item with **bold**
            - and `<sep>` in code

            ### A heading
            """)
        let html = page(lesson, records: [:])
        #expect(html.contains("<p>Every sentence starts with &lt;bos&gt; and ends with &lt;eos&gt;.</p>"))
        #expect(html.contains("<li>a list item with <strong>bold</strong></li>"))
        #expect(html.contains("<code>&lt;sep&gt;</code>"))
        #expect(html.contains("<h3>A heading</h3>"))
        #expect(!html.contains("\u{E000}"))
    }

    @Test func linkTargetsThatCannotRunScriptOrReachOut() {
        for safe in ["causal.png", "#step-2", "sub/dir/x.png", "x.png?v=1"] {
            #expect(PageMarkdown.isSafe(link: safe, allowingWeb: false), "\(safe)")
        }
        for web in ["https://example.org", "http://example.org/x", "mailto:teacher@example.org"] {
            #expect(PageMarkdown.isSafe(link: web, allowingWeb: true) && !PageMarkdown.isSafe(link: web, allowingWeb: false))
        }
        for unsafe in ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "vbscript:x", "file:///etc/passwd",
                       "x'onclick='y", "//example.org/x.png"] {
            #expect(!PageMarkdown.isSafe(link: unsafe, allowingWeb: false), "\(unsafe)")
        }
        #expect(!PageMarkdown.isSafe(link: "javascript:alert(1)", allowingWeb: true))
    }

    @Test func aChinesePageSaysItsOwnWordsInChinese() throws {
        let lesson = try Self.lesson("# 掩码\n\n注意力。\n\n## 因果\n\n```attnlab\nattnlab mask causal --len 4\n```\n")
        let html = LessonPage(lesson: lesson, records: [:], language: "zh-Hans", note: "这一课还没有中文版", indexLink: nil,
                              standalone: false, pictureData: { _ in nil }).html()
        #expect(html.contains("<html lang=\"zh-Hans\">"))
        #expect(html.contains("<h1>掩码</h1>") && html.contains("<p>注意力。</p>"))
        #expect(html.contains("本次未运行") && html.contains("<p class=\"note\">这一课还没有中文版</p>"))
        #expect(!html.contains("All lessons"), "no index link was given")
    }

    @Test func theIndexLinksWrittenPagesAndSaysHowToWriteTheOthers() {
        let html = LessonIndexPage(entries: [
            .init(number: 1, id: "masks", title: "The <mask> zoo", steps: 7, link: "masks/index.html"),
            .init(number: 2, id: "kv-cache", title: "KV cache", steps: 4, link: nil),
        ], language: "en").html()
        #expect(html.contains("<a href=\"masks/index.html\">The &lt;mask&gt; zoo</a> (7 steps)"))
        #expect(html.contains("no page yet: run attnlab lesson kv-cache --html"))
    }
}
