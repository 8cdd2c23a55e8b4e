/// A named place in the forward pass where an activation can be read or replaced.
///
/// A hook point is a typed value — stack, layer, site, point — whose `name` is a path, like
/// TransformerLens's: `{stack}.{layer}.{site}.{point}` for what happens inside a block
/// (`decoder.3.cross_attn.pattern`), `{stack}.{layer}.resid_pre` for the residual stream,
/// `{stack}.embed` for a stack's input and `logits` for the output. Shapes:
///
///     {stack}.embed                       [T, d]        token (× scale, + type 0, + position) embeddings
///     {stack}.embed_norm.out              [T, d]        after the embedding norm (stacks that have one)
///     {stack}.L.resid_pre|resid_mid|resid_post  [T, d]  residual stream at block entry, after
///                                                       self-attention, at block exit
///     {stack}.L.{self,cross}_attn_norm.out [T, d]       what the sub-layer's norm wrote: its input
///                                                       (pre-norm) or the new residual (post-norm)
///     {stack}.L.{self,cross}_attn.q       [H, T, d_head]     (rotary models: rotated to their positions)
///     {stack}.L.{self,cross}_attn.k|v     [H_kv, T, d_head]  key/value heads; the rows computed in this
///                                                          call (self-attention k of a rotary model: rotated)
///     {stack}.L.{self,cross}_attn.scores  [H, Tq, Tk]   scaled QKᵀ (+ position bias), before the mask
///     {stack}.L.{self,cross}_attn.mask    [Tq, Tk]      1 = may attend, 0 = blocked
///     {stack}.L.{self,cross}_attn.pattern [H, Tq, Tk]   softmax output: rows sum to 1, blocked cells 0
///     {stack}.L.{self,cross}_attn.z       [T, H·d_head]  heads' weighted values, concatenated
///     {stack}.L.{self,cross}_attn.out     [T, d]        after the output projection
///     {stack}.L.mlp_norm.out              [T, d]
///     {stack}.L.mlp.pre, mlp.post         [T, mlpWidth]  the activation's input (up·x, or gate·x when gated)
///                                                       and the down projection's input
///     {stack}.L.mlp.out                   [T, d]
///     {stack}.final_norm.out              [T, d]        pre-norm models only
///     logits                              [T, vocab]     models with a head only
public struct HookPoint: Hashable, Sendable, CustomStringConvertible {
    /// What part of the model a hook point belongs to. The raw value is the site's part of the path.
    public enum Site: String, Sendable, CaseIterable {
        case embed
        case embeddingNorm = "embed_norm"
        /// The residual stream between sub-layers; its path has no site part (`decoder.0.resid_pre`).
        case residual = "resid"
        case selfAttentionNorm = "self_attn_norm"
        case selfAttention = "self_attn"
        case crossAttentionNorm = "cross_attn_norm"
        case crossAttention = "cross_attn"
        case mlpNorm = "mlp_norm"
        case mlp
        case finalNorm = "final_norm"
        case logits
        /// A name `init(_:)` could not read as a hook path; no model fires it.
        case unknown

        var isAttention: Bool { self == .selfAttention || self == .crossAttention }
        var isNorm: Bool { [.embeddingNorm, .selfAttentionNorm, .crossAttentionNorm, .mlpNorm, .finalNorm].contains(self) }
        /// Sites inside a block, whose paths carry a layer number.
        var inBlock: Bool { ![.embed, .embeddingNorm, .finalNorm, .logits, .unknown].contains(self) }
    }

    /// The activation at a site. The raw value is the last part of the path.
    public enum Point: String, Sendable, CaseIterable {
        case q, k, v, scores, mask, pattern, z, out, pre, post
        case residPre = "resid_pre", residMid = "resid_mid", residPost = "resid_post"

        var isResidual: Bool { self == .residPre || self == .residMid || self == .residPost }
    }

    /// nil for `logits` (and for an unknown name).
    public let stack: Stack?
    /// The block, for points inside one.
    public let layer: Int?
    public let site: Site
    /// nil for `{stack}.embed` and `logits`, whose site is the whole activation.
    public let point: Point?
    /// The path, e.g. `decoder.1.cross_attn.pattern`: what exports, lessons and `--hooks` use.
    public let name: String

    public var description: String { name }

    private init(stack: Stack?, layer: Int?, site: Site, point: Point?) {
        self.stack = stack; self.layer = layer; self.site = site; self.point = point
        var parts: [String] = []
        if let stack { parts.append(stack.rawValue) }
        if let layer { parts.append(String(layer)) }
        if site != .residual { parts.append(site.rawValue) }   // resid_pre names its site itself
        if let point { parts.append(point.rawValue) }
        name = parts.joined(separator: ".")
    }

    /// Reads a path such as `encoder.0.self_attn.q`. A name that is not a hook path keeps its text
    /// with site `.unknown` (use `init?(parsing:)` to find out).
    public init(_ name: String) {
        if let point = HookPoint(parsing: name) {
            self = point
        } else {
            stack = nil; layer = nil; site = .unknown; point = nil; self.name = name
        }
    }

    /// Reads a path such as `encoder.0.self_attn.q`; nil if it is not one.
    public init?(parsing name: String) {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if parts == ["logits"] { self = .logits; return }
        guard parts.count >= 2, let stack = Stack(rawValue: parts[0]) else { return nil }
        switch parts.count {
        case 2 where parts[1] == "embed":
            self = .embed(stack)
        case 3 where parts[2] == "out":
            guard let site = Site(rawValue: parts[1]), site == .embeddingNorm || site == .finalNorm else { return nil }
            self.init(stack: stack, layer: nil, site: site, point: .out)
        case 3:
            guard let layer = Int(parts[1]), layer >= 0, let point = Point(rawValue: parts[2]), point.isResidual else { return nil }
            self = .residual(stack, layer, point)
        case 4:
            guard let layer = Int(parts[1]), layer >= 0, let site = Site(rawValue: parts[2]), site.inBlock,
                  site != .residual, let point = Point(rawValue: parts[3]) else { return nil }
            guard Self.points(of: site).contains(point) else { return nil }
            self.init(stack: stack, layer: layer, site: site, point: point)
        default:
            return nil
        }
    }

    /// The points a site inside a block has.
    static func points(of site: Site) -> [Point] {
        switch site {
        case .selfAttention, .crossAttention: [.q, .k, .v, .scores, .mask, .pattern, .z, .out]
        case .mlp: [.pre, .post, .out]
        case .residual: [.residPre, .residMid, .residPost]
        case .embeddingNorm, .selfAttentionNorm, .crossAttentionNorm, .mlpNorm, .finalNorm: [.out]
        case .embed, .logits, .unknown: []
        }
    }

    // MARK: Constructors, one per kind of path

    /// `{stack}.embed`
    public static func embed(_ stack: Stack) -> HookPoint { HookPoint(stack: stack, layer: nil, site: .embed, point: nil) }
    /// `{stack}.embed_norm.out`
    public static func embeddingNorm(_ stack: Stack) -> HookPoint {
        HookPoint(stack: stack, layer: nil, site: .embeddingNorm, point: .out)
    }
    /// `{stack}.final_norm.out`
    public static func finalNorm(_ stack: Stack) -> HookPoint {
        HookPoint(stack: stack, layer: nil, site: .finalNorm, point: .out)
    }
    /// `{stack}.{layer}.resid_pre` (or `resid_mid`, `resid_post`).
    public static func residual(_ stack: Stack, _ layer: Int, _ point: Point) -> HookPoint {
        HookPoint(stack: stack, layer: layer, site: .residual, point: point)
    }
    /// `{stack}.{layer}.{site}.{point}`: an attention point, an MLP point or a block norm's `out`.
    public static func sublayer(_ stack: Stack, _ layer: Int, _ site: Site, _ point: Point) -> HookPoint {
        HookPoint(stack: stack, layer: layer, site: site, point: point)
    }
    /// `{stack}.{layer}.{point}` from a path tail such as `"self_attn.q"` or `"resid_pre"`.
    public static func block(_ stack: Stack, _ layer: Int, _ point: String) -> HookPoint {
        HookPoint("\(stack.rawValue).\(layer).\(point)")
    }
    public static let logits = HookPoint(stack: nil, layer: nil, site: .logits, point: nil)
}
