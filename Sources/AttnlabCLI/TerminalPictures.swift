import Classroom
import Foundation
import Heatmap
import Synchronization

/// The pictures a command drew while it ran in a lesson: the heatmaps, for the presenter to show
/// in the terminal (`RunContext.drew`), and every picture file with its title, for the lesson's
/// page (`RunContext.wrotePicture`). Outside a lesson there is no collector and nothing is kept.
final class DrawnPictures: Sendable {
    private let pictures = Mutex<[(figure: MatrixFigure, file: String)]>([])
    private let written = Mutex<[(file: String, title: String)]>([])

    func add(_ figure: MatrixFigure, file: String) { pictures.withLock { $0.append((figure, file)) } }
    func add(file: String, title: String) { written.withLock { $0.append((file, title)) } }

    /// Every picture file written, in order, with its title.
    var files: [(file: String, title: String)] { written.withLock { $0 } }

    /// At most `limit` pictures for the terminal, in the order drawn: each figure's first panel,
    /// with a note naming its file; the last says how many more there are.
    func terminalPictures(limit: Int = 2) -> [TerminalPicture] {
        let all = pictures.withLock { $0 }
        var shown = all.prefix(limit).map { TerminalPicture($0.figure, file: $0.file) }
        if all.count > limit, !shown.isEmpty {
            shown[shown.count - 1].note += "; \(all.count - limit) more picture\(all.count - limit == 1 ? "" : "s") in its folder"
        }
        return shown
    }
}

extension RunContext {
    /// Where a command in a lesson reports the pictures it wrote; nil outside a lesson.
    @TaskLocal static var drawn: DrawnPictures?

    /// Notes that `figure` was written to `file`, for the lesson's terminal picture.
    static func drew(_ figure: MatrixFigure, file: String) { drawn?.add(figure, file: file) }

    /// Notes that a picture titled `title` was written to `file`, for the lesson's page.
    static func wrotePicture(_ file: String, title: String) { drawn?.add(file: file, title: title) }
}

extension TerminalPicture {
    /// The first panel of `figure`, in the picture's own colours: its colour scale for values, a
    /// mask's "allowed" colour for a mask, blocked cells hatched.
    init(_ figure: MatrixFigure, file: String) {
        let panels = figure.panels.flatMap { $0 }
        let m = panels.first ?? LabelledMatrix(rows: 0, columns: 0, values: [])
        let isMask: Bool
        if case .mask = figure.kind { isMask = true } else { isMask = false }
        let scale = figure.scale
        func color(_ position: Float) -> Color {
            let c = scale.colormap.color(at: position)
            return Color(c.r, c.g, c.b)
        }
        var cells: [Cell] = []
        cells.reserveCapacity(m.rows * m.columns)
        for i in 0..<m.rows {
            for j in 0..<m.columns {
                let k = i * m.columns + j
                let v = k < m.values.count ? m.values[k] : .nan
                if m.isBlocked(i, j) || (isMask && v == 0) {
                    cells.append(.blocked)
                } else if !v.isFinite {
                    cells.append(.missing)
                } else {
                    let position = isMask ? 0.8 : scale.position(v)   // 0.8: the PNG's colour for "may attend"
                    cells.append(.value(color(position), shade: isMask ? 1 : position))
                }
            }
        }
        func number(_ x: Float) -> String { String(format: "%.3g", x) }
        let caption = panels.count > 1 ? " (\(m.caption.isEmpty ? "panel 1" : m.caption) of \(panels.count))" : ""
        self.init(title: figure.title + caption, rows: m.rows, columns: m.columns,
                  rowLabels: m.rowLabels, columnLabels: m.columnLabels, cells: cells,
                  scale: isMask ? nil : (number(scale.low), number(scale.high), stride(from: 0, through: 1, by: 0.125).map { color(Float($0)) }),
                  note: panels.count > 1 ? "every panel is in \(file)" : "picture: \(file)")
    }
}
