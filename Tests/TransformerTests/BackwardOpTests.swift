import Foundation
import Testing
import TensorCore
@testable import Transformer

/// Every op's backward against central differences of the same op written out in Float64 here:
/// L = Σ w ⊙ f(inputs) for fixed random w, so dL/df = w is the upstream gradient handed to backward.
@Suite struct BackwardOpTests {
    // MARK: helpers

    /// Central differences of a Float64 function at x, one coordinate at a time.
    static func numeric(_ x: [Double], h: Double = 1e-5, _ f: ([Double]) -> Double) -> [Double] {
        var probe = x
        return x.indices.map { i in
            probe[i] = x[i] + h; let up = f(probe)
            probe[i] = x[i] - h; let down = f(probe)
            probe[i] = x[i]
            return (up - down) / (2 * h)
        }
    }

    static func expectClose(_ got: Tensor, _ want: [Double], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(got.count == want.count, "\(what): \(got.count) vs \(want.count)", sourceLocation: sourceLocation)
        let scale = want.reduce(0) { max($0, abs($1)) }
        let delta = zip(got.scalars, want).reduce(0) { max($0, abs(Double($1.0) - $1.1)) }
        #expect(delta <= 1e-4 * scale + 1e-6, "\(what): max |Δ| \(delta), max |grad| \(scale)", sourceLocation: sourceLocation)
    }

    static func random(_ shape: [Int], seed: UInt64, std: Float = 1) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return rng.uniformTensor(shape: shape, std: std)
    }

    static func doubles(_ t: Tensor) -> [Double] { t.scalars.map(Double.init) }
    static func dot(_ a: [Double], _ w: Tensor) -> Double { zip(a, w.scalars).reduce(0) { $0 + $1.0 * Double($1.1) } }

    // MARK: linear

    @Test(arguments: [true, false])
    func linear(withBias: Bool) {
        let (t, n, m) = (5, 4, 3)
        let x = Self.random([t, n], seed: 1), w = Self.random([m, n], seed: 2), b = Self.random([m], seed: 3)
        let upstream = Self.random([t, m], seed: 4)
        let layer = Linear(weight: w, bias: withBias ? b : nil)
        var grad = Linear(weight: Tensor(zeros: w.shape), bias: withBias ? Tensor(zeros: [m]) : nil)
        var dx = Tensor(zeros: x.shape)
        layer.backward(dx: &dx, grad: &grad, dy: upstream, x: x)

        func loss(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
            var out: [Double] = []
            for i in 0..<t { for o in 0..<m { out.append((0..<n).reduce(withBias ? b[o] : 0) { $0 + x[i * n + $1] * w[o * n + $1] }) } }
            return Self.dot(out, upstream)
        }
        let (xd, wd, bd) = (Self.doubles(x), Self.doubles(w), Self.doubles(b))
        Self.expectClose(dx, Self.numeric(xd) { loss($0, wd, bd) }, "dx")
        Self.expectClose(grad.weight, Self.numeric(wd) { loss(xd, $0, bd) }, "dW")
        if withBias { Self.expectClose(grad.bias ?? Tensor(zeros: [0]), Self.numeric(bd) { loss(xd, wd, $0) }, "db") }
    }

    // MARK: norms

    @Test(arguments: [(NormKind.layerNorm, true), (.layerNorm, false), (.rmsNorm, false)])
    func norm(kind: NormKind, withBeta: Bool) {
        let (t, d) = (4, 10)
        let x = Self.random([t, d], seed: 5, std: 2), gamma = Self.random([d], seed: 6), beta = Self.random([d], seed: 7)
        let upstream = Self.random([t, d], seed: 8)
        let eps: Float = 1e-5
        let norm = Norm(kind: kind, gamma: gamma, beta: withBeta ? beta : nil, epsilon: eps)
        var grad = Norm(kind: kind, gamma: Tensor(zeros: [d]), beta: withBeta ? Tensor(zeros: [d]) : nil, epsilon: eps)
        var dx = Tensor(zeros: x.shape)
        norm.backward(dx: &dx, grad: &grad, dy: upstream, x: x)

        func loss(_ x: [Double], _ g: [Double], _ b: [Double]) -> Double {
            var out: [Double] = []
            for i in 0..<t {
                let row = Array(x[(i * d)..<((i + 1) * d)])
                let mean = kind == .layerNorm ? row.reduce(0, +) / Double(d) : 0
                let ms = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(d)
                let r = 1 / (ms + Double(eps)).squareRoot()
                for c in 0..<d { out.append((row[c] - mean) * r * g[c] + (withBeta ? b[c] : 0)) }
            }
            return Self.dot(out, upstream)
        }
        let (xd, gd, bd) = (Self.doubles(x), Self.doubles(gamma), Self.doubles(beta))
        Self.expectClose(dx, Self.numeric(xd) { loss($0, gd, bd) }, "dx")
        Self.expectClose(grad.gamma, Self.numeric(gd) { loss(xd, $0, bd) }, "dγ")
        if withBeta { Self.expectClose(grad.beta ?? Tensor(zeros: [0]), Self.numeric(bd) { loss(xd, gd, $0) }, "dβ") }
    }

    // MARK: activations

    @Test(arguments: Activation.allCases)
    func activation(_ activation: Activation) {
        // 37 values (whole lanes and a tail), none within 1e-3 of ReLU's kink.
        var x = Self.random([37], seed: 9, std: 2)
        x.scalars = x.scalars.map { abs($0) < 1e-3 ? 0.5 : $0 }
        let upstream = Self.random([37], seed: 10)
        var dx = Tensor(zeros: x.shape)
        activation.backward(dx: &dx, dy: upstream, x: x)
        func f(_ v: Double) -> Double {
            switch activation {
            case .geluExact: 0.5 * v * (1 + erf(v / 2.0.squareRoot()))
            case .geluTanh: 0.5 * v * (1 + tanh((2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v)))
            case .relu: max(v, 0)
            case .silu: v / (1 + exp(-v))
            }
        }
        Self.expectClose(dx, Self.numeric(Self.doubles(x)) { Self.dot($0.map(f), upstream) }, "\(activation)")
    }

    // MARK: residual

    @Test func residualHandsTheGradientToBothTerms() {
        let upstream = Self.random([3, 4], seed: 11)
        var dx = Tensor(repeating: 1, shape: [3, 4]), dh = Tensor(zeros: [3, 4])
        addBackward(dx: &dx, dh: &dh, dy: upstream)
        #expect(dh == upstream && dx.scalars == upstream.scalars.map { $0 + 1 })
    }

    // MARK: cross-entropy

    @Test func crossEntropyWithIgnoredLabels() {
        let (rows, vocab) = (5, 11)
        let logits = Self.random([rows, vocab], seed: 12, std: 3)
        let labels = [3, CrossEntropy.ignoreLabel, 0, 10, CrossEntropy.ignoreLabel]
        var dLogits = Tensor(repeating: 7, shape: [rows, vocab])   // overwritten, ignored rows too
        let sum = dLogits.scalars.withUnsafeMutableBufferPointer { pd in
            logits.scalars.withUnsafeBufferPointer { pl in
                CrossEntropy.lossAndGradient(dLogits: pd.baseAddress!, logits: pl.baseAddress!, labels: labels,
                                             rows: rows, vocab: vocab, count: 3)
            }
        }
        func loss(_ l: [Double]) -> Double {
            var total = 0.0
            for (r, label) in labels.enumerated() where label != CrossEntropy.ignoreLabel {
                let row = l[(r * vocab)..<((r + 1) * vocab)]
                let m = row.max() ?? 0
                total += log(row.reduce(0) { $0 + exp($1 - m) }) + m - row[r * vocab + label]
            }
            return total / 3
        }
        let ld = Self.doubles(logits)
        #expect(abs(sum / 3 - loss(ld)) <= 1e-6 * loss(ld))
        Self.expectClose(dLogits, Self.numeric(ld, loss), "dlogits")
        #expect(dLogits.row(1).allSatisfy { $0 == 0 } && dLogits.row(4).allSatisfy { $0 == 0 })
    }
}
