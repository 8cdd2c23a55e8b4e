import TensorCore
import Transformer

/// One forward pass with a tracer: the activations asked for, by hook-name glob, with their token
/// labels. Pictures also need each site's mask (to hatch blocked cells) and, to show them, the
/// raw scores; those are recorded beside what was asked without being part of it.
public struct Trace: Sendable {
    /// The recordings whose names match the glob asked for, in forward order.
    public let asked: [Recording]
    /// Every recording, the extra masks and scores included.
    public let all: [Recording]
    /// Query rows whose every key was blocked (their pattern rows are all 0).
    public let fullyBlockedRows: Int
    public let logits: Tensor

    /// - Parameters:
    ///   - hooks: globs over hook names, comma-separated (`*.pattern`, `decoder.0.*,logits`).
    ///   - alsoRecord: more globs recorded into `all` only (`*.mask,*.scores` for pictures).
    public init(_ model: TransformerModel, input: ModelInput, labels: [Stack: [String]],
                hooks: String, alsoRecord: String = "") throws {
        let tracer = Tracer(labels: labels)
        let pattern = alsoRecord.isEmpty ? hooks : hooks + "," + alsoRecord
        let pass = Pass(hooks: .recording(tracer, pattern: pattern))
        logits = try model.forward(input, pass: pass)
        let wanted = NamePattern(hooks)
        all = tracer.recordings
        asked = tracer.recordings.filter { wanted.matches($0.name) }
        fullyBlockedRows = pass.fullyBlockedRows
    }

    /// The recorded patterns, and with `scores` the raw scores of the same attention sites: what
    /// `AttentionPictures` draws.
    public func drawable(scores: Bool) -> [Recording] {
        let patterns = asked.filter { $0.name.hasSuffix(".pattern") }
        guard scores else { return patterns }
        let sites = Set(patterns.map { $0.name.dropLast(".pattern".count) })
        return patterns + all.filter { $0.name.hasSuffix(".scores") && sites.contains($0.name.dropLast(".scores".count)) }
    }
}
