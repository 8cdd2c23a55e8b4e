import TensorCore
import Transformer

/// How each task lays an input out for each architecture. Decoders read the target shifted right
/// (`<bos>` first) and are labelled with the token that follows each position, as in nanoGPT's
/// x = seq[:-1], y = seq[1:]; positions with nothing to learn get `Example.ignoreLabel`.
extension TrainingTask {
    /// copy, reverse, sort and count on the symbols `x`.
    func symbolic(_ x: [Int]) -> Example {
        if kind == .count { return counting(x) }
        let target: [Int]
        switch kind {
        case .reverse: target = x.reversed()
        case .sort: target = x.sorted()
        default: target = x
        }
        let ignore = Example.ignoreLabel
        switch architecture {
        case .decoderOnly:
            // <bos> x <sep> y <eos>, without its last token as input: the loss falls on the
            // positions from <sep> on, which predict y and then <eos>.
            let input = [Self.bos] + x + [Self.separator] + target
            let labels = Array(repeating: ignore, count: x.count + 1) + target + [Self.eos]
            return Example(input: ModelInput(decoder: input), labels: labels, targetStart: x.count + 1)
        case .encoderDecoder:
            return Example(input: ModelInput(encoder: x + [Self.eos], decoder: [Self.bos] + target),
                           labels: target + [Self.eos], targetStart: 0)
        case .encoderOnly:
            // Position i is labelled with target[i] (reverse: x[n-1-i]); no special tokens.
            return Example(input: ModelInput(encoder: x), labels: target, targetStart: 0)
        }
    }

    /// count: every position labelled with how often its symbol occurs in the whole of x.
    private func counting(_ x: [Int]) -> Example {
        var occurrences: [Int: Int] = [:]
        for symbol in x { occurrences[symbol, default: 0] += 1 }
        let counts = x.map { countLabel(occurrences[$0] ?? 1) }
        switch architecture {
        case .decoderOnly:
            // Each x[i] is labelled at its own position, not the one before: a causal model sees
            // only x[0...i] there, so it cannot know about later copies of x[i].
            return Example(input: ModelInput(decoder: [Self.bos] + x), labels: [Example.ignoreLabel] + counts,
                           targetStart: 1)
        case .encoderOnly:
            return Example(input: ModelInput(encoder: x), labels: counts, targetStart: 0)
        case .encoderDecoder:
            return Example(input: ModelInput(encoder: x, decoder: [Self.bos] + counts.dropLast()),
                           labels: counts, targetStart: 0)
        }
    }

    /// lm: `<bos> w₁ … wₙ`, each position labelled with the next word, the last with `<eos>`.
    func languageModelling(_ words: [Int]) -> Example {
        Example(input: ModelInput(decoder: [Self.bos] + words), labels: words + [Self.eos], targetStart: 0)
    }

    /// mlm as BERT does it: 15% of the words (at least one) are chosen; of those 80% become
    /// `<mask>`, 10% a random word and 10% stay as they are, and only they carry a loss. The random
    /// and unchanged ones keep the model from learning that only `<mask>` needs predicting.
    func maskedLanguageModelling(_ words: [Int], _ rng: inout SeededGenerator) -> Example {
        let chosen = Self.choose(max(1, Int((0.15 * Double(words.count)).rounded())), of: words.count, &rng)
        var input = words
        var labels = Array(repeating: Example.ignoreLabel, count: words.count)
        for position in chosen {
            labels[position] = words[position]
            switch rng.nextInt(below: 10) {
            case 0..<8: input[position] = Self.mask
            case 8: input[position] = firstWord + rng.nextInt(below: wordCount)
            default: break
            }
        }
        return Example(input: ModelInput(encoder: input), labels: labels, targetStart: 0)
    }

    /// `k` distinct indices of 0..<n, in increasing order (a partial Fisher–Yates shuffle).
    static func choose(_ k: Int, of n: Int, _ rng: inout SeededGenerator) -> [Int] {
        var indices = Array(0..<n)
        for i in 0..<min(k, n) { indices.swapAt(i, i + rng.nextInt(below: n - i)) }
        return indices.prefix(min(k, n)).sorted()
    }
}
