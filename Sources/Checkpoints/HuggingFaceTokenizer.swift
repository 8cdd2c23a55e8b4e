import Foundation
import Tokenizers
import Transformer

/// A checkpoint's own tokenizer.json (WordPiece, BPE or Unigram, read by the Tokenizers module),
/// framing text the way the model was trained to read it:
/// - an encoder, or a decoder-only model: the tokenizer's own post-processor (`[CLS] … [SEP]`,
///   `<s> … </s>`, `… </s>`, Llama's `<s> …`, or nothing for GPT-2);
/// - the decoder of an encoder-decoder model: the target shifted right, as in training — the
///   decoder's start token, then the target as the tokenizer frames it without its final end
///   token (which the decoder is only ever asked to predict, never to read).
/// Labels are tokens as a reader knows them (`TokenizerFile.displayLabel`: `␣the`, `##ing`, `中`).
public struct HuggingFaceTokenizer: Tokenizer {
    public let file: TokenizerFile
    public let specialIDs: SpecialIDs

    public init(file: TokenizerFile, specialIDs: SpecialIDs) {
        self.file = file
        self.specialIDs = specialIDs
    }

    public var vocabularySize: Int { file.vocabularySize }

    public func tokenize(_ text: String) -> [Token] { tokens(file.encode(text, addSpecialTokens: false)) }

    public func encode(_ text: String, for stack: Stack, of architecture: Architecture) -> [Token] {
        var ids = file.encode(text, addSpecialTokens: true)
        guard architecture == .encoderDecoder && stack == .decoder else { return tokens(ids) }
        if let last = ids.last, specialIDs.eos.contains(last) { ids.removeLast() }
        return tokens((specialIDs.decoderStart.map { [$0] } ?? []) + ids)
    }

    public func label(_ id: Int) -> String { file.displayLabel(id) }

    private func tokens(_ ids: [Int]) -> [Token] { ids.map { Token(id: $0, text: label($0)) } }
}

extension Checkpoint {
    /// The tokenizer for text given to a checkpoint: attnlab's own word-level tokenizer.json (its
    /// trained models, framed with <bos>/<eos> as the built-in tokenizer frames them), any other
    /// Hugging Face tokenizer.json, or — with none, or one that cannot be read — ids only,
    /// labelled by number, with text refused for the reason.
    public static func tokenizer(_ loaded: LoadedCheckpoint, folder: URL) -> any Tokenizer {
        let size = loaded.model.config.vocabularySize
        guard let json = loaded.tokenizerJSON else {
            return CheckpointTokenizer(idsOnly: size, because: "the checkpoint \(folder.path) has no tokenizer.json")
        }
        if isAttnlabWordLevel(json), let words = try? CheckpointTokenizer(json: json) { return words }
        let path = folder.appendingPathComponent(tokenizerFile).path
        do {
            let file = try TokenizerFile(json: json, file: path)
            guard file.vocabularySize <= size else {
                return CheckpointTokenizer(idsOnly: size, because: "\(path): has ids up to \(file.vocabularySize - 1), "
                                           + "but config.json's vocabulary has \(size) (ids 0...\(size - 1))")
            }
            return HuggingFaceTokenizer(file: file, specialIDs: loaded.specialIDs)
        } catch {
            return CheckpointTokenizer(idsOnly: size, because: error.description)
        }
    }

    /// Whether `json` is a word-level tokenizer as attnlab writes it: a WordLevel model split on
    /// whitespace with no normaliser and no post-processor. Any other WordLevel file goes through
    /// the Tokenizers module, which applies its normaliser, pre-tokeniser, unknown token and
    /// template as `tokenizers` does.
    static func isAttnlabWordLevel(_ json: Data) -> Bool {
        guard let root = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
              let model = root["model"] as? [String: Any], (model["type"] as? String ?? "WordLevel") == "WordLevel" else { return false }
        let split = (root["pre_tokenizer"] as? [String: Any])?["type"] as? String
        return root["normalizer"] is NSNull && root["post_processor"] is NSNull && split == "WhitespaceSplit"
    }
}
