import TensorCore
import Transformer

/// Heads found by what they do, not by where they are: for a few simple roles, each head's mean
/// attention weight on the key that role names, and the head that does it most.
///
/// The roles, each averaged over one sentence's attention patterns:
/// - a *sink* on a special token (BERT's `[CLS]` or `[SEP]`, a decoder's `<bos>`): the weight the
///   words put on that token, averaged over the words as queries;
/// - *previous token*: the weight on key q − 1, averaged over the positions q where both q and
///   q − 1 are words;
/// - *next token*: the same with key q + 1.
///
/// "Words" are the positions that are not special tokens. Special tokens are left out as queries
/// because what `[CLS]` attends to is not what a word does, and as neighbours because a word next
/// to `[SEP]` would otherwise count a sink as a next-token head.
public struct HeadRoles: Sendable {
    public enum Role: Sendable, Equatable, CustomStringConvertible {
        /// Attention from the words to the special token at `position`, labelled `label`.
        case sink(position: Int, label: String)
        case previousToken
        case nextToken

        public var description: String {
            switch self {
            case .sink(_, let label): "attends to \(label)"
            case .previousToken: "previous token"
            case .nextToken: "next token"
            }
        }
    }

    /// One head and its mean weight for a role.
    public struct Head: Sendable, Equatable {
        public let layer: Int
        public let head: Int
        public let weight: Float
    }

    /// One role measured in every head.
    public struct Measurement: Sendable {
        public let role: Role
        /// Mean weight, `weights[layer][head]`.
        public let weights: [[Float]]
        /// How many (query, key) pairs each mean is taken over.
        public let pairs: Int
        /// The mean a head would get if it spread each query's weight evenly over the keys its
        /// mask allows: the level "no preference" sits at. 0 when the mask blocks every such key.
        public let evenSpread: Float

        /// Heads from the strongest down; ties go to the lower layer, then the lower head.
        public var ranked: [Head] {
            weights.enumerated().flatMap { layer, row in row.enumerated().map { Head(layer: layer, head: $0, weight: $1) } }
                .enumerated().sorted { ($0.element.weight, -$0.offset) > ($1.element.weight, -$1.offset) }.map(\.element)
        }

        /// The head with the largest mean weight.
        public var strongest: Head { ranked[0] }   // ok: a measurement has at least one layer and head
    }

    /// The patterns measured, one per layer, `[heads, tokens, tokens]`, and the mask they were made under.
    public let patterns: [Tensor]
    public let mask: Tensor?
    /// The token labels, one per position.
    public let labels: [String]
    /// The positions of special tokens (not words).
    public let special: Set<Int>
    /// One per role that has at least one pair to average over: the sinks in position order,
    /// then previous token, then next token.
    public let measurements: [Measurement]

    /// Measures the roles in recorded patterns.
    /// - Parameters:
    ///   - patterns: one per layer, `[heads, tokens, tokens]`: rows are queries, columns keys.
    ///   - mask: `[tokens, tokens]` with 1 where a query may attend (the same in every layer of a
    ///     stack); nil means every key is allowed. Only the `evenSpread` baseline uses it.
    ///   - special: positions of special tokens; every other position is a word.
    public init(patterns: [Tensor], mask: Tensor? = nil, labels: [String], special: Set<Int>) throws {
        guard let first = patterns.first, first.rank == 3, first.shape[0] > 0 else {
            throw ExperimentError("no attention patterns to measure")
        }
        let heads = first.shape[0], n = first.shape[1]
        for pattern in patterns where pattern.shape != [heads, n, n] {
            throw ExperimentError("every layer's pattern must be [\(heads), \(n), \(n)]; one is \(pattern.shape)")
        }
        guard labels.count == n else { throw ExperimentError("\(labels.count) labels for \(n) tokens") }
        if let mask, mask.shape != [n, n] { throw ExperimentError("the mask must be [\(n), \(n)]; it is \(mask.shape)") }
        let isWord = (0..<n).map { !special.contains($0) }
        guard isWord.contains(true) else { throw ExperimentError("the input has no words besides its special tokens") }
        self.patterns = patterns
        self.mask = mask
        self.labels = labels
        self.special = special.filter { (0..<n).contains($0) }

        // Each role is a list of (query, key) pairs; its weight in a head is the mean over them.
        var roles: [(Role, [(Int, Int)])] = []
        let words = (0..<n).filter { isWord[$0] }
        for position in self.special.sorted() {
            roles.append((.sink(position: position, label: labels[position]), words.map { ($0, position) }))
        }
        roles.append((.previousToken, words.filter { $0 > 0 && isWord[$0 - 1] }.map { ($0, $0 - 1) }))
        roles.append((.nextToken, words.filter { $0 + 1 < n && isWord[$0 + 1] }.map { ($0, $0 + 1) }))

        // The weight a query spreading evenly over its allowed keys gives each of them.
        func allowed(_ q: Int, _ k: Int) -> Bool { mask.map { $0[q, k] != 0 } ?? true }
        func evenWeight(_ q: Int, _ k: Int) -> Float {
            allowed(q, k) ? 1 / Float((0..<n).filter { allowed(q, $0) }.count) : 0
        }
        measurements = roles.filter { !$0.1.isEmpty }.map { role, pairs in
            let weights = patterns.map { pattern in
                (0..<heads).map { h in pairs.reduce(Float(0)) { $0 + pattern[h, $1.0, $1.1] } / Float(pairs.count) }
            }
            let even = pairs.reduce(Float(0)) { $0 + evenWeight($1.0, $1.1) } / Float(pairs.count)
            return Measurement(role: role, weights: weights, pairs: pairs.count, evenSpread: even)
        }
    }

    /// Runs `model` once on `input` and measures the self-attention of `stack` in every layer.
    public init(_ model: TransformerModel, input: ModelInput, stack: Stack, labels: [Stack: [String]],
                special: Set<Int>) throws {
        let tracer = Tracer(labels: labels)
        let pattern = "\(stack.rawValue).*.self_attn.pattern,\(stack.rawValue).*.self_attn.mask"
        _ = try model.forward(input, pass: Pass(hooks: .recording(tracer, pattern: pattern)))
        let layers = 0..<model.config.layers
        let patterns = try layers.map { layer in
            guard let recording = tracer["\(stack.rawValue).\(layer).self_attn.pattern"] else {
                throw ExperimentError("no \(stack.rawValue) self-attention pattern was recorded in layer \(layer)")
            }
            return recording.tensor
        }
        try self.init(patterns: patterns, mask: tracer["\(stack.rawValue).0.self_attn.mask"]?.tensor,
                      labels: labels[stack] ?? [], special: special)
    }

    /// The positions `encode` added around the words: where the text's own tokens (`words`, as
    /// `tokenize` gives them) sit in `framed` as one run, everything outside that run. If they
    /// cannot be found as a run, every position whose id is not among the words' ids.
    public static func specialPositions(framed: [Int], words: [Int]) -> Set<Int> {
        let n = framed.count, w = words.count
        if w <= n {
            for start in 0...(n - w) where Array(framed[start..<(start + w)]) == words {
                return Set(0..<start).union(Set((start + w)..<n))
            }
        }
        let known = Set(words)
        return Set((0..<n).filter { !known.contains(framed[$0]) })
    }
}
