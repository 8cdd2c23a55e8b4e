/// A post-processor from tokenizer.json, as far as it concerns one sequence's ids: the special
/// tokens it puts around them (`[CLS] … [SEP]`, `<s> … </s>`, `… </s>`). Type ids, offsets and
/// pairs of sequences are not attnlab's concern.
indirect enum PostProcessor: Sendable {
    /// A template of pieces: `$A` for the sequence, special tokens (each one or more ids) around it.
    case template([TemplatePiece])
    /// `cls` before, `sep` after (BERT's and RoBERTa's processors).
    case surround(before: Int, after: Int)
    /// Changes offsets only (ByteLevel).
    case none
    case sequence([PostProcessor])

    enum TemplatePiece: Sendable {
        case sequence
        case special([Int])
    }

    static func parse(_ field: Field, idLimit: Int) throws(Field.Problem) -> PostProcessor? {
        if field.isMissingOrNull { return nil }
        let type = try field.typeName()
        switch type {
        case "TemplateProcessing": return try parseTemplate(field, idLimit: idLimit)
        case "BertProcessing", "RobertaProcessing":
            return .surround(before: try tokenAndId(field["cls"], idLimit: idLimit),
                             after: try tokenAndId(field["sep"], idLimit: idLimit))
        case "ByteLevel": return PostProcessor.none
        case "Sequence":
            return .sequence(try field["processors"].list { (item: Field) throws(Field.Problem) in try parse(item, idLimit: idLimit) })
        default:
            throw field["type"].problem("is \(quoted(type)); attnlab reads the post-processors TemplateProcessing, "
                + "BertProcessing, RobertaProcessing, ByteLevel and Sequence")
        }
    }

    /// `["[CLS]", 101]`: the id.
    private static func tokenAndId(_ field: Field, idLimit: Int) throws(Field.Problem) -> Int {
        let pair = try field.array()
        guard pair.count == 2 else { throw field.problem("must be a token and its id") }
        return try pair[1].index(below: idLimit)
    }

    private static func parseTemplate(_ field: Field, idLimit: Int) throws(Field.Problem) -> PostProcessor {
        var specials: [String: [Int]] = [:]
        if !field["special_tokens"].isMissingOrNull {
            for (name, entry) in try field["special_tokens"].members() {
                specials[name] = try entry["ids"].list { (id: Field) throws(Field.Problem) in try id.index(below: idLimit) }
            }
        }
        var pieces: [TemplatePiece] = []
        for item in try field["single"].array() {
            if !item["Sequence"].isMissingOrNull {
                pieces.append(.sequence)
            } else if !item["SpecialToken"].isMissingOrNull {
                let name = try item["SpecialToken"]["id"].string()
                guard let ids = specials[name] else {
                    throw item["SpecialToken"]["id"].problem("is \(quoted(name)), which post_processor.special_tokens does not list")
                }
                pieces.append(.special(ids))
            } else {
                throw item.problem("must be {\"Sequence\": …} or {\"SpecialToken\": …}")
            }
        }
        return .template(pieces)
    }

    /// `ids` with the special tokens around them.
    func frame(_ ids: [Int]) -> [Int] {
        switch self {
        case .template(let pieces):
            return pieces.flatMap { piece -> [Int] in
                switch piece {
                case .sequence: return ids
                case .special(let special): return special
                }
            }
        case .surround(let before, let after): return [before] + ids + [after]
        case .none: return ids
        case .sequence(let steps): return steps.reduce(ids) { $1.frame($0) }
        }
    }
}
