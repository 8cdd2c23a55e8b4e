import Classroom
import Foundation
import Reports

/// What a command in a lesson may not do. A lesson is a file a teacher hands to a class, so its
/// commands are untrusted input: they may write only into the lesson's own output folder, may not
/// start other programs, and must run something (not just ask for help). Lessons are checked with
/// this when they are loaded, and each command again just before it runs.
enum LessonSandbox {
    /// Options whose value is a path the command writes to. Any new option that writes a file or
    /// folder belongs here (`--html` is listed ahead of the command that will have it).
    /// `train --resume DIR` reads a saved model and writes it back, so a lesson may use it only
    /// inside its folder, like an output; `plot-runs --run DIR` reads a run the lesson trained, and
    /// is held to the lesson's folder the same way.
    static let outputOptions: Set<String> = ["--png", "--npy", "--out", "--html", "--resume", "--run"]
    /// Output options whose folder is replaced as a whole (a trained model's).
    static let replacingOptions: Set<String> = ["--out", "--resume"]

    /// Options that make attnlab start another program: `bench --torch` and `--matplotlib` run
    /// python3 on a script, and `--torch-script` / `--matplotlib-script` choose which script. A
    /// lesson could name any file on the machine as the script, so inside a lesson these are
    /// refused outright; a teacher who wants the comparison runs `attnlab bench` by hand.
    static let programOptions: Set<String> = ["--torch", "--torch-script", "--matplotlib", "--matplotlib-script"]

    /// Options that read a folder: `--model` reads a model, and its error lines would tell a lesson
    /// what is at any path, so in a lesson it takes only the bare name of a model in the lesson's
    /// folder, the models folder or the trained folder, or `trained:NAME` (`ModelLocation`), never a path.
    /// (`train --cache` writes into the trained folder, under a name made from its settings alone,
    /// which are checked numbers and names: the one folder outside its own a lesson writes to.)
    static let readOptions: Set<String> = ["--model"]

    /// Words that make a command print help (or the version, or the parser's description of
    /// itself) instead of running: a lesson's commands are there to be run.
    static let helpOptions: Set<String> = ["--help", "-h", "-help", "--version",
                                           "--experimental-dump-help", "--generate-completion-script"]

    /// Commands a lesson may not run: a lesson running lessons could run itself forever.
    static let lessonCommands: Set<String> = ["lesson", "lessons"]

    /// What is wrong with one lesson command's words (after "attnlab"), or nil when the sandbox
    /// allows it. Every word is looked at wherever it stands, even as another option's value: a
    /// lesson that really needs such a word in its text can quote around it.
    static func problem(with arguments: [String]) -> String? {
        if let bad = arguments.first(where: { $0.contains("\0") }) {
            return "the argument '\(shown(bad))' contains a NUL byte"
        }
        guard let command = arguments.first else { return "there is no command after 'attnlab'" }
        if lessonCommands.contains(command) {
            return "a lesson cannot run another lesson ('attnlab \(command)'): run it from the command line"
        }
        if let word = command == "help" ? "help" : arguments.map(optionName).first(where: helpOptions.contains) {
            return "'attnlab \(arguments.joined(separator: " "))' only shows \(word == "--version" ? "the version" : "help"), "
                + "and a lesson runs commands: leave out '\(word)' (students can ask for help from the command line)"
        }
        for (index, word) in arguments.enumerated() {
            let name = optionName(word)
            if programOptions.contains(name) {
                return "\(name) starts another program (python3), which a lesson may not do: "
                    + "run 'attnlab \(command) \(name)' from the command line instead"
            }
            if readOptions.contains(name) {
                let value = word.count > name.count ? String(word.dropFirst(name.count + 1))
                    : index + 1 < arguments.count ? arguments[index + 1] : ""
                if !ModelLocation.isModelName(value) {
                    return "\(name) '\(shown(value))' is a path, and a lesson may read only its own models and those in "
                        + "\(ModelLocation.modelsFolder)/ or \(ModelLocation.trainedFolder)/, by name (such as all-MiniLM-L6-v2, "
                        + "or trained:NAME): run 'attnlab \(command) \(name) DIR' from the command line instead"
                }
            }
            guard outputOptions.contains(name) else { continue }
            // `--png=x`, or `--png x`; a bare `--png` (trace's default folder) has nothing to check.
            let path = word.count > name.count ? String(word.dropFirst(name.count + 1))
                : index + 1 < arguments.count ? arguments[index + 1] : nil
            if let path, let problem = outputPathProblem(path) { return "\(name) '\(shown(path))': \(problem)" }
            // `train --out` and `--resume` replace their whole folder: the lesson's own folder is not theirs to replace.
            if let path, replacingOptions.contains(name), ["", "."].contains(normalized(path)) {
                return "\(name) '\(shown(path))' would replace the lesson's whole folder: name a folder inside it, such as 'model'"
            }
        }
        return nil
    }

    /// The value of every output option in `arguments` (`--png x`, `--png=x`); a bare option
    /// (trace's default folder) gives "".
    static func outputPaths(_ arguments: [String]) -> [(option: String, path: String)] {
        var paths: [(option: String, path: String)] = []
        for (index, word) in arguments.enumerated() {
            let name = optionName(word)
            guard outputOptions.contains(name) else { continue }
            if word.count > name.count {
                paths.append((name, String(word.dropFirst(name.count + 1))))
            } else if index + 1 < arguments.count, !arguments[index + 1].hasPrefix("-") {
                paths.append((name, arguments[index + 1]))
            } else {
                paths.append((name, ""))
            }
        }
        return paths
    }

    /// Why the command would write outside `folder` through a symbolic link, or nil when each of
    /// its output paths stays inside. The words were judged already (`problem(with:)`); a link
    /// that is already in the folder (`link -> /tmp`) can still lead a path such as
    /// `link/x.png` elsewhere. So each path is followed on the disk: the deepest part of it that
    /// exists (a link counts, even one that leads nowhere) is resolved with realpath, and must be
    /// the folder's own realpath or inside it. A bare option writes the command's default folder,
    /// which is not known here: then every link in the lesson's folder must stay inside it.
    static func linkProblem(with arguments: [String], in folder: String) -> String? {
        let paths = outputPaths(arguments)
        guard !paths.isEmpty else { return nil }
        guard let root = realPath(folder) else { return "the lesson's folder \(folder) cannot be resolved" }
        for (option, path) in paths {
            let target = path.isEmpty ? folder : (folder as NSString).appendingPathComponent(normalized(path))
            if let escape = escapes(target, root: root) {
                return "\(option) '\(shown(path))' leads outside the lesson's folder through a link (to \(shown(escape))); "
                    + "a lesson writes only into its own folder"
            }
        }
        let writesAFolder = paths.contains { option, path in
            path.isEmpty || Paths.isFolder((folder as NSString).appendingPathComponent(normalized(path)))
        }
        if writesAFolder {
            // Files are written inside an output folder too: any link in the lesson's folder could be one of them.
            if let (link, escape) = linkLeadingOutside(of: folder, root: root) {
                return "the lesson's folder holds a link that leads outside it (\(shown(link)) -> \(shown(escape))); "
                    + "a lesson writes only into its own folder, so remove the link"
            }
        }
        return nil
    }

    /// Where `path` really leads when that is outside `root`, else nil. The deepest existing
    /// part of `path` is resolved; a link that leads nowhere counts as leading outside.
    private static func escapes(_ path: String, root: String) -> String? {
        var existing = URL(fileURLWithPath: path).standardizedFileURL.path
        var info = stat()
        while lstat(existing, &info) != 0 && existing != "/" {
            existing = (existing as NSString).deletingLastPathComponent
        }
        guard let real = realPath(existing) else {
            return (try? FileManager.default.destinationOfSymbolicLink(atPath: existing)) ?? existing
        }
        return isInside(real, root) ? nil : real
    }

    /// The first link under `folder` that leads outside `root` (or nowhere), with where it leads.
    private static func linkLeadingOutside(of folder: String, root: String) -> (String, String)? {
        guard let walk = FileManager.default.enumerator(atPath: folder) else { return nil }
        var seen = 0
        while let relative = walk.nextObject() as? String, seen < 100_000 {
            seen += 1
            let path = (folder as NSString).appendingPathComponent(relative)
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK else { continue }
            if let escape = escapes(path, root: root) { return (relative, escape) }
        }
        return nil
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func isInside(_ path: String, _ root: String) -> Bool {
        path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    /// `--png=x` → `--png`; any other word as it is.
    static func optionName(_ word: String) -> String {
        guard word.hasPrefix("--"), let equals = word.firstIndex(of: "=") else { return word }
        return String(word[..<equals])
    }

    /// Why `path` is not a path inside the lesson's output folder, or nil when it is. Judged on
    /// the words alone: relative, no `~`, and no `..` that climbs above the folder at any point
    /// (`a/../b.png` stays inside; `a/../../x.png` and `../lesson/x.png` do not).
    static func outputPathProblem(_ path: String) -> String? {
        if path.contains("\0") { return "contains a NUL byte" }
        if path.hasPrefix("/") {
            return "is an absolute path; a lesson reads and writes only inside its own folder, so give a relative path such as 'picture.png'"
        }
        if path.hasPrefix("~") {
            return "starts with '~' (a home folder); a lesson reads and writes only inside its own folder, so give a relative path such as 'picture.png'"
        }
        var depth = 0
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..": depth -= 1
            default: depth += 1
            }
            if depth < 0 { return "goes above the lesson's folder with '..'; a lesson reads and writes only inside its own folder" }
        }
        return nil
    }

    /// The words with each output path written without `.` and `..` (`a/../b.png` → `b.png`), for
    /// a command the sandbox allows. The system would resolve `a/..` through whatever `a` is — a
    /// missing folder fails, a link leads elsewhere — so the runner hands over the path the
    /// check judged, not one the file system reinterprets.
    static func normalizingOutputPaths(_ arguments: [String]) -> [String] {
        var out = arguments
        for (index, word) in arguments.enumerated() {
            let name = optionName(word)
            guard outputOptions.contains(name) else { continue }
            if word.count > name.count {
                out[index] = name + "=" + normalized(String(word.dropFirst(name.count + 1)))
            } else if index + 1 < arguments.count {
                out[index + 1] = normalized(arguments[index + 1])
            }
        }
        return out
    }

    /// A relative path without `.` and `..` components; "" stays "" (a default folder), and a
    /// path that comes back to the folder itself is ".".
    static func normalized(_ path: String) -> String {
        guard !path.isEmpty, !path.hasPrefix("-") else { return path }
        var parts: [Substring] = []
        for component in path.split(separator: "/") {
            switch component {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(component)
            }
        }
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    /// A word as it can be shown on one line: a NUL as `\0`, other control characters escaped.
    static func shown(_ word: String) -> String {
        word.unicodeScalars.map { $0 == "\0" ? "\\0" : $0.properties.generalCategory == .control ? $0.escaped(asASCII: true) : String($0) }
            .joined()
    }
}

/// The names attnlab knows: its commands, their subcommands, and each one's options, taken from
/// the parser's own description of itself, so they cannot drift from the code. Used to name a
/// mistake as it was written ("unknown command 'maks'") before the parser reports something less
/// helpful ("Unknown option '--len'").
struct CommandNames: Sendable {
    struct Command: Sendable {
        var name: String
        var subcommands: [Command]
        /// Long and short option names with their dashes (`--len`, `-h`), and whether each takes a value.
        var options: [String: Bool]
    }

    let root: Command

    /// attnlab's own commands, or nil if the parser's description cannot be read (then the
    /// parser's messages are used as they are).
    static let attnlab: CommandNames? = {
        guard let data = Attnlab._dumpHelp().data(using: .utf8),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let command = json["command"] as? [String: Any] else { return nil }
        return CommandNames(root: read(command))
    }()

    private static func read(_ json: [String: Any]) -> Command {
        var options: [String: Bool] = [:]
        for argument in json["arguments"] as? [[String: Any]] ?? [] {
            let kind = argument["kind"] as? String
            guard kind == "option" || kind == "flag" else { continue }
            for name in argument["names"] as? [[String: Any]] ?? [] {
                guard let text = name["name"] as? String else { continue }
                let dashes = name["kind"] as? String == "long" ? "--" : "-"
                options[dashes + text] = kind == "option"
            }
        }
        // `help` is the parser's own: a lesson never wants it, and suggesting it would not help.
        let subcommands = (json["subcommands"] as? [[String: Any]] ?? []).map(read).filter { $0.name != "help" }
        return Command(name: json["commandName"] as? String ?? "", subcommands: subcommands, options: options)
    }

    /// The first command or option in `arguments` that attnlab does not have, named as written,
    /// with the nearest known name when one is close; nil when every name is known (the values
    /// are left to the parser).
    func problem(with arguments: [String]) -> String? {
        var command = root, path: [String] = [], rest = arguments[...]
        // The command, then its subcommand, while there are subcommands to choose from.
        while !command.subcommands.isEmpty {
            let names = command.subcommands.map(\.name)
            let list = names.joined(separator: ", ")
            guard let word = rest.first else {
                return path.isEmpty ? "no command given; the commands are \(list)"
                    : "'\(path.joined(separator: " "))' needs one of its commands: \(list)"
            }
            guard let next = command.subcommands.first(where: { $0.name == word }) else {
                let after = path.isEmpty ? "" : " for '\(path.joined(separator: " "))'"
                if word.hasPrefix("-") { return "expected a command\(after) before any option, got '\(word)'; the commands are \(list)" }
                let hint = closest(to: word, among: names).map { "; did you mean '\($0)'?" } ?? "; the commands are \(list)"
                return "unknown command '\(word)'\(after)\(hint)"
            }
            command = next
            path.append(word)
            rest = rest.dropFirst()
        }
        let known = Array(command.options.keys).sorted()
        var index = rest.startIndex
        while index < rest.endIndex {
            let word = rest[index]
            index += 1
            if word == "--" { break }                                       // the rest are values
            guard word.hasPrefix("-"), word.count > 1, Double(word) == nil else { continue }
            let name = LessonSandbox.optionName(word)
            guard let takesValue = command.options[name] else {
                let hint = closest(to: name, among: known).map { "; did you mean '\($0)'?" } ?? ""
                return "unknown option '\(name)' for '\(path.joined(separator: " "))'\(hint)"
            }
            // `--len 4`: skip the value, unless it is the next option (a value left out).
            if takesValue, name == word, index < rest.endIndex {
                let value = rest[index]
                if !value.hasPrefix("-") || Double(value) != nil { index += 1 }
            }
        }
        return nil
    }
}
