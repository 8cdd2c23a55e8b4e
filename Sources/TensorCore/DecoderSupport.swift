/// What the .npy and safetensors decoders share: checking a shape read from a file before it
/// becomes a `Tensor`, converting raw little-endian scalars to Float, and quoting text from the file
/// in an error message.

/// The size of a shape read from a file, or why it cannot be a tensor's.
enum ShapeSize: Equatable {
    case fits(count: Int, byteCount: Int)
    case negative(Int)
    case overflows

    /// Checked with `multipliedReportingOverflow`, so a hostile shape gives an error, never a trap.
    ///
    /// The product of the non-zero dimensions must fit in Int, even when a zero dimension makes the
    /// tensor empty: then every partial product of the dimensions fits too, so `Tensor.init` and
    /// code such as `Tensor.rows` that multiply some of the dimensions cannot overflow later.
    init(shape: [Int], scalarSize: Int) {
        var product = 1, empty = false
        for dimension in shape {
            guard dimension >= 0 else { self = .negative(dimension); return }
            if dimension == 0 { empty = true; continue }
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            guard !overflow else { self = .overflows; return }
            product = next
        }
        let (bytes, overflow) = product.multipliedReportingOverflow(by: scalarSize)
        guard !overflow else { self = .overflows; return }
        self = empty ? .fits(count: 0, byteCount: 0) : .fits(count: product, byteCount: bytes)
    }
}

/// The scalar encodings the decoders read, all little-endian (like the hosts attnlab runs on).
/// The integer ones are for the few integer buffers checkpoints carry beside their weights (BERT's
/// `position_ids`, a causal-mask `bias`); they become Float32 exactly up to 2²⁴.
enum ScalarEncoding {
    case f32, f64, f16, bf16
    case i64, i32, i16, i8, u8, bool

    var byteCount: Int {
        switch self {
        case .f64, .i64: 8
        case .f32, .i32: 4
        case .f16, .bf16, .i16: 2
        case .i8, .u8, .bool: 1
        }
    }
}

/// Text from a file made safe for a one-line error message: control and non-ASCII characters
/// escaped, and at most `limit` characters kept, so a hostile name cannot flood or split the line.
public func printable(_ text: some StringProtocol, limit: Int = 60) -> String {
    var out = ""
    var kept = 0
    for scalar in text.unicodeScalars {
        guard kept < limit else { return out + "…" }
        out += (0x20..<0x7F).contains(scalar.value) ? String(scalar) : scalar.escaped(asASCII: true)
        kept += 1
    }
    return out
}

/// A shape as it appears in messages: [2, 3].
func describe(shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}
