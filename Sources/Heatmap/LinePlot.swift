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

    public var title: String
    public var subtitle: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// A logarithmic y axis (values ≤ 0 cannot be shown on it and are left out).
    public var logY: Bool

    public init(title: String, subtitle: String = "", xLabel: String, yLabel: String, series: [Series], logY: Bool = false) {
        self.title = title; self.subtitle = subtitle; self.xLabel = xLabel; self.yLabel = yLabel
        self.series = series; self.logY = logY
    }

    static let size = (width: 760, height: 500)
    static let plotArea = (left: 86, right: 24, top: 64, bottom: 58)

    public func render() throws -> Canvas {
        let usable = series.map { s in zip(s.x, s.y).filter { $0.0.isFinite && $0.1.isFinite && (!logY || $0.1 > 0) } }
        let all = usable.joined()
        guard !all.isEmpty, series.allSatisfy({ $0.x.count == $0.y.count }) else { throw HeatmapError.empty }

        // Axis ranges: x as given; y padded a little, and on a log axis by whole decades.
        var (x0, x1) = (all.map(\.0).min()!, all.map(\.0).max()!)   // ok: `all` is not empty
        var (y0, y1) = (all.map(\.1).min()!, all.map(\.1).max()!)   // ok: `all` is not empty
        if x0 == x1 { x0 -= 1; x1 += 1 }
        if logY {
            (y0, y1) = (pow(10, floor(log10(y0))), pow(10, ceil(log10(y1))))
            if y0 == y1 { y1 *= 10 }
        } else {
            if y0 == y1 { y0 -= 1; y1 += 1 }
            let pad = (y1 - y0) * 0.05
            (y0, y1) = (y0 >= 0 && y0 - pad < 0 ? 0 : y0 - pad, y1 + pad)
        }

        var canvas = Canvas(width: Self.size.width, height: Self.size.height, palette: Palette(scale: .unit))
        let area = (x: Self.plotArea.left, y: Self.plotArea.top,
                    w: Self.size.width - Self.plotArea.left - Self.plotArea.right,
                    h: Self.size.height - Self.plotArea.top - Self.plotArea.bottom)
        func px(_ x: Double) -> Int { area.x + Int(((x - x0) / (x1 - x0) * Double(area.w - 1)).rounded()) }
        func py(_ y: Double) -> Int {
            let t = logY ? (log10(y) - log10(y0)) / (log10(y1) - log10(y0)) : (y - y0) / (y1 - y0)
            return area.y + area.h - 1 - Int((t * Double(area.h - 1)).rounded())
        }

        canvas.text(title, x: 14, y: 12, scale: 2)
        canvas.text(subtitle, x: 14, y: 12 + 2 * BitmapFont.lineHeight + 2, scale: 1, .softInk)

        // Grid lines and ticks.
        let xTicks = Ticks.nice(x0, x1, count: 6).filter { $0 >= x0 && $0 <= x1 }
        let yTicks = logY ? Ticks.decades(y0, y1) : Ticks.nice(y0, y1, count: 6).filter { $0 >= y0 && $0 <= y1 }
        for t in xTicks {
            canvas.fill(x: px(t), y: area.y, width: 1, height: area.h, .gridLine)
            let label = Ticks.label(t)
            canvas.text(label, x: px(t) - BitmapFont.width(label, scale: 1) / 2, y: area.y + area.h + 6, scale: 1)
        }
        for t in yTicks {
            canvas.fill(x: area.x, y: py(t), width: area.w, height: 1, .gridLine)
            let label = Ticks.label(t)
            canvas.text(label, x: area.x - 8 - BitmapFont.width(label, scale: 1), y: py(t) - BitmapFont.ascent / 2, scale: 1)
        }
        canvas.frame(x: area.x - 1, y: area.y - 1, width: area.w + 2, height: area.h + 2, .ink)
        canvas.text(xLabel, x: area.x + (area.w - BitmapFont.width(xLabel, scale: 1)) / 2, y: area.y + area.h + 24, scale: 1)
        canvas.text(yLabel + (logY ? " (log scale)" : ""), x: 18,
                    y: area.y + (area.h + BitmapFont.width(yLabel, scale: 1)) / 2, scale: 1, direction: .up)

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
        let legendWidth = (series.map { BitmapFont.width($0.name, scale: 1) }.max() ?? 0) + 40
        let legendHeight = series.count * 16 + 8
        let corners = [(area.x + area.w - legendWidth - 4, area.y + 4), (area.x + 10, area.y + 4),
                       (area.x + area.w - legendWidth - 4, area.y + area.h - legendHeight - 4),
                       (area.x + 10, area.y + area.h - legendHeight - 4)]
        func crossings(_ corner: (Int, Int)) -> Int {
            var count = 0
            for y in corner.1..<(corner.1 + legendHeight) {
                for x in corner.0..<(corner.0 + legendWidth) where canvas[x, y] >= canvas.palette.index(.series0) { count += 1 }
            }
            return count
        }
        let (lx, ly0) = corners.min { crossings($0) < crossings($1) } ?? corners[0]
        canvas.fill(x: lx, y: ly0, width: legendWidth, height: legendHeight, .background)
        canvas.frame(x: lx, y: ly0, width: legendWidth, height: legendHeight, .frame)
        var ly = ly0 + 6
        for (i, s) in series.enumerated() {
            canvas.fill(x: lx + 6, y: ly + 3, width: 20, height: 3, Palette.Fixed.series(i))
            canvas.text(s.name, x: lx + 34, y: ly, scale: 1)
            ly += 16
        }
        return canvas
    }
}
