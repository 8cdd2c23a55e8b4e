import Foundation

/// Lesson prose for a terminal: wrapped to its width, with a little emphasis when colour is wanted
/// (a terminal, and NO_COLOR unset), plain text otherwise.
public struct TerminalText: Sendable {
    /// Columns for prose: the terminal's width, capped for reading comfort.
    public let width: Int
    /// The terminal's whole width, for command output and pictures.
    public let columns: Int
    public let color: Bool
    /// Whether command output is wrapped to `columns` (on a terminal: piped output keeps its
    /// lines whole, for grep and for scripts).
    public let wrapsOutput: Bool

    public init(width: Int, color: Bool, columns: Int? = nil, wrapsOutput: Bool = true) {
        self.width = max(width, 30)
        self.columns = max(columns ?? width, 30)
        self.color = color
        self.wrapsOutput = wrapsOutput
    }

    /// Settings for standard output: its width and whether to colour (a terminal that is not
    /// TERM=dumb, and NO_COLOR unset or empty, as no-color.org asks).
    public static func forStandardOutput() -> TerminalText {
        let isTerminal = isatty(STDOUT_FILENO) != 0
        let size = terminalSize()
        let columns = size?.columns ?? Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 80
        return TerminalText(width: min(columns, 100), color: isTerminal && wantsColor(), columns: columns, wrapsOutput: isTerminal)
    }

    /// NO_COLOR unset (or empty) and a terminal that is not "dumb".
    public static func wantsColor() -> Bool {
        let environment = ProcessInfo.processInfo.environment
        let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        return !noColor && environment["TERM"] != "dumb"
    }

    /// Standard output's size when it is a terminal that reports one.
    public static func terminalSize() -> (columns: Int, rows: Int)? {
        var size = winsize()
        guard isatty(STDOUT_FILENO) != 0, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 else { return nil }
        return (Int(size.ws_col), Int(size.ws_row))
    }

    public func heading(_ text: String) -> String {
        color ? "\u{1B}[1m\(text)\u{1B}[0m" : text
    }

    public func dim(_ text: String) -> String {
        color ? "\u{1B}[2m\(text)\u{1B}[0m" : text
    }

    /// "$ attnlab …", as a shell would show it; wrapped to `width` when given, each line styled
    /// on its own (so a cut line never leaves the colour on).
    public func command(_ text: String, width: Int? = nil) -> String {
        let lines = width.map { DisplayWidth.wrap("$ " + text, width: $0) } ?? ["$ " + text]
        guard color else { return lines.joined(separator: "\n") }
        return lines.enumerated().map { i, line in
            i == 0 ? "\u{1B}[2m$\u{1B}[0m \u{1B}[1;36m\(line.dropFirst(2))\u{1B}[0m" : "\u{1B}[1;36m\(line)\u{1B}[0m"
        }.joined(separator: "\n")
    }

    /// A fenced block shown as it is, indented.
    public func literal(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
    }

    /// Markdown prose: paragraphs and list items wrapped to the width; `**bold**` and `code` emphasised.
    public func prose(_ markdown: String) -> String {
        var out: [String] = []
        var paragraph: [String] = []
        var item: (marker: String, words: [String])?
        func flush() {
            if !paragraph.isEmpty { out += wrap(paragraph.joined(separator: " "), first: "", rest: "") }
            if let item { out += wrap(item.words.joined(separator: " "), first: item.marker, rest: String(repeating: " ", count: item.marker.count)) }
            paragraph = []; item = nil
        }
        for raw in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { flush(); out.append(""); continue }
            if let marker = Self.listMarker(line) {
                flush()
                item = (marker, [String(line.dropFirst(marker.count))])
            } else if item != nil {
                item!.words.append(line)   // ok: checked just before
            } else {
                paragraph.append(line)
            }
        }
        flush()
        while out.last == "" { out.removeLast() }
        var state = Emphasis()
        return out.map { emphasise($0, &state) }.joined(separator: "\n")
    }

    /// Whether a `code` or **bold** span is open; spans can run on from one wrapped line to the next.
    struct Emphasis { var code = false, bold = false }

    /// "- ", "* " or "12. " at the start of a line.
    static func listMarker(_ line: String) -> String? {
        if line.hasPrefix("- ") || line.hasPrefix("* ") { return String(line.prefix(2)) }
        let digits = line.prefix { $0.isNumber }
        if !digits.isEmpty, line.dropFirst(digits.count).hasPrefix(". ") { return digits + ". " }
        return nil
    }

    /// Greedy word wrap, by display width (a Chinese character takes two columns); the markup
    /// characters are not counted, since they will not be shown. Lines break at spaces and
    /// between wide characters, which is where Chinese and Japanese lines break (`pieces`).
    private func wrap(_ text: String, first: String, rest: String) -> [String] {
        var lines: [String] = []
        var line = first, visible = first.count
        var atStart = true
        for word in text.split(separator: " ") {
            for (index, piece) in Self.pieces(String(word), room: width - rest.count).enumerated() {
                let space = index == 0 && !atStart ? 1 : 0
                let length = Self.visibleLength(piece)
                if !atStart && visible + space + length > width {
                    lines.append(line)
                    line = rest; visible = rest.count
                    atStart = true
                }
                if index == 0 && !atStart { line += " "; visible += 1 }
                line += piece; visible += length
                atStart = false
            }
        }
        lines.append(line)
        return lines
    }

    /// A word cut where a line may break inside it: next to wide characters, where
    /// `DisplayWidth.mayBreak` allows it, so that "。" stays with the character before it and "（"
    /// with the one after. Markers between two shown characters go with the next piece. A piece
    /// wider than `room` (a run of closing marks, say) is cut around each wide character instead.
    static func pieces(_ word: String, room: Int = .max) -> [String] {
        var pieces: [String] = [], current = "", markers = ""
        var last: Character?                 // the last character shown, markers aside
        for c in word {
            if c == "*" || c == "`" { markers.append(c); continue }
            if let last, DisplayWidth.mayBreak(last, c) { pieces.append(current); current = "" }
            current += markers + String(c); markers = ""
            last = c
        }
        current += markers
        if !current.isEmpty { pieces.append(current) }
        return pieces.flatMap { visibleLength($0) > room ? aroundWideCharacters($0) : [$0] }
    }

    /// A word cut around each wide character.
    static func aroundWideCharacters(_ word: String) -> [String] {
        var pieces: [String] = [], current = ""
        for c in word {
            if DisplayWidth.of(c) == 2 {
                if !current.isEmpty { pieces.append(current) }
                pieces.append(String(c)); current = ""
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    static func visibleLength(_ word: String) -> Int {
        DisplayWidth.of(word.replacingOccurrences(of: "**", with: "").filter { $0 != "`" })
    }

    /// `code` in cyan, **bold** in bold; without colour the markers are simply removed. Each line
    /// ends with the colour reset and the next one reopens what is still open, so a terminal that
    /// scrolls or a pager that cuts lines shows each line right.
    private func emphasise(_ line: String, _ state: inout Emphasis) -> String {
        var result = ""
        func open() -> String { (state.bold ? "\u{1B}[1m" : "") + (state.code ? "\u{1B}[36m" : "") }
        if color { result += open() }
        var i = line.startIndex
        while i < line.endIndex {
            if line[i...].hasPrefix("**") && !state.code {
                state.bold.toggle()
                i = line.index(i, offsetBy: 2)
            } else if line[i] == "`" {
                state.code.toggle()
                i = line.index(after: i)
            } else {
                result.append(line[i])
                i = line.index(after: i)
                continue
            }
            if color { result += "\u{1B}[0m" + open() }
        }
        if color && (state.code || state.bold) { result += "\u{1B}[0m" }
        return result
    }
}
