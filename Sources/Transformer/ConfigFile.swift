import Foundation
import TensorCore

/// A model's `config.json`: its architecture and every field of its configuration, with
/// snake_case keys, as a checkpoint folder keeps it beside its weights:
///
///     { "architecture": "decoder-only", "width": 64, "heads": 4, "layers": 2, "mlp_width": 256,
///       "vocabulary_size": 512, "max_length": 128, "norm_placement": "pre", "norm_kind": "layer",
///       "norm_epsilon": 1e-05, "positions": { "kind": "learned" }, "score_scaling": "sqrt",
///       "activation": "gelu-tanh", "biases": true, "embedding_norm": false, "tied_embeddings": true,
///       "scale_tied_logits": false, "init_std": 0.17677669 }
///
/// `positions` is `{"kind": "learned"}`, `{"kind": "sinusoidal"}`,
/// `{"kind": "relative", "buckets": 32, "max_distance": 128}` or `{"kind": "rotary", "base": 10000}`
/// (with `"scaling": {"kind": "llama3", "factor": 8, "low_frequency_factor": 1,
/// "high_frequency_factor": 4, "original_max_positions": 8192}` for Llama 3.1's scaling).
///
/// The fields for Hugging Face model types — `kv_heads`, `head_width`, `gated_mlp`,
/// `position_offset`, `embedding_scale`, `has_head` — are written only when they differ from their
/// defaults (so older files stay as they were) and read as their defaults when absent.
public struct ConfigFile: Sendable, Equatable {
    public var architecture: Architecture
    public var config: ModelConfig

    public init(architecture: Architecture, config: ModelConfig) {
        self.architecture = architecture
        self.config = config
    }

    /// Reads `config.json` text. A missing or wrongly typed field throws `ModelError.configField`
    /// naming it; a configuration that reads but cannot work throws `ModelError.config`.
    public init(json data: Data) throws {
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
            throw ModelError.configField(field: "config.json", problem: "is not JSON (\(error.localizedDescription))")
        }
        guard let object = parsed as? [String: Any] else {
            throw ModelError.configField(field: "config.json", problem: "must be a JSON object of fields")
        }
        let fields = JSONFields(object) { ModelError.configField(field: $0, problem: $1) }
        architecture = try fields.choice("architecture", Architecture.self)
        config = ModelConfig(
            width: try fields.int("width"), heads: try fields.int("heads"), layers: try fields.int("layers"),
            mlpWidth: try fields.int("mlp_width"), vocabularySize: try fields.int("vocabulary_size"),
            maxLength: try fields.int("max_length"),
            normPlacement: try fields.choice("norm_placement", NormPlacement.self),
            normKind: try fields.choice("norm_kind", NormKind.self), normEpsilon: try fields.float("norm_epsilon"),
            positions: try Self.positions(fields.object("positions")),
            scoreScaling: try fields.choice("score_scaling", ScoreScaling.self),
            activation: try fields.choice("activation", Activation.self), biases: try fields.bool("biases"),
            embeddingNorm: try fields.bool("embedding_norm"), tiedEmbeddings: try fields.bool("tied_embeddings"),
            scaleTiedLogits: try fields.bool("scale_tied_logits"), initStd: try fields.float("init_std"),
            kvHeads: fields.has("kv_heads") ? try fields.int("kv_heads") : nil,
            headWidth: fields.has("head_width") ? try fields.int("head_width") : nil,
            gatedMLP: fields.has("gated_mlp") ? try fields.bool("gated_mlp") : false,
            positionOffset: fields.has("position_offset") ? try fields.int("position_offset") : 0,
            embeddingScale: fields.has("embedding_scale") ? try fields.float("embedding_scale") : 1,
            hasHead: fields.has("has_head") ? try fields.bool("has_head") : true)
        if let problem = config.problems.first { throw ModelError.config(problem) }
    }

    public static func read(_ url: URL) throws -> ConfigFile {
        try ConfigFile(json: Data(contentsOf: url))
    }

    /// The file's text: pretty-printed, keys sorted, so the same configuration gives the same bytes.
    public func json() throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }

    public func write(to url: URL) throws {
        try json().write(to: url, options: .atomic)
    }

    private var object: [String: Any] {
        let c = config
        var extras: [String: Any] = [:]
        if c.kvHeadsIsGiven { extras["kv_heads"] = c.kvHeads }
        if c.headWidthIsGiven { extras["head_width"] = c.headWidth }
        if c.gatedMLP { extras["gated_mlp"] = true }
        if c.positionOffset != 0 { extras["position_offset"] = c.positionOffset }
        if c.embeddingScale != 1 { extras["embedding_scale"] = Self.shortest(c.embeddingScale) }
        if !c.hasHead { extras["has_head"] = false }
        return extras.merging([
            "architecture": architecture.rawValue, "width": c.width, "heads": c.heads, "layers": c.layers,
            "mlp_width": c.mlpWidth, "vocabulary_size": c.vocabularySize, "max_length": c.maxLength,
            "norm_placement": c.normPlacement.rawValue, "norm_kind": c.normKind.rawValue,
            "norm_epsilon": Self.shortest(c.normEpsilon), "positions": Self.positionsObject(c.positions),
            "score_scaling": c.scoreScaling.rawValue, "activation": c.activation.rawValue, "biases": c.biases,
            "embedding_norm": c.embeddingNorm, "tied_embeddings": c.tiedEmbeddings,
            "scale_tied_logits": c.scaleTiedLogits, "init_std": Self.shortest(c.initStd),
        ]) { _, base in base }
    }

    /// A Float written as its shortest decimal (1e-05, not 9.99999974737875e-06); reads back exactly.
    private static func shortest(_ x: Float) -> Double { Double("\(x)") ?? Double(x) }

    private static func positionsObject(_ positions: PositionScheme) -> [String: Any] {
        switch positions {
        case .learned: ["kind": "learned"]
        case .sinusoidal: ["kind": "sinusoidal"]
        case let .relativeBias(buckets, maxDistance): ["kind": "relative", "buckets": buckets, "max_distance": maxDistance]
        case let .rotary(base, scaling):
            ["kind": "rotary", "base": shortest(base)].merging(scaling.map(scalingObject) ?? [:]) { a, _ in a }
        }
    }

    private static func scalingObject(_ scaling: RotaryScaling) -> [String: Any] {
        switch scaling {
        case let .llama3(factor, low, high, original):
            ["scaling": ["kind": "llama3", "factor": shortest(factor), "low_frequency_factor": shortest(low),
                         "high_frequency_factor": shortest(high), "original_max_positions": original]]
        }
    }

    private static func positions(_ fields: JSONFields) throws -> PositionScheme {
        switch try fields.string("kind") {
        case "learned": return .learned
        case "sinusoidal": return .sinusoidal
        case "relative": return .relativeBias(buckets: try fields.int("buckets"), maxDistance: try fields.int("max_distance"))
        case "rotary":
            guard fields.has("scaling") else { return .rotary(base: try fields.float("base"), scaling: nil) }
            let scaling = try fields.object("scaling")
            guard try scaling.string("kind") == "llama3" else {
                throw scaling.problem("kind", "must be llama3, the one rotary scaling attnlab reads")
            }
            return .rotary(base: try fields.float("base"), scaling: .llama3(
                factor: try scaling.float("factor"), lowFrequencyFactor: try scaling.float("low_frequency_factor"),
                highFrequencyFactor: try scaling.float("high_frequency_factor"),
                originalMaxPositions: try scaling.int("original_max_positions")))
        case let other:
            throw ModelError.configField(field: fields.name("kind"),
                                         problem: "must be learned, sinusoidal, relative or rotary, not \"\(other)\"")
        }
    }
}
