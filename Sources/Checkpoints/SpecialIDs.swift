import Foundation

/// The token ids generation needs, from config.json and, where it has them, generation_config.json
/// (which transformers' `generate` reads first). Any may be absent.
public struct SpecialIDs: Sendable, Equatable {
    /// Beginning of sequence.
    public var bos: Int?
    /// End of sequence: generation stops at any of them (Llama 3 has several).
    public var eos: [Int]
    public var pad: Int?
    /// The token an encoder-decoder model's decoder starts from: BART's `decoder_start_token_id`
    /// (2, its `</s>`), T5's pad (0) when the file names none.
    public var decoderStart: Int?

    public init(bos: Int? = nil, eos: [Int] = [], pad: Int? = nil, decoderStart: Int? = nil) {
        self.bos = bos; self.eos = eos; self.pad = pad; self.decoderStart = decoderStart
    }

    /// The token to stop generating at: the first end-of-sequence id.
    public var stop: Int? { eos.first }

    static let generationFile = "generation_config.json"

    /// Reads config.json's ids, then lets generation_config.json (when the folder has one) say
    /// otherwise, field by field. A field of the wrong type throws, naming its file.
    static func read(config: JSONFile, folder: URL, encoderDecoder: Bool, modelType: String) throws -> SpecialIDs {
        var ids = SpecialIDs()
        var files = [config]
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent(generationFile).path) {
            files.append(try JSONFile.read(generationFile, in: folder, missing: "is missing"))
        }
        for file in files {
            if file.has("bos_token_id") { ids.bos = try file.int("bos_token_id") }
            if file.has("eos_token_id") { ids.eos = try file.ints("eos_token_id") }
            if file.has("pad_token_id") { ids.pad = try file.int("pad_token_id") }
            if file.has("decoder_start_token_id") { ids.decoderStart = try file.int("decoder_start_token_id") }
        }
        // transformers falls back to bos; T5's own convention is its pad token.
        if encoderDecoder && ids.decoderStart == nil { ids.decoderStart = modelType == "t5" ? ids.pad : ids.bos }
        return ids
    }
}
