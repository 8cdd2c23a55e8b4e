import Foundation
import Testing
@testable import TensorCore

@Suite struct FastMathTests {
    @Test func expMatchesLibm() {
        var worst: Double = 0
        for i in stride(from: -87.0, through: 88.7, by: 0.0137) {
            let x = Float(i)
            let relative = abs(Double(fastExp(x)) - Foundation.exp(Double(x))) / Foundation.exp(Double(x))
            worst = max(worst, relative)
        }
        #expect(worst < 5e-7, "worst relative error \(worst)")
        #expect(fastExp(-200) == 0)
        #expect(fastExp(88.7).isFinite && fastExp(89) == .infinity)
        #expect(fastExp(0) == 1)
    }

    @Test func erfMatchesLibm() {
        var worst: Float = 0
        for i in stride(from: -6.0, through: 6.0, by: 0.001) {
            let got = fastErf(Lanes(repeating: Float(i)))[0]
            worst = max(worst, abs(got - Float(Foundation.erf(i))))
        }
        #expect(worst < 5e-7, "worst absolute error \(worst)")
    }

    @Test func geluFormsMatchTheirDefinitions() {
        let xs = stride(from: -8.0, through: 8.0, by: 0.01).map { Float($0) }
        var exact = Tensor(shape: [xs.count], scalars: xs)
        var tanhForm = exact
        var relu = exact
        Activation.geluExact.apply(&exact)
        Activation.geluTanh.apply(&tanhForm)
        Activation.relu.apply(&relu)
        for (i, x) in xs.enumerated() {
            let d = Double(x)
            let wantExact = 0.5 * d * (1 + Foundation.erf(d / 2.0.squareRoot()))
            let wantTanh = 0.5 * d * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (d + 0.044715 * d * d * d)))
            #expect(abs(Double(exact.scalars[i]) - wantExact) < 2e-6)
            #expect(abs(Double(tanhForm.scalars[i]) - wantTanh) < 2e-6)
            #expect(relu.scalars[i] == max(0, x))
        }
    }
}

@Suite struct SoftmaxTests {
    @Test func rowsSumToOneAndBlockedCellsAreExactlyZero() {
        var rng = SeededGenerator(seed: 7)
        let scores = rng.uniformTensor(shape: [3, 13, 13], std: 3)
        var mask = Tensor(zeros: [13, 13])
        for i in 0..<13 { for j in 0...i { mask[i, j] = 1 } }     // lower triangle
        let (p, empty) = softmax(scores, mask: mask)
        #expect(empty == 0)
        for h in 0..<3 {
            for i in 0..<13 {
                var sum: Float = 0
                for j in 0..<13 {
                    let v = p[h, i, j]
                    if j > i { #expect(v == 0) } else { #expect(v > 0) }
                    sum += v
                }
                #expect(abs(sum - 1) <= 1e-5)
            }
        }
    }

    @Test func matchesDirectFormula() {
        let row: [Float] = [0.5, -1, 2, 3.25, -0.75, 0, 1, 1.5, -2, 0.1]
        let (p, _) = softmax(Tensor(shape: [1, row.count], scalars: row))
        let total = row.map { Foundation.exp(Double($0)) }.reduce(0, +)
        for (i, x) in row.enumerated() {
            #expect(abs(Double(p.scalars[i]) - Foundation.exp(Double(x)) / total) < 1e-6)
        }
    }

    @Test func fullyBlockedRowIsZeroAndReported() {
        let scores = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let mask = Tensor(shape: [2, 3], scalars: [0, 0, 0, 1, 0, 1])
        let (p, empty) = softmax(scores, mask: mask)
        #expect(empty == 1)
        #expect(p.row(0) == [0, 0, 0])
        #expect(!p.scalars.contains { $0.isNaN })
        #expect(p[1, 1] == 0)
        #expect(abs(p[1, 0] + p[1, 2] - 1) < 1e-6)
    }
}

@Suite struct NormTests {
    @Test func layerNormAndRMSNormMatchTheirDefinitions() {
        let x = Tensor(shape: [2, 4], scalars: [1, 2, 3, 4, -1, 0.5, 2, 8])
        let gamma = Tensor(shape: [4], scalars: [1, 2, 0.5, 1])
        let beta = Tensor(shape: [4], scalars: [0, 1, 0, -1])
        let ln = Norm(kind: .layerNorm, gamma: gamma, beta: beta, epsilon: 1e-5)(x)
        let rms = Norm(kind: .rmsNorm, gamma: gamma, beta: nil, epsilon: 1e-6)(x)
        for t in 0..<2 {
            let row = x.row(t).map(Double.init)
            let mean = row.reduce(0, +) / 4
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4
            let meanSquare = row.map { $0 * $0 }.reduce(0, +) / 4
            for i in 0..<4 {
                let wantLN = (row[i] - mean) / (variance + 1e-5).squareRoot() * Double(gamma.scalars[i]) + Double(beta.scalars[i])
                let wantRMS = row[i] / (meanSquare + 1e-6).squareRoot() * Double(gamma.scalars[i])
                #expect(abs(Double(ln[t, i]) - wantLN) < 1e-5)
                #expect(abs(Double(rms[t, i]) - wantRMS) < 1e-5)
            }
        }
    }
}

/// A row whose allowed scores are NaN has no softmax: it stays NaN (as PyTorch's does) and is not
/// counted as a row with every key blocked; a truly blocked row is all 0 and counted.
@Suite struct SoftmaxNaNTests {
    @Test func nanScoresStayNaNAndBlockedRowsStayZero() {
        var scores: [Float] = [.nan, .nan, 5,      // row 0: allowed cells NaN, the third blocked
                               1, 2, 3,            // row 1: every cell blocked
                               .nan, 0, 1]         // row 2: one NaN among finite scores
        let mask: [Float] = [1, 1, 0, 0, 0, 0, 1, 1, 1]
        let blocked = scores.withUnsafeMutableBufferPointer { s in
            mask.withUnsafeBufferPointer { m in maskedSoftmaxRows(s.baseAddress!, rows: 3, cols: 3, mask: m.baseAddress!) }
        }
        #expect(blocked == 1)
        // Each row alone: only the blocked one is counted.
        for (row, counted) in [(0, 0), (1, 1), (2, 0)] {
            var one = [Float](repeating: .nan, count: 3)
            let rowMask = Array(mask[(3 * row)..<(3 * row + 3)])
            let n = one.withUnsafeMutableBufferPointer { s in
                rowMask.withUnsafeBufferPointer { m in maskedSoftmaxRows(s.baseAddress!, rows: 1, cols: 3, mask: m.baseAddress!) }
            }
            #expect(n == counted, "row \(row)")
        }
        #expect(scores[0].isNaN && scores[1].isNaN && scores[2] == 0)
        #expect(scores[3...5].allSatisfy { $0 == 0 })
        #expect(scores[6...8].allSatisfy { $0.isNaN })
    }
}
