import ArgumentParser
import Foundation
import Heatmap
import Reports
import TensorCore
import Transformer

/// `attnlab mask`: a mask on its own, as the 0/1 grid attention uses.
struct MaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mask",
        abstract: "Show an attention mask: which positions each position may attend to.",
        discussion: """
            Rows are queries (the position that attends), columns are keys (the position attended to); \
            1 = may attend, 0 = blocked. --valid adds padding: keys at or past V are blocked, whatever the kind.

            Examples:
              attnlab mask causal --len 8
              attnlab mask prefix-lm --len 8 --prefix 3
              attnlab mask cross --len 4 --src-len 6 --valid 5
            """)

    @Argument(help: ArgumentHelp("The kind of mask.", valueName: MaskKind.allCases.map(\.rawValue).joined(separator: "|")))
    var kind: MaskKind

    @Option(parsing: .unconditional, help: "Sequence length (for cross: the decoder's length), 1...8192.")
    var len: Int

    @OptionGroup var parameters: MaskParameters
    var prefix: Int? { parameters.prefix }
    var window: Int? { parameters.window }

    @Option(parsing: .unconditional, help: "Padding: only keys before position V are real (padding and cross; combines with any kind).")
    var valid: Int?

    @Option(name: .customLong("src-len"), parsing: .unconditional, help: "cross: the encoder's length (the number of columns), 1...8192.")
    var srcLen: Int?

    @OptionGroup var output: OutputOptions

    static let largestPrinted = 64

    func validate() throws {
        try Limits.check(len, "--len", Limits.maskLength)
        try Limits.check(srcLen, "--src-len", Limits.maskLength)
        if kind == .prefixLM, prefix == nil { throw ValidationError("prefix-lm needs --prefix K") }
        if kind != .prefixLM, prefix != nil { throw ValidationError("--prefix goes with prefix-lm only") }
        if kind == .slidingWindow, window == nil { throw ValidationError("sliding-window needs --window W") }
        if kind != .slidingWindow, window != nil { throw ValidationError("--window goes with sliding-window only") }
        if kind == .cross, srcLen == nil { throw ValidationError("cross needs --src-len S, the encoder's length") }
        if kind != .cross, srcLen != nil { throw ValidationError("--src-len goes with cross only") }
        if kind == .padding, valid == nil { throw ValidationError("padding needs --valid V") }
        if let prefix, prefix > len { throw ValidationError("--prefix \(prefix) is longer than the sequence (--len \(len))") }
        try Limits.check(valid, "--valid", 0...8192)
    }

    /// The rule and the grid these options describe.
    var mask: (rule: MaskRule, grid: Tensor) {
        let keys = kind == .cross ? (srcLen ?? len) : len
        var rule = kind.rule(prefix: prefix ?? 0, window: window ?? 1, valid: valid ?? keys)
        if let valid, kind != .padding, kind != .cross { rule = rule && padding(valid: valid) }
        return (rule, rule.grid(queries: 0..<len, keys: keys))
    }

    func run() throws {
        let (rule, grid) = mask
        let (rows, cols) = (grid.shape[0], grid.shape[1])
        let png = output.pngPath
        try output.checkPictureFile()
        Console.say("\(rule.name) mask, \(rows) × \(cols): rows are queries, columns are keys; 1 = may attend, 0 = blocked")
        if rows <= Self.largestPrinted && cols <= Self.largestPrinted {
            Console.say(Self.format(grid))
        } else {
            let allowed = grid.scalars.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
            Console.say("too large to print (the grid is printed up to \(Self.largestPrinted) a side); \(allowed) of \(rows * cols) cells may attend")
        }
        if let png { try draw(rule: rule, grid: grid, to: png) }
        if output.json {
            try JSONLine.say(["mask": rule.name, "rows": rows, "columns": cols, "allowed": grid.scalars.map { $0 != 0 ? 1 : 0 }])
        }
    }

    /// The mask as a picture: allowed cells in colour, blocked ones grey and hatched — when padding
    /// is combined with another rule, each rule with a hatch of its own — and for a prefix-LM a
    /// line where the prefix ends.
    private func draw(rule: MaskRule, grid: Tensor, to path: String) throws {
        let (rows, cols) = (grid.shape[0], grid.shape[1])
        let size = kind == .cross ? "\(rows) decoder x \(cols) encoder tokens" : "\(rows) tokens"
        var matrix = LabelledMatrix(rows: rows, columns: cols, values: grid.scalars,
                                    rowLabels: (0..<rows).map(String.init), columnLabels: (0..<cols).map(String.init))
        var blockRules: [String] = []
        if let valid, kind != .padding, kind != .cross {
            let own = kind.rule(prefix: prefix ?? 0, window: window ?? 1), pad = padding(valid: valid)
            matrix.blockedBy = (0..<rows).flatMap { i in
                (0..<cols).map { j in UInt8(own.allows(i, j) ? 0 : 1) | UInt8(pad.allows(i, j) ? 0 : 2) }
            }
            blockRules = ["blocked by \(kind.rawValue): \(Self.blocks[kind] ?? "")", "blocked by padding: keys from \(valid) on are padding"]
        }
        let dividers = kind == .prefixLM && (1..<rows).contains(prefix ?? 0) ? AttentionPictures.prefixDividers(prefix ?? 0) : []
        let axes = AttentionPictures.axisTitles(cross: kind == .cross)
        let figure = MatrixFigure(title: "\(rule.name) mask, \(size)",
                                  subtitle: "1 = may attend, 0 = blocked; a rule about positions alone: no model, no weights",
                                  matrix: matrix, kind: .mask, rowTitle: axes.rows, columnTitle: axes.columns,
                                  blockRules: blockRules, dividers: dividers)
        try writePicture(figure, to: path)
        RunContext.drew(figure, file: path)
    }

    /// What each rule that padding can be combined with blocks, for the legend.
    static let blocks: [MaskKind: String] = [
        .bidirectional: "nothing", .causal: "the key comes after the query",
        .prefixLM: "a later key outside the prefix", .slidingWindow: "a later key, or one outside the window",
    ]

    /// The grid with key positions across the top and query positions down the side.
    static func format(_ grid: Tensor) -> String {
        let (rows, cols) = (grid.shape[0], grid.shape[1])
        let cell = String(max(rows, cols) - 1).count + 1
        func pad(_ s: String) -> String { String(repeating: " ", count: max(0, cell - s.count)) + s }
        var lines = [pad("") + " " + (0..<cols).map { pad(String($0)) }.joined()]
        for i in 0..<rows {
            lines.append(pad(String(i)) + " " + (0..<cols).map { pad(grid[i, $0] == 0 ? "0" : "1") }.joined())
        }
        return lines.joined(separator: "\n")
    }
}
