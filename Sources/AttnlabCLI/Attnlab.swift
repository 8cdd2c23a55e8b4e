import ArgumentParser
import Foundation

/// The `attnlab` command: one subcommand per verb.
public struct Attnlab: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "attnlab",
        abstract: "See how transformers work: run encoder-only, decoder-only and encoder-decoder models, record their attention, and step through lessons.",
        version: "0.1.0",
        subcommands: [TraceCommand.self, MaskCommand.self, BenchCommand.self])

    public init() {}

    /// Parses and runs one command line (without the program name); returns the exit status.
    /// Help goes to standard output; an error is one line on standard error.
    public static func execute(_ arguments: [String]) -> Int32 {
        do {
            var command = try parseAsRoot(fillingOptionalValues(arguments))
            try command.run()
            return 0
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                Console.say(fullMessage(for: error))
                return 0
            }
            let message = message(for: error).split(separator: "\n").joined(separator: " ")
            Console.note("attnlab: \(message)")
            return code.rawValue
        }
    }

    /// Options whose value may be left out: given bare (last, or before another option), they get
    /// an empty value, which the command reads as "the default folder".
    static let optionalValueOptions: Set<String> = ["--png"]

    static func fillingOptionalValues(_ arguments: [String]) -> [String] {
        var out: [String] = []
        for (i, argument) in arguments.enumerated() {
            out.append(argument)
            let next = i + 1 < arguments.count ? arguments[i + 1] : nil
            if optionalValueOptions.contains(argument) && (next == nil || next!.hasPrefix("-")) {  // ok: checked for nil just before
                out.append("")
            }
        }
        return out
    }
}
