import Foundation
import Ink

/// A lesson's Markdown prose as HTML, rendered by Ink with everything a lesson could use to put
/// markup or script into its page taken away. A lesson is a file a teacher was handed, so its
/// text is untrusted: raw HTML is shown as text, links keep only plain web or relative targets,
/// and images only relative ones (a page loads nothing from the network).
enum PageMarkdown {
    static func html(_ markdown: String) -> String {
        // Ink takes any `<` for the start of raw HTML, and one unclosed tag (a lesson writing
        // "<bos>") would swallow the rest of the step. So no `<` reaches it: each stands in as a
        // private-use character, and comes back as `&lt;` (in code too, where Ink would escape it).
        let hidden = markdown.replacingOccurrences(of: "<", with: lessThan)
        return parser().html(from: hidden).replacingOccurrences(of: lessThan, with: "&lt;")
    }

    private static let lessThan = "\u{E000}"

    /// A parser is a few closures: made for each use, so nothing is shared between threads.
    private static func parser() -> MarkdownParser {
        var parser = MarkdownParser()
        // Raw HTML cannot reach Ink (see `html`); were it to, it is shown as the text it is.
        parser.addModifier(Modifier(target: .html) { _, markdown in escaped(String(markdown)) })
        // Ink writes a fence's info string into a class attribute unescaped: write the block ourselves.
        parser.addModifier(Modifier(target: .codeBlocks) { html, markdown in
            html.hasPrefix("<pre><code>") ? html : "<pre><code>\(escaped(fencedCode(markdown)))</code></pre>"
        })
        // Ink writes a target into its attribute as it is, so `javascript&#58;…` would reach the
        // browser as `javascript:…`. Written again with `&` escaped, a target means what it says.
        parser.addModifier(Modifier(target: .links) { html, markdown in
            guard let match = html.wholeMatch(of: /<a href="([^"<>\s]*)">(.*)<\/a>/.dotMatchesNewlines()),
                  isSafe(link: String(match.1), allowingWeb: true) else { return escaped(String(markdown)) }
            return "<a href=\"\(escaped(String(match.1)))\">\(match.2)</a>"
        })
        parser.addModifier(Modifier(target: .images) { html, markdown in
            guard let match = html.wholeMatch(of: /<img src="([^"<>\s]*)"(?: alt="([^"<>]*)")?\/>/),
                  isSafe(link: String(match.1), allowingWeb: false) else { return escaped(String(markdown)) }
            return "<img src=\"\(escaped(String(match.1)))\" alt=\"\(match.2 ?? "")\">"
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
