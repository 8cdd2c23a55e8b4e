import Foundation
import TensorCore
import Transformer

/// AdamW (Loshchilov & Hutter), step for step as PyTorch's `torch.optim.AdamW` computes it:
///
///     θ ← θ − lr·λ·θ                            decoupled weight decay (only where `decays(name)`)
///     m ← β₁·m + (1 − β₁)·g                     first moment: a running mean of the gradient
///     v ← β₂·v + (1 − β₂)·g²                    second moment: a running mean of its square
///     θ ← θ − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// The bias corrections undo the zeros m and v start from, so the first steps are not tiny.
/// The moments are kept by parameter name (the names `ModelWeights.visit` gives), so the state can
/// be written next to a checkpoint and read back with `init(restoring:step:)`.
public struct AdamW: Sendable {
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    /// λ, the decoupled weight decay; applied only to parameters for which `decays` says yes.
    public var weightDecay: Float
    /// Which parameters weight decay pulls towards zero. The default, `AdamW.decaysByDefault`,
    /// spares norms, biases and embeddings; set your own rule to decay them too.
    public var decays: @Sendable (String) -> Bool
    /// Updates taken so far; t in the bias corrections is `step` after the update.
    public private(set) var step: Int
    private var firstMoments: [String: Tensor]
    private var secondMoments: [String: Tensor]

    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0.01,
                decays: @escaping @Sendable (String) -> Bool = AdamW.decaysByDefault) {
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon; self.weightDecay = weightDecay
        self.decays = decays
        step = 0
        firstMoments = [:]
        secondMoments = [:]
    }

    /// An optimiser that carries on from a saved state: the tensors `tensors()` returned and the
    /// step count. Every parameter must have both moments; `update` checks them against the weights.
    public init(restoring tensors: [String: Tensor], step: Int, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0.01,
                decays: @escaping @Sendable (String) -> Bool = AdamW.decaysByDefault) throws {
        guard step >= 0 else { throw OptimiserError.state("the step count is \(step); it cannot be negative") }
        self.init(beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay, decays: decays)
        self.step = step
        for (key, tensor) in tensors {
            if key.hasPrefix(Self.firstPrefix) {
                firstMoments[String(key.dropFirst(Self.firstPrefix.count))] = tensor
            } else if key.hasPrefix(Self.secondPrefix) {
                secondMoments[String(key.dropFirst(Self.secondPrefix.count))] = tensor
            } else {
                throw OptimiserError.state("unexpected tensor \"\(key)\": moments are named m.<parameter> or v.<parameter>")
            }
        }
        if let lonely = Set(firstMoments.keys).symmetricDifference(secondMoments.keys).sorted().first {
            throw OptimiserError.state("parameter \(lonely) has only one of its two moments")
        }
        if step == 0 && !firstMoments.isEmpty {
            throw OptimiserError.state("moments were given for step 0, before any update")
        }
    }

    /// The state to save: `m.<parameter>` and `v.<parameter>` for every parameter (after the first
    /// update). Save `step` beside it.
    public func tensors() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, m) in firstMoments { out[Self.firstPrefix + name] = m }
        for (name, v) in secondMoments { out[Self.secondPrefix + name] = v }
        return out
    }

    private static let firstPrefix = "m.", secondPrefix = "v."

    /// No decay for norm scales and shifts, biases, or embeddings (token, position, relative
    /// position bias): decaying them pulls a norm's γ towards 0 or forgets rare tokens, and buys
    /// nothing against over-fitting. Every other matrix decays, a separate unembedding included.
    public static let decaysByDefault: @Sendable (String) -> Bool = { name in
        let parts = name.split(separator: ".")
        if parts.first == "embed" { return false }                      // embed.token, embed.position, embed.norm.*
        if parts.last == "bias" || parts.last == "relative_bias" { return false }
        if parts.count >= 2 && parts[parts.count - 2].hasSuffix("norm") { return false }   // {…}_norm.weight
        return true
    }

    /// One update of every parameter of `weights` with its gradient of the same name, at `learningRate`.
    /// Throws (changing nothing) if a gradient is missing or has the wrong shape, or if restored
    /// moments do not fit the weights.
    public mutating func update(_ weights: inout ModelWeights, gradients: ModelWeights, learningRate: Float) throws {
        let grads = namedTensors(gradients)
        try check(weights, against: grads)
        let t = step + 1
        // In Double, like PyTorch's Python floats; each parameter then steps in Float.
        let correction1 = 1 - pow(Double(beta1), Double(t))
        let correction2Root = (1 - pow(Double(beta2), Double(t))).squareRoot()
        let stepSize = Float(Double(learningRate) / correction1)
        let (b1, b2, eps, decay, rule) = (beta1, beta2, epsilon, weightDecay, decays)
        var m = firstMoments, v = secondMoments
        firstMoments = [:]; secondMoments = [:]   // so that m and v hold the only references
        weights.visit { name, parameter in
            guard let g = grads[name] else { return }   // checked above: every name has one
            // Taken out of the dictionaries so that they are updated in place, not copied.
            var mt = m.removeValue(forKey: name) ?? Tensor(zeros: parameter.shape)
            var vt = v.removeValue(forKey: name) ?? Tensor(zeros: parameter.shape)
            let shrink: Float = rule(name) ? 1 - learningRate * decay : 1
            for i in 0..<parameter.count {
                let gi = g.scalars[i]
                mt.scalars[i] = b1 * mt.scalars[i] + (1 - b1) * gi
                vt.scalars[i] = b2 * vt.scalars[i] + (1 - b2) * gi * gi
                let denominator = Float(Double(vt.scalars[i].squareRoot()) / correction2Root) + eps
                parameter.scalars[i] = parameter.scalars[i] * shrink - stepSize * mt.scalars[i] / denominator
            }
            m[name] = mt
            v[name] = vt
        }
        firstMoments = m
        secondMoments = v
        step = t
    }

    /// Every gradient present with its parameter's shape, and (once restored or started) a pair of
    /// moments of that shape for every parameter and for nothing else.
    private func check(_ weights: ModelWeights, against grads: [String: Tensor]) throws {
        let shapes = weights.parameterShapes
        for (name, shape) in shapes {
            guard let g = grads[name] else { throw OptimiserError.gradients("no gradient for \(name)") }
            guard g.shape == shape else {
                throw OptimiserError.gradients("the gradient of \(name) is \(g.shape), the parameter \(shape)")
            }
            if step == 0 { continue }
            guard let m = firstMoments[name], let v = secondMoments[name] else {
                throw OptimiserError.state("no moments for \(name)")
            }
            guard m.shape == shape && v.shape == shape else {
                throw OptimiserError.state("the moments of \(name) are \(m.shape), the parameter \(shape)")
            }
        }
        let names = Set(shapes.map(\.name))
        if let extra = Set(grads.keys).subtracting(names).sorted().first {
            throw OptimiserError.gradients("a gradient for \(extra), which the model does not have")
        }
        if let extra = Set(firstMoments.keys).subtracting(names).sorted().first {
            throw OptimiserError.state("moments for \(extra), which the model does not have")
        }
    }
}

/// What can go wrong when the optimiser steps or restores; each reads as one line for a user.
public enum OptimiserError: Error, CustomStringConvertible, Equatable {
    case gradients(String)
    case state(String)

    public var description: String {
        switch self {
        case .gradients(let what): "gradients do not fit the model: \(what)"
        case .state(let what): "optimiser state does not fit the model: \(what)"
        }
    }
}

/// Every tensor of `weights` by name.
func namedTensors(_ weights: ModelWeights) -> [String: Tensor] {
    var copy = weights
    var out: [String: Tensor] = [:]
    copy.visit { name, tensor in out[name] = tensor }
    return out
}

/// The L2 norm of all gradients together, as if they were one long vector.
public func globalNorm(_ gradients: ModelWeights) -> Float {
    var copy = gradients
    var sum: Double = 0   // a sum over millions of squares: accumulate in Double
    copy.visit { _, tensor in
        for x in tensor.scalars { sum += Double(x) * Double(x) }
    }
    return Float(sum.squareRoot())
}

/// Scales every gradient by the same factor so that their global norm is at most `maxNorm`, as
/// PyTorch's `clip_grad_norm_` does (the 1e-6 keeps a zero norm from dividing by zero).
/// Returns the norm before clipping: the number to log, since a spike in it warns of trouble.
@discardableResult
public func clipGlobalNorm(_ gradients: inout ModelWeights, maxNorm: Float) -> Float {
    let norm = globalNorm(gradients)
    let scale = maxNorm / (norm + 1e-6)
    guard scale < 1 else { return norm }
    gradients.visit { _, tensor in
        for i in 0..<tensor.count { tensor.scalars[i] *= scale }
    }
    return norm
}
