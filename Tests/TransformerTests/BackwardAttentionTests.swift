import Foundation
import Testing
import TensorCore
@testable import Transformer

/// Attention, the position-bias table, the embeddings and the unembedding backwards, against
/// central differences of the same ops in Float64 (helpers in BackwardOpTests).
@Suite struct BackwardAttentionTests {
    typealias T = BackwardOpTests

    /// Self-attention shapes (tq = tk) and cross-attention ones (tk ≠ tq), with a partly blocked
    /// row, a fully blocked row and a bias on the scores.
    @Test(arguments: [4, 5])
    func maskedAttention(keys tk: Int) throws {
        let (tq, heads, d) = (4, 2, 6)
        let dh = d / heads
        let scale: Float = 0.6
        let q = T.random([tq, d], seed: 20), k = T.random([tk, d], seed: 21), v = T.random([tk, d], seed: 22)
        let bias = T.random([heads, tq, tk], seed: 23)
        var mask = Tensor(repeating: 1, shape: [tq, tk])
        mask[1, 0] = 0; mask[1, 2] = 0                       // partly blocked
        for j in 0..<tk { mask[2, j] = 0 }                   // fully blocked: output 0, no gradient
        for j in 1..<tk { mask[3, j] = 0 }                   // one key only: pattern 1, score gradient 0
        let upstream = T.random([tq, d], seed: 24)
        let site = AttentionSite(stack: .decoder, layer: 0, kind: .selfAttention, sequence: 0, queryPositions: 0..<tq,
                                 keyStream: .decoder, keyCount: tk)
        let (_, pattern) = try attend(q: q, k: k, v: v, heads: heads, kvHeads: heads, scale: scale, mask: mask, bias: bias, site: site, pass: Pass())
        var dq = Tensor(zeros: q.shape), dk = Tensor(zeros: k.shape), dv = Tensor(zeros: v.shape)
        var dScores = Tensor(zeros: [heads, tq, tk])
        attendBackward(dq: &dq.scalars, dk: &dk.scalars, dv: &dv.scalars, dScores: &dScores.scalars,
                       dz: upstream.scalars, q: q.scalars, k: k.scalars, v: v.scalars, pattern: pattern.scalars,
                       queries: tq, keys: tk, width: d, heads: heads, scale: scale)

        func loss(_ q: [Double], _ k: [Double], _ v: [Double], _ b: [Double]) -> Double {
            var z = [Double](repeating: 0, count: tq * d)
            for h in 0..<heads {
                for i in 0..<tq {
                    let allowed = (0..<tk).filter { mask[i, $0] != 0 }
                    guard !allowed.isEmpty else { continue }
                    let s = allowed.map { j in
                        Double(scale) * (0..<dh).reduce(0) { $0 + q[i * d + h * dh + $1] * k[j * d + h * dh + $1] } + b[(h * tq + i) * tk + j]
                    }
                    let m = s.max() ?? 0
                    let e = s.map { exp($0 - m) }, total = e.reduce(0, +)
                    for (n, j) in allowed.enumerated() {
                        for c in 0..<dh { z[i * d + h * dh + c] += e[n] / total * v[j * d + h * dh + c] }
                    }
                }
            }
            return T.dot(z, upstream)
        }
        let (qd, kd, vd, bd) = (T.doubles(q), T.doubles(k), T.doubles(v), T.doubles(bias))
        T.expectClose(dq, T.numeric(qd) { loss($0, kd, vd, bd) }, "dq")
        T.expectClose(dk, T.numeric(kd) { loss(qd, $0, vd, bd) }, "dk")
        T.expectClose(dv, T.numeric(vd) { loss(qd, kd, $0, bd) }, "dv")
        T.expectClose(dScores, T.numeric(bd) { loss(qd, kd, vd, $0) }, "dscores")
        for h in 0..<heads {
            for i in 0..<tq { for j in 0..<tk where mask[i, j] == 0 { #expect(dScores[h, i, j] == 0, "blocked cell [\(h), \(i), \(j)]") } }
        }
        #expect(dq.row(2).allSatisfy { $0 == 0 }, "a fully blocked row hands nothing back")
    }

    @Test(arguments: [true, false])
    func relativeBiasTable(bidirectional: Bool) {
        let (buckets, heads, t) = (8, 2, 6)
        let table = T.random([buckets, heads], seed: 30)
        let upstream = T.random([heads, t, t], seed: 31)
        var dTable = Tensor(zeros: table.shape)
        relativePositionBiasBackward(dTable: &dTable, dBias: upstream, queries: 0..<t, keys: t,
                                     bidirectional: bidirectional, maxDistance: 8)
        func loss(_ table: [Double]) -> Double {
            var total = 0.0
            for h in 0..<heads {
                for i in 0..<t {
                    for j in 0..<t {
                        let b = relativePositionBucket(j - i, bidirectional: bidirectional, buckets: buckets, maxDistance: 8)
                        total += table[b * heads + h] * Double(upstream[h, i, j])
                    }
                }
            }
            return total
        }
        T.expectClose(dTable, T.numeric(T.doubles(table), loss), "dtable")
    }

    /// Token and learned-position rows collect the gradient of every real row that read them; padded
    /// rows (here given a gradient on purpose) are skipped.
    @Test func embeddingScatterAdd() throws {
        let config = ModelConfig(width: 4, heads: 1, layers: 1, mlpWidth: 4, vocabularySize: 6, maxLength: 8)
        let model = try TransformerModel.random(.decoderOnly, config, seed: 1)
        let sequences = [[1, 4, 1], [4, 2]]
        let layout = BatchLayout(lengths: sequences.map(\.count))
        let ids = BatchLayout.paddedIDs(sequences)
        let upstream = T.random([layout.totalRows, 4], seed: 32)
        var dTokens = Tensor(zeros: [6, 4]), dPositions: Tensor? = Tensor(zeros: [8, 4])
        model.embeddingBackward(dTokens: &dTokens, dPositions: &dPositions, dx: upstream, tokens: ids, layout: layout)
        func loss(_ e: [Double], _ p: [Double]) -> Double {
            var total = 0.0
            for b in 0..<layout.count {
                for (pos, row) in layout.real(b).enumerated() {
                    for c in 0..<4 { total += (e[ids[row] * 4 + c] + p[pos * 4 + c]) * Double(upstream[row, c]) }
                }
            }
            return total
        }
        let (ed, pd) = (T.doubles(model.weights.tokenEmbedding), T.doubles(try #require(model.weights.positionEmbedding)))
        T.expectClose(dTokens, T.numeric(ed) { loss($0, pd) }, "dtokens")
        T.expectClose(try #require(dPositions), T.numeric(pd) { loss(ed, $0) }, "dpositions")
    }

    @Test(arguments: [(true, true), (true, false), (false, false)])
    func unembedding(tied: Bool, scaled: Bool) throws {
        let config = ModelConfig(width: 4, heads: 1, layers: 1, mlpWidth: 4, vocabularySize: 6, maxLength: 8,
                                 tiedEmbeddings: tied, scaleTiedLogits: scaled)
        let model = try TransformerModel.random(.decoderOnly, config, seed: 2)
        let table = model.weights.unembedding ?? model.weights.tokenEmbedding
        let hidden = T.random([5, 4], seed: 33), upstream = T.random([5, 6], seed: 34)
        var dHidden = Tensor(zeros: hidden.shape), dTable = Tensor(zeros: table.shape)
        model.unembedBackward(dHidden: &dHidden, dTable: &dTable, dLogits: upstream, hidden: hidden, table: table)
        let s = tied && scaled ? 0.5 : 1.0   // width^-½
        func loss(_ h: [Double], _ e: [Double]) -> Double {
            var total = 0.0
            for t in 0..<5 { for v in 0..<6 { total += s * (0..<4).reduce(0) { $0 + h[t * 4 + $1] * e[v * 4 + $1] } * Double(upstream[t, v]) } }
            return total
        }
        let (hd, td) = (T.doubles(hidden), T.doubles(table))
        T.expectClose(dHidden, T.numeric(hd) { loss($0, td) }, "dhidden")
        T.expectClose(dTable, T.numeric(td) { loss(hd, $0) }, "dtable")
    }
}
