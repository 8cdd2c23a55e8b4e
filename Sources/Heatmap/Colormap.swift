/// An 8-bit RGB colour.
public struct RGB: Hashable, Sendable, CustomStringConvertible {
    public var r, g, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    public init(hex: UInt32) { self.init(UInt8(hex >> 16 & 0xFF), UInt8(hex >> 8 & 0xFF), UInt8(hex & 0xFF)) }
    public var description: String {
        "#" + [r, g, b].map { String($0, radix: 16).uppercased() }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
    }
}

/// A colour map as data: evenly spaced control colours from t = 0 to t = 1, interpolated linearly.
public struct Colormap: Sendable {
    public let name: String
    public let stops: [RGB]

    /// The colour at t in 0...1 (clamped).
    public func color(at t: Float) -> RGB {
        let x = min(max(t.isNaN ? 0 : t, 0), 1) * Float(stops.count - 1)
        let i = min(Int(x), stops.count - 2)
        let f = x - Float(i)
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Float(a) * (1 - f) + Float(b) * f).rounded()) }
        let (a, b) = (stops[i], stops[i + 1])
        return RGB(mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b))
    }

    /// Perceptually uniform, dark purple (0) to yellow (1): patterns and other values in 0...1.
    /// Matplotlib's viridis (CC0, by van der Walt and Smith), sampled at 17 points.
    public static let viridis = Colormap(name: "viridis", stops: [
        0x440154, 0x48186A, 0x472D7B, 0x424086, 0x3B528B, 0x33638D, 0x2C728E, 0x26828E, 0x21918C,
        0x1FA088, 0x28AE80, 0x3FBC73, 0x5EC962, 0x84D44B, 0xADDC30, 0xD8E219, 0xFDE725,
    ].map { RGB(hex: $0) })

    /// Diverging, blue (negative) through near-white (0) to red (positive): raw scores.
    /// ColorBrewer's RdBu, reversed (Apache-2.0, Cynthia Brewer), sampled at 17 points.
    public static let redBlue = Colormap(name: "RdBu", stops: [
        0x053061, 0x175290, 0x2A71B2, 0x3F8EC0, 0x6BACD1, 0x9BC9E0, 0xC2DDEC, 0xE0ECF3, 0xF7F6F6,
        0xFBE5D8, 0xFBCCB4, 0xF5AA89, 0xE48066, 0xD05548, 0xBA2832, 0x930E26, 0x67001F,
    ].map { RGB(hex: $0) })
}

/// How values become colours: the map, and the value range its ends stand for.
public struct ColorScale: Sendable {
    public let colormap: Colormap
    public let low: Float
    public let high: Float

    /// 0 → dark, 1 → bright: attention patterns, masks.
    public static let unit = ColorScale(colormap: .viridis, low: 0, high: 1)

    /// −limit → blue, 0 → white, +limit → red, for signed values such as raw scores.
    public static func diverging(limit: Float) -> ColorScale {
        let l = limit > 0 && limit.isFinite ? limit : 1
        return ColorScale(colormap: .redBlue, low: -l, high: l)
    }

    /// A diverging scale wide enough for every finite value given.
    public static func diverging(fitting values: [Float]) -> ColorScale {
        diverging(limit: values.reduce(0) { $1.isFinite ? max($0, abs($1)) : $0 })
    }

    public init(colormap: Colormap, low: Float, high: Float) {
        self.colormap = colormap; self.low = low; self.high = high
    }

    /// Position of `value` along the map, 0...1 (clamped).
    public func position(_ value: Float) -> Float {
        high > low ? min(max((value - low) / (high - low), 0), 1) : 0.5
    }
}

/// The colours one picture may use: a ramp of its colour map, then the fixed colours of the
/// furniture (background, ink, masked cells, markers, plot series). At most 256, so every pixel is
/// one byte and the PNG is written with a palette.
public struct Palette: Sendable {
    public static let rampSize = 200
    public let colors: [RGB]
    public let scale: ColorScale

    public init(scale: ColorScale) {
        self.scale = scale
        let ramp = (0..<Self.rampSize).map { scale.colormap.color(at: Float($0) / Float(Self.rampSize - 1)) }
        colors = ramp + Fixed.allCases.map(\.rgb)
    }

    /// The ramp entry for `value` under this palette's scale.
    public func index(for value: Float) -> UInt8 {
        UInt8((scale.position(value) * Float(Self.rampSize - 1)).rounded())
    }

    public func index(_ fixed: Fixed) -> UInt8 { UInt8(Self.rampSize + fixed.rawValue) }

    /// Furniture colours, after the ramp.
    public enum Fixed: Int, CaseIterable, Sendable {
        case background, ink, softInk, frame, gridLine
        case masked, hatch          // "not allowed to look": neutral grey with darker diagonal lines
        case notANumber, infinite   // never a normal value
        case series0, series1, series2, series3, series4, series5
        case marker                 // lines that mark a place (where a prefix ends, a changed token)

        public var rgb: RGB {
            switch self {
            case .background: RGB(hex: 0xFFFFFF)
            case .ink: RGB(hex: 0x1A1A1A)
            case .softInk: RGB(hex: 0x5A5A5A)
            case .frame: RGB(hex: 0x8C8C8C)
            case .gridLine: RGB(hex: 0xE4E4E4)
            case .masked: RGB(hex: 0xBDBDBD)
            case .hatch: RGB(hex: 0x7A7A7A)
            case .notANumber: RGB(hex: 0xFF00FF)
            case .infinite: RGB(hex: 0x00E5FF)
            // Matplotlib's first six "tab10" colours, for plot lines.
            case .series0: RGB(hex: 0x1F77B4)
            case .series1: RGB(hex: 0xFF7F0E)
            case .series2: RGB(hex: 0x2CA02C)
            case .series3: RGB(hex: 0xD62728)
            case .series4: RGB(hex: 0x9467BD)
            case .series5: RGB(hex: 0x8C564B)
            // A saturated orange: in neither colour map, and clear on dark purple, white and red alike.
            case .marker: RGB(hex: 0xFF7A00)
            }
        }

        public static func series(_ i: Int) -> Fixed {
            [.series0, .series1, .series2, .series3, .series4, .series5][i % 6]
        }
    }
}
