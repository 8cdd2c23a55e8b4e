import Foundation
import Testing
import TensorCore
@testable import Experiments
@testable import Transformer

/// Hand-built patterns whose heads' roles are known, so the measurement's answer is known.
@Suite struct HeadRolesTests {
    /// Six tokens, `[CLS] a b c d [SEP]`: 2 layers × 3 heads, every head spreading evenly but
    /// layer 0 head 1 (every row on [CLS]), layer 1 head 0 (row q on q − 1) and layer 1 head 2
    /// (row q on q + 1; the last row on itself).
    static let n = 6
    static let labels = ["[CLS]", "a", "b", "c", "d", "[SEP]"]

    static func head(_ weight: (Int, Int) -> Float) -> [Float] {
        (0..<n).flatMap { q in (0..<n).map { k in weight(q, k) } }
    }
    static let even = head { _, _ in 1 / Float(n) }
    static let toCLS = head { _, k in k == 0 ? 1 : 0 }
    static let previous = head { q, k in k == max(q - 1, 0) ? 1 : 0 }
    static let next = head { q, k in k == min(q + 1, n - 1) ? 1 : 0 }
    static let patterns = [Tensor(shape: [3, n, n], scalars: even + toCLS + even),
                           Tensor(shape: [3, n, n], scalars: previous + even + next)]

    func measurement(_ roles: HeadRoles, _ role: HeadRoles.Role) throws -> HeadRoles.Measurement {
        try #require(roles.measurements.first { $0.role == role })
    }

    @Test func eachRoleFindsTheHeadBuiltForIt() throws {
        let roles = try HeadRoles(patterns: Self.patterns, labels: Self.labels, special: [0, 5])
        #expect(roles.measurements.map(\.role) == [.sink(position: 0, label: "[CLS]"), .sink(position: 5, label: "[SEP]"),
                                                   .previousToken, .nextToken])
        let cls = try measurement(roles, .sink(position: 0, label: "[CLS]"))
        #expect(cls.strongest == HeadRoles.Head(layer: 0, head: 1, weight: 1))
        #expect(cls.pairs == 4)                                   // the four words as queries
        let previous = try measurement(roles, .previousToken)
        #expect(previous.strongest == HeadRoles.Head(layer: 1, head: 0, weight: 1))
        #expect(previous.pairs == 3)                              // b→a, c→b, d→c: not a→[CLS]
        let next = try measurement(roles, .nextToken)
        #expect(next.strongest == HeadRoles.Head(layer: 1, head: 2, weight: 1))
        #expect(next.pairs == 3)                                  // not d→[SEP]
        // A head spreading evenly scores exactly the even-spread baseline.
        for m in roles.measurements {
            #expect(abs(m.evenSpread - 1 / Float(Self.n)) < 1e-6)
            #expect(abs(m.weights[0][0] - m.evenSpread) < 1e-6)
        }
    }

    /// The special tokens are left out as neighbours: [SEP] is no word's "next token", so a head
    /// that sends every word to [SEP] is a sink, not a next-token head.
    @Test func aSinkOnTheLastTokenIsNotANextTokenHead() throws {
        let toSEP = Self.head { _, k in k == Self.n - 1 ? 1 : 0 }
        let roles = try HeadRoles(patterns: [Tensor(shape: [2, Self.n, Self.n], scalars: Self.even + toSEP)],
                                  labels: Self.labels, special: [0, 5])
        #expect(try measurement(roles, .nextToken).weights[0][1] == 0)
        #expect(try measurement(roles, .sink(position: 5, label: "[SEP]")).strongest.head == 1)
    }

    /// Under a causal mask no word may read the next one: its baseline is 0. A sink on the first
    /// token's baseline is the mean of 1/(q + 1) over the words.
    @Test func theBaselineFollowsTheMask() throws {
        let n = 4
        let causal = Tensor(shape: [n, n], scalars: (0..<n).flatMap { q in (0..<n).map { k in k <= q ? 1 : 0 } })
        let pattern = Tensor(shape: [1, n, n], scalars: (0..<n).flatMap { q in (0..<n).map { k in k <= q ? 1 / Float(q + 1) : 0 } })
        let roles = try HeadRoles(patterns: [pattern], mask: causal, labels: ["<bos>", "a", "b", "c"], special: [0])
        #expect(try measurement(roles, .nextToken).evenSpread == 0)
        let sink = try measurement(roles, .sink(position: 0, label: "<bos>"))
        #expect(abs(sink.evenSpread - (1.0 / 2 + 1.0 / 3 + 1.0 / 4) / 3) < 1e-6)
        #expect(abs(sink.strongest.weight - sink.evenSpread) < 1e-6)
    }

    @Test func rolesWithNothingToAverageAreLeftOut() throws {
        // One word between two special tokens: no neighbouring words at all.
        let roles = try HeadRoles(patterns: [Tensor(repeating: 1.0 / 3, shape: [1, 3, 3])], labels: ["[CLS]", "a", "[SEP]"], special: [0, 2])
        #expect(roles.measurements.map(\.role) == [.sink(position: 0, label: "[CLS]"), .sink(position: 2, label: "[SEP]")])
    }

    @Test func tiesGoToTheLowerLayerThenTheLowerHead() throws {
        let roles = try HeadRoles(patterns: [Tensor(repeating: 0.25, shape: [2, 4, 4]), Tensor(repeating: 0.25, shape: [2, 4, 4])],
                                  labels: ["a", "b", "c", "d"], special: [])
        #expect(roles.measurements.map(\.strongest) == [HeadRoles.Head(layer: 0, head: 0, weight: 0.25),
                                                         HeadRoles.Head(layer: 0, head: 0, weight: 0.25)])
        #expect(roles.measurements[0].ranked.map { [$0.layer, $0.head] } == [[0, 0], [0, 1], [1, 0], [1, 1]])
    }

    @Test func badInputIsAnError() {
        let square = Tensor(repeating: 0.5, shape: [1, 2, 2])
        #expect(throws: ExperimentError.self) { try HeadRoles(patterns: [], labels: [], special: []) }
        #expect(throws: ExperimentError.self) { try HeadRoles(patterns: [square, Tensor(repeating: 0.5, shape: [2, 2, 2])], labels: ["a", "b"], special: []) }
        #expect(throws: ExperimentError.self) { try HeadRoles(patterns: [square], labels: ["a"], special: []) }
        #expect(throws: ExperimentError.self) { try HeadRoles(patterns: [square], mask: Tensor(zeros: [3, 3]), labels: ["a", "b"], special: []) }
        #expect(throws: ExperimentError.self) { try HeadRoles(patterns: [square], labels: ["[CLS]", "[SEP]"], special: [0, 1]) }
    }

    @Test func specialPositionsAreWhatFramesTheWords() {
        #expect(HeadRoles.specialPositions(framed: [101, 5, 6, 7, 102], words: [5, 6, 7]) == [0, 4])
        #expect(HeadRoles.specialPositions(framed: [1, 5, 6], words: [5, 6]) == [0])
        #expect(HeadRoles.specialPositions(framed: [5, 6, 2], words: [5, 6]) == [2])
        #expect(HeadRoles.specialPositions(framed: [5, 6], words: [5, 6]) == [])
        // Not found as one run: every id the words do not have.
        #expect(HeadRoles.specialPositions(framed: [1, 5, 9, 6, 2], words: [5, 6]) == [0, 2, 4])
    }

    /// Run on a model: a decoder's next-token role is blocked by its causal mask, in every head.
    @Test func onADecoderTheNextTokenIsBlocked() throws {
        let model = try TransformerModel.random(.decoderOnly, Preset.nano.config(), seed: 1)
        let roles = try HeadRoles(model, input: ModelInput(decoder: [5, 60, 61, 62]), stack: .decoder,
                                  labels: [.decoder: ["<bos>", "a", "b", "c"]], special: [0])
        let next = try measurement(roles, .nextToken)
        #expect(next.evenSpread == 0 && next.weights.allSatisfy { $0.allSatisfy { $0 == 0 } })
        #expect(roles.patterns.count == model.config.layers)
        #expect(try measurement(roles, .previousToken).weights.flatMap { $0 }.contains { $0 > 0 })
    }
}
