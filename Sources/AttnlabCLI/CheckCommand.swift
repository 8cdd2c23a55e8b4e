import ArgumentParser
import Foundation
import Heatmap
import TensorCore
import Transformer

/// `attnlab check`: claims about the architectures, computed rather than asserted.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a claim about the architectures by computing it.",
        subcommands: [CausalityCheck.self, TeacherForcingCheck.self])
}

/// `attnlab check causality`: change one token and see which positions notice.
struct CausalityCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "causality",
        abstract: "Change one token and print how far every position's output moved.",
        discussion: """
            A decoder's outputs before the changed position move by exactly 0: causal attention never \
            looks ahead. An encoder's outputs move everywhere. For encoder-decoder, --stack says whose \
            token changes: a decoder token (the default) or an encoder token, which every decoder position reads.
            """)

    @OptionGroup var model: ModelOptions

    @Option(help: "The text (the encoder's, for encoder-decoder).")
    var text = "the cat sat on the mat"

    @Option(help: "The decoder's text, for encoder-decoder.")
    var target = "le chat est sur le tapis"

    @Option(help: "Which position's token to change (default: the middle one). Position 0 is the first special token.")
    var position: Int?

    @Option(help: "The word to put there.")
    var to = "dog"

    @Option(help: "encoder-decoder only: change a token of the decoder (default) or of the encoder.")
    var stack: Stack?

    @Flag(help: "Use the words alone, without the architecture's special tokens ([CLS] … [SEP], <bos> …), so two architectures get the very same input.")
    var bare = false

    @Option(help: ArgumentHelp("Also plot the change per position.", valueName: "file"))
    var png: String?

    func run() throws {
        let built = try self.model.makeModel()
        let tokenizer = BuiltinTokenizer.shared
        let architecture = built.architecture
        let changed: Stack = architecture == .encoderOnly ? .encoder : (architecture == .decoderOnly ? .decoder : stack ?? .decoder)
        if stack != nil && architecture != .encoderDecoder { throw CLIError("--stack is for encoder-decoder models") }
        var streams: [Stack: [Token]] = [:]
        for s in architecture.stacks {
            let words = s == .decoder && architecture == .encoderDecoder ? target : text
            streams[s] = bare ? tokenizer.tokenize(words) : tokenizer.encode(words, for: s, of: architecture)
        }
        guard streams.values.allSatisfy({ $0.count >= 2 }) else { throw CLIError("the text needs at least two tokens to change one of them") }
        var tokens = streams[changed] ?? []
        let j = position ?? tokens.count / 2
        guard (0..<tokens.count).contains(j) else {
            throw CLIError("--position \(j) is outside the \(changed.rawValue) input's positions 0...\(tokens.count - 1)")
        }
        guard let newID = tokenizer.id(to.lowercased()), newID != tokens[j].id else {
            throw CLIError("--to '\(to)' must be a word of the built-in vocabulary, different from '\(tokens[j].text)'")
        }
        let before = ModelInput(encoder: streams[.encoder]?.map(\.id), decoder: streams[.decoder]?.map(\.id))
        let old = tokens[j].text
        tokens[j] = Token(id: newID, text: to)
        var after = before
        if changed == .encoder { after.encoder = tokens.map(\.id) } else { after.decoder = tokens.map(\.id) }

        let a = try built.forward(before), b = try built.forward(after)
        let outputStack: Stack = architecture == .encoderOnly ? .encoder : .decoder
        let labels = (streams[outputStack] ?? []).map(\.text)
        Console.say("\(self.model.summary)")
        Console.say("changed the \(changed.rawValue)'s token at position \(j): '\(old)' → '\(to)'")
        Console.say("how far each \(outputStack.rawValue) position's logits moved (largest |Δ| over the vocabulary):")
        var moved: [Double] = []
        for position in 0..<a.shape[0] {
            let delta = zip(a.row(position), b.row(position)).map { abs($0 - $1) }.max() ?? 0
            moved.append(Double(delta))
            let note = position == j && changed == outputStack ? "   ← the changed token" : ""
            Console.say("  position \(position) \(labels[position].padding(toLength: 8, withPad: " ", startingAt: 0)) "
                        + (delta == 0 ? "0 (exactly)" : String(format: "%.3g", delta)) + note)
        }
        if changed == outputStack {
            let earlier = moved.prefix(j)
            let untouched = earlier.allSatisfy { $0 == 0 }
            Console.say("positions before \(j): \(untouched ? "all unchanged, bit for bit" : "\(earlier.filter { $0 != 0 }.count) of \(j) moved")")
            Console.say("positions from \(j) on: \(moved.suffix(from: j).filter { $0 != 0 }.count) of \(moved.count - j) moved")
        } else {
            Console.say("decoder positions that moved: \(moved.filter { $0 != 0 }.count) of \(moved.count)")
        }
        if let png = png.map(RunContext.resolve) {
            let plot = LinePlot(title: "\(architecture.rawValue): change '\(old)' at position \(j)",
                                subtitle: "largest change of each position's logits; 0 means not affected at all",
                                xLabel: "position", yLabel: "largest |change| of the logits",
                                series: [.init(name: "\(outputStack.rawValue) positions", x: moved.indices.map(Double.init), y: moved)])
            try writePicture(plot.render(), to: png)
        }
    }
}

/// `attnlab check teacher-forcing`: one parallel pass against step-by-step decoding.
struct TeacherForcingCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "teacher-forcing",
        abstract: "Compare one parallel pass with step-by-step decoding through the KV cache.",
        discussion: """
            Training feeds the whole target at once (teacher forcing) and gets a prediction at every \
            position from one pass. Generating computes the same positions one at a time. The logits \
            must agree; the timings show what the parallel pass saves.
            """)

    @OptionGroup var model: ModelOptions

    @Option(help: "The decoder's text (decoder-only), or the encoder's (encoder-decoder).")
    var text = "the cat sat on the mat and the dog sat on the mat too"

    @Option(help: "The decoder's text, for encoder-decoder.")
    var target = "le chat est sur le tapis et le chien aussi"

    @Option(help: "A seeded random input of N tokens instead of text (each stack).")
    var tokens: Int?

    @Option(help: "Timed runs of each way (the median is reported).")
    var runs = 5

    @Flag(help: "End with one line of JSON: max_abs_diff, parallel_ms, sequential_ms, positions.")
    var json = false

    func validate() throws {
        guard model.arch != .encoderOnly else {
            throw ValidationError("teacher forcing is about generating models: use --arch decoder-only or encoder-decoder")
        }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        if let tokens, tokens < 1 { throw ValidationError("--tokens must be at least 1") }
        if let mask = model.mask, mask != .causal && mask != .slidingWindow {
            throw ValidationError("step-by-step decoding only sees the past, so it can match a causal mask (causal, sliding-window), not \(mask.rawValue)")
        }
    }

    func run() throws {
        let built = try self.model.makeModel()
        var inputOptions = try InputOptions.parse([])
        if let tokens { inputOptions.tokens = tokens } else {
            inputOptions.text = text
            if built.architecture == .encoderDecoder { inputOptions.target = target }
        }
        let (input, _) = try inputOptions.resolve(for: built, seed: self.model.resolvedSeed)
        let positions = input.decoder?.count ?? 0

        var parallel = try built.forward(input), sequential = try stepByStepLogits(built, input: input)
        let parallelMs = Timing.median(try (0..<runs).map { _ in try Timing.milliseconds { parallel = try built.forward(input) } })
        let sequentialMs = Timing.median(try (0..<runs).map { _ in try Timing.milliseconds { sequential = try stepByStepLogits(built, input: input) } })
        let difference = parallel.maxAbsDifference(sequential)

        Console.say(self.model.summary)
        Console.say("teacher forcing: one pass over all \(positions) decoder positions at once: \(String(format: "%.2f", parallelMs)) ms")
        Console.say("step by step with the KV cache: \(positions) passes of one token each: \(String(format: "%.2f", sequentialMs)) ms"
                    + " (\(String(format: "%.1f", sequentialMs / parallelMs))× the time)")
        Console.say("largest |difference| between the two sets of logits: \(String(format: "%.3g", difference))"
                    + (difference <= 1e-4 ? " (the same predictions, up to float rounding)" : " — they differ!"))
        if !(difference <= 1e-4) { throw CLIError("the parallel and step-by-step logits differ by \(difference)") }
        if json {
            let object: [String: Any] = ["max_abs_diff": Double(difference), "parallel_ms": Timing.rounded(parallelMs),
                                         "sequential_ms": Timing.rounded(sequentialMs), "positions": positions]
            Console.say(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        }
    }
}

extension Stack: ExpressibleByArgument {}
