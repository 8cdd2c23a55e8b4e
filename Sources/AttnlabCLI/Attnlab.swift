import ArgumentParser
import Foundation
import Reports

/// The `attnlab` command: one subcommand per verb.
public struct Attnlab: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "attnlab",
        abstract: "See how transformers work: run encoder-only, decoder-only and encoder-decoder models, record their attention, and step through lessons.",
        version: "0.1.0",
        subcommands: [LessonsCommand.self, LessonCommand.self, TraceCommand.self, MaskCommand.self, CheckCommand.self,
                      GenerateCommand.self, CountCommand.self, RankCommand.self, HeadsCommand.self, HooksCommand.self, TrainCommand.self, EvalCommand.self, PlotRunsCommand.self,
                      BenchCommand.self])

    public init() {}

    /// Ctrl-C and SIGTERM remove every temporary file and new folder a command has made so far,
    /// then exit with status 130. The executable calls this once; tests running commands
    /// in-process do not.
    public static func removeTemporaryFilesOnInterrupt() { Cleanup.installSignalHandlers() }

    /// Parses and runs one command line (without the program name); returns the exit status.
    /// Help goes to standard output; an error is one line on standard error.
    public static func execute(_ arguments: [String]) -> Int32 {
        do {
            var command: ParsableCommand
            do {
                command = try parseAsRoot(fillingOptionalValues(arguments))
            } catch where exitCode(for: error) != .success {
                // A misspelled command or option, named as written ("unknown command 'maks'")
                // rather than by whatever the parser tripped over next.
                if let unknown = CommandNames.attnlab?.problem(with: arguments) {
                    Console.note("attnlab: " + unknown.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\\n"))
                    return ExitCode.validationFailure.rawValue
                }
                throw error
            }
            try command.run()
            return 0
        } catch let exit as ExitCode {
            return exit.rawValue            // the command has said why already
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

    /// What is wrong with one command line of a lesson, or nil when it parses: a lesson is
    /// checked when it is loaded, so a typo is reported with its file and line before class starts.
    /// First what a lesson may not do at all (LessonSandbox), then names that attnlab does not
    /// know, as written ("unknown command 'maks'"), then whatever the parser finds.
    static func problem(with arguments: [String]) -> String? {
        if let refused = LessonSandbox.problem(with: arguments) { return refused }
        if let unknown = CommandNames.attnlab?.problem(with: arguments) { return unknown }
        do {
            _ = try parseAsRoot(fillingOptionalValues(arguments))
            return nil
        } catch {
            if exitCode(for: error) == .success { return "'\(arguments.joined(separator: " "))' only shows help; a lesson runs commands" }
            return message(for: error).split(separator: "\n").joined(separator: " ")
        }
    }

    /// Options whose value may be left out, by command: given bare (last, or before another
    /// option), they get an empty value, which the command reads as "the default folder".
    static let optionalValueOptions: [String: Set<String>] = ["trace": ["--png"]]

    static func fillingOptionalValues(_ arguments: [String]) -> [String] {
        guard let command = arguments.first, let options = optionalValueOptions[command] else { return arguments }
        var out: [String] = []
        for (i, argument) in arguments.enumerated() {
            out.append(argument)
            let next = i + 1 < arguments.count ? arguments[i + 1] : nil
            if options.contains(argument) && (next == nil || next!.hasPrefix("-")) {  // ok: checked for nil just before
                out.append("")
            }
        }
        return out
    }
}
