import TensorCore

/// What one generation step produced, for a caller that shows the steps as they happen.
public struct GenerationStep: Sendable {
    public let index: Int              // 0 for the first generated token
    public let token: Int
    public let cache: KVCache?         // after this step's call, when generating with a cache
    public let sequenceLength: Int     // decoder tokens the model has seen, the chosen one excluded
    public let flops: Int              // matrix-product FLOPs of this step's decoder call
}

/// Greedy decoding: repeatedly append the most likely next token.
///
/// With `cached`, the prompt is run once (the "prefill"), and every later step runs the decoder on
/// the one new token, reading earlier keys and values from the KV cache. Without it, every step runs
/// the decoder over the whole sequence again. Both must choose the same tokens. An encoder's output
/// is computed once either way: the cache saves decoder work only.
///
/// - Parameters:
///   - input: the encoder input (encoder-decoder) and the decoder prompt (e.g. `<bos> …`).
///   - pass: hooks for each call (step 0 is the prompt); a fresh `Pass()` by default.
/// - Returns: the generated token ids (the prompt excluded).
public func generateGreedy(_ model: TransformerModel, input: ModelInput, steps: Int, cached: Bool,
                           stopAt stopToken: Int? = nil,
                           pass: (Int) -> Pass = { _ in Pass() },
                           observe: (GenerationStep) -> Void = { _ in }) throws -> [Int] {
    try model.validate(input)
    guard model.config.hasHead else { throw ModelError.config("a model without a head has no logits to choose tokens from") }
    let firstPass = pass(0)   // step 0's hooks also see the encoder, which runs once
    let memory = model.architecture == .encoderDecoder ? try model.encode(input.encoder ?? [], pass: firstPass) : nil
    var sequence = input.decoder ?? []
    var cache: KVCache? = cached ? KVCache(for: model.config) : nil
    var generated: [Int] = []
    var pending = sequence                       // tokens the next call has not seen yet
    // A sequence may fill every position: the token chosen from the last one is not fed back.
    for step in 0..<steps where sequence.count <= model.config.maxLength {
        let stepPass = step == 0 ? firstPass : pass(step)
        let (logits, flops) = try FlopCounter.measure {
            if cached { return try model.decode(pending, memory: memory, cache: &cache, pass: stepPass) }
            var none: KVCache? = nil
            return try model.decode(sequence, memory: memory, cache: &none, pass: stepPass)
        }
        let next = argmax(logits.row(logits.shape[0] - 1))
        observe(GenerationStep(index: step, token: next, cache: cache, sequenceLength: sequence.count, flops: flops))
        generated.append(next)
        sequence.append(next)
        pending = [next]
        if next == stopToken { break }
    }
    return generated
}

/// The decoder's logits [T, vocab] (hidden states [T, width] without a head) computed one token at
/// a time through the KV cache: position t's row comes from a call that saw only token t, reading
/// tokens 0..<t from the cache. Teacher forcing says this equals the single parallel pass of `forward`.
public func stepByStepLogits(_ model: TransformerModel, input: ModelInput, pass: Pass = Pass()) throws -> Tensor {
    try model.validate(input)
    let memory = model.architecture == .encoderDecoder ? try model.encode(input.encoder ?? [], pass: pass) : nil
    var cache: KVCache? = KVCache(for: model.config)
    var rows: [Tensor] = []
    for token in input.decoder ?? [] {
        rows.append(try model.decode([token], memory: memory, cache: &cache, pass: pass))
    }
    let columns = model.config.hasHead ? model.config.vocabularySize : model.config.width
    return Tensor(shape: [rows.count, columns], scalars: rows.flatMap(\.scalars))
}

/// Index of the largest value; the first one on ties, so the choice is deterministic.
public func argmax(_ values: [Float]) -> Int {
    var best = 0
    for i in values.indices where values[i] > values[best] { best = i }
    return best
}
