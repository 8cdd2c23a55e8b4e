/// Byte-pair encoding (GPT-2, RoBERTa, Llama, Qwen2): a word starts as single characters, and the
/// learnt merges join neighbouring pieces, the earliest-learnt merge first, until none applies.
///
/// A character the vocabulary lacks becomes its UTF-8 bytes' `<0xNN>` tokens with
/// `byteFallback`, or the unknown token (runs of unknowns fused into one with `fuseUnknown`).
struct BPEModel: Sendable {
    let vocabulary: Vocabulary
    /// (left id, right id) → (rank: the merge's place in the list, id of the merged token).
    let merges: [MergePair: (rank: Int, merged: Int)]
    let unknownId: Int?
    let continuingPrefix: Scalars?
    let endOfWordSuffix: Scalars?
    let fuseUnknown: Bool
    let byteFallback: Bool
    /// A word that is itself in the vocabulary is taken whole, before any merge (Llama 3).
    let ignoreMerges: Bool
    let byteIds: [Int?]

    struct MergePair: Hashable, Sendable {
        let left: Int32
        let right: Int32
    }

    static func parse(_ field: Field) throws(Field.Problem) -> BPEModel {
        let vocabulary = try Vocabulary.parseMap(field["vocab"])
        let prefix = try field["continuing_subword_prefix"].optionalString().map { Array($0.unicodeScalars) }
        var merges: [MergePair: (rank: Int, merged: Int)] = [:]
        // Ranks count the merges only: a "#version" line, left over from merges.txt, is skipped.
        let items = try field["merges"].array().filter { item in
            if case .string(let line)? = item.value { return !line.hasPrefix("#version") }
            return true
        }
        for (rank, item) in items.enumerated() {
            let (left, right) = try parseMerge(item)
            func id(_ token: Scalars, _ role: String) throws(Field.Problem) -> Int {
                guard let id = vocabulary.id(token) else {
                    throw item.problem("joins \(quoted(String(String.UnicodeScalarView(left)))) and "
                        + "\(quoted(String(String.UnicodeScalarView(right)))), but its \(role) is not in model.vocab")
                }
                return id
            }
            // The right piece loses its continuation prefix when joined, as in `tokenizers`.
            var joined = left
            joined += right.dropFirst(prefix.map { right.starts(with: $0) ? $0.count : 0 } ?? 0)
            let pair = MergePair(left: Int32(try id(left, "left token")), right: Int32(try id(right, "right token")))
            merges[pair] = (rank, try id(joined, "result \(quoted(String(String.UnicodeScalarView(joined))))"))
        }
        return BPEModel(
            vocabulary: vocabulary, merges: merges,
            unknownId: try unknownTokenId(field["unk_token"], in: vocabulary, required: false),
            continuingPrefix: prefix,
            endOfWordSuffix: try field["end_of_word_suffix"].optionalString().map { Array($0.unicodeScalars) },
            fuseUnknown: try field["fuse_unk"].bool(default: false),
            byteFallback: try field["byte_fallback"].bool(default: false),
            ignoreMerges: try field["ignore_merges"].bool(default: false),
            byteIds: byteTokenIds(in: vocabulary))
    }

    /// A merge written as `"a b"` (one space between two tokens) or as `["a", "b"]`.
    private static func parseMerge(_ item: Field) throws(Field.Problem) -> (Scalars, Scalars) {
        if case .string(let line)? = item.value {
            let parts = Array(line.unicodeScalars).split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw item.problem("is \(quoted(line)); a merge is two tokens separated by one space")
            }
            return (Array(parts[0]), Array(parts[1]))
        }
        let parts = try item.array()
        guard parts.count == 2 else { throw item.problem("must be two tokens, not \(parts.count)") }
        return (Array(try parts[0].string().unicodeScalars), Array(try parts[1].string().unicodeScalars))
    }

    func tokenize(_ word: Scalars) -> [Int] {
        if word.isEmpty { return [] }
        if ignoreMerges, let id = vocabulary.id(word) { return [id] }
        var symbols = initialSymbols(word)
        merge(&symbols)
        return symbols
    }

    /// The word's characters as ids (with the prefix and suffix where they apply), unknown ones
    /// as bytes or the unknown token. Like `tokenizers`, a pending unknown token is written only
    /// when a known character or the end of the word comes, after any byte tokens before it.
    private func initialSymbols(_ word: Scalars) -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(word.count)
        var pendingUnknown: Int?
        for (index, character) in word.enumerated() {
            var piece: Scalars = [character]
            if index > 0, let continuingPrefix { piece = continuingPrefix + piece }
            if index == word.count - 1, let endOfWordSuffix { piece += endOfWordSuffix }
            if let id = vocabulary.id(piece) {
                if let unknown = pendingUnknown { ids.append(unknown); pendingUnknown = nil }
                ids.append(id)
                continue
            }
            if byteFallback, let bytes = byteFallbackIds(piece, byteIds: byteIds) {
                ids += bytes
                continue
            }
            guard let unknownId else { continue }
            if pendingUnknown != nil && !fuseUnknown { ids.append(unknownId) }
            pendingUnknown = unknownId
        }
        if let unknown = pendingUnknown { ids.append(unknown) }
        return ids
    }

    /// Applies the merges in rank order, leftmost first among equals — the same queue of
    /// candidate merges `tokenizers` keeps, stale entries skipped, so ties fall the same way.
    private func merge(_ ids: inout [Int]) {
        guard ids.count > 1 else { return }
        // A doubly linked list over the symbols; a merged-away symbol has length 0.
        var symbols = ids.map { Symbol(id: $0, previous: -1, next: -1, alive: true) }
        for index in symbols.indices {
            symbols[index].previous = index - 1
            symbols[index].next = index + 1 < symbols.count ? index + 1 : -1
        }
        var queue = MinHeap<Candidate>()
        for index in 0..<(symbols.count - 1) {
            if let merge = merges[MergePair(left: Int32(symbols[index].id), right: Int32(symbols[index + 1].id))] {
                queue.push(Candidate(rank: merge.rank, position: index, merged: merge.merged))
            }
        }
        while let top = queue.pop() {
            let left = symbols[top.position]
            guard left.alive, left.next != -1 else { continue }
            let rightIndex = left.next
            let right = symbols[rightIndex]
            guard let current = merges[MergePair(left: Int32(left.id), right: Int32(right.id))], current.merged == top.merged else {
                continue  // this candidate is stale: one of its pieces has changed since
            }
            symbols[top.position].id = top.merged
            symbols[top.position].next = right.next
            symbols[rightIndex].alive = false
            if right.next != -1 { symbols[right.next].previous = top.position }
            let merged = symbols[top.position]
            if merged.previous != -1,
               let merge = merges[MergePair(left: Int32(symbols[merged.previous].id), right: Int32(merged.id))] {
                queue.push(Candidate(rank: merge.rank, position: merged.previous, merged: merge.merged))
            }
            if merged.next != -1, let merge = merges[MergePair(left: Int32(merged.id), right: Int32(symbols[merged.next].id))] {
                queue.push(Candidate(rank: merge.rank, position: top.position, merged: merge.merged))
            }
        }
        ids = symbols.filter(\.alive).map(\.id)
    }

    private struct Symbol {
        var id: Int
        var previous: Int
        var next: Int
        var alive: Bool
    }

    /// A merge that may apply at `position`: lower rank first, then further left.
    private struct Candidate: Comparable {
        let rank: Int
        let position: Int
        let merged: Int
        static func < (a: Candidate, b: Candidate) -> Bool { (a.rank, a.position) < (b.rank, b.position) }
        static func == (a: Candidate, b: Candidate) -> Bool { a.rank == b.rank && a.position == b.position }
    }
}

/// A binary min-heap.
struct MinHeap<Element: Comparable> {
    private var items: [Element] = []

    mutating func push(_ item: Element) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if items.isEmpty { return first }
        items[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count && items[left] < items[smallest] { smallest = left }
            if right < items.count && items[right] < items[smallest] { smallest = right }
            if smallest == parent { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
