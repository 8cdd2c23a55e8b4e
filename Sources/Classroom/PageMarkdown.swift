import Foundation
import Ink

/// A lesson's Markdown prose as HTML, rendered by Ink with everything a lesson could use to put
/// markup or script into its page taken away. A lesson is a file a teacher was handed, so its
/// text is untrusted: raw HTML is shown as text, links keep only plain web or relative targets,
/// and images only relative ones (a page loads nothing from the network).
enum PageMarkdown {
    static func html(_ markdown: String) -> String {
        parser().html(from: markdown)
    }

    /// A parser is a few closures: made for each use, so nothing is shared between threads.
    private static func parser() -> MarkdownParser {
        var parser = MarkdownParser()
        // Raw HTML, block or inline, is shown as the text it is.
        parser.addModifier(Modifier(target: .html) { _, markdown in escaped(String(markdown)) })
        // Ink writes a fence's info string into a class attribute unescaped: write the block ourselves.
        parser.addModifier(Modifier(target: .codeBlocks) { html, markdown in
            html.hasPrefix("<pre><code>") ? html : "<pre><code>\(escaped(fencedCode(markdown)))</code></pre>"
        })
        parser.addModifier(Modifier(target: .links) { html, markdown in
            guard let match = html.wholeMatch(of: /<a href="([^"<>\s]*)">(.*)<\/a>/.dotMatchesNewlines()),
                  isSafe(link: String(match.1), allowingWeb: true) else { return escaped(String(markdown)) }
            return html
        })
        parser.addModifier(Modifier(target: .images) { html, markdown in
            guard let match = html.wholeMatch(of: /<img src="([^"<>\s]*)"( alt="[^"<>]*")?\/>/),
                  isSafe(link: String(match.1), allowingWeb: false) else { return escaped(String(markdown)) }
            return html
        })
        return parser
    }

    /// A target that cannot run script or reach outside: no scheme at all (a relative path or
    /// `#anchor`), or, for links only, http, https or mailto.
    static func isSafe(link: String, allowingWeb: Bool) -> Bool {
        guard !link.contains("'"), !link.contains("`"), !link.contains("\\") else { return false }
        let beforePath = link.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let colon = beforePath.firstIndex(of: ":") else { return !link.hasPrefix("//") || allowingWeb }
        let scheme = link[..<colon].lowercased()
        return allowingWeb && ["http", "https", "mailto"].contains(scheme)
    }

    /// The code inside a fenced block's Markdown, without its fence lines.
    private static func fencedCode(_ markdown: Substring) -> String {
        var lines = markdown.split(separator: "\n", omittingEmptySubsequences: false)
        if let first = lines.first, first.hasPrefix("```") || first.hasPrefix("~~~") { lines.removeFirst() }
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        if let last = lines.last, last.hasPrefix("```") || last.hasPrefix("~~~") { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}

/// Text made safe to stand in HTML, inside an element or a quoted attribute.
func escaped(_ text: String) -> String {
    var result = ""
    result.reserveCapacity(text.utf8.count)
    for character in text {
        switch character {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "'": result += "&#39;"
        default: result.append(character)
        }
    }
    return result
}
