import TensorCore

/// What one norm read and wrote: a backward pass recomputes mean and 1/std from the input, or
/// reads them off the two (as llm.c keeps `ln_mean`, `ln_rstd` beside `ln`).
public struct SavedNorm: Sendable {
    public let input: Tensor    // [T, d]
    public let output: Tensor   // [T, d]
}

/// What one attention sub-layer computed, as a backward pass needs it.
public struct SavedAttention: Sendable {
    /// The norm of this sub-layer: before it (pre-norm; `output` is the sub-layer's input) or after
    /// the residual addition (post-norm; `input` is x + attention(x)).
    public let norm: SavedNorm
    public let q: Tensor         // [Tq, d]  all heads side by side, as the projection writes them
    public let k: Tensor         // [Tk, d]  every key attended to (the cache's earlier rows too)
    public let v: Tensor         // [Tk, d]
    public let pattern: Tensor   // [H, Tq, Tk]  (a batch: [B·H, Tq, Tk], sequence b's head h at b·H + h)
    public let z: Tensor         // [Tq, d]  heads' weighted values, the output projection's input
}

/// What the MLP computed: its hidden layer before and after the activation.
public struct SavedMLP: Sendable {
    public let norm: SavedNorm
    public let pre: Tensor    // [T, mlpWidth]
    public let post: Tensor   // [T, mlpWidth]
}

/// The activations of one block that a backward pass needs, in the spirit of llm.c's
/// `ActivationTensors`: each sub-layer's input, its norm, q, k, v, the pattern, z, the MLP's
/// hidden layer, and the residual stream between sub-layers. Kept only for `Pass(saving: true)`.
/// In a batch every [T, …] tensor is the whole padded block, [B·T, …].
public struct SavedActivations: Sendable {
    public let residPre: Tensor                  // [T, d] the block's input
    public let selfAttention: SavedAttention
    public let residMid: Tensor                  // [T, d] after self-attention
    public let crossAttention: SavedAttention?   // decoder of an encoder-decoder model only
    public let mlp: SavedMLP
    public let residPost: Tensor                 // [T, d] the block's output
}

/// Collects one block's activations as the block computes them (only when the pass saves).
final class LayerSaver {
    enum Slot: Hashable {
        case residPre, residMid, residPost, mlpPre, mlpPost
        case normInput(HookPoint.Site), normOutput(HookPoint.Site)
        case q(HookPoint.Site), k(HookPoint.Site), v(HookPoint.Site), pattern(HookPoint.Site), z(HookPoint.Site)
    }
    private var tensors: [Slot: Tensor] = [:]

    func save(_ slot: Slot, _ tensor: Tensor) { tensors[slot] = tensor }

    /// Every slot a block writes is present; an empty tensor in the record would show a slot the
    /// block forgot (the tests check every field's shape).
    private func tensor(_ slot: Slot) -> Tensor { tensors[slot] ?? Tensor(zeros: [0]) }

    private func attention(_ site: HookPoint.Site, norm: HookPoint.Site) -> SavedAttention {
        SavedAttention(norm: SavedNorm(input: tensor(.normInput(norm)), output: tensor(.normOutput(norm))),
                       q: tensor(.q(site)), k: tensor(.k(site)), v: tensor(.v(site)),
                       pattern: tensor(.pattern(site)), z: tensor(.z(site)))
    }

    var record: SavedActivations {
        SavedActivations(
            residPre: tensor(.residPre),
            selfAttention: attention(.selfAttention, norm: .selfAttentionNorm),
            residMid: tensor(.residMid),
            crossAttention: tensors[.q(.crossAttention)] == nil ? nil : attention(.crossAttention, norm: .crossAttentionNorm),
            mlp: SavedMLP(norm: SavedNorm(input: tensor(.normInput(.mlpNorm)), output: tensor(.normOutput(.mlpNorm))),
                          pre: tensor(.mlpPre), post: tensor(.mlpPost)),
            residPost: tensor(.residPost))
    }
}
