import TensorCore

/// The three shapes of transformer attnlab runs. They share every block; they differ in which
/// stacks they have and which mask each stack's self-attention uses.
public enum Architecture: String, Sendable, CaseIterable {
    /// One bidirectional stack (BERT-like): every token sees every token.
    case encoderOnly = "encoder-only"
    /// One causal stack (GPT-like): a token sees itself and the tokens before it.
    case decoderOnly = "decoder-only"
    /// A bidirectional encoder and a causal decoder that also reads the encoder through
    /// cross-attention (T5-like).
    case encoderDecoder = "encoder-decoder"

    public var stacks: [Stack] {
        switch self {
        case .encoderOnly: [.encoder]
        case .decoderOnly: [.decoder]
        case .encoderDecoder: [.encoder, .decoder]
        }
    }
    /// Whether the architecture generates text token by token.
    public var generates: Bool { self != .encoderOnly }
}

/// A stack of blocks; also the first part of every hook name.
public enum Stack: String, Sendable, CaseIterable, Comparable {
    case encoder, decoder
    public static func < (a: Stack, b: Stack) -> Bool { a == .encoder && b == .decoder }
}

/// Where a block normalises: before each sub-layer (GPT-2, T5; trains stably when deep) or after
/// each residual addition (the original Transformer, BERT).
public enum NormPlacement: String, Sendable, CaseIterable { case pre, post }

/// How a model knows where a token is.
public enum PositionScheme: Sendable, Equatable {
    /// A learned vector per position added to the token embedding (GPT-2, BERT).
    case learned
    /// Fixed sines and cosines added to the token embedding (the original Transformer).
    case sinusoidal
    /// No position vectors; instead each head adds a learned bias to its scores that depends on the
    /// bucketed distance between query and key (T5). `buckets` and `maxDistance` as in T5.
    case relativeBias(buckets: Int, maxDistance: Int)
    /// No position vectors; each head's queries and keys are rotated by angles proportional to
    /// their absolute positions, so their dot product depends on the distance alone (RoPE, as
    /// Llama and Qwen2 use it in Hugging Face's rotate-half layout). `base` is `rope_theta`.
    case rotary(base: Float, scaling: RotaryScaling?)

    public var name: String {
        switch self {
        case .learned: "learned"
        case .sinusoidal: "sinusoidal"
        case .relativeBias: "relative"
        case .rotary: "rotary"
        }
    }
}

/// How a rotary scheme stretches its frequencies for contexts longer than it was trained on.
public enum RotaryScaling: Sendable, Equatable {
    /// Llama 3.1/3.2's "llama3" rope_type: low frequencies (long wavelengths) divided by `factor`,
    /// high ones kept, the band between blended smoothly (Hugging Face `_compute_llama3_parameters`).
    case llama3(factor: Float, lowFrequencyFactor: Float, highFrequencyFactor: Float, originalMaxPositions: Int)
}

/// Whether raw scores QKᵀ are divided by √d_head before the softmax. T5 folds the factor into its
/// initialisation instead and does not scale.
public enum ScoreScaling: String, Sendable, CaseIterable { case inverseSqrtHeadDim = "sqrt", none }

/// Everything that fixes a model's shape and its arithmetic. The three architectures read the same
/// configuration; BERT, GPT-2 and T5 checkpoints are settings of these fields.
public struct ModelConfig: Sendable, Equatable {
    /// Width of the residual stream: each token is one vector of this many numbers (d_model).
    public var width: Int
    /// Attention heads per layer (query heads); each head works in `headWidth` dimensions.
    public var heads: Int
    /// Blocks per stack (an encoder-decoder model has this many in each of its two stacks).
    public var layers: Int
    /// Hidden width of each MLP (4 × width in GPT-2 and BERT).
    public var mlpWidth: Int
    /// Number of token ids; the embedding and the unembedding have one row per id.
    public var vocabularySize: Int
    /// Longest sequence a stack accepts (the size of a learned position table).
    public var maxLength: Int
    public var normPlacement: NormPlacement
    public var normKind: NormKind
    public var normEpsilon: Float
    public var positions: PositionScheme
    public var scoreScaling: ScoreScaling
    public var activation: Activation
    /// Linear layers and layer norms carry biases (GPT-2, BERT) or not (T5).
    public var biases: Bool
    /// A norm right after the embeddings (BERT).
    public var embeddingNorm: Bool
    /// The unembedding reuses the token embedding matrix (GPT-2, T5) instead of its own.
    public var tiedEmbeddings: Bool
    /// Multiplies the final hidden state by width^-½ before a tied unembedding (T5 does).
    public var scaleTiedLogits: Bool
    /// Standard deviation of the random weights. Toy models use √(2/width), which keeps the scores
    /// of a random model spread out enough (std ≈ 2) that its patterns are worth looking at.
    public var initStd: Float

    /// Key/value heads. Fewer than `heads` is grouped-query attention (Llama, Qwen2): query head h
    /// reads key/value head h / (heads / kvHeads). Defaults to `heads` (and follows it when `heads`
    /// changes, until set).
    public var kvHeads: Int {
        get { kvHeadsGiven ?? heads }
        set { kvHeadsGiven = newValue }
    }
    /// Width of one head's queries, keys and values (d_head). Defaults to width / heads (and follows
    /// width and heads, until set); T5 sets it apart: flan-t5-small has 6 heads of 64 in a width of 512.
    /// q is [T, heads·headWidth], k and v [T, kvHeads·headWidth].
    public var headWidth: Int {
        get { headWidthGiven ?? (heads > 0 ? width / heads : 0) }
        set { headWidthGiven = newValue }
    }
    private var kvHeadsGiven: Int?
    private var headWidthGiven: Int?
    /// A gated MLP: down(act(gate·x) ⊙ (up·x)), with a third matrix `gate` (SwiGLU in Llama with
    /// silu; T5 v1.1's gated-gelu with tanh-GELU).
    public var gatedMLP: Bool
    /// Learned positions read row position + offset of their table, which has maxLength + offset
    /// rows (BART keeps 2 unused rows first).
    public var positionOffset: Int
    /// The token embedding is multiplied by this before positions are added (BART/mBART's
    /// scale_embedding: √width).
    public var embeddingScale: Float
    /// Whether the model ends in logits. false for a bare encoder (BertModel such as
    /// all-MiniLM-L6-v2): `forward` returns the final hidden states [T, width], and there is no
    /// `logits` hook point.
    public var hasHead: Bool

    /// The width of the concatenated query heads, heads · headWidth (the output projection's input).
    public var attentionWidth: Int { heads * headWidth }
    /// The width of the concatenated key (or value) heads, kvHeads · headWidth.
    public var keyValueWidth: Int { kvHeads * headWidth }

    public init(width: Int, heads: Int, layers: Int, mlpWidth: Int, vocabularySize: Int, maxLength: Int,
                normPlacement: NormPlacement = .pre, normKind: NormKind = .layerNorm, normEpsilon: Float = 1e-5,
                positions: PositionScheme = .learned, scoreScaling: ScoreScaling = .inverseSqrtHeadDim,
                activation: Activation = .geluTanh, biases: Bool = true, embeddingNorm: Bool = false,
                tiedEmbeddings: Bool = true, scaleTiedLogits: Bool = false, initStd: Float? = nil,
                kvHeads: Int? = nil, headWidth: Int? = nil, gatedMLP: Bool = false, positionOffset: Int = 0,
                embeddingScale: Float = 1, hasHead: Bool = true) {
        self.width = width; self.heads = heads; self.layers = layers; self.mlpWidth = mlpWidth
        self.vocabularySize = vocabularySize; self.maxLength = maxLength
        self.normPlacement = normPlacement; self.normKind = normKind; self.normEpsilon = normEpsilon
        self.positions = positions; self.scoreScaling = scoreScaling; self.activation = activation
        self.biases = biases; self.embeddingNorm = embeddingNorm
        self.tiedEmbeddings = tiedEmbeddings; self.scaleTiedLogits = scaleTiedLogits
        self.initStd = initStd ?? (2 / Float(width)).squareRoot()
        self.kvHeadsGiven = kvHeads; self.headWidthGiven = headWidth
        self.gatedMLP = gatedMLP; self.positionOffset = positionOffset
        self.embeddingScale = embeddingScale; self.hasHead = hasHead
    }

    /// Whether `headWidth` was set rather than derived from width / heads.
    public var headWidthIsGiven: Bool { headWidthGiven != nil }
    /// Whether `kvHeads` was set rather than following `heads`.
    public var kvHeadsIsGiven: Bool { kvHeadsGiven != nil }

    /// Problems that make the configuration unusable, in words; empty when it is fine.
    public var problems: [String] {
        var found: [String] = []
        if !(normEpsilon >= 0 && normEpsilon.isFinite) {
            found.append("the norm's epsilon must be a finite number of at least 0, not \(normEpsilon)")
        }
        if width <= 0 || heads <= 0 || layers <= 0 || mlpWidth <= 0 || vocabularySize <= 0 || maxLength <= 0 {
            found.append("every size must be positive")
        } else if headWidthGiven == nil && width % heads != 0 {
            found.append("width \(width) is not divisible by \(heads) heads")
        }
        if heads <= 0 {
            // reported above
        } else if kvHeads <= 0 || headWidth <= 0 {
            found.append("key/value heads and head width must be positive")
        } else if heads % kvHeads != 0 {
            found.append("\(heads) heads are not divisible by \(kvHeads) key/value heads")
        }
        if case .rotary = positions, headWidth % 2 != 0 {
            found.append("rotary positions need an even head width, not \(headWidth)")
        }
        if case let .rotary(base, scaling) = positions {
            if !(base > 1) || !base.isFinite { found.append("rotary base must be a finite number above 1, not \(base)") }
            if case let .llama3(factor, low, high, original) = scaling,
               !(factor > 0) || !(low > 0) || !(high > low) || original <= 0 || !factor.isFinite || !high.isFinite {
                found.append("llama3 rotary scaling needs factor > 0, 0 < low < high frequency factors and positive original positions")
            }
        }
        if positionOffset < 0 || positionOffset > 1_024 { found.append("position offset must be in 0...1024, not \(positionOffset)") }
        if !embeddingScale.isFinite { found.append("embedding scale must be a finite number") }
        // Bounds far beyond any model attnlab runs, so that no count of parameters or FLOPs can
        // overflow and no allocation is sized from a typo in a config.json.
        if width > 65_536 || heads > 4_096 || kvHeads > 4_096 || headWidth > 65_536 || layers > 1_024 || mlpWidth > 262_144 || vocabularySize > 16_777_216
            || maxLength > 1_048_576 {
            found.append("sizes beyond attnlab's bounds (width 65536, heads 4096, layers 1024, MLP 262144, vocabulary 16777216, length 1048576)")
        }
        if case let .relativeBias(buckets, maxDistance) = positions, buckets < 4 || maxDistance < buckets / 2 {
            found.append("relative position bias needs at least 4 buckets and a max distance of at least half of them")
        }
        return found
    }
}

/// Small named sizes. The toy presets share one neutral flavour (pre-norm, layer norm, learned
/// positions, tanh-GELU, biases, tied unembedding) for all three architectures, so that an
/// encoder-only and a decoder-only model built from one seed have the very same weights and differ
/// by the mask alone.
public enum Preset: String, Sendable, CaseIterable {
    case nano, tiny, small
    case gpt2Small = "gpt2-small"

    /// The preset's shape for a vocabulary of `vocabularySize` ids (`config()`, in Tokenizer.swift,
    /// sizes it for the built-in tokenizer; the presets themselves know no tokenizer).
    public func config(vocabularySize: Int) -> ModelConfig {
        switch self {
        case .nano:
            ModelConfig(width: 16, heads: 2, layers: 2, mlpWidth: 64, vocabularySize: vocabularySize, maxLength: 64)
        case .tiny:
            ModelConfig(width: 64, heads: 4, layers: 2, mlpWidth: 256, vocabularySize: vocabularySize, maxLength: 128)
        case .small:
            ModelConfig(width: 128, heads: 8, layers: 4, mlpWidth: 512, vocabularySize: vocabularySize, maxLength: 1024)
        case .gpt2Small:
            // GPT-2 small's shape and arithmetic, with GPT-2's own initialisation scale.
            ModelConfig(width: 768, heads: 12, layers: 12, mlpWidth: 3072, vocabularySize: 50257, maxLength: 1024,
                        initStd: 0.02)
        }
    }
}
