import Foundation

/// A simple line plot: one or more series of (x, y) points on shared axes, with ticks, axis labels
/// and a legend. Lessons plot singular values and loss curves with it.
public struct LinePlot: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var x: [Double]
        public var y: [Double]
        public init(name: String, x: [Double], y: [Double]) { self.name = name; self.x = x; self.y = y }
        /// y against 1, 2, 3, … (e.g. singular values by rank).
        public init(name: String, y: [Double]) { self.init(name: name, x: y.indices.map { Double($0 + 1) }, y: y) }
    }

    /// A tick on the x axis with text of its own (a token under its position); "\n" breaks lines.
    public struct Tick: Sendable {
        public var x: Double
        public var label: String
        public init(x: Double, label: String) { self.x = x; self.label = label }
    }

    /// A place on the x axis worth pointing at (the position that was changed): a dashed line, labelled.
    public struct Marker: Sendable {
        public var x: Double
        public var label: String
        public init(x: Double, label: String) { self.x = x; self.label = label }
    }

    public var title: String
    public var subtitle: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// A logarithmic y axis (values ≤ 0 cannot be shown on it and are left out).
    public var logY: Bool
    /// The x axis's ticks, when they say more than a number (nil = round numbers). When they are
    /// too crowded to read, only every second (third, …) one is written.
    public var xTicks: [Tick]?
    public var markers: [Marker]
    /// The font of every text in the plot; nil = `Font.standard()`, chosen by the environment.
    public var font: Font?

    public init(title: String, subtitle: String = "", xLabel: String, yLabel: String, series: [Series], logY: Bool = false,
                xTicks: [Tick]? = nil, markers: [Marker] = [], font: Font? = nil) {
        self.title = title; self.subtitle = subtitle; self.xLabel = xLabel; self.yLabel = yLabel
        self.series = series; self.logY = logY; self.xTicks = xTicks; self.markers = markers; self.font = font
    }

    /// The smallest picture; it grows to fit a long title or axis label.
    static let size = (width: 760, height: 500)
    static let margin = 14

    public func render() throws -> Canvas {
        let font = try self.font ?? Font.standard()
        let (label, titleStyle) = (font.label, font.title)
        let usable = series.map { s in zip(s.x, s.y).filter { $0.0.isFinite && $0.1.isFinite && (!logY || $0.1 > 0) } }
        let all = usable.joined()
        guard !all.isEmpty, series.allSatisfy({ $0.x.count == $0.y.count }) else { throw HeatmapError.empty }

        let (x0, x1, y0, y1) = ranges(all.map(\.0), all.map(\.1))

        let ticks = xTicks ?? Ticks.nice(x0, x1, count: 6).filter { $0 >= x0 && $0 <= x1 }.map { Tick(x: $0, label: Ticks.label($0)) }
        let yTicks = logY ? Ticks.decades(y0, y1) : Ticks.nice(y0, y1, count: 6).filter { $0 >= y0 && $0 <= y1 }
        let yText = yLabel + (logY ? " (log scale)" : "")
        let subtitleLines = subtitle.split(separator: "\n").map(String.init)
        let tickLines = ticks.map { $0.label.split(separator: "\n").map(String.init) }
        let tickRows = tickLines.map(\.count).max() ?? 1

        // The plot area takes what the text around it leaves: the title and subtitle above, the
        // rotated y label and the y ticks' labels to the left, x ticks' labels and the x label below.
        let margin = Self.margin
        let top = margin + titleStyle.height + 6 + subtitleLines.count * label.lineHeight + 12
        let left = margin + label.height + 10 + (yTicks.map { label.width(Ticks.label($0)) }.max() ?? 0) + 8
        let bottom = 6 + tickRows * label.lineHeight + 6 + label.height + margin
        let width = max(Self.size.width, margin + max(titleStyle.width(title), subtitleLines.map { label.width($0) }.max() ?? 0) + margin,
                        left + label.width(xLabel) + 24)
        let height = max(Self.size.height, top + label.width(yText) + 20 + bottom)
        var canvas = Canvas(width: width, height: height, palette: Palette(scale: .unit))
        let area = (x: left, y: top, w: width - left - 24, h: height - top - bottom)
        func px(_ x: Double) -> Int { area.x + Int(((x - x0) / (x1 - x0) * Double(area.w - 1)).rounded()) }
        func py(_ y: Double) -> Int {
            let t = logY ? (log10(y) - log10(y0)) / (log10(y1) - log10(y0)) : (y - y0) / (y1 - y0)
            return area.y + area.h - 1 - Int((t * Double(area.h - 1)).rounded())
        }

        canvas.text(title, x: margin, y: margin, style: titleStyle)
        for (k, line) in subtitleLines.enumerated() {
            canvas.text(line, x: margin, y: margin + titleStyle.height + 6 + k * label.lineHeight, style: label, .softInk)
        }

        // Grid lines and ticks: every tick gets its line; its text only when there is room for it.
        let widestTick = tickLines.joined().map { label.width($0) }.max() ?? 0
        let pitch = ticks.count > 1 ? Double(area.w) * abs(ticks[1].x - ticks[0].x) / (x1 - x0) : Double(area.w)
        let every = max(1, Int((Double(widestTick + 8) / max(pitch, 1)).rounded(.up)))
        for (k, tick) in ticks.enumerated() {
            canvas.fill(x: px(tick.x), y: area.y, width: 1, height: area.h, .gridLine)
            guard k % every == 0 else { continue }
            for (r, line) in tickLines[k].enumerated() {
                canvas.text(line, x: px(tick.x) - label.width(line) / 2, y: area.y + area.h + 6 + r * label.lineHeight, style: label)
            }
        }
        for t in yTicks {
            canvas.fill(x: area.x, y: py(t), width: area.w, height: 1, .gridLine)
            let text = Ticks.label(t)
            canvas.text(text, x: area.x - 8 - label.width(text), y: py(t) - label.height / 2, style: label)
        }
        canvas.frame(x: area.x - 1, y: area.y - 1, width: area.w + 2, height: area.h + 2, .ink)
        canvas.text(xLabel, x: area.x + (area.w - label.width(xLabel)) / 2,
                    y: area.y + area.h + 6 + tickRows * label.lineHeight + 6, style: label)
        canvas.text(yText, x: margin, y: area.y + (area.h + label.width(yText)) / 2, style: label, direction: .up)

        // Markers: a dashed line across the plot, its text at the top beside it (left of it when
        // the right has no room).
        for marker in markers where marker.x >= x0 && marker.x <= x1 {
            let x = px(marker.x)
            for y in stride(from: area.y, to: area.y + area.h, by: 10) {
                canvas.fill(x: x - 1, y: y, width: 2, height: min(6, area.y + area.h - y), .marker)
            }
            let textWidth = label.width(marker.label)
            let textX = x + 6 + textWidth <= area.x + area.w - 4 ? x + 6 : max(area.x + 4, x - 6 - textWidth)
            canvas.text(marker.label, x: textX, y: area.y + 6, style: label)
        }

        // The series: lines, and a marker on each point when there are few.
        for (i, points) in usable.enumerated() {
            let color = canvas.palette.index(Palette.Fixed.series(i))
            for (a, b) in zip(points, points.dropFirst()) {
                canvas.line(px(a.0), py(a.1), px(b.0), py(b.1), thickness: 2, color)
            }
            if points.count <= 64 {
                for p in points { canvas.fill(x: px(p.0) - 2, y: py(p.1) - 2, width: 5, height: 5, color) }
            }
        }

        // Legend, inside the plot in whichever corner the lines cross least.
        let legendWidth = (series.map { label.width($0.name) }.max() ?? 0) + 40
        let legendHeight = series.count * label.lineHeight + 8
        let corners = [(area.x + area.w - legendWidth - 4, area.y + 4), (area.x + 10, area.y + 4),
                       (area.x + area.w - legendWidth - 4, area.y + area.h - legendHeight - 4),
                       (area.x + 10, area.y + area.h - legendHeight - 4)]
        func crossings(_ corner: (Int, Int)) -> Int {
            var count = 0
            for y in max(corner.1, 0)..<min(corner.1 + legendHeight, canvas.height) {
                for x in max(corner.0, 0)..<min(corner.0 + legendWidth, canvas.width)
                where canvas[x, y] >= canvas.palette.index(.series0) || canvas[x, y] == canvas.palette.index(.ink) { count += 1 }
            }
            return count
        }
        let (lx, ly0) = corners.min { crossings($0) < crossings($1) } ?? corners[0]
        canvas.fill(x: lx, y: ly0, width: legendWidth, height: legendHeight, .background)
        canvas.frame(x: lx, y: ly0, width: legendWidth, height: legendHeight, .frame)
        var ly = ly0 + 5
        for (i, s) in series.enumerated() {
            canvas.fill(x: lx + 6, y: ly + label.height / 2 - 1, width: 20, height: 3, Palette.Fixed.series(i))
            canvas.text(s.name, x: lx + 34, y: ly, style: label)
            ly += label.lineHeight
        }
        return canvas
    }

    /// The axes' ranges for these points. x as given (half a step wider with ticks of their own,
    /// so the end ticks' text stays under the plot); y from 0 when no value is negative, since the
    /// plots show magnitudes and an axis that does not start at 0 exaggerates; on a log axis, whole
    /// decades. `xs` and `ys` are finite and not empty.
    func ranges(_ xs: [Double], _ ys: [Double]) -> (x0: Double, x1: Double, y0: Double, y1: Double) {
        var (x0, x1) = (xs.min() ?? 0, xs.max() ?? 1)
        var (y0, y1) = (ys.min() ?? 0, ys.max() ?? 1)
        if let ticks = xTicks, let first = ticks.map(\.x).min(), let last = ticks.map(\.x).max() {
            (x0, x1) = (min(x0, first) - 0.5, max(x1, last) + 0.5)
        }
        if x0 == x1 { x0 -= 1; x1 += 1 }
        if logY {
            (y0, y1) = (pow(10, floor(log10(y0))), pow(10, ceil(log10(y1))))
            if y0 == y1 { y1 *= 10 }
        } else if y0 >= 0 {
            (y0, y1) = (0, y1 == 0 ? 1 : y1 * 1.05)
        } else {
            if y0 == y1 { y0 -= 1; y1 += 1 }
            let pad = (y1 - y0) * 0.05
            (y0, y1) = (y0 - pad, y1 + pad)
        }
        return (x0, x1, y0, y1)
    }

    /// Several plots one above the other as one picture (each keeps its own axes), e.g. the work
    /// of each step and the work in total.
    public static func render(stacked plots: [LinePlot]) throws -> Canvas {
        let canvases = try plots.map { try $0.render() }
        guard let first = canvases.first else { throw HeatmapError.empty }
        var out = Canvas(width: canvases.map(\.width).max() ?? 0, height: canvases.map(\.height).reduce(0, +), palette: first.palette)
        var y = 0
        for canvas in canvases {
            out.paste(canvas, x: 0, y: y)
            y += canvas.height
        }
        return out
    }
}
