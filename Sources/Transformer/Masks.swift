import TensorCore

/// Which key positions a query position may attend to: `allows(i, j)` for query i, key j, both
/// absolute positions in their sequences. Rules are tiny named functions combined with `&&`, in the
/// spirit of the Annotated Transformer; `grid` turns one into the 0/1 matrix attention uses.
public struct MaskRule: Sendable {
    public let name: String
    public let allows: @Sendable (_ query: Int, _ key: Int) -> Bool

    public init(_ name: String, allows: @escaping @Sendable (Int, Int) -> Bool) {
        self.name = name
        self.allows = allows
    }

    /// Both rules must allow the cell.
    public static func && (a: MaskRule, b: MaskRule) -> MaskRule {
        MaskRule("\(a.name) & \(b.name)") { i, j in a.allows(i, j) && b.allows(i, j) }
    }

    /// The [queries.count, keys] grid for the query positions `queries` (consecutive, absolute) and
    /// keys 0..<keys: 1 = may attend, 0 = blocked. With a KV cache the queries are the new tokens'
    /// positions, which is why they are a range rather than a count.
    public func grid(queries: Range<Int>, keys: Int) -> Tensor {
        var out = Tensor(zeros: [queries.count, keys])
        for (row, i) in queries.enumerated() {
            for j in 0..<keys where allows(i, j) { out.scalars[row * keys + j] = 1 }
        }
        return out
    }

    /// The square grid of a sequence of n tokens attending to itself.
    public func grid(_ n: Int) -> Tensor { grid(queries: 0..<n, keys: n) }
}

/// Every token sees every token (an encoder).
public func bidirectional() -> MaskRule { MaskRule("bidirectional") { _, _ in true } }

/// A token sees itself and what came before it, never the future (a decoder).
public func causal() -> MaskRule { MaskRule("causal") { i, j in j <= i } }

/// Bidirectional over the first `prefix` tokens (the prompt), causal after them (T5's prefix-LM,
/// UniLM): every token may read the whole prompt, the continuation only its own past.
public func prefixLM(_ prefix: Int) -> MaskRule {
    MaskRule("prefix-lm(\(prefix))") { i, j in j <= i || j < prefix }
}

/// Causal, and only the last `window` tokens including itself (Longformer, Mistral).
public func slidingWindow(_ window: Int) -> MaskRule {
    MaskRule("sliding-window(\(window))") { i, j in j <= i && i - j < window }
}

/// Keys at or beyond `valid` are padding: nobody may attend to them.
public func padding(valid: Int) -> MaskRule {
    MaskRule("padding(\(valid))") { _, j in j < valid }
}

/// Cross-attention: each decoder position may read every real encoder position; `validSource`
/// leaves out the encoder's padding. The grid is rectangular, [decoder tokens, encoder tokens].
public func cross(validSource: Int) -> MaskRule {
    MaskRule("cross(\(validSource))") { _, j in j < validSource }
}

/// The kinds of self-attention mask a stack can be asked to use, by name (the `mask` command, and
/// `--mask` on the model commands).
public enum MaskKind: String, Sendable, CaseIterable {
    case bidirectional, causal
    case prefixLM = "prefix-lm"
    case slidingWindow = "sliding-window"
    case padding, cross

    /// The rule, given the parameters it needs (checked by the caller).
    public func rule(prefix: Int = 0, window: Int = 1, valid: Int = .max) -> MaskRule {
        switch self {
        case .bidirectional: Transformer.bidirectional()
        case .causal: Transformer.causal()
        case .prefixLM: Transformer.prefixLM(prefix)
        case .slidingWindow: Transformer.slidingWindow(window)
        case .padding: Transformer.padding(valid: valid)
        case .cross: Transformer.cross(validSource: valid)
        }
    }
}
