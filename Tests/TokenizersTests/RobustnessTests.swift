import Foundation
import Testing
@testable import Tokenizers

/// Any string at all gives ids in range, and the same ids every time: very long strings, runs of
/// combining marks with nothing to combine with, text made from invalid UTF-8, random characters.
@Suite struct RobustnessTests {
    static let hardStrings: [String] = [
        String(repeating: "a", count: 10_000),
        String(repeating: "中", count: 10_000),
        String(repeating: "😀", count: 3_000),
        String(repeating: "👨‍👩‍👧‍👦", count: 500),
        String(repeating: "\u{301}", count: 10_000),
        String(repeating: " ", count: 10_000),
        String(repeating: "\n\t", count: 5_000),
        String(repeating: "ab ", count: 3_400),
        String(repeating: "<s>", count: 3_000),
        String(repeating: "[CLS]x", count: 1_700),
        String(repeating: "1", count: 10_000),
        String(repeating: "'s", count: 5_000),
        // Invalid UTF-8 decoded the way Swift decodes it, with U+FFFD for every bad sequence.
        String(decoding: (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) }, as: UTF8.self),
        "\u{0}", "\u{FFFF}", "\u{10FFFF}", "\u{E0001}", "\u{FFFD}\u{FFFD}", "\u{301}", "\u{20DD}\u{20DD}", "\u{FE0F}",
        "\u{200D}", "\u{1F3FB}", "\u{E000}", "\u{85}\u{2028}", "\r", "\u{1B}[0m", "﷽",
    ]

    @Test(arguments: Fixtures.kinds)
    func everyStringGivesIdsInRange(kind: String) throws {
        let tokenizer = try Fixtures.tokenizer(kind)
        var random = SeededRandom(seed: 20_240_501)
        let strings = Self.hardStrings + (0..<300).map { _ in random.text(maxLength: 60) }
        let (before, after) = tokenizer.specialTokensAround
        for text in strings {
            let ids = tokenizer.encode(text, addSpecialTokens: false)
            #expect(ids.allSatisfy { (0..<tokenizer.vocabularySize).contains($0) }, "\(kind): \(shown(text))")
            #expect(tokenizer.encode(text, addSpecialTokens: false) == ids, "\(kind): not the same twice: \(shown(text))")
            #expect(tokenizer.encode(text, addSpecialTokens: true) == before + ids + after, "\(kind): \(shown(text))")
        }
        // Letters always give something; a word longer than WordPiece's 100 characters is unknown.
        let long = tokenizer.encode(String(repeating: "a", count: 10_000), addSpecialTokens: false)
        #expect(!long.isEmpty)
        if tokenizer.modelKind == .wordPiece { #expect(long == [tokenizer.unknownTokenId]) }
    }

    /// Runs of characters that Swift's own `\s` takes seconds over (each tested against its whole
    /// grapheme cluster) take milliseconds here, whatever regex the pre-tokenizer holds.
    @Test(arguments: ["bpe-gpt2", "bpe-llama3", "unigram-t5", "wordpiece-splits"])
    func longClustersAreQuick(kind: String) throws {
        let tokenizer = try Fixtures.tokenizer(kind)
        let start = Date()
        for text in [String(repeating: "\u{301}", count: 10_000), "a" + String(repeating: "\u{20DD}", count: 10_000)] {
            _ = tokenizer.encode(text)
        }
        #expect(Date().timeIntervalSince(start) < 3, "\(kind)")
    }

    @Test(arguments: Fixtures.kinds)
    func everyIdHasALabel(kind: String) throws {
        let tokenizer = try Fixtures.tokenizer(kind)
        for id in -2..<(tokenizer.vocabularySize + 2) {
            let label = tokenizer.displayLabel(id)
            #expect(!label.isEmpty, "\(kind): id \(id)")
            // Labels are printable: no control characters, no bare spaces.
            #expect(!label.unicodeScalars.contains { $0.properties.generalCategory == .control || $0 == " " },
                    "\(kind): id \(id) reads \(shown(label))")
        }
    }
}

/// A small deterministic generator (SplitMix64), for random strings that are the same every run.
struct SeededRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// Characters drawn from ranges where tokenizers differ: ASCII, Latin with accents, combining
    /// marks, CJK, Hangul, emoji and their modifiers, spaces and controls, private use.
    mutating func text(maxLength: Int) -> String {
        let ranges: [ClosedRange<UInt32>] = [
            0x20...0x7E, 0x20...0x7E, 0x20...0x7E, 0x00...0x1F, 0x80...0xFF, 0x300...0x36F, 0x370...0x3FF, 0x400...0x4FF,
            0x2000...0x206F, 0x3000...0x30FF, 0x4E00...0x4FFF, 0xAC00...0xAC80, 0x1F300...0x1F64F, 0x1F3FB...0x1F3FF,
            0xFE00...0xFE0F, 0xE000...0xE00F, 0xFF00...0xFF60,
        ]
        var text = String.UnicodeScalarView()
        for _ in 0..<below(maxLength + 1) {
            let range = ranges[below(ranges.count)]
            if let scalar = Unicode.Scalar(range.lowerBound + UInt32(below(Int(range.upperBound - range.lowerBound) + 1))) {
                text.append(scalar)
            }
        }
        return String(text)
    }
}
