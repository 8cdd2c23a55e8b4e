import Classroom
import Foundation

/// A small table of text: printed in columns when it fits the output's width, otherwise each row
/// as its name on one line and "column: value" lines under it. A projector's terminal is often
/// narrow, and a wide table broken by the terminal at its edge can no longer be read.
struct TextTable {
    /// The column titles; the first is the title of the row names.
    var header: [String]
    var rows: [[String]]
    var indent = 2

    /// The lines of the table for `columns` of width (nil: no limit).
    func lines(columns: Int?) -> [String] {
        let count = header.count
        var widths = header.map { DisplayWidth.of($0) }
        for row in rows {
            for (k, cell) in row.prefix(count).enumerated() { widths[k] = max(widths[k], DisplayWidth.of(cell)) }
        }
        let pad = String(repeating: " ", count: indent)
        let total = indent + widths.reduce(0, +) + 2 * max(count - 1, 0)
        if columns == nil || total <= columns! {   // ok: checked for nil just before
            func line(_ cells: [String]) -> String {
                var text = pad
                for k in 0..<count {
                    let cell = k < cells.count ? cells[k] : ""
                    text += k == count - 1 ? cell : DisplayWidth.pad(cell, to: widths[k]) + "  "
                }
                while text.last == " " { text.removeLast() }
                return text
            }
            return [line(header)] + rows.map(line)
        }
        // Narrow: one entry per row, a line per column.
        var out: [String] = []
        for row in rows {
            out.append(pad + (row.first ?? "") + ":")
            for k in 1..<max(count, 1) where k < row.count {
                out.append(pad + "  " + header[k] + ": " + row[k])
            }
        }
        return out
    }

    /// Says the table, fitted to the width output is shown in (`RunContext.outputColumns`).
    /// A lesson's page keeps the columns a narrow terminal gave up: its width is not the terminal's.
    func say() {
        let shown = lines(columns: RunContext.outputColumns)
        for line in shown { Console.say(line) }
        let wide = lines(columns: nil)
        if wide != shown { RunContext.runLines?.add(shown, page: wide, kind: .narrowed) }
    }
}
